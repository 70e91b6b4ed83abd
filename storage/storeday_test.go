package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestStoreDate(t *testing.T) {
	for _, c := range []struct {
		at   string
		tz   string
		want string
	}{
		{"2026-11-10T10:59:00Z", "Pacific/Auckland", "2026-11-10"}, // 23:59 NZDT (UTC+13)
		{"2026-11-10T11:00:00Z", "Pacific/Auckland", "2026-11-11"}, // its midnight
		{"2026-11-11T07:59:00Z", "America/Los_Angeles", "2026-11-10"},
		{"2026-11-11T08:00:00Z", "America/Los_Angeles", "2026-11-11"}, // PST (UTC-8)
		{"2026-07-11T07:00:00Z", "America/Los_Angeles", "2026-07-11"}, // PDT (UTC-7)
		{"2026-11-10T23:59:00Z", "UTC", "2026-11-10"},
		{"2026-11-10T23:59:00Z", "", "2026-11-10"},
		{"2026-11-10T23:59:00Z", "Not/AZone", "2026-11-10"}, // unknown: UTC
		{"2026-11-10T20:00:00-05:00", "UTC", "2026-11-11"},  // the instant counts, not its offset
	} {
		at, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			t.Fatal(err)
		}
		got := storage.StoreDate(at, c.tz)
		if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("StoreDate(%s, %q) = %v, want %s at UTC midnight", c.at, c.tz, got, c.want)
		}
	}
}

// A purchase order is overdue from the day after its expected date in the
// store's time zone: at 11:01 UTC on 10 November it is already the 11th in
// Auckland and still the 10th in Los Angeles.
func TestPurchaseOrderOverdueByStoreDay(t *testing.T) {
	at := time.Date(2026, 11, 10, 11, 1, 0, 0, time.UTC)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		stores := map[string]storagetest.Fixture{
			"Pacific/Auckland":    storagetest.SeedStoreIn(t, db, "auckland.myshopify.com", "Pacific/Auckland"),
			"America/Los_Angeles": storagetest.SeedStoreIn(t, db, "losangeles.myshopify.com", "America/Los_Angeles"),
		}
		day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
		for _, c := range []struct {
			tz       string
			expected time.Time
			overdue  bool
		}{
			{"Pacific/Auckland", day(11), false}, // its today
			{"Pacific/Auckland", day(10), true},  // its yesterday, UTC's today
			{"America/Los_Angeles", day(10), false},
			{"America/Los_Angeles", day(9), true},
		} {
			f := stores[c.tz]
			sid, a := f.Store.ID, f.Actor()
			var r documents.PurchaseOrderResult
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				created, err := documents.New(db).CreatePurchaseOrder(ctx, tx, sid, a, documents.NewPurchaseOrder{Supplier: storagetest.SummitGear, Location: "WH",
					ExpectedDate: &c.expected, Lines: []documents.POLineInput{{SKU: "TRS-40", Quantity: 2}}})
				if err != nil {
					return err
				}
				r, err = documents.New(db).SendPurchaseOrder(ctx, tx, sid, a, created.PurchaseOrder.Number)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			number := r.PurchaseOrder.Number
			po, err := documents.New(db).GetPurchaseOrder(ctx, nil, sid, number)
			if err != nil {
				t.Fatal(err)
			}
			list, _, err := documents.New(db).ListPurchaseOrders(ctx, sid, documents.PurchaseOrderFilter{Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, s := range list {
				listed = listed || s.Number == number
			}
			o, err := plan.New(db).StoreOverview(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			if po.Overdue != c.overdue || listed != c.overdue || (o.OverduePOs > 0) != c.overdue {
				t.Errorf("%s, expected %s: overdue %v, in the overdue list %v, overview counts %d overdue; want overdue %v",
					c.tz, c.expected.Format(time.DateOnly), po.Overdue, listed, o.OverduePOs, c.overdue)
			}
			// Cancel it so that the next case's count is its own.
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				_, err := documents.New(db).CancelPurchaseOrder(ctx, tx, sid, a, number, "test")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}, storage.WithClock(func() time.Time { return at }))
}
