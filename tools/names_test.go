package tools_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Names an assistant gets slightly wrong: reads take a unique
// case-insensitive or partial name; anything ambiguous or unknown, and any
// inexact name in a write, fails with the closest candidates (name and id).

func TestNamesReadsResolveUniqueInexactMatches(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		for _, c := range []struct{ tool, args, want string }{
			{"get_inventory_levels", `{"skus":["trs-40"]}`, `"sku":"TRS-40"`},
			{"get_inventory_levels", `{"skus":["LAMP"]}`, `"sku":"LAMP-300"`},
			{"get_inventory_levels", `{"skus":["TRS-40"],"location":"downtown"}`, `"Downtown Shop"`},
			{"get_inventory_levels", `{"skus":["TRS-40"],"location":"harbour"}`, `"Harbour Shop"`},
			{"list_reorder_rules", `{"supplier":"coastal"}`, `"items"`},
			{"get_supplier", `{"supplier":"alpine"}`, `"Alpine Supply Co"`},
			{"get_supplier", `{"supplier":"SUMMIT GEAR"}`, `"Summit Gear"`},
			{"get_demand", `{"sku":"mug-steel"}`, `"MUG-STEEL"`},
			{"get_demand", `{"sku":"MUG-STEEL","location":"harbour"}`, `"Harbour Shop"`},
			{"get_inventory_history", `{"sku":"trs-40","location":"ware"}`, `"location":"Warehouse"`},
			{"get_inventory_history", `{"sku":"LAMP"}`, `"sku":"LAMP-300"`},
		} {
			text := e.get(t, c.tool, c.args, nil)
			if !strings.Contains(text, c.want) {
				t.Errorf("%s %s: answer does not show %s: %.300s", c.tool, c.args, c.want, text)
			}
		}
	})
}

func TestNamesAmbiguousOrUnknownListCandidates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		id := func(kind, name string) string {
			switch kind {
			case "location":
				return fmt.Sprintf(`"%s" (location_id %d`, name, e.Locations[name].ID)
			case "supplier":
				return fmt.Sprintf(`"%s" (supplier_id %d`, name, e.Suppliers[name].ID)
			}
			return fmt.Sprintf(`"%s" (variant_id %d`, name, e.Variants[name].ID)
		}
		for _, c := range []struct {
			tool, args string
			want       []string
		}{
			{"list_purchase_orders", `{"location":"Shop"}`, []string{id("location", "Downtown Shop"), id("location", "Harbour Shop")}},
			{"list_purchase_orders", `{"location":"Dwntown"}`, []string{id("location", "Downtown Shop")}},
			{"list_purchase_orders", `{"supplier":"Sumit Gear"}`, []string{id("supplier", "Summit Gear")}},
			{"get_supplier", `{"supplier":"Costal Textile"}`, []string{id("supplier", "Coastal Textiles")}},
			{"get_inventory_levels", `{"skus":["TRS-4"]}`, []string{id("sku", "TRS-40"), id("sku", "TRS-42"), id("sku", "TRS-44")}},
			{"get_inventory_levels", `{"skus":["TRS-04"]}`, []string{id("sku", "TRS-40")}},
			{"get_inventory_levels", `{"skus":["SHEL-M"]}`, []string{id("sku", "SHELL-M")}},
			{"get_inventory_history", `{"sku":"BEANIE-NAVI"}`, []string{id("sku", "BEANIE-NAVY")}},
			{"get_inventory_history", `{"sku":"TRS-40","location":"Dwntown"}`, []string{id("location", "Downtown Shop")}},
			{"get_demand", `{"sku":"TRS-40","location":"Shop"}`, []string{id("location", "Downtown Shop"), id("location", "Harbour Shop")}},
		} {
			e.bad(t, c.tool, c.args, c.want...)
		}
	})
}

func TestNamesWritesNeverActOnAGuess(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		locID := func(n string) string { return fmt.Sprintf(`"%s" (location_id %d`, n, e.Locations[n].ID) }
		for _, c := range []struct {
			tool, args string
			want       []string
		}{
			{"create_purchase_order", `{"supplier":"summit","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":5}]}`,
				[]string{fmt.Sprintf(`"Summit Gear" (supplier_id %d`, e.Suppliers["Summit Gear"].ID), "never"}},
			{"create_purchase_order", `{"supplier":"Summit Gear","location":"downtown","lines":[{"sku":"TRS-40","quantity":5}]}`,
				[]string{locID("Downtown Shop")}},
			{"create_purchase_order", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"trs-40","quantity":5}]}`,
				[]string{fmt.Sprintf(`"TRS-40" (variant_id %d`, e.Variants["TRS-40"].ID)}},
			{"create_transfer", `{"from_location":"Wareh","to_location":"DT","lines":[{"sku":"TRS-40","quantity":1}]}`,
				[]string{locID("Warehouse")}},
			{"start_stock_take", `{"location":"Harbor Shop"}`, []string{locID("Harbour Shop")}},
			{"set_reorder_rules", `{"rules":[{"sku":"LAMP","min":3}]}`, []string{fmt.Sprintf(`"LAMP-300" (variant_id %d`, e.Variants["LAMP-300"].ID)}},
			{"create_supplier_return", `{"supplier":"Alpine","location":"Warehouse","lines":[{"sku":"LAMP-300","quantity":1}]}`,
				[]string{fmt.Sprintf(`"Alpine Supply Co" (supplier_id %d`, e.Suppliers["Alpine Supply Co"].ID)}},
		} {
			e.refused(t, c.tool, c.args, c.want...)
		}
		// Exact names, codes and ids, and a location or supplier name in
		// another case, are not guesses.
		e.ok(t, "create_purchase_order", `{"supplier":"summit gear","location":"wh","lines":[{"sku":"TRS-40","quantity":5}],"dry_run":true}`, nil)
		e.ok(t, "create_purchase_order", fmt.Sprintf(`{"supplier":%d,"location":"warehouse","lines":[{"variant_id":%d,"quantity":5}],"dry_run":true}`,
			e.Suppliers["Summit Gear"].ID, e.Variants["TRS-40"].ID), nil)
	})
}

// Another store's locations, suppliers and SKUs are never candidates.
func TestNamesCandidatesStayInTheStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		ctx := context.Background()
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			if _, err := catalog.New(db).CreateLocation(ctx, tx, other.Store.ID, catalog.NewLocation{Name: "Secret Depot", Code: "SEC"}); err != nil {
				return err
			}
			if _, err := catalog.New(db).CreateSupplier(ctx, tx, other.Store.ID, catalog.NewSupplier{Name: "Secret Supplies"}); err != nil {
				return err
			}
			_, err := catalog.New(db).CreateProduct(ctx, tx, other.Store.ID, catalog.NewProduct{Title: "Secret Thing", Variants: []catalog.NewVariant{{SKU: "SECRET-1"}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ tool, args string }{
			{"list_purchase_orders", `{"location":"Secret"}`},
			{"list_purchase_orders", `{"location":"Secret Depo"}`},
			{"list_purchase_orders", `{"supplier":"Secret"}`},
			{"get_inventory_levels", `{"skus":["SECRET"]}`},
			{"get_inventory_levels", `{"skus":["secret-1"]}`},
			{"get_inventory_levels", `{"skus":["SECRET-2"]}`},
		} {
			text := e.bad(t, c.tool, c.args)
			if strings.Contains(text, "Secret Depot") || strings.Contains(text, "Secret Supplies") || strings.Contains(text, "SECRET-1") || strings.Contains(text, "Secret Thing") {
				t.Errorf("%s %s: another store's name is a candidate: %s", c.tool, c.args, text)
			}
		}
		e.refused(t, "create_purchase_order", `{"supplier":"Secret Supplies","location":"Secret Depot","lines":[{"sku":"SECRET-1","quantity":1}]}`)
	})
}

// A huge or hostile name is refused quickly, without candidates computed
// over it, and never matches by accident.
func TestNamesHostileInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		huge := strings.Repeat("Warehouse", 100_000)
		e.bad(t, "list_purchase_orders", fmt.Sprintf(`{"location":%q}`, huge), "900000-character")
		e.bad(t, "list_purchase_orders", fmt.Sprintf(`{"supplier":%q}`, huge), "900000-character")
		e.bad(t, "get_inventory_levels", fmt.Sprintf(`{"skus":[%q]}`, huge), "900000-character")
		for _, ref := range []string{`%`, `_`, `' OR 1=1 --`, `Ware%`, `W_rehouse`} {
			e.bad(t, "list_purchase_orders", fmt.Sprintf(`{"location":%q}`, ref))
			e.bad(t, "get_inventory_levels", fmt.Sprintf(`{"skus":[%q]}`, ref))
		}
	})
}

// A planning read's location and supplier filters are matched inside its
// query when exact and resolved when not: every way of naming the same
// place gives the same answer as its id, and a filter nothing meets is an
// empty answer, not an error.
func TestNamesPlanningFiltersAnswerAsTheirIDs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		dt, summit := e.Locations[storagetest.DowntownShop].ID, e.Suppliers[storagetest.SummitGear].ID
		if err := db.Backend().InTx(context.Background(), func(tx backend.Tx) error {
			_, err := catalog.New(db).CreateLocation(context.Background(), tx, e.Store.ID, catalog.NewLocation{Name: "Pop-up Stall", Code: "POP", Kind: "shop"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"list_stock_risks", "get_reorder_suggestions"} {
			want := e.get(t, tool, fmt.Sprintf(`{"location":"%d","supplier":"%d"}`, dt, summit), nil)
			if !strings.Contains(want, `"sku"`) {
				t.Fatalf("%s at Downtown Shop for Summit Gear has rows in the fixture: %s", tool, want)
			}
			for _, names := range [][2]string{{"Downtown Shop", "Summit Gear"}, {"downtown shop", "SUMMIT GEAR"}, {"DT", "summit"}, {"downtown", "Summit"}} {
				args := fmt.Sprintf(`{"location":%q,"supplier":%q}`, names[0], names[1])
				if got := e.get(t, tool, args, nil); got != want {
					t.Errorf("%s %s differs from the answer by id:\n got %.300s\nwant %.300s", tool, args, got, want)
				}
			}
			for _, place := range []string{"Pop-up Stall", "pop-up"} {
				if got := e.get(t, tool, `{"location":"`+place+`"}`, nil); strings.Contains(got, `"sku"`) {
					t.Errorf("%s at a location without stock: %s", tool, got)
				}
			}
			e.bad(t, tool, `{"location":"Downtown Shop","supplier":"Nobody Ltd"}`, "Nobody Ltd", "list_suppliers")
			e.bad(t, tool, `{"location":"Atlantis","supplier":"Summit Gear"}`, "Atlantis", "list_locations")
		}
	})
}
