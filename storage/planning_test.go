package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The planning table is rebuilt when the day changes: the sales windows
// move with "today", and a read on the new day sees them.
func TestPlanFollowsTheDay(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC).UnixNano())
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		var stocked int64
		for _, byLoc := range storagetest.Stock {
			for _, q := range byLoc {
				if q > 0 {
					stocked++
				}
			}
		}
		// Today: sales end yesterday, so "no sale in 1 day" leaves out
		// everything that sold yesterday.
		dead, err := db.DeadStock(ctx, f.Store.ID, storage.DeadStockFilter{Days: 1})
		if err != nil {
			t.Fatal(err)
		}
		if dead.TotalItems == 0 || dead.TotalItems >= stocked {
			t.Fatalf("on the fixture's day, %d of %d stocked levels should not have sold yesterday", dead.TotalItems, stocked)
		}
		// Tomorrow: nothing sold "yesterday" any more.
		now.Add(int64(24 * time.Hour))
		dead, err = db.DeadStock(ctx, f.Store.ID, storage.DeadStockFilter{Days: 1})
		if err != nil {
			t.Fatal(err)
		}
		if dead.TotalItems != stocked {
			t.Fatalf("a day later every stocked level (%d) is unsold for a day, got %d", stocked, dead.TotalItems)
		}
	}, storage.WithClock(clock))
}

// Concurrent first reads of a day rebuild the planning table once between
// them and all get the same answer.
func TestPlanConcurrentRebuild(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		const n = 8
		answers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				risks, _, err := db.StockRisks(ctx, f.Store.ID, storage.RiskFilter{Page: storage.Page{Limit: 100}})
				b, _ := json.Marshal(risks)
				answers[i], errs[i] = fmt.Sprint(len(risks), string(b)), err
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("reader %d: %v", i, errs[i])
			}
			if answers[i] != answers[0] {
				t.Fatalf("readers disagree:\n%s\n%s", answers[0], answers[i])
			}
		}
		var rows int64
		if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM level_plan WHERE store_id = $1`, f.Store.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		var levels int64
		if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM inventory_levels WHERE store_id = $1`, f.Store.ID).Scan(&levels); err != nil {
			t.Fatal(err)
		}
		if rows != levels {
			t.Fatalf("level_plan has %d rows for %d levels", rows, levels)
		}
		// The counts agree with the lists.
		oos, brp, err := db.StockRiskCounts(ctx, f.Store.ID)
		if err != nil {
			t.Fatal(err)
		}
		for kind, want := range map[string]int64{storage.RiskOutOfStock: oos, storage.RiskBelowReorder: brp} {
			list, _, err := db.StockRisks(ctx, f.Store.ID, storage.RiskFilter{Kind: kind, Page: storage.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(list)) != want {
				t.Errorf("%s: count %d, list of %d", kind, want, len(list))
			}
		}
	})
}

// A change to one store's planning inputs rebuilds only that store's
// planning table: tenants do not pay for each other's writes.
func TestPlanStaleOnlyForTheChangedStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		a := storagetest.Seed(t, db)
		b := storagetest.SeedStore(t, db, "other.myshopify.com")
		for _, f := range []storagetest.Fixture{a, b} {
			if _, _, err := db.StockRiskCounts(ctx, f.Store.ID); err != nil {
				t.Fatal(err)
			}
		}
		asOf := func(f storagetest.Fixture) time.Time {
			t.Helper()
			var d time.Time
			if err := db.Backend().QueryRow(ctx, `SELECT as_of FROM sales_summary_state WHERE store_id = $1`, f.Store.ID).Scan(&d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		builtA, builtB := asOf(a), asOf(b)
		if builtA.Year() < 2000 || builtB.Year() < 2000 {
			t.Fatalf("planning tables not built: %v %v", builtA, builtB)
		}
		min := int64(500)
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := db.SetReorderRules(ctx, tx, b.Store.ID, b.Actor(), []storage.ReorderRuleInput{{SKU: b.SKUs()[0], Min: &min}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := asOf(a); !got.Equal(builtA) {
			t.Errorf("store A's planning table was marked stale by store B's rule change: as_of %v, was %v", got, builtA)
		}
		if got := asOf(b); got.Year() >= 2000 {
			t.Errorf("store B's planning table is still current after its rule changed: as_of %v", got)
		}
	})
}
