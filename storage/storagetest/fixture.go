package storagetest

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
)

// The fixture store, small enough to build in a few milliseconds and
// deterministic, so tests can name its SKUs, locations and suppliers:
//
//	Locations: Warehouse (WH, warehouse), Downtown Shop (DT, shop), Harbour Shop (HB, shop).
//	Suppliers: Summit Gear (7 days), Coastal Textiles (21 days, $500 minimum),
//	           Alpine Supply Co (14 days).
//	Products (vendor = primary supplier):
//	  Trail Runner Shoe   TRS-40 TRS-42 TRS-44        Summit Gear        $120.00 / cost $55.00
//	  Trekking Pole       POLE-AL POLE-CARBON         Summit Gear        $60 / $95, cost $25 / $42
//	  Rain Shell Jacket   SHELL-S SHELL-M SHELL-L     Coastal Textiles   $180 / cost $70
//	  Merino Beanie       BEANIE-RED BEANIE-NAVY      Coastal Textiles   $25 / cost $9, pack 4, MOQ 8
//	  Wool Socks          SOCK-M SOCK-L               Coastal Textiles   $18 / cost $6, pack 6, MOQ 12
//	  Camp Mug            MUG-STEEL MUG-ENAMEL        Alpine Supply Co   $18 / cost $5, pack 12
//	  Headlamp 300        LAMP-300                    Alpine Supply Co   $45 / cost $18
//	Summit Gear also sells MUG-STEEL (not primary, $4.50, 5 days).
//	Supplier unit costs are the variant cost less 10% (Summit Gear's MUG-STEEL aside).
//
// Starting stock (on_hand, through AdjustInventory): see Stock. POLE-CARBON
// has no stock anywhere (no level rows); LAMP-300 is stocked only at the
// Warehouse; socks never sell (dead stock).
// Sales: 60 days before Today at every location, from a fixed formula.
const (
	Warehouse    = "Warehouse"
	DowntownShop = "Downtown Shop"
	HarbourShop  = "Harbour Shop"

	SummitGear      = "Summit Gear"
	CoastalTextiles = "Coastal Textiles"
	AlpineSupply    = "Alpine Supply Co"

	// DefaultDomain is the domain Seed uses.
	DefaultDomain = "fixture.myshopify.com"
	// SalesDays is how many days of sales the fixture has, ending yesterday.
	SalesDays = 60
)

// Stock is the fixture's starting on_hand: SKU → location name → units.
var Stock = map[string]map[string]int64{
	"TRS-40":      {Warehouse: 30, DowntownShop: 6, HarbourShop: 4},
	"TRS-42":      {Warehouse: 40, DowntownShop: 8, HarbourShop: 5},
	"TRS-44":      {Warehouse: 25, DowntownShop: 3, HarbourShop: 2},
	"POLE-AL":     {Warehouse: 20, DowntownShop: 4},
	"SHELL-S":     {Warehouse: 15, DowntownShop: 3, HarbourShop: 3},
	"SHELL-M":     {Warehouse: 18, DowntownShop: 4, HarbourShop: 4},
	"SHELL-L":     {Warehouse: 12, DowntownShop: 2, HarbourShop: 1},
	"BEANIE-RED":  {Warehouse: 48, DowntownShop: 12, HarbourShop: 10},
	"BEANIE-NAVY": {Warehouse: 36, DowntownShop: 8, HarbourShop: 6},
	"SOCK-M":      {Warehouse: 60, DowntownShop: 12, HarbourShop: 12},
	"SOCK-L":      {Warehouse: 54, DowntownShop: 12, HarbourShop: 12},
	"MUG-STEEL":   {Warehouse: 72, DowntownShop: 24, HarbourShop: 12},
	"MUG-ENAMEL":  {Warehouse: 48, DowntownShop: 12, HarbourShop: 12},
	"LAMP-300":    {Warehouse: 10},
}

// Fixture is a seeded store and handles on its contents.
type Fixture struct {
	DB                *storage.DB
	Store             storage.Store
	ReadKey, WriteKey access.CreatedKey
	// Today is the day sales end (exclusive): the store's date by the
	// database clock when the fixture was seeded.
	Today     time.Time
	Variants  map[string]storage.Variant  // by SKU
	Locations map[string]storage.Location // by name
	Suppliers map[string]storage.Supplier // by name
}

// ReadPrincipal is the read key's principal, as Authenticate returns it.
func (f Fixture) ReadPrincipal() storage.Principal {
	return storage.Principal{Store: f.Store, Key: f.ReadKey.APIKey}
}

// WritePrincipal is the write key's principal.
func (f Fixture) WritePrincipal() storage.Principal {
	return storage.Principal{Store: f.Store, Key: f.WriteKey.APIKey}
}

// Actor is the write key acting.
func (f Fixture) Actor() storage.Actor { return storage.ActorFor(f.WritePrincipal()) }

// SKUs lists the fixture's SKUs in order.
func (f Fixture) SKUs() []string {
	out := make([]string, 0, len(f.Variants))
	for s := range f.Variants {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Level is a variant's quantities at a location.
type Level struct {
	OnHand, Committed, Incoming, Reserved, Damaged, SafetyStock, QualityControl, Available int64
}

// Level reads the stored quantities of sku at location (zero when there is
// no level row).
func (f Fixture) Level(t testing.TB, sku, location string) Level {
	t.Helper()
	v, ok := f.Variants[sku]
	if !ok {
		t.Fatalf("fixture has no SKU %q", sku)
	}
	l, ok := f.Locations[location]
	if !ok {
		t.Fatalf("fixture has no location %q", location)
	}
	var lv Level
	err := f.DB.Backend().QueryRow(context.Background(), `SELECT on_hand, committed, incoming, reserved, damaged, safety_stock,
		quality_control, available FROM inventory_levels WHERE store_id = $1 AND variant_id = $2 AND location_id = $3`,
		f.Store.ID, v.ID, l.ID).Scan(&lv.OnHand, &lv.Committed, &lv.Incoming, &lv.Reserved, &lv.Damaged, &lv.SafetyStock,
		&lv.QualityControl, &lv.Available)
	if err != nil && !errors.Is(err, backend.ErrNoRows) {
		t.Fatalf("reading the level of %s at %s: %v", sku, location, err)
	}
	return lv
}

// CheckLedger fails the test when any stored quantity of the store differs
// from the sum of its ledger rows.
func (f Fixture) CheckLedger(t testing.TB) {
	t.Helper()
	bad, err := f.DB.CheckLedger(context.Background(), f.Store.ID)
	if err != nil {
		t.Fatalf("checking the ledger: %v", err)
	}
	if len(bad) > 0 {
		t.Fatalf("ledger invariant broken: %+v", bad)
	}
}

type fixtureProduct struct {
	title, vendor, ptype string
	variants             []catalog.NewVariant
	pack, moq            int64
}

var fixtureProducts = []fixtureProduct{
	{"Trail Runner Shoe", SummitGear, "Footwear", []catalog.NewVariant{
		{SKU: "TRS-40", Barcode: "0400000000401", Option1: "40", PriceCents: 12000, CostCents: 5500},
		{SKU: "TRS-42", Barcode: "0400000000421", Option1: "42", PriceCents: 12000, CostCents: 5500},
		{SKU: "TRS-44", Barcode: "0400000000441", Option1: "44", PriceCents: 12000, CostCents: 5500},
	}, 1, 1},
	{"Trekking Pole", SummitGear, "Equipment", []catalog.NewVariant{
		{SKU: "POLE-AL", Option1: "Aluminium", PriceCents: 6000, CostCents: 2500},
		{SKU: "POLE-CARBON", Option1: "Carbon", PriceCents: 9500, CostCents: 4200},
	}, 1, 1},
	{"Rain Shell Jacket", CoastalTextiles, "Apparel", []catalog.NewVariant{
		{SKU: "SHELL-S", Option1: "S", Option2: "Blue", PriceCents: 18000, CostCents: 7000},
		{SKU: "SHELL-M", Option1: "M", Option2: "Blue", PriceCents: 18000, CostCents: 7000},
		{SKU: "SHELL-L", Option1: "L", Option2: "Blue", PriceCents: 18000, CostCents: 7000},
	}, 1, 1},
	{"Merino Beanie", CoastalTextiles, "Apparel", []catalog.NewVariant{
		{SKU: "BEANIE-RED", Option1: "Red", PriceCents: 2500, CostCents: 900},
		{SKU: "BEANIE-NAVY", Option1: "Navy", PriceCents: 2500, CostCents: 900},
	}, 4, 8},
	{"Wool Socks", CoastalTextiles, "Apparel", []catalog.NewVariant{
		{SKU: "SOCK-M", Option1: "M", PriceCents: 1800, CostCents: 600},
		{SKU: "SOCK-L", Option1: "L", PriceCents: 1800, CostCents: 600},
	}, 6, 12},
	{"Camp Mug", AlpineSupply, "Kitchen", []catalog.NewVariant{
		{SKU: "MUG-STEEL", Option1: "Steel", PriceCents: 1800, CostCents: 500},
		{SKU: "MUG-ENAMEL", Option1: "Enamel", PriceCents: 1800, CostCents: 500},
	}, 12, 12},
	{"Headlamp 300", AlpineSupply, "Equipment", []catalog.NewVariant{
		{SKU: "LAMP-300", PriceCents: 4500, CostCents: 1800},
	}, 1, 1},
}

// Seed builds the fixture store on db (domain DefaultDomain).
func Seed(t testing.TB, db *storage.DB) Fixture {
	t.Helper()
	return SeedStore(t, db, DefaultDomain)
}

// SeedStore builds the fixture store under another domain, for tests that
// need a second tenant with the same SKUs and names.
func SeedStore(t testing.TB, db *storage.DB, domain string) Fixture {
	t.Helper()
	return SeedStoreIn(t, db, domain, "")
}

// SeedStoreIn builds the fixture store under another domain in the time
// zone tz (IANA; empty is UTC): its sales end on the store's today.
func SeedStoreIn(t testing.TB, db *storage.DB, domain, tz string) Fixture {
	t.Helper()
	ctx := context.Background()
	st, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: domain, Name: "Fixture Outdoor Co", Timezone: tz})
	if err != nil {
		t.Fatalf("seeding the fixture store: %v", err)
	}
	f := Fixture{DB: db, Store: st, Today: storage.StoreDate(db.Now(), st.Timezone),
		Variants: map[string]storage.Variant{}, Locations: map[string]storage.Location{}, Suppliers: map[string]storage.Supplier{}}
	err = db.Backend().InTx(ctx, func(tx backend.Tx) error {
		for _, l := range []catalog.NewLocation{{Name: Warehouse, Code: "WH", Kind: "warehouse"},
			{Name: DowntownShop, Code: "DT", Kind: "shop"}, {Name: HarbourShop, Code: "HB", Kind: "shop"}} {
			loc, err := catalog.New(db).CreateLocation(ctx, tx, st.ID, l)
			if err != nil {
				return err
			}
			f.Locations[loc.Name] = loc
		}
		for _, s := range []catalog.NewSupplier{{Name: SummitGear, Email: "orders@summit.example", LeadTimeDays: 7},
			{Name: CoastalTextiles, Email: "sales@coastal.example", LeadTimeDays: 21, MinOrderCents: 50000},
			{Name: AlpineSupply, Email: "hello@alpine.example", LeadTimeDays: 14}} {
			sup, err := catalog.New(db).CreateSupplier(ctx, tx, st.ID, s)
			if err != nil {
				return err
			}
			f.Suppliers[sup.Name] = sup
		}
		for _, p := range fixtureProducts {
			cp, err := catalog.New(db).CreateProduct(ctx, tx, st.ID, catalog.NewProduct{Title: p.title, Vendor: p.vendor, ProductType: p.ptype, Variants: p.variants})
			if err != nil {
				return err
			}
			for _, v := range cp.Variants {
				f.Variants[v.SKU] = v
				if err := catalog.New(db).SetSupplierTerms(ctx, tx, st.ID, catalog.SupplierTerms{SupplierID: f.Suppliers[p.vendor].ID,
					VariantID: v.ID, SupplierSKU: "S-" + v.SKU, UnitCostCents: v.CostCents * 9 / 10,
					MinOrderQty: p.moq, PackSize: p.pack, Primary: true}); err != nil {
					return err
				}
			}
		}
		five := 5
		if err := catalog.New(db).SetSupplierTerms(ctx, tx, st.ID, catalog.SupplierTerms{SupplierID: f.Suppliers[SummitGear].ID,
			VariantID: f.Variants["MUG-STEEL"].ID, SupplierSKU: "SG-MUG", UnitCostCents: 450, PackSize: 6, LeadTimeDays: &five}); err != nil {
			return err
		}
		var changes []storage.Change
		for _, sku := range sortedKeys(Stock) {
			for _, loc := range sortedKeys(Stock[sku]) {
				changes = append(changes, storage.Change{VariantID: f.Variants[sku].ID, LocationID: f.Locations[loc].ID,
					Quantity: inventory.OnHand, Delta: Stock[sku][loc]})
			}
		}
		if _, err := catalog.New(db).AdjustInventory(ctx, tx, st.ID, storage.Actor{}, changes); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, "daily_sales", []string{"store_id", "variant_id", "location_id", "day", "units", "revenue_cents"}, f.sales())
		return err
	})
	if err != nil {
		t.Fatalf("seeding the fixture store: %v", err)
	}
	for i, scope := range []keys.Scope{keys.ScopeRead, keys.ScopeWrite} {
		k, err := access.New(db).CreateKey(ctx, st.ID, access.NewKey{Scope: scope, Label: "fixture " + string(scope),
			CreatedByName: "Fixture", CreatedByEmail: "fixture@example.com"})
		if err != nil {
			t.Fatalf("seeding the fixture keys: %v", err)
		}
		if i == 0 {
			f.ReadKey = k
		} else {
			f.WriteKey = k
		}
	}
	return f
}

// sales are SalesDays of daily sales ending yesterday. Shoes, shells and
// beanies sell most; socks never sell.
func (f Fixture) sales() [][]any {
	var rows [][]any
	skus := f.SKUs()
	for li, loc := range []string{Warehouse, DowntownShop, HarbourShop} {
		for vi, sku := range skus {
			if sku == "SOCK-M" || sku == "SOCK-L" {
				continue
			}
			v := f.Variants[sku]
			for d := 1; d <= SalesDays; d++ {
				units := int64((vi*7 + li*3 + d*5) % 4)
				if units == 0 {
					continue
				}
				rows = append(rows, []any{f.Store.ID, v.ID, f.Locations[loc].ID, f.Today.AddDate(0, 0, -d), units, units * v.PriceCents})
			}
		}
	}
	return rows
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
