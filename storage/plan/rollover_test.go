package plan_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Each store's planning day turns at its own midnight: a store in Auckland
// rolls over while one in Los Angeles keeps its day, and the other way
// round 21 hours later. Right after a store's midnight reads answer at once
// from the previous day's rows, even while the store's state is held by a
// writer; the rollover then brings the rows to what a full rebuild for the
// new day gives, changes made meanwhile included.
func TestPlanDayFollowsTheStoreTimezone(t *testing.T) {
	var now atomic.Int64
	set := func(s string) {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		now.Store(at.UnixNano())
	}
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		set("2026-11-10T10:59:00Z") // Auckland 23:59 on the 10th, Los Angeles 02:59 on the 10th
		akl := storagetest.SeedStoreIn(t, db, "auckland.myshopify.com", "Pacific/Auckland")
		lax := storagetest.SeedStoreIn(t, db, "losangeles.myshopify.com", "America/Los_Angeles")
		for _, f := range []storagetest.Fixture{akl, lax} {
			if f.Today.Format(time.DateOnly) != "2026-11-10" {
				t.Fatalf("%s: the fixture's today is %s, want the store's date 2026-11-10", f.Store.Timezone, f.Today.Format(time.DateOnly))
			}
			if _, _, err := plan.New(db).StockRiskCounts(ctx, f.Store.ID); err != nil {
				t.Fatal(err)
			}
		}
		stateAsOf := func(f storagetest.Fixture) string { return planAsOf(t, f) }
		readAsOf := func(f storagetest.Fixture) string {
			t.Helper()
			page, err := plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return page.AsOf
		}
		// rebuilt is the store's rows as a full rebuild for the day makes them.
		rebuilt := func(f storagetest.Fixture) []string {
			t.Helper()
			if _, err := db.Backend().Exec(ctx, `UPDATE sales_summary_state SET as_of = $2 WHERE store_id = $1`, f.Store.ID, time.Unix(0, 0).UTC()); err != nil {
				t.Fatal(err)
			}
			if _, _, err := plan.New(db).StockRiskCounts(ctx, f.Store.ID); err != nil {
				t.Fatal(err)
			}
			return planSnapshot(t, db, f.Store.ID)
		}
		rollAndCompare := func(f, other storagetest.Fixture, day, otherDay string) {
			t.Helper()
			if _, err := plan.New(db).RollPlans(ctx, 0); err != nil {
				t.Fatal(err)
			}
			if stateAsOf(f) != day || stateAsOf(other) != otherDay {
				t.Fatalf("after the rollover: %s as of %s, %s as of %s; want %s and %s",
					f.Store.Timezone, stateAsOf(f), other.Store.Timezone, stateAsOf(other), day, otherDay)
			}
			if got := readAsOf(f); got != day {
				t.Fatalf("%s: after the rollover reads answer as of %s, want %s", f.Store.Timezone, got, day)
			}
			got := planSnapshot(t, db, f.Store.ID)
			if want := rebuilt(f); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: the rolled-over rows differ from a full rebuild's for %s:\n%v\nwant\n%v", f.Store.Timezone, day, got, want)
			}
		}
		// stale answers a read of f, which finds the previous day's rows,
		// while another transaction holds f's planning state: the read must
		// not wait for it (nor for the rollover it starts).
		stale := func(f storagetest.Fixture) string {
			t.Helper()
			held, release, finished := make(chan struct{}), make(chan struct{}), make(chan error)
			go func() {
				finished <- db.Backend().InTx(ctx, func(tx backend.Tx) error {
					if _, err := tx.Exec(ctx, `UPDATE sales_summary_state SET built_at = built_at WHERE store_id = $1`, f.Store.ID); err != nil {
						return err
					}
					close(held)
					<-release
					return nil
				})
			}()
			<-held
			read := make(chan string, 1)
			go func() {
				page, err := plan.New(db).StockRisks(ctx, f.Store.ID, plan.RiskFilter{})
				if err != nil {
					page.AsOf = err.Error()
				}
				read <- page.AsOf
			}()
			var asOf string
			select {
			case asOf = <-read:
			case <-time.After(time.Minute):
				// Not a speed limit: a read that waits for the writer never
				// returns while the writer waits for the read.
				asOf = "(none: the read waited for the writer)"
			}
			close(release)
			if err := <-finished; err != nil {
				t.Fatal(err)
			}
			plan.New(db).WaitPlanRollovers()
			return asOf
		}
		sale := func(f storagetest.Fixture, sku string, day time.Time) {
			t.Helper()
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				return catalog.New(db).RecordSales(ctx, tx, f.Store.ID, []catalog.Sale{{VariantID: f.Variants[sku].ID,
					LocationID: f.Locations[storagetest.Warehouse].ID, Day: day, Units: 9}})
			}); err != nil {
				t.Fatal(err)
			}
		}

		// Auckland's midnight: only Auckland's day turns.
		set("2026-11-10T11:01:00Z")
		sale(akl, "TRS-40", akl.Today) // the day just ended, recorded before the rollover runs
		if got := stale(akl); got != "2026-11-10" {
			t.Fatalf("the first read after Auckland's midnight answers as of %s, want the previous day 2026-11-10", got)
		}
		if got := readAsOf(lax); got != "2026-11-10" {
			t.Fatalf("Los Angeles (02:59 on the 10th) answers as of %s, want 2026-11-10", got)
		}
		rollAndCompare(akl, lax, "2026-11-11", "2026-11-10")

		// Just before Los Angeles' midnight nothing turns.
		set("2026-11-11T07:59:00Z")
		if n, err := plan.New(db).RollPlans(ctx, 0); err != nil || n != 0 {
			t.Fatalf("RollPlans before any store's midnight rolled %d stores (%v), want none", n, err)
		}
		if stateAsOf(akl) != "2026-11-11" || stateAsOf(lax) != "2026-11-10" || readAsOf(lax) != "2026-11-10" {
			t.Fatalf("before Los Angeles' midnight: Auckland as of %s, Los Angeles as of %s", stateAsOf(akl), stateAsOf(lax))
		}

		// Los Angeles' midnight: only Los Angeles' day turns.
		set("2026-11-11T08:01:00Z")
		sale(lax, "BEANIE-RED", lax.Today)
		if got := stale(lax); got != "2026-11-10" {
			t.Fatalf("the first read after Los Angeles' midnight answers as of %s, want the previous day 2026-11-10", got)
		}
		rollAndCompare(lax, akl, "2026-11-11", "2026-11-11")
		if got := readAsOf(lax); got != "2026-11-11" {
			t.Fatalf("after its rollover Los Angeles answers as of %s, want 2026-11-11", got)
		}
	}, storage.WithClock(clock))
}

// The rollover recomputes a few variants per transaction: between its
// steps the rows stay as of the previous day, and changes of every kind
// (and imports folding them in) land on variants already rolled and not
// yet rolled. When it is done the
// rows equal those of a full rebuild for the new day.
func TestRollPlanInStepsEqualsRebuild(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	defer plan.SetRollChunk(2)()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC).UnixNano())
		ctx := context.Background()
		f := storagetest.Seed(t, db)
		sid := f.Store.ID
		if _, _, err := plan.New(db).StockRiskCounts(ctx, sid); err != nil {
			t.Fatal(err)
		}
		skus := f.SKUs()
		change := func(step int) {
			t.Helper()
			sku := skus[(step*7)%len(skus)]
			vid, loc := f.Variants[sku].ID, f.Locations[storagetest.Warehouse].ID
			err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				switch step % 4 {
				case 0: // a sale on the day just ended
					return catalog.New(db).RecordSales(ctx, tx, sid, []catalog.Sale{{VariantID: vid, LocationID: loc, Day: f.Today, Units: int64(3 + step)}})
				case 1: // a level
					_, err := tx.Exec(ctx, `UPDATE inventory_levels SET on_hand = on_hand + 5, updated_at = $3
						WHERE store_id = $1 AND variant_id = $2`, sid, vid, db.Now())
					return err
				case 2: // supplier terms
					_, err := tx.Exec(ctx, `UPDATE supplier_variants SET pack_size = $3 WHERE store_id = $1 AND variant_id = $2`, sid, vid, 2+step%5)
					return err
				default: // a sale long ago, outside the windows but not last_sale_day's
					return catalog.New(db).RecordSales(ctx, tx, sid, []catalog.Sale{{VariantID: vid, LocationID: loc, Day: f.Today.AddDate(0, 0, -120), Units: 1}})
				}
			})
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		now.Add(int64(24 * time.Hour))
		steps := 0
		for ; ; steps++ {
			change(steps)
			if steps%3 == 2 {
				// An import folds its changes in under way, with the day
				// of each variant's rows.
				if _, err := storagetest.Import(ctx, db, sid, catalog.ImportSales, strings.NewReader(fmt.Sprintf("day,sku,location,units\n%s,%s,%s,%d\n",
					f.Today.Format(time.DateOnly), skus[steps%len(skus)], storagetest.Warehouse, steps)), catalog.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			done, err := plan.New(db).RollStep(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			if done {
				break
			}
			// (Not a read here: it would start the rest of the rollover in
			// the background.)
			var asOf time.Time
			if err := db.Backend().QueryRow(ctx, `SELECT as_of FROM sales_summary_state WHERE store_id = $1`, sid).Scan(&asOf); err != nil {
				t.Fatal(err)
			}
			if !asOf.Equal(f.Today) {
				t.Fatalf("during the rollover (step %d) the rows are as of %s, want the previous day %s", steps, asOf.Format(time.DateOnly), f.Today.Format(time.DateOnly))
			}
		}
		plan.New(db).WaitPlanRollovers()
		if steps < len(skus)/2 {
			t.Fatalf("the rollover took %d steps of 2 variants for %d variants", steps, len(skus))
		}
		if page, err := plan.New(db).StockRisks(ctx, sid, plan.RiskFilter{}); err != nil || page.AsOf != f.Today.AddDate(0, 0, 1).Format(time.DateOnly) {
			t.Fatalf("after the rollover reads answer as of %s (%v), want the new day", page.AsOf, err)
		}
		got := planSnapshot(t, db, sid)
		if _, err := db.Backend().Exec(ctx, `UPDATE sales_summary_state SET as_of = $2 WHERE store_id = $1`, sid, time.Unix(0, 0).UTC()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := plan.New(db).StockRiskCounts(ctx, sid); err != nil {
			t.Fatal(err)
		}
		if want := planSnapshot(t, db, sid); !reflect.DeepEqual(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("after a rollover in steps, row\n  %s\ndiffers from the rebuild's\n  %s", got[i], want[i])
				}
			}
			t.Fatalf("after a rollover in steps: %d rows, the rebuild has %d", len(got), len(want))
		}
	}, storage.WithClock(clock))
}
