package plan_test

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
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
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
		dead, err := plan.New(db).DeadStock(ctx, f.Store.ID, plan.DeadStockFilter{Days: 1})
		if err != nil {
			t.Fatal(err)
		}
		if dead.TotalItems == 0 || dead.TotalItems >= stocked {
			t.Fatalf("on the fixture's day, %d of %d stocked levels should not have sold yesterday", dead.TotalItems, stocked)
		}
		// Tomorrow: the first read does not wait for the rollover; it
		// answers from yesterday's rows and says so, and the rows catch up
		// in the background.
		now.Add(int64(24 * time.Hour))
		page, err := plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := f.Today.Format(time.DateOnly); page.AsOf != want {
			t.Fatalf("the first read after midnight answers as of %s, want the previous day %s", page.AsOf, want)
		}
		plan.New(db).WaitPlanRollovers()
		dead, err = plan.New(db).DeadStock(ctx, f.Store.ID, plan.DeadStockFilter{Days: 1})
		if err != nil {
			t.Fatal(err)
		}
		if dead.TotalItems != stocked {
			t.Fatalf("a day later every stocked level (%d) is unsold for a day, got %d", stocked, dead.TotalItems)
		}
		page, err = plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{})
		if err != nil || page.AsOf != f.Today.AddDate(0, 0, 1).Format(time.DateOnly) {
			t.Fatalf("after the rollover the rows are as of %s (%v), want the new day", page.AsOf, err)
		}
		// Two days on with no rollover (no process ran): rows that old are
		// rebuilt on the read rather than served.
		now.Add(int64(48 * time.Hour))
		page, err = plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{})
		if err != nil || page.AsOf != f.Today.AddDate(0, 0, 3).Format(time.DateOnly) {
			t.Fatalf("rows two days old answered as of %s (%v), want a rebuild for today", page.AsOf, err)
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
				risksPage, err := plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{Page: storage.Page{Limit: 100}})
				risks := risksPage.Risks
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
		oos, brp, err := plan.New(db).StockRiskCounts(ctx, f.Store.ID)
		if err != nil {
			t.Fatal(err)
		}
		for kind, want := range map[string]int64{plan.RiskOutOfStock: oos, plan.RiskBelowReorder: brp} {
			listPage, err := plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{Kind: kind, Page: storage.Page{Limit: 100}})
			list := listPage.Risks
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(list)) != want {
				t.Errorf("%s: count %d, list of %d", kind, want, len(list))
			}
		}
	})
}

// One store's writes never cost another store a rebuild: new sales mark
// only their variant in their store, and a reorder rule change
// recomputes only its variant's rows, visible on the very next read.
func TestPlanChangesStayWithTheirStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		a := storagetest.Seed(t, db)
		b := storagetest.SeedStore(t, db, "other.myshopify.com")
		for _, f := range []storagetest.Fixture{a, b} {
			if _, _, err := plan.New(db).StockRiskCounts(ctx, f.Store.ID); err != nil {
				t.Fatal(err)
			}
		}
		type state struct{ asOf, builtAt time.Time }
		stateOf := func(f storagetest.Fixture) state {
			t.Helper()
			var s state
			if err := db.Backend().QueryRow(ctx, `SELECT as_of, built_at FROM sales_summary_state WHERE store_id = $1`,
				f.Store.ID).Scan(&s.asOf, &s.builtAt); err != nil {
				t.Fatal(err)
			}
			return s
		}
		builtA, builtB := stateOf(a), stateOf(b)
		if builtA.asOf.Year() < 2000 || builtB.asOf.Year() < 2000 {
			t.Fatalf("planning tables not built: %v %v", builtA, builtB)
		}

		// A reorder rule in B: no rebuild anywhere, and B's next read sees it.
		sku := b.SKUs()[0]
		min := int64(100000)
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := plan.New(db).SetReorderRules(ctx, tx, b.Store.ID, b.Actor(), []plan.ReorderRuleInput{{SKU: sku, Min: &min}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		risksPage, err := plan.New(db).StockRisks(ctx, b.Store.ID, plan.RiskFilter{Kind: plan.RiskBelowReorder, Page: storage.Page{Limit: 100}})
		risks := risksPage.Risks
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, r := range risks {
			if r.SKU == sku {
				found++
			}
		}
		var levels int
		if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM inventory_levels WHERE store_id = $1 AND variant_id = $2`,
			b.Store.ID, b.Variants[sku].ID).Scan(&levels); err != nil {
			t.Fatal(err)
		}
		if levels == 0 || found != levels {
			t.Errorf("after a min of %d on %s, %d of its %d locations are below the reorder point", min, sku, found, levels)
		}
		if got := stateOf(b); got != builtB {
			t.Errorf("a rule change rebuilt store B's whole planning table: %v, was %v", got, builtB)
		}
		if got := stateOf(a); got != builtA {
			t.Errorf("store B's rule change touched store A's planning table: %v, was %v", got, builtA)
		}

		// New sales in B: only that variant is marked in B, nothing is
		// rebuilt, and A is not touched.
		err = db.Backend().InTx(ctx, func(tx backend.Tx) error {
			return catalog.New(db).RecordSales(ctx, tx, b.Store.ID, []catalog.Sale{{VariantID: b.Variants[sku].ID,
				LocationID: b.Locations[storagetest.Warehouse].ID, Day: b.Today.AddDate(0, 0, -1), Units: 3}})
		})
		if err != nil {
			t.Fatal(err)
		}
		marked := func(f storagetest.Fixture) (n int64) {
			t.Helper()
			if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM level_plan_dirty WHERE store_id = $1`, f.Store.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := marked(b); n != 1 {
			t.Errorf("new sales of one variant in B marked %d variants", n)
		}
		if n := marked(a); n != 0 {
			t.Errorf("store B's sales marked %d variants in store A", n)
		}
		if _, _, err := plan.New(db).StockRiskCounts(ctx, b.Store.ID); err != nil {
			t.Fatal(err)
		}
		if got := stateOf(b); got != builtB {
			t.Errorf("new sales rebuilt store B's whole planning table: %v, was %v", got, builtB)
		}
		if n := marked(b); n != 0 {
			t.Errorf("the read left %d variants marked in B", n)
		}
		if got := stateOf(a); got != builtA {
			t.Errorf("store B's sales touched store A's planning table: %v, was %v", got, builtA)
		}
	})
}

// A level change that moves nothing the planning rows hold is looked at
// by the reads only until the margin for late commits has passed: then a
// read moves levels_at past it, and later reads' check is one index step
// again (it used to wait for levels_at's periodic move, and every read
// until then scanned every level changed since the last fold).
func TestPlanReadsMovePastChangesThatMoveNothing(t *testing.T) {
	var now atomic.Int64
	start := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	var trips atomic.Int64
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(start.UnixNano())
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		read := func() int64 {
			t.Helper()
			before := trips.Load()
			if _, _, err := plan.New(db).StockRiskCounts(ctx, f.Store.ID); err != nil {
				t.Fatal(err)
			}
			return trips.Load() - before
		}
		read() // builds the rows
		sku := f.SKUs()[0]
		vid, wh := f.Variants[sku].ID, f.Locations[storagetest.Warehouse].ID
		at := func(d time.Duration) { now.Store(start.Add(d).UnixNano()) }

		// One unit in and out again: the level is stamped, its numbers are as before.
		at(2 * time.Minute)
		stamped := clock()
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			for _, d := range []int64{1, -1} {
				if _, err := db.ApplyChanges(ctx, tx, f.Store.ID, storage.Movement{Reason: "correction"},
					[]storage.Change{{VariantID: vid, LocationID: wh, Quantity: "on_hand", Delta: d, SKU: sku}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A sale folded in soon after leaves levels_at before the stamp
		// (the margin for late commits).
		at(2*time.Minute + 5*time.Second)
		err = db.Backend().InTx(ctx, func(tx backend.Tx) error {
			return catalog.New(db).RecordSales(ctx, tx, f.Store.ID, []catalog.Sale{{VariantID: f.Variants[f.SKUs()[1]].ID, LocationID: wh,
				Day: f.Today.AddDate(0, 0, -1), Units: 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
		read()
		if levelsAt, last := storagetest.LevelsState(t, db, f.Store.ID); !levelsAt.Before(last) {
			t.Fatalf("levels_at %v is already past the change at %v: the test needs it before", levelsAt, last)
		}

		// Past the margin, a read finds the change moved nothing and moves levels_at past it.
		at(2*time.Minute + 31*time.Second)
		read()
		levelsAt, last := storagetest.LevelsState(t, db, f.Store.ID)
		if !last.Equal(stamped) || levelsAt.Before(last) {
			t.Fatalf("after a read past the margin, levels_at is %v and the last change %v (stamped %v): want levels_at at or past it",
				levelsAt, last, stamped)
		}
		// The next read finds nothing to do: the state's one round trip and the count's.
		at(2*time.Minute + 32*time.Second)
		if n := read(); n != 2 {
			t.Fatalf("a read with nothing pending took %d round trips, want 2", n)
		}
		if got, _ := storagetest.LevelsState(t, db, f.Store.ID); !got.Equal(levelsAt) {
			t.Fatalf("a read with nothing changed moved levels_at from %v to %v", levelsAt, got)
		}
	}, storage.WithClock(clock), storage.CountRoundTrips(&trips))
}
