package plan_test

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/planning"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// planInputsOf reads the inputs the planning reads show for a SKU at a
// location, through list_stock_risks' storage read (every kind).
func planInputsOf(t *testing.T, db *storage.DB, storeID int64, sku, location string) plan.PlanInputs {
	t.Helper()
	for cursor := ""; ; {
		p, err := plan.New(db).StockRisks(context.Background(), storeID, plan.RiskFilter{Days: 3650, Page: storage.Page{Limit: plan.MaxPlanLimit, Cursor: cursor}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Risks {
			if r.SKU == sku && r.Location == location {
				return r.Inputs
			}
		}
		if cursor = p.NextCursor; cursor == "" {
			t.Fatalf("%s at %s is not among the stock risks", sku, location)
		}
	}
}

// Lead times come from the store's own receipts once there are three (sent
// to received, per supplier and variant); before that, from the supplier's
// stated lead time with the default spread.
func TestLeadTimeFromReceipts(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -60).Add(10 * time.Hour)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(start.UnixNano())
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		actor := f.Actor()
		const sku, loc = "TRS-40", storagetest.Warehouse
		in := planInputsOf(t, db, f.Store.ID, sku, loc)
		if in.LeadTimeSource != planning.FromSupplier || in.LeadTimeDays != 7 || math.Abs(in.LeadTimeSigma-7*planning.DefaultLeadTimeCV) > 0.01 {
			t.Fatalf("before any receipt: %+v, want the supplier's 7 days with the default spread", in)
		}
		// Three orders from Summit Gear, received 10, 12 and 14 days after
		// they were sent.
		for i, days := range []int{10, 12, 14} {
			at := start.AddDate(0, 0, 15*i)
			now.Store(at.UnixNano())
			var number string
			err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				po, err := documents.New(db).CreatePurchaseOrder(ctx, tx, f.Store.ID, actor, documents.NewPurchaseOrder{Supplier: storagetest.SummitGear, Location: loc,
					Lines: []documents.POLineInput{{SKU: sku, Quantity: 5}}})
				if err != nil {
					return err
				}
				number = po.PurchaseOrder.Number
				_, err = documents.New(db).SendPurchaseOrder(ctx, tx, f.Store.ID, actor, number)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			now.Store(at.AddDate(0, 0, days).UnixNano())
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, f.Store.ID, actor, number, []documents.ReceiptLine{{SKU: sku, Accepted: 5}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		in = planInputsOf(t, db, f.Store.ID, sku, loc)
		if in.LeadTimeSource != planning.FromReceipts || math.Abs(in.LeadTimeDays-12) > 0.01 || math.Abs(in.LeadTimeSigma-2) > 0.01 {
			t.Errorf("after three receipts: %+v, want 12 ± 2 days from receipts", in)
		}
		// Another variant of the same supplier learns from its receipts.
		if other := planInputsOf(t, db, f.Store.ID, "TRS-42", loc); other.LeadTimeSource != planning.FromSupplierReceipts || math.Abs(other.LeadTimeDays-12) > 0.01 {
			t.Errorf("TRS-42 from the same supplier: %+v, want the supplier's receipts", other)
		}
	}, storage.WithClock(clock))
}

// A day that ended out of stock is left out of the demand history: selling
// nothing while there is nothing to sell does not lower the forecast.
func TestStockOutDaysAreLeftOut(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(start.UnixNano())
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		const sku, loc = "MUG-ENAMEL", storagetest.Warehouse
		rate := func() float64 {
			t.Helper()
			d, err := plan.New(db).Demand(ctx, f.Store.ID, storage.VariantRef{SKU: sku}, loc, 0)
			if err != nil {
				t.Fatal(err)
			}
			return d.Forecast.UnitsPerDay
		}
		before := rate()
		if before <= 0 {
			t.Fatalf("%s sells at %s in the fixture: rate %v", sku, loc, before)
		}
		// Sold out now, then two weeks without stock and without sales.
		lv := f.Level(t, sku, loc)
		if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := catalog.New(db).AdjustInventory(ctx, tx, f.Store.ID, f.Actor(), []storage.Change{
				{VariantID: f.Variants[sku].ID, LocationID: f.Locations[loc].ID, Quantity: inventory.OnHand, Delta: -lv.OnHand}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		now.Store(start.AddDate(0, 0, 14).UnixNano())
		after := rate()
		if math.Abs(after-before) > 0.25*before {
			t.Errorf("after two weeks out of stock the forecast went from %.2f to %.2f/day: days without stock counted as days without demand", before, after)
		}
		var spans int
		if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM stockout_spans WHERE store_id = $1 AND variant_id = $2 AND ended_at IS NULL`,
			f.Store.ID, f.Variants[sku].ID).Scan(&spans); err != nil || spans != 1 {
			t.Errorf("open stock-outs recorded: %d (%v), want 1", spans, err)
		}
	}, storage.WithClock(clock))
}
