package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/planning"
	"github.com/logistified/mcp-server/storage/backend"
)

// Sales windows. Velocity and the other windows count the full days before
// today (today's sales are still coming in and would understate a rate).
const (
	shortWindowDays = 7
	velocityDays    = 28
	longWindowDays  = 90
)

// The planning tools read level_plan (see migrations 00002 and 00008): one
// row per inventory level with everything the reorder maths needs and its
// results, indexed for each list's order, so that a store of 100,000
// variants answers in milliseconds. It is kept current incrementally:
//
//   - A change to sales, supplier terms, a supplier's lead time, a variant,
//     a product or a reorder rule lists the variants it affects in
//     level_plan_dirty (triggers, in the changing transaction).
//   - A change to a level stamps inventory_levels.updated_at.
//   - Imports fold those in before they commit; reads fold in whatever is
//     left (the variants named, a few index lookups when there are none).
//   - The day's rollover (the sales windows move at the store's midnight,
//     in its time zone) recomputes the store's rows off the read path: in
//     the background, per store, a chunk of variants per short transaction
//     under the state row's lock (so one replica does each chunk, and
//     SQLite's single writer is never held for long). Until the last chunk
//     is done reads answer from the previous day's rows and say so (as_of).
//
// A full rebuild runs only for a store never built, after a TRUNCATE, when
// the rows are more than a day old, or when more variants changed than
// maxIncremental.

// planMargin is how far back, before the last fold, a read looks for
// changed levels: a write stamps updated_at with its own clock reading and
// may commit up to that long after it (writes are single short
// transactions). sales_summary_state.levels_at is stored with the margin
// already taken off.
const planMargin = 30 * time.Second

// maxIncremental is how many changed variants are folded in row by row;
// beyond that a full rebuild is as quick.
const maxIncremental = 20000

// refreshChunk is how many variants one refresh statement names.
const refreshChunk = 1000

// planEpoch is the as_of of a table to rebuild before it is read.
var planEpoch = time.Unix(0, 0).UTC()

// usablePlan reports whether rows built for asOf may answer a read on
// today: built (not marked stale) and at most a day old, the previous
// day's rows standing in while the rollover runs.
func usablePlan(found bool, asOf, today time.Time) bool {
	return found && asOf.After(planEpoch) && !asOf.Before(today.AddDate(0, 0, -1))
}

// ensurePlan brings level_plan up to date for the store and returns the day
// its rows were built for (as_of): today, or yesterday while the rollover
// runs. With nothing to fold in it costs one round trip.
func (db *DB) ensurePlan(ctx context.Context, storeID int64) (time.Time, error) {
	// The store's zone comes with the state, in the same round trip: the
	// day the rows must be built for is the store's.
	var tz string
	var stAsOf, levelsAt, lastChange *time.Time
	var dirty, moved bool
	// Every level stamped at or before checked-planMargin has committed
	// by now, so the query below (whose snapshot is later) sees them all.
	checked := db.Now()
	// The store's latest level change (one step down the (store,
	// updated_at) index) rules out most reads' look for changed levels:
	// only when it is newer than levels_at does the look run (CASE keeps
	// PostgreSQL from running it anyway), over the levels changed since.
	err := db.b.QueryRow(ctx, `SELECT st.timezone, s.as_of, s.levels_at, m.at,
			EXISTS (SELECT 1 FROM level_plan_dirty d WHERE d.store_id = $1),
			CASE WHEN m.at > s.levels_at THEN EXISTS (SELECT 1 FROM inventory_levels l
				LEFT JOIN level_plan lp ON lp.store_id = l.store_id AND lp.variant_id = l.variant_id AND lp.location_id = l.location_id
				WHERE l.store_id = s.store_id AND l.updated_at > s.levels_at
				AND (lp.variant_id IS NULL OR lp.on_hand <> l.on_hand OR lp.available <> l.available OR lp.incoming <> l.incoming))
			ELSE FALSE END
		FROM stores st LEFT JOIN sales_summary_state s ON s.store_id = st.id
		CROSS JOIN (SELECT MAX(updated_at) AS at FROM inventory_levels WHERE store_id = $1) m
		WHERE st.id = $1`, storeID).Scan(&tz, &stAsOf, &levelsAt, &lastChange, &dirty, &moved)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the planning table's state: %w", err)
	}
	pending := dirty || moved
	today := StoreDate(db.Now(), tz)
	found := stAsOf != nil && levelsAt != nil
	var asOf time.Time
	if found {
		asOf = UTCDate(*stAsOf)
	}
	usable := usablePlan(found, asOf, today)
	if usable && asOf.Before(today) {
		// Yesterday's rows answer while the rollover runs; a change made
		// meanwhile is recomputed by the rollover's chunk of its variant, or
		// (its variant already rolled) folded in by the first read after
		// it, not by this read (which would wait for the rollover's lock).
		db.plans.kick(storeID, today)
		return asOf, nil
	}
	if usable && !pending {
		if lastChange != nil && lastChange.After(*levelsAt) {
			// Levels changed since levels_at and none moved what the rows
			// hold: move levels_at past them, else every read looks at them again.
			db.advanceLevelsAt(ctx, storeID, *levelsAt, *lastChange, checked.Add(-planMargin))
		}
		return asOf, nil
	}
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		if err := db.ensurePlanState(ctx, tx, storeID); err != nil {
			return err
		}
		lock := db.b.Dialect().ForUpdate
		if usable {
			// Someone else (an import, another read) holds the state:
			// answer from the rows as they are rather than wait.
			lock = db.skipLocked()
		}
		st, err := db.lockPlanState(ctx, tx, storeID, lock)
		if errors.Is(err, backend.ErrNoRows) && usable {
			return nil
		}
		if err != nil {
			return err
		}
		if !usablePlan(true, st.asOf, today) {
			asOf = today
			return db.rebuildPlan(ctx, tx, storeID, today, db.Now())
		}
		asOf = st.asOf
		rebuild, err := db.foldPlan(ctx, tx, storeID, st)
		if err != nil || !rebuild {
			return err
		}
		asOf = today
		return db.rebuildPlan(ctx, tx, storeID, today, db.Now())
	})
	if err != nil {
		return today, fmt.Errorf("bringing the planning table up to date: %w", err)
	}
	return asOf, nil
}

// advanceLevelsAt moves the store's levels_at on to to, after a read found
// that the levels changed since levels_at (the last at last) all agree
// with level_plan: every level stamped up to to was among them. It moves
// only when that empties the window (the next read's check is then one
// index step) or shrinks it by planMargin or more, so that a store written
// to all the time is not also updated on every read. It is only an
// optimisation: a read must not fail because this update did, nor wait for
// whoever holds the state row (an import or a read folding in changes).
func (db *DB) advanceLevelsAt(ctx context.Context, storeID int64, levelsAt, last, to time.Time) {
	if !to.After(levelsAt) || (last.After(to) && to.Sub(levelsAt) < planMargin) {
		return
	}
	_, _ = db.b.Exec(ctx, `UPDATE sales_summary_state SET levels_at = $2 WHERE store_id = $1 AND levels_at < $2
		AND store_id IN (SELECT store_id FROM sales_summary_state WHERE store_id = $1`+db.skipLocked()+`)`,
		storeID, to)
}

// skipLocked is appended to a SELECT of the state row by those who would
// rather skip a store than wait for it (PostgreSQL; SQLite's single writer
// has no row locks to skip).
func (db *DB) skipLocked() string {
	if db.b.Dialect().Name == "postgres" {
		return " FOR UPDATE SKIP LOCKED"
	}
	return db.b.Dialect().ForUpdate
}

// planState is a store's sales_summary_state row. While the day's
// rollover runs, rollingTo is the day it builds and the rows of variants
// up to cursor are already for that day.
type planState struct {
	asOf, levelsAt time.Time
	rollingTo      *time.Time
	cursor         int64
}

// dayOf is the day the rows of a variant are for.
func (st planState) dayOf(variantID int64) time.Time {
	if st.rollingTo != nil && variantID <= st.cursor {
		return *st.rollingTo
	}
	return st.asOf
}

// ensurePlanState makes sure the store has a state row (stale until built).
func (db *DB) ensurePlanState(ctx context.Context, tx backend.Tx, storeID int64) error {
	now := db.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO sales_summary_state (store_id, as_of, levels_at, built_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (store_id) DO NOTHING`, storeID, planEpoch, planEpoch, now); err != nil {
		return fmt.Errorf("creating the planning table's state: %w", err)
	}
	return nil
}

// lockPlanState reads the state row with lock appended: the row is the
// lock that serialises whoever rebuilds or folds into the store's rows.
func (db *DB) lockPlanState(ctx context.Context, tx backend.Tx, storeID int64, lock string) (planState, error) {
	var st planState
	var cursor *int64
	err := tx.QueryRow(ctx, `SELECT as_of, levels_at, rolling_to, roll_cursor FROM sales_summary_state WHERE store_id = $1`+lock, storeID).
		Scan(&st.asOf, &st.levelsAt, &st.rollingTo, &cursor)
	st.asOf = UTCDate(st.asOf)
	if st.rollingTo != nil && cursor != nil {
		d := UTCDate(*st.rollingTo)
		st.rollingTo, st.cursor = &d, *cursor
	} else {
		st.rollingTo = nil
	}
	return st, err
}

func (db *DB) planState(ctx context.Context, q backend.Querier, storeID int64, lock string) (asOf, levelsAt time.Time, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT as_of, levels_at FROM sales_summary_state WHERE store_id = $1`+lock, storeID).Scan(&asOf, &levelsAt)
	if errors.Is(err, backend.ErrNoRows) {
		return time.Time{}, time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("reading the planning table's state: %w", err)
	}
	return UTCDate(asOf), levelsAt, true, nil
}

// foldPlan recomputes the rows of the variants changed since the last fold
// (level_plan_dirty, and levels changed since levels_at), each with the
// sales windows of the day its rows are for (st.dayOf, which differs
// while the rollover runs). It reports rebuild when more changed than
// maxIncremental, leaving the rebuild to the caller.
func (db *DB) foldPlan(ctx context.Context, tx backend.Tx, storeID int64, st planState) (rebuild bool, err error) {
	if _, err := tx.Exec(ctx, `INSERT INTO level_plan_dirty (store_id, variant_id)
		SELECT DISTINCT l.store_id, l.variant_id FROM inventory_levels l
		LEFT JOIN level_plan lp ON lp.store_id = l.store_id AND lp.variant_id = l.variant_id AND lp.location_id = l.location_id
		WHERE l.store_id = $1 AND l.updated_at > $2
		AND (lp.variant_id IS NULL OR lp.on_hand <> l.on_hand OR lp.available <> l.available OR lp.incoming <> l.incoming)
		ON CONFLICT (store_id, variant_id) DO NOTHING`, storeID, st.levelsAt); err != nil {
		return false, fmt.Errorf("finding changed inventory levels: %w", err)
	}
	ids, err := collect(ctx, tx, "finding changed variants", func(r backend.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, `SELECT variant_id FROM level_plan_dirty WHERE store_id = $1 LIMIT `+strconv.Itoa(maxIncremental+1), storeID)
	if err != nil {
		return false, err
	}
	if len(ids) > maxIncremental {
		return true, nil
	}
	byDay := map[time.Time][]int64{}
	for _, id := range ids {
		d := st.dayOf(id)
		byDay[d] = append(byDay[d], id)
	}
	now := db.Now()
	for day, ids := range byDay {
		if err := db.refreshPlan(ctx, tx, storeID, ids, day, now); err != nil {
			return false, err
		}
	}
	if len(byDay) == 0 {
		return false, db.refreshPlan(ctx, tx, storeID, nil, st.asOf, now)
	}
	return false, nil
}

// rebuildPlan rebuilds the store's sales_summary and level_plan for today:
// the set-based path for a first build, the rollover and bulk changes.
func (db *DB) rebuildPlan(ctx context.Context, tx backend.Tx, storeID int64, today, now time.Time) error {
	// Dirty marks are cleared first: a change committed after this
	// statement marks its variant again, one committed before it is read below.
	for _, table := range []string{"level_plan_dirty", "sales_summary", "level_plan"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE store_id = $1`, storeID); err != nil {
			return err
		}
	}
	// The model is computed a chunk of variants at a time, so that a
	// large store's history is never all in memory; receipts are read once.
	leads, err := db.leadTimes(ctx, tx, storeID, nil, today.AddDate(-2, 0, 0))
	if err != nil {
		return err
	}
	for after := int64(0); ; {
		var upto, n int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*) FROM (SELECT id FROM variants WHERE store_id = $1 AND id > $2
			ORDER BY id LIMIT `+strconv.Itoa(modelChunk)+`) c`, storeID, after).Scan(&upto, &n); err != nil {
			return fmt.Errorf("finding the next variants to plan: %w", err)
		}
		if n == 0 {
			break
		}
		if err := db.computeModels(ctx, tx, storeID, today, ` AND variant_id > $2 AND variant_id <= $3`, []any{storeID, after, upto}, leads); err != nil {
			return err
		}
		after = upto
	}
	if _, err := tx.Exec(ctx, db.planInsert()+planFrom("", ""), storeID); err != nil {
		return err
	}
	if db.b.Dialect().Name == "postgres" {
		// Fresh statistics, so the planner sees a large store's tables as
		// they now are at once rather than after autovacuum's next visit
		// (stale ones made the planning reads 10× slower after a rebuild).
		for _, table := range []string{"sales_summary", "level_plan"} {
			if _, err := tx.Exec(ctx, `ANALYZE `+table); err != nil {
				return err
			}
		}
	}
	t, err := db.planTotals(ctx, tx, storeID, "", nil)
	if err != nil {
		return err
	}
	if err := db.storeFigures(ctx, tx, storeID); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE sales_summary_state SET as_of = $2, levels_at = $3, built_at = $4,
		units_on_hand = $5, cost_cents = $6, retail_cents = $7, rolling_to = NULL, roll_cursor = NULL WHERE store_id = $1`,
		storeID, today, now.Add(-planMargin), now, t[0], t[1], t[2])
	return err
}

// planTotals sums the stock on hand of the store's level_plan rows (of the
// variants cond selects, over args, when given): units, at cost, at retail.
func (db *DB) planTotals(ctx context.Context, tx backend.Tx, storeID int64, cond string, args []any) ([3]int64, error) {
	var t [3]int64
	d := db.Dialect()
	q := `SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT), COALESCE(` + sqlSum(d, "value_cents") + `, 0),
		COALESCE(` + sqlSum(d, sqlProduct(d, "on_hand", "price_cents")) + `, 0) FROM level_plan WHERE store_id = $1 AND on_hand > 0` + cond
	if cond == "" {
		args = []any{storeID}
	}
	err := tx.QueryRow(ctx, q, args...).Scan(&t[0], &t[1], &t[2])
	if err != nil {
		return t, fmt.Errorf("totalling stock value: %w", err)
	}
	return t, nil
}

// refreshPlan recomputes the sales_summary and level_plan rows of some
// variants, with the sales windows of asOf.
func (db *DB) refreshPlan(ctx context.Context, tx backend.Tx, storeID int64, variantIDs []int64, asOf, now time.Time) error {
	var delta [3]int64 // the stock value totals move by the rows' change
	for len(variantIDs) > 0 {
		n := min(len(variantIDs), refreshChunk)
		chunk := variantIDs[:n]
		variantIDs = variantIDs[n:]
		args := []any{storeID}
		in := placeholders(&args, chunk)
		before, err := db.planTotals(ctx, tx, storeID, ` AND variant_id IN (`+in+`)`, args)
		if err != nil {
			return err
		}
		// As in rebuildPlan, the dirty marks go before the rows are recomputed.
		for _, table := range []string{"level_plan_dirty", "sales_summary", "level_plan"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE store_id = $1 AND variant_id IN (`+in+`)`, args...); err != nil {
				return err
			}
		}
		if err := db.computeModels(ctx, tx, storeID, asOf, ` AND variant_id IN (`+in+`)`, args, nil); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, db.planInsert()+planFrom(" AND variant_id IN ("+in+")", " AND l.variant_id IN ("+in+")"), args...); err != nil {
			return err
		}
		after, err := db.planTotals(ctx, tx, storeID, ` AND variant_id IN (`+in+`)`, args)
		if err != nil {
			return err
		}
		for i := range delta {
			delta[i] = addClamped(delta[i], after[i]-before[i])
		}
	}
	// The totals are clamped like the sums they come from: a level
	// imported beyond the limits must not make the upkeep fail.
	d := db.Dialect()
	_, err := tx.Exec(ctx, `UPDATE sales_summary_state SET levels_at = $2,
		units_on_hand = `+sqlAddClamped(d, "units_on_hand", "$3")+`, cost_cents = `+sqlAddClamped(d, "cost_cents", "$4")+`,
		retail_cents = `+sqlAddClamped(d, "retail_cents", "$5")+` WHERE store_id = $1`,
		storeID, now.Add(-planMargin), delta[0], delta[1], delta[2])
	return err
}

// catchUpPlan brings the planning table up to date inside a bulk load's
// transaction (an import, the demo), so the load pays for what it changed
// and the next read does not: the changed variants row by row, or a
// rebuild when the rows were stale, force is set (many levels changed) or
// many variants changed. On PostgreSQL it first refreshes the statistics
// of the tables the load grew (grown), so that the rebuild, and the reads
// after the load, plan for the tables as they now are.
//
// since is when the load began. A load is no short transaction: a read
// may have moved levels_at past the levels it stamped meanwhile, so the
// fold looks for changed levels from before since (bulkStamp) whatever
// levels_at says.
func (db *DB) catchUpPlan(ctx context.Context, tx backend.Tx, storeID int64, force bool, grown []string, since time.Time) error {
	today, err := db.storeToday(ctx, tx, storeID)
	if err != nil {
		return err
	}
	if db.b.Dialect().Name == "postgres" {
		analyzed := map[string]bool{}
		for _, table := range grown {
			if analyzed[table] {
				continue
			}
			analyzed[table] = true
			if _, err := tx.Exec(ctx, "ANALYZE "+table); err != nil {
				return fmt.Errorf("analyzing %s: %w", table, err)
			}
		}
	}
	if err := db.ensurePlanState(ctx, tx, storeID); err != nil {
		return err
	}
	st, err := db.lockPlanState(ctx, tx, storeID, db.b.Dialect().ForUpdate)
	if err != nil {
		return fmt.Errorf("reading the planning table's state: %w", err)
	}
	if floor := bulkStamp(since).Add(-time.Microsecond); floor.Before(st.levelsAt) {
		st.levelsAt = floor
	}
	rebuild := force || !usablePlan(true, st.asOf, today)
	if !rebuild {
		if rebuild, err = db.foldPlan(ctx, tx, storeID, st); err != nil {
			return fmt.Errorf("bringing the planning table up to date: %w", err)
		}
	}
	if !rebuild {
		return nil
	}
	if err := db.rebuildPlan(ctx, tx, storeID, today, db.Now()); err != nil {
		return fmt.Errorf("bringing the planning table up to date: %w", err)
	}
	return nil
}

// bulkStamp is the updated_at a bulk load that began at since gives the
// levels it creates: early enough that the levels_at its catchUpPlan
// leaves (its own end, less planMargin) is past them, so that the reads
// after it do not look at its levels again (a read's check of changed
// levels is then one index step, not a scan of every level loaded). The
// stamp only says when the planning table must look at a level; the load
// folds its own levels in before it commits.
func bulkStamp(since time.Time) time.Time { return since.Add(-planMargin) }

// BuildPlan builds the store's planning rows inside a bulk load's
// transaction (the demo's), after refreshing PostgreSQL's statistics of
// the tables the load grew, so that the load leaves no variant marked for
// refolding and the first read after it is as quick as any other.
func (db *DB) BuildPlan(ctx context.Context, tx backend.Tx, storeID int64, grown ...string) error {
	return db.catchUpPlan(ctx, tx, storeID, true, grown, db.Now())
}

// BulkStamp is the updated_at a bulk load that began at since gives the
// levels it creates and then builds the planning rows of with BuildPlan.
func BulkStamp(since time.Time) time.Time { return bulkStamp(since) }

// RollPlan builds the store's planning rows for today if they are older:
// the day's rollover. It skips a store whose state another transaction
// holds (PostgreSQL: another replica is rolling it, or an import is
// folding into it), so replicas never rebuild the same store twice.
func (db *DB) RollPlan(ctx context.Context, storeID int64) error {
	today, err := db.storeToday(ctx, nil, storeID)
	if err != nil {
		return fmt.Errorf("rolling the planning table over: %w", err)
	}
	return db.plans.roll(ctx, storeID, today)
}

// rollChunk is how many variants one step of the rollover recomputes: a
// transaction short enough (a fraction of a second on SQLite) that writes
// waiting for SQLite's single writer hardly notice it.
var rollChunk = 1000

// rollPlan builds the store's rows for today, the store's date, if they
// are older. Rows a day old are recomputed rollChunk variants per
// transaction, in variant id order, and as_of moves to today with the last
// chunk: until then reads answer as of the previous day (the rows of the
// variants done are already today's, which changes nothing a read relies
// on: each row is a consistent computation for one of the two days). A
// change meanwhile is folded in with the day of its variant's rows
// (planState.dayOf). Rows older than that, or never built, are rebuilt in
// one transaction, as a read would.
func (db *DB) rollPlan(ctx context.Context, storeID int64, today time.Time) error {
	for {
		done, err := db.rollStep(ctx, storeID, today)
		if err != nil {
			return fmt.Errorf("rolling the planning table over to %s: %w", today.Format(time.DateOnly), err)
		}
		if done {
			return nil
		}
	}
}

// rollStep does one transaction of the rollover; done says there is no
// more to do, or that another transaction holds the store's state
// (PostgreSQL: another replica rolling it, which continues from the
// cursor; an import folding into it, which the next look resumes after).
func (db *DB) rollStep(ctx context.Context, storeID int64, today time.Time) (done bool, err error) {
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		done = true
		st, err := db.lockPlanState(ctx, tx, storeID, db.skipLocked())
		if errors.Is(err, backend.ErrNoRows) {
			return nil
		}
		if err != nil || !st.asOf.Before(today) {
			return err
		}
		if !usablePlan(true, st.asOf, today) {
			return db.rebuildPlan(ctx, tx, storeID, today, db.Now())
		}
		after := int64(0)
		if st.rollingTo != nil && st.rollingTo.Equal(today) {
			after = st.cursor
		}
		var upto, n int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*) FROM (SELECT id FROM variants WHERE store_id = $1 AND id > $2
			ORDER BY id LIMIT `+strconv.Itoa(rollChunk)+`) c`, storeID, after).Scan(&upto, &n); err != nil {
			return fmt.Errorf("finding the next variants to roll over: %w", err)
		}
		last := n < int64(rollChunk)
		// The last chunk has no upper bound, so that rows of variants
		// that no longer exist go too.
		cond, args := ` AND variant_id > $2`, []any{storeID, after}
		if !last {
			cond += ` AND variant_id <= $3`
			args = append(args, upto)
		}
		delta, err := db.replanRange(ctx, tx, storeID, today, cond, args)
		if err != nil {
			return err
		}
		d := db.Dialect()
		totals := `units_on_hand = ` + sqlAddClamped(d, "units_on_hand", "$2") + `, cost_cents = ` + sqlAddClamped(d, "cost_cents", "$3") +
			`, retail_cents = ` + sqlAddClamped(d, "retail_cents", "$4")
		if last {
			if err := db.storeFigures(ctx, tx, storeID); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE sales_summary_state SET `+totals+`, as_of = $5, built_at = $6, rolling_to = NULL, roll_cursor = NULL
				WHERE store_id = $1`, storeID, delta[0], delta[1], delta[2], today, db.Now())
			return err
		}
		done = false
		_, err = tx.Exec(ctx, `UPDATE sales_summary_state SET `+totals+`, rolling_to = $5, roll_cursor = $6 WHERE store_id = $1`,
			storeID, delta[0], delta[1], delta[2], today, upto)
		return err
	})
	return done, err
}

// replanRange recomputes the sales_summary and level_plan rows of the
// variants cond selects (over args, $1 the store) with the sales windows of
// day, and returns how the stock value totals move.
func (db *DB) replanRange(ctx context.Context, tx backend.Tx, storeID int64, day time.Time, cond string, args []any) ([3]int64, error) {
	var delta [3]int64
	before, err := db.planTotals(ctx, tx, storeID, cond, args)
	if err != nil {
		return delta, err
	}
	// As in rebuildPlan, the dirty marks go before the rows are recomputed.
	for _, table := range []string{"level_plan_dirty", "sales_summary", "level_plan"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE store_id = $1`+cond, args...); err != nil {
			return delta, fmt.Errorf("clearing planning rows: %w", err)
		}
	}
	if err := db.computeModels(ctx, tx, storeID, day, cond, args, nil); err != nil {
		return delta, err
	}
	if _, err := tx.Exec(ctx, db.planInsert()+planFrom(cond, strings.ReplaceAll(cond, "variant_id", "l.variant_id")), args...); err != nil {
		return delta, fmt.Errorf("computing planning rows: %w", err)
	}
	after, err := db.planTotals(ctx, tx, storeID, cond, args)
	if err != nil {
		return delta, err
	}
	for i := range delta {
		delta[i] = after[i] - before[i]
	}
	return delta, nil
}

// RollPlans rolls over every store whose planning rows are older than
// its today (each store's midnight comes in its own time zone), one store
// at a time with pause between stores, so that replicas and the database
// spread the work. It returns how many it looked at.
func (db *DB) RollPlans(ctx context.Context, pause time.Duration) (int, error) {
	type candidate struct {
		id          int64
		asOf, today time.Time
	}
	now := db.Now()
	// No store's date is later than that of the easternmost zone (UTC+14):
	// rows as of that day are current everywhere. The stores left are few
	// (one row each), and Go decides which have passed their midnight.
	latest := UTCDate(now.Add(14 * time.Hour))
	rows, err := collect(ctx, db.b, "listing stores to roll over", func(r backend.Rows) (candidate, error) {
		var c candidate
		var tz string
		err := r.Scan(&c.id, &tz, &c.asOf)
		c.asOf, c.today = UTCDate(c.asOf), StoreDate(now, tz)
		return c, err
	}, `SELECT s.store_id, st.timezone, s.as_of FROM sales_summary_state s JOIN stores st ON st.id = s.store_id
		WHERE s.as_of < $1 ORDER BY s.store_id`, latest)
	if err != nil {
		return 0, err
	}
	var ids []candidate
	for _, c := range rows {
		if c.asOf.Before(c.today) {
			ids = append(ids, c)
		}
	}
	for i, c := range ids {
		if i > 0 && pause > 0 {
			select {
			case <-ctx.Done():
				return i, ctx.Err()
			case <-time.After(pause):
			}
		}
		if err := db.plans.roll(ctx, c.id, c.today); err != nil {
			return i, err
		}
	}
	if len(ids) > 0 && db.b.Dialect().Name == "postgres" {
		// Each rollover deleted and rewrote its stores' rows: let
		// PostgreSQL reuse the space now (else the tables grow by a copy
		// a day until autovacuum comes, and every scan reads the dead
		// rows too) and refresh the statistics once for them all.
		if _, err := db.b.Exec(ctx, `VACUUM (ANALYZE) level_plan, sales_summary`); err != nil {
			return len(ids), fmt.Errorf("vacuuming the planning tables: %w", err)
		}
	}
	return len(ids), nil
}

// planRoller runs a store's rollover in the background when a read finds
// yesterday's rows, so that processes without the serve loop (stdio) roll
// over too, one goroutine per store at most. Close cancels and waits.
type planRoller struct {
	db      *DB
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	running map[int64]chan struct{}
	wg      sync.WaitGroup
}

func newPlanRoller(db *DB) *planRoller {
	ctx, cancel := context.WithCancel(context.Background())
	return &planRoller{db: db, ctx: ctx, cancel: cancel, running: map[int64]chan struct{}{}}
}

// start marks the store's rollover as running in this process; when it
// already is, it returns false and a channel closed when that one is done.
func (r *planRoller) start(storeID int64) (<-chan struct{}, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch, ok := r.running[storeID]; ok {
		return ch, false
	}
	if r.ctx.Err() != nil {
		return nil, false
	}
	r.running[storeID] = make(chan struct{})
	r.wg.Add(1)
	return nil, true
}

func (r *planRoller) done(storeID int64) {
	r.mu.Lock()
	close(r.running[storeID])
	delete(r.running, storeID)
	r.mu.Unlock()
	r.wg.Done()
}

// roll rolls the store over now; when this process already is, it waits
// for that rollover instead.
func (r *planRoller) roll(ctx context.Context, storeID int64, today time.Time) error {
	ch, ok := r.start(storeID)
	if !ok {
		if ch != nil {
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	defer r.done(storeID)
	return r.db.rollPlan(ctx, storeID, today)
}

// kick rolls the store over to today (its date) in the background.
func (r *planRoller) kick(storeID int64, today time.Time) {
	if _, ok := r.start(storeID); !ok {
		return
	}
	go func() {
		defer r.done(storeID)
		// A failure leaves yesterday's rows; the next read kicks again.
		_ = r.db.rollPlan(r.ctx, storeID, today)
	}()
}

// wait blocks until the rollovers under way are done (tests).
func (r *planRoller) wait() { r.wg.Wait() }

func (r *planRoller) close() {
	r.mu.Lock()
	r.cancel()
	r.mu.Unlock()
	r.wg.Wait()
}

// planInsertSQL computes level_plan rows from the levels and their demand
// model (sales_summary, computed by the planning package): the rule for
// the location wins, field by field, over the variant's all-locations rule
// (location_id 0); the supplier is the variant's primary supplier, else
// the one with the lowest id; urgency orders the most urgent first: out of
// stock (fastest sellers first, as negative rate), then by days of cover
// at the forecast rate, then what does not sell.
const planInsertSQL = `INSERT INTO level_plan (store_id, variant_id, location_id, on_hand, available, incoming,
		units_7, units_28, units_90, last_sale_day, min_qty, max_qty, safety_stock, lead_time_days, days_of_cover,
		supplier_id, supplier_lead, pack_size, min_order_qty, unit_cost_cents, cost_cents, price_cents, vendor, value_cents,
		rate, reorder_point, target, urgency, out_of_stock, needs_reorder, suggest_qty, suggest_cents)
	SELECT l.store_id, l.variant_id, l.location_id, l.on_hand, l.available, l.incoming,
		COALESCE(ss.units_7, 0), COALESCE(ss.units_28, 0), COALESCE(ss.units_90, 0), ss.last_sale_day,
		COALESCE(rl.min_qty, ra.min_qty), COALESCE(rl.max_qty, ra.max_qty), COALESCE(rl.safety_stock, ra.safety_stock),
		COALESCE(rl.lead_time_days, ra.lead_time_days), COALESCE(rl.days_of_cover, ra.days_of_cover),
		COALESCE(sv.supplier_id, 0), COALESCE(sv.lead_time_days, s.lead_time_days), sv.pack_size, sv.min_order_qty, sv.unit_cost_cents,
		v.cost_cents, v.price_cents, p.vendor, {{value}},
		` + sqlRate + `, ss.reorder_point, COALESCE(ss.target, 0),
		CAST(CASE WHEN ` + sqlOutOfStock + ` THEN -` + sqlRate + `
			WHEN ` + sqlRate + ` > 0 THEN CAST(l.available AS DOUBLE PRECISION) / ` + sqlRate + `
			ELSE 1000000000 END AS DOUBLE PRECISION),
		` + sqlOutOfStock + `, ` + sqlBelowReorder + `,
		CASE WHEN ` + sqlBelowReorder + ` THEN ` + sqlSuggest + ` ELSE 0 END,
		CASE WHEN ` + sqlBelowReorder + ` THEN {{suggest_value}} ELSE 0 END`

// planInsert is planInsertSQL with the level's stock value (on_hand ×
// cost) and its suggestion's value (quantity × unit cost) computed so that
// neither can overflow (sqlProduct), whatever was imported.
func (db *DB) planInsert() string {
	d := db.Dialect()
	return strings.NewReplacer(
		"{{value}}", sqlProduct(d, "l.on_hand", "v.cost_cents"),
		"{{suggest_value}}", sqlProduct(d, sqlSuggest, sqlUnitCost),
	).Replace(planInsertSQL)
}

// planFrom joins what planInsert reads, per inventory level; $1 is the
// store, svFilter narrows the supplier terms and levelFilter the levels.
func planFrom(svFilter, levelFilter string) string {
	return ` FROM inventory_levels l
	JOIN variants v ON v.store_id = l.store_id AND v.id = l.variant_id
	JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
	LEFT JOIN sales_summary ss ON ss.store_id = l.store_id AND ss.variant_id = l.variant_id AND ss.location_id = l.location_id
	LEFT JOIN reorder_rules rl ON rl.store_id = l.store_id AND rl.variant_id = l.variant_id AND rl.location_id = l.location_id
	LEFT JOIN reorder_rules ra ON ra.store_id = l.store_id AND ra.variant_id = l.variant_id AND ra.location_id = 0
	LEFT JOIN (SELECT variant_id, COALESCE(MIN(CASE WHEN is_primary THEN supplier_id END), MIN(supplier_id)) AS supplier_id
		FROM supplier_variants WHERE store_id = $1` + svFilter + ` GROUP BY variant_id) ps ON ps.variant_id = l.variant_id
	LEFT JOIN supplier_variants sv ON sv.store_id = l.store_id AND sv.variant_id = l.variant_id AND sv.supplier_id = ps.supplier_id
	LEFT JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
	WHERE l.store_id = $1` + levelFilter
}

// The reorder conditions in SQL, evaluated when level_plan rows are built
// from the model's reorder point and target (planning.Plan; the planning
// tests compare every row with it): a level needs an order when available
// + incoming is at or below the reorder point (NULL: never), and the
// suggestion restates planning.RoundOrder in the same order of
// operations, so both round alike: enough to reach the target, at least 1,
// at least the minimum order quantity, rounded up to the pack size.
const (
	sqlRate         = `COALESCE(ss.rate, 0)`
	sqlOutOfStock   = `(l.available <= 0 AND ` + sqlRate + ` > 0)`
	sqlBelowReorder = `(ss.reorder_point IS NOT NULL AND l.available + l.incoming <= ss.reorder_point)`
	sqlNeedRaw      = `CAST(ceil(ss.target - CAST(l.available + l.incoming AS DOUBLE PRECISION)) AS BIGINT)`
	sqlNeed1        = `(CASE WHEN ` + sqlNeedRaw + ` <= 0 THEN 1 ELSE ` + sqlNeedRaw + ` END)`
	sqlMOQ          = `COALESCE(sv.min_order_qty, 1)`
	sqlNeed2        = `(CASE WHEN ` + sqlMOQ + ` > ` + sqlNeed1 + ` THEN ` + sqlMOQ + ` ELSE ` + sqlNeed1 + ` END)`
	sqlPack         = `COALESCE(sv.pack_size, 1)`
	sqlSuggest      = `(CASE WHEN ` + sqlPack + ` > 1 THEN (` + sqlNeed2 + ` + ` + sqlPack + ` - 1) / ` + sqlPack + ` * ` + sqlPack + ` ELSE ` + sqlNeed2 + ` END)`
	sqlUnitCost     = `(CASE WHEN sv.unit_cost_cents > 0 THEN sv.unit_cost_cents ELSE v.cost_cents END)`
)

// planRow is a level_plan row with the names the tools show and its
// demand model's figures.
type planRow struct {
	VariantID          int64
	SKU, Product       string
	LocationID         int64
	Location           string
	OnHand, Available  int64
	Incoming           int64
	Units7, Units28    int64
	Units90            int64
	LastSale           *time.Time
	Rule               inventory.Rule
	SupplierID         *int64
	Supplier           *string
	SupplierLead       *int64
	PackSize, MinOrder *int64
	UnitCost           *int64
	Cost, Price        int64
	Rate               float64
	ReorderPoint       *float64
	Target             float64
	Model              planModel
}

// planModel is what the demand model kept of a level's plan.
type planModel struct {
	Method, Class, Forecast string
	SigmaD                  float64
	LeadMean, LeadSigma     float64
	LeadSource              string
	LeadReceipts            int64
	ServiceLevel, Z         float64
	SafetyStock             float64
}

// planSelect reads planRows from a page of level_plan rows aliased lp, in
// scanPlan's order; the names and the model are joined for the page only.
const planSelect = `SELECT lp.variant_id, v.sku, p.title, lp.location_id, loc.name, lp.on_hand, lp.available, lp.incoming,
	lp.units_7, lp.units_28, lp.units_90, lp.last_sale_day,
	lp.min_qty, lp.max_qty, lp.safety_stock, lp.lead_time_days, lp.days_of_cover,
	s.id, s.name, lp.supplier_lead, lp.pack_size, lp.min_order_qty, lp.unit_cost_cents, lp.cost_cents, lp.price_cents,
	lp.rate, lp.reorder_point, lp.target, COALESCE(ss.method, ''), COALESCE(ss.demand_class, ''), COALESCE(ss.forecast, ''),
	COALESCE(ss.sigma_d, 0), COALESCE(ss.lead_mean, 0), COALESCE(ss.lead_sigma, 0), COALESCE(ss.lead_source, ''),
	COALESCE(ss.lead_receipts, 0), COALESCE(ss.service_level, 0), COALESCE(ss.z, 0), COALESCE(ss.safety_stock, 0)`

// planJoins follows FROM (page) lp.
const planJoins = `
	JOIN variants v ON v.store_id = lp.store_id AND v.id = lp.variant_id
	JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
	JOIN locations loc ON loc.store_id = lp.store_id AND loc.id = lp.location_id
	LEFT JOIN suppliers s ON s.store_id = lp.store_id AND s.id = lp.supplier_id
	LEFT JOIN sales_summary ss ON ss.store_id = lp.store_id AND ss.variant_id = lp.variant_id AND ss.location_id = lp.location_id`

func scanPlan(r backend.Rows, extra ...any) (planRow, error) {
	var p planRow
	var lead, cover *int64
	m := &p.Model
	dest := []any{&p.VariantID, &p.SKU, &p.Product, &p.LocationID, &p.Location, &p.OnHand, &p.Available, &p.Incoming,
		&p.Units7, &p.Units28, &p.Units90, &p.LastSale,
		&p.Rule.Min, &p.Rule.Max, &p.Rule.SafetyStock, &lead, &cover,
		&p.SupplierID, &p.Supplier, &p.SupplierLead, &p.PackSize, &p.MinOrder, &p.UnitCost, &p.Cost, &p.Price,
		&p.Rate, &p.ReorderPoint, &p.Target, &m.Method, &m.Class, &m.Forecast, &m.SigmaD, &m.LeadMean, &m.LeadSigma, &m.LeadSource,
		&m.LeadReceipts, &m.ServiceLevel, &m.Z, &m.SafetyStock}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return p, err
	}
	p.Rule.LeadTimeDays = intPtr(lead)
	p.Rule.DaysOfCover = intPtr(cover)
	return p, nil
}

func intPtr(v *int64) *int {
	if v == nil {
		return nil
	}
	i := int(*v)
	return &i
}

// plan is the row's plan as the planning package computed it, rebuilt from
// what was kept, for the figures and sentences derived from it.
func (p planRow) plan() planning.Plan {
	m := p.Model
	pl := planning.Plan{
		LeadTime:     planning.LeadTime{Mean: m.LeadMean, Sigma: m.LeadSigma, Source: m.LeadSource, Receipts: int(m.LeadReceipts)},
		ServiceLevel: m.ServiceLevel, Z: m.Z, SafetyStock: m.SafetyStock, Target: p.Target, Rate: p.Rate,
		Reorders: p.ReorderPoint != nil,
	}
	pl.Forecast.Method = planning.Method(m.Method)
	pl.Forecast.Class = planning.Class(m.Class)
	pl.Forecast.SigmaD = m.SigmaD
	if p.ReorderPoint != nil {
		pl.ReorderPoint = *p.ReorderPoint
		pl.LeadDemand = pl.ReorderPoint - pl.SafetyStock
	}
	return pl
}

func (p planRow) packSize() int64 {
	if p.PackSize != nil {
		return *p.PackSize
	}
	return 1
}

func (p planRow) minOrder() int64 {
	if p.MinOrder != nil {
		return *p.MinOrder
	}
	return 1
}

// PlanInputs are the figures a risk or suggestion was computed from, so
// that the merchant can check it: the forecast and how it was made, the
// spread of demand and lead time, and the service level that sets the
// safety stock. The forecast is given per week of the lead time and days
// of cover (get_demand has it per day), so that a page of lines stays
// small enough for an assistant's context.
type PlanInputs struct {
	Method          string    `json:"method"`
	ForecastPerWeek []float64 `json:"forecast_per_week"`
	SigmaPerDay     float64   `json:"sigma_per_day"`
	LeadTimeDays    float64   `json:"lead_time_days"`
	LeadTimeSigma   float64   `json:"lead_time_sigma_days"`
	LeadTimeSource  string    `json:"lead_time_source"`
	ServiceLevel    float64   `json:"service_level"`
	Z               float64   `json:"z"`
	SafetyStock     float64   `json:"safety_stock"`
	ReorderPoint    float64   `json:"reorder_point"`
	Target          float64   `json:"target"`
}

// perWeek sums a daily forecast by week, the last week in part.
func perWeek(daily []float64) []float64 {
	out := []float64{}
	for i := 0; i < len(daily); i += 7 {
		w := 0.0
		for _, v := range daily[i:min(i+7, len(daily))] {
			w += v
		}
		out = append(out, math.Round(w*10)/10)
	}
	return out
}

func (p planRow) planInputs() PlanInputs {
	m := p.Model
	in := PlanInputs{Method: m.Method, ForecastPerWeek: perWeek(decodeForecast(m.Forecast)), SigmaPerDay: round2(m.SigmaD),
		LeadTimeDays: round2(m.LeadMean), LeadTimeSigma: round2(m.LeadSigma), LeadTimeSource: m.LeadSource,
		ServiceLevel: m.ServiceLevel, Z: round2(m.Z), SafetyStock: round2(m.SafetyStock), Target: round2(p.Target)}
	if p.ReorderPoint != nil {
		in.ReorderPoint = round2(*p.ReorderPoint)
	}
	return in
}

// Risk kinds.
const (
	RiskOutOfStock   = "out_of_stock"
	RiskBelowReorder = "below_reorder_point"
	RiskLowCover     = "low_cover"
)

// RiskKinds defines each stock risk once, in the words list_stock_risks'
// schema gives the model; the SQL in StockRisks and the planning table's
// out_of_stock and needs_reorder columns implement them.
var RiskKinds = []struct{ Kind, Definition string }{
	{RiskOutOfStock, "available <= 0 and it sells (forecast units_per_day > 0)"},
	{RiskBelowReorder, "available + incoming <= reorder point (rule min, else forecast over the lead time + safety stock for the service level)"},
	{RiskLowCover, "sells, and available lasts under `days` days (default 14) at the forecast rate"},
}

// MaxPlanLimit bounds a page of stock risks or suggestions: each line
// carries the inputs it was computed from, and a page must stay small
// enough for an assistant's context.
const MaxPlanLimit = 40

// ClampPlanLimit is ClampLimit for the planning lists.
func ClampPlanLimit(asked int) (limit int, clamped bool) {
	limit, clamped = ClampLimit(asked)
	if limit > MaxPlanLimit {
		return MaxPlanLimit, true
	}
	return limit, clamped
}

// DefaultCoverDays is the low_cover threshold when none is given.
const DefaultCoverDays = 14

// RiskFilter narrows StockRisks.
type RiskFilter struct {
	Kind       string // "" for every kind
	Days       int    // low_cover threshold; 0 means DefaultCoverDays
	LocationID int64
	SupplierID int64
	Places
	Page
}

// NextPO is the soonest open purchase order bringing a variant to a location.
type NextPO struct {
	Number       string `json:"number"`
	ExpectedDate string `json:"expected_date,omitempty"`
}

// StockRisk is one variant at one location that needs attention.
type StockRisk struct {
	Risk         string     `json:"risk"`
	VariantID    int64      `json:"variant_id"`
	SKU          string     `json:"sku"`
	Product      string     `json:"product"`
	LocationID   int64      `json:"location_id"`
	Location     string     `json:"location"`
	Available    int64      `json:"available"`
	Incoming     int64      `json:"incoming,omitempty"`
	Velocity     float64    `json:"units_per_day"`
	DaysOfCover  *float64   `json:"days_of_cover,omitempty"`
	ReorderPoint float64    `json:"reorder_point"`
	SupplierID   *int64     `json:"supplier_id,omitempty"`
	Supplier     *string    `json:"supplier,omitempty"`
	NextPO       *NextPO    `json:"next_po,omitempty"`
	Inputs       PlanInputs `json:"inputs"`
}

// planFilters narrows a level_plan query (aliased lp) to a location and a
// supplier, when given.
func planFilters(args []any, where []string, locationID, supplierID int64) ([]any, []string) {
	if locationID != 0 {
		args = append(args, locationID)
		where = append(where, "lp.location_id = $"+strconv.Itoa(len(args)))
	}
	if supplierID != 0 {
		args = append(args, supplierID)
		where = append(where, "lp.supplier_id = $"+strconv.Itoa(len(args)))
	}
	return args, where
}

// Places are a planning read's location and supplier filters as the
// caller named them. They are matched exactly inside the read's query, so
// that naming them costs no round trip of their own; when the read finds
// nothing, resolve tells a name that matches nothing (an error naming the
// closest candidates) from one that is not exact (a read takes a unique
// partial name), and the read runs again with the ids.
type Places struct {
	Location string // a location's name, code or id
	Supplier string // a supplier's name or id
}

func (p Places) named() bool { return p.Location != "" || p.Supplier != "" }

// filter narrows a level_plan query (aliased lp; $1 the store) to the
// exact matches of the names given.
func (p Places) filter(args []any, where []string) ([]any, []string) {
	if p.Location != "" {
		where = append(where, "lp.location_id = "+locationMatch(&args, p.Location))
	}
	if p.Supplier != "" {
		where = append(where, "lp.supplier_id = "+supplierMatch(&args, p.Supplier))
	}
	return args, where
}

// resolve finds the ids of the names given (0 for a name not given).
func (p Places) resolve(ctx context.Context, db *DB, storeID int64) (locationID, supplierID int64, err error) {
	if p.Location != "" {
		l, err := db.ResolveLocation(ctx, nil, storeID, p.Location)
		if err != nil {
			return 0, 0, err
		}
		locationID = l.ID
	}
	if p.Supplier != "" {
		s, err := db.ResolveSupplier(ctx, nil, storeID, p.Supplier)
		if err != nil {
			return 0, 0, err
		}
		supplierID = s.ID
	}
	return locationID, supplierID, nil
}

// badCursor is the refusal for a cursor whose keys do not parse.
func badCursor(cursor string) error {
	return inventory.Errorf(inventory.Invalid, "cursor %q is not one this server issued: pass next_cursor from the previous page unchanged, or omit it to start over", cursor)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// StockRisks lists inventory levels that are out of stock, at or below
// their reorder point, or with fewer than Days days of cover, most urgent
// first. Kind narrows to levels meeting that condition; each row's risk is
// the most urgent one it meets.
func (db *DB) StockRisks(ctx context.Context, storeID int64, f RiskFilter) (RiskPage, error) {
	risks, next, asOf, err := db.stockRisks(ctx, storeID, f)
	if err == nil && len(risks) == 0 && f.Places.named() {
		if f.LocationID, f.SupplierID, err = f.Places.resolve(ctx, db, storeID); err != nil {
			return RiskPage{}, err
		}
		f.Places = Places{}
		risks, next, err = db.stockRisksAt(ctx, storeID, f)
	}
	return RiskPage{AsOf: asOf.Format(time.DateOnly), Risks: risks, NextCursor: next}, err
}

// RiskPage is a page of stock risks and the day the planning rows were
// built for.
type RiskPage struct {
	AsOf       string      `json:"as_of"`
	Risks      []StockRisk `json:"risks"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func (db *DB) stockRisks(ctx context.Context, storeID int64, f RiskFilter) ([]StockRisk, string, time.Time, error) {
	asOf, err := db.ensurePlan(ctx, storeID)
	if err != nil {
		return nil, "", asOf, err
	}
	risks, next, err := db.stockRisksAt(ctx, storeID, f)
	return risks, next, asOf, err
}

// stockRisksAt lists stock risks from the planning table as it is (the
// caller brought it up to date).
func (db *DB) stockRisksAt(ctx context.Context, storeID int64, f RiskFilter) ([]StockRisk, string, error) {
	days := f.Days
	if days <= 0 {
		days = DefaultCoverDays
	}
	// low_cover: available / rate < days, without division.
	const lowCover = `(lp.rate > 0 AND lp.available < lp.rate * $2)`
	var cond string
	switch f.Kind {
	case "":
		cond = "(lp.out_of_stock OR lp.needs_reorder OR " + lowCover + ")"
	case RiskOutOfStock:
		cond = "lp.out_of_stock"
	case RiskBelowReorder:
		cond = "lp.needs_reorder"
	case RiskLowCover:
		cond = lowCover
	default:
		return nil, "", inventory.Errorf(inventory.Invalid, "kind %q is not a stock risk: use out_of_stock, below_reorder_point or low_cover, or omit it for all", f.Kind)
	}
	limit, _ := ClampPlanLimit(f.Limit)
	args := []any{storeID, days}
	where := []string{"lp.store_id = $1", cond, "$2 > 0"}
	args, where = planFilters(args, where, f.LocationID, f.SupplierID)
	args, where = f.Places.filter(args, where)
	keys, err := DecodeCursor(f.Cursor, 3)
	if err != nil {
		return nil, "", err
	}
	if err := count(ctx, db.b, f.Page, "stock risks", "level_plan lp", " WHERE "+strings.Join(where, " AND "), args); err != nil {
		return nil, "", err
	}
	if keys != nil {
		u, e1 := strconv.ParseFloat(keys[0], 64)
		vid, e2 := strconv.ParseInt(keys[1], 10, 64)
		lid, e3 := strconv.ParseInt(keys[2], 10, 64)
		if e1 != nil || e2 != nil || e3 != nil {
			return nil, "", badCursor(f.Cursor)
		}
		args = append(args, u, vid, lid)
		n := len(args)
		where = append(where, fmt.Sprintf(`(lp.urgency > $%d OR (lp.urgency = $%d AND (lp.variant_id > $%d OR (lp.variant_id = $%d AND lp.location_id > $%d))))`,
			n-2, n-2, n-1, n-1, n))
	}
	args = append(args, limit+1)
	openLine := `FROM purchase_order_lines pl JOIN purchase_orders po ON po.store_id = pl.store_id AND po.id = pl.purchase_order_id
		WHERE pl.store_id = lp.store_id AND pl.variant_id = lp.variant_id AND po.location_id = lp.location_id
		AND po.status IN ('sent', 'partially_received') AND ` + poLineExpected + ` > pl.quantity_received + pl.quantity_rejected`
	rows, err := db.b.Query(ctx, planSelect+`, lp.urgency, lp.out_of_stock, lp.needs_reorder,
			(SELECT po.number `+openLine+` ORDER BY po.expected_date IS NULL, po.expected_date, po.id LIMIT 1),
			(SELECT MIN(po.expected_date) `+openLine+`)
		FROM (SELECT * FROM level_plan lp WHERE `+strings.Join(where, " AND ")+`
			ORDER BY lp.urgency, lp.variant_id, lp.location_id LIMIT $`+strconv.Itoa(len(args))+`) lp`+planJoins+`
		ORDER BY lp.urgency, lp.variant_id, lp.location_id`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("listing stock risks: %w", err)
	}
	defer rows.Close()
	out := []StockRisk{}
	var urgencies []float64
	for rows.Next() {
		var urgency float64
		var oos, brp bool
		var poNumber *string
		var poDate *time.Time
		p, err := scanPlan(rows, &urgency, &oos, &brp, &poNumber, &poDate)
		if err != nil {
			return nil, "", fmt.Errorf("listing stock risks: %w", err)
		}
		urgencies = append(urgencies, urgency)
		in := p.planInputs()
		r := StockRisk{Risk: RiskLowCover, VariantID: p.VariantID, SKU: p.SKU, Product: p.Product, LocationID: p.LocationID,
			Location: p.Location, Available: p.Available, Incoming: p.Incoming, Velocity: round2(p.Rate),
			ReorderPoint: in.ReorderPoint, SupplierID: p.SupplierID, Supplier: p.Supplier, Inputs: in}
		switch {
		case f.Kind != "":
			// Asked for one kind: every row meets it, and says so.
			r.Risk = f.Kind
		case oos:
			r.Risk = RiskOutOfStock
		case brp:
			r.Risk = RiskBelowReorder
		}
		if d, ok := planning.DaysOfCoverAt(p.Available, p.Rate); ok {
			d = round2(d)
			r.DaysOfCover = &d
		}
		if poNumber != nil {
			r.NextPO = &NextPO{Number: *poNumber, ExpectedDate: dateString(poDate)}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("listing stock risks: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = EncodeCursor(strconv.FormatFloat(urgencies[limit-1], 'g', -1, 64), strconv.FormatInt(last.VariantID, 10), strconv.FormatInt(last.LocationID, 10))
	}
	return out, next, nil
}

// SuggestionFilter narrows ReorderSuggestions.
type SuggestionFilter struct {
	LocationID int64
	SupplierID int64
	Places
	Page
}

// SuggestionInputs are the figures a suggestion was computed from, so the
// merchant can check it.
type SuggestionInputs struct {
	Velocity  float64 `json:"units_per_day"`
	Available int64   `json:"available"`
	Incoming  int64   `json:"incoming"`
	PlanInputs
	PackSize    int64           `json:"pack_size,omitempty"`
	MinOrderQty int64           `json:"min_order_qty,omitempty"`
	Rule        *inventory.Rule `json:"rule,omitempty"`
}

// SuggestionLine is one variant to order for one location.
type SuggestionLine struct {
	VariantID     int64           `json:"variant_id"`
	SKU           string          `json:"sku"`
	Product       string          `json:"product"`
	LocationID    int64           `json:"location_id"`
	Location      string          `json:"location"`
	Quantity      int64           `json:"quantity"`
	Reason        string          `json:"reason"`
	UnitCost      inventory.Money `json:"unit_cost"`
	EstimatedCost inventory.Money `json:"estimated_cost"`
	// DaysOfCover is how long available stock lasts at the current
	// velocity (absent when it does not sell); lines are ordered by it.
	DaysOfCover    *float64         `json:"days_of_cover,omitempty"`
	Inputs         SuggestionInputs `json:"inputs"`
	SpareElsewhere []SpareStock     `json:"spare_elsewhere,omitempty"`
}

// SupplierSuggestions are the lines to order from one supplier (none: the
// variants have no supplier yet).
type SupplierSuggestions struct {
	SupplierID     *int64          `json:"supplier_id,omitempty"`
	Supplier       string          `json:"supplier"`
	MinOrder       inventory.Money `json:"min_order,omitempty"`
	EstimatedTotal inventory.Money `json:"estimated_total"`
	BelowMinOrder  bool            `json:"below_min_order,omitempty"`
	// LineCount, EstimatedTotal and BelowMinOrder cover all the supplier's
	// lines, also those on other pages.
	LineCount int64            `json:"line_count"`
	Lines     []SuggestionLine `json:"lines"`
	index     int              // in the supplier totals, while paging
}

// NoSupplier names the group of variants that have no supplier.
const NoSupplier = "(no supplier: assign one in Logistified)"

// Suggestions is get_reorder_suggestions' answer: a page of lines grouped
// by supplier, and the day the planning rows were built for.
type Suggestions struct {
	AsOf       string                `json:"as_of"`
	Suppliers  []SupplierSuggestions `json:"suppliers"`
	NextCursor string                `json:"next_cursor,omitempty"`
}

// ReorderSuggestions lists what to order, per inventory level at or below
// its reorder point, grouped by supplier. Suppliers come most urgent first
// (by their most urgent line), lines within a supplier most urgent first
// (out of stock, then fewest days of cover); variants without a supplier
// form a group of their own. Paging runs over lines, so a supplier's lines
// may continue on the next page, but its line_count, estimated_total and
// below_min_order always cover all its lines.
func (db *DB) ReorderSuggestions(ctx context.Context, storeID int64, f SuggestionFilter) (Suggestions, error) {
	out, err := db.reorderSuggestions(ctx, storeID, f)
	if err == nil && len(out.Suppliers) == 0 && f.Places.named() {
		if f.LocationID, f.SupplierID, err = f.Places.resolve(ctx, db, storeID); err != nil {
			return Suggestions{}, err
		}
		f.Places = Places{}
		return db.reorderSuggestions(ctx, storeID, f)
	}
	return out, err
}

func (db *DB) reorderSuggestions(ctx context.Context, storeID int64, f SuggestionFilter) (Suggestions, error) {
	asOf, err := db.ensurePlan(ctx, storeID)
	if err != nil {
		return Suggestions{}, err
	}
	out := Suggestions{AsOf: asOf.Format(time.DateOnly), Suppliers: []SupplierSuggestions{}}
	limit, _ := ClampPlanLimit(f.Limit)
	args := []any{storeID}
	where := []string{"lp.store_id = $1", "lp.needs_reorder"}
	args, where = planFilters(args, where, f.LocationID, f.SupplierID)
	args, where = f.Places.filter(args, where)
	// The cursor is the last line's supplier (its urgency and id) and the
	// line's own keys.
	keys, err := DecodeCursor(f.Cursor, 5)
	if err != nil {
		return Suggestions{}, err
	}
	var after *[5]float64
	if keys != nil {
		var k [5]float64
		for i := range k {
			if k[i], err = strconv.ParseFloat(keys[i], 64); err != nil {
				return Suggestions{}, badCursor(f.Cursor)
			}
		}
		after = &k
	}
	type supplierTotal struct {
		id, lines, cents, minOrder int64
		urgency                    float64
		name                       *string
	}
	// Each supplier's lines and their cost are summed from
	// level_plan_counts, which triggers keep per supplier and location
	// (migration 00015: totalling every line took 54–77 ms at a million
	// variants on PostgreSQL); its most urgent line, which orders the
	// suppliers, is the first entry of level_plan_reorder for it. The
	// counts table has the filters' columns, under the same alias.
	countsWhere := append([]string{}, where...)
	countsWhere[1] = "lp.reorder_lines > 0"
	totals, err := collect(ctx, db.b, "totalling reorder suggestions", func(r backend.Rows) (supplierTotal, error) {
		var t supplierTotal
		var minOrder *int64
		err := r.Scan(&t.id, &t.urgency, &t.lines, &t.cents, &t.name, &minOrder)
		if minOrder != nil {
			t.minOrder = *minOrder
		}
		return t, err
	}, `SELECT t.supplier_id, (SELECT lp.urgency FROM level_plan lp WHERE `+strings.Join(where, " AND ")+` AND lp.supplier_id = t.supplier_id
				ORDER BY lp.urgency LIMIT 1) AS first_urgency, t.n, t.cents, s.name, s.min_order_cents FROM (
			SELECT lp.supplier_id, CAST(SUM(lp.reorder_lines) AS BIGINT) AS n, `+sqlSum(db.Dialect(), "lp.suggest_cents")+` AS cents
			FROM level_plan_counts lp WHERE `+strings.Join(countsWhere, " AND ")+` GROUP BY lp.supplier_id) t
		LEFT JOIN suppliers s ON s.store_id = $1 AND s.id = t.supplier_id
		ORDER BY first_urgency, t.supplier_id`, args...)
	if err != nil {
		return Suggestions{}, err
	}
	if f.Total != nil {
		// Paging runs over lines: the total is every line of every
		// supplier, which the supplier totals already counted.
		*f.Total = 0
		for _, t := range totals {
			*f.Total += t.lines
		}
	}
	type pageLine struct {
		p       planRow
		urgency float64
		sup     int
	}
	var lines []pageLine
	for i, t := range totals {
		if len(lines) > limit {
			break
		}
		largs := append(append([]any{}, args...), t.id)
		lwhere := append(append([]string{}, where...), "lp.supplier_id = $"+strconv.Itoa(len(largs)))
		if after != nil {
			if t.urgency < after[0] || (t.urgency == after[0] && float64(t.id) < after[1]) {
				continue // a supplier before the cursor's
			}
			if float64(t.id) == after[1] {
				largs = append(largs, after[2], int64(after[3]), int64(after[4]))
				n := len(largs)
				lwhere = append(lwhere, fmt.Sprintf(`(lp.urgency > $%d OR (lp.urgency = $%d AND (lp.variant_id > $%d OR (lp.variant_id = $%d AND lp.location_id > $%d))))`,
					n-2, n-2, n-1, n-1, n))
			}
		}
		largs = append(largs, limit+1-len(lines))
		rows, err := collect(ctx, db.b, "computing reorder suggestions", func(r backend.Rows) (pageLine, error) {
			var l pageLine
			var err error
			l.p, err = scanPlan(r, &l.urgency)
			l.sup = i
			return l, err
		}, planSelect+`, lp.urgency FROM (SELECT * FROM level_plan lp WHERE `+strings.Join(lwhere, " AND ")+`
				ORDER BY lp.urgency, lp.variant_id, lp.location_id LIMIT $`+strconv.Itoa(len(largs))+`) lp`+planJoins+`
			ORDER BY lp.urgency, lp.variant_id, lp.location_id`, largs...)
		if err != nil {
			return Suggestions{}, err
		}
		lines = append(lines, rows...)
	}
	if len(lines) > limit {
		lines = lines[:limit]
		last := lines[limit-1]
		t := totals[last.sup]
		out.NextCursor = EncodeCursor(strconv.FormatFloat(t.urgency, 'g', -1, 64), strconv.FormatInt(t.id, 10),
			strconv.FormatFloat(last.urgency, 'g', -1, 64), strconv.FormatInt(last.p.VariantID, 10), strconv.FormatInt(last.p.LocationID, 10))
	}
	variantIDs := make([]int64, 0, len(lines))
	for _, l := range lines {
		variantIDs = append(variantIDs, l.p.VariantID)
	}
	spare, err := db.spareStock(ctx, storeID, variantIDs)
	if err != nil {
		return Suggestions{}, err
	}
	for _, l := range lines {
		p := l.p
		pl := p.plan()
		position := p.Available + p.Incoming
		qty := pl.Quantity(position, p.packSize(), p.minOrder())
		if qty <= 0 {
			continue
		}
		if n := len(out.Suppliers); n == 0 || out.Suppliers[n-1].index != l.sup {
			t := totals[l.sup]
			g := SupplierSuggestions{SupplierID: p.SupplierID, Supplier: NoSupplier, LineCount: t.lines,
				EstimatedTotal: inventory.Money(t.cents), Lines: []SuggestionLine{}, index: l.sup}
			if t.name != nil {
				g.Supplier = *t.name
				g.MinOrder = inventory.Money(t.minOrder)
				g.BelowMinOrder = t.minOrder > 0 && t.cents < t.minOrder
			}
			out.Suppliers = append(out.Suppliers, g)
		}
		g := &out.Suppliers[len(out.Suppliers)-1]
		unit := p.Cost
		if p.UnitCost != nil && *p.UnitCost > 0 {
			unit = *p.UnitCost
		}
		cost, err := inventory.Money(unit).Times(qty)
		if err != nil {
			return Suggestions{}, inventory.OverflowError("the suggested order of " + p.SKU)
		}
		line := SuggestionLine{VariantID: p.VariantID, SKU: p.SKU, Product: p.Product, LocationID: p.LocationID, Location: p.Location,
			Quantity: qty, Reason: pl.Reason(position, p.Rule.Min), UnitCost: inventory.Money(unit), EstimatedCost: cost,
			Inputs: SuggestionInputs{Velocity: round2(p.Rate), Available: p.Available, Incoming: p.Incoming, PlanInputs: p.planInputs()}}
		if d, ok := planning.DaysOfCoverAt(p.Available, p.Rate); ok {
			d = round2(d)
			line.DaysOfCover = &d
		}
		for _, s := range spare[p.VariantID] {
			if s.LocationID != p.LocationID {
				line.SpareElsewhere = append(line.SpareElsewhere, s)
			}
		}
		if pack := p.packSize(); pack > 1 {
			line.Inputs.PackSize = pack
		}
		if moq := p.minOrder(); moq > 1 {
			line.Inputs.MinOrderQty = moq
		}
		if p.Rule != (inventory.Rule{}) {
			rule := p.Rule
			line.Inputs.Rule = &rule
		}
		g.Lines = append(g.Lines, line)
	}
	return out, nil
}

// SpareStock is stock of a variant at another location beyond what that
// location would stock up to itself: a transfer may beat a purchase.
type SpareStock struct {
	LocationID int64  `json:"location_id"`
	Location   string `json:"location"`
	Available  int64  `json:"available"`
	Spare      int64  `json:"spare"`
}

// spareStock finds, for each variant, the locations that hold more
// available stock than their own target (the rule's max, else the
// forecast over lead time and days of cover + safety stock) and do not need reordering
// themselves; spare is what is left above that target.
func (db *DB) spareStock(ctx context.Context, storeID int64, variantIDs []int64) (map[int64][]SpareStock, error) {
	out := map[int64][]SpareStock{}
	if len(variantIDs) == 0 {
		return out, nil
	}
	args := []any{storeID}
	in := placeholders(&args, variantIDs)
	rows, err := collect(ctx, db.b, "finding spare stock at other locations", func(r backend.Rows) (planRow, error) { return scanPlan(r) },
		planSelect+` FROM (SELECT * FROM level_plan lp WHERE lp.store_id = $1 AND lp.variant_id IN (`+in+`)
			AND lp.available > 0 AND NOT lp.needs_reorder) lp`+planJoins+`
		ORDER BY lp.variant_id, lp.location_id`, args...)
	if err != nil {
		return nil, err
	}
	for _, p := range rows {
		spare := p.Available - int64(math.Ceil(p.Target))
		if spare > 0 {
			out[p.VariantID] = append(out[p.VariantID], SpareStock{LocationID: p.LocationID, Location: p.Location, Available: p.Available, Spare: spare})
		}
	}
	return out, nil
}

// DemandWindow is the sales of a window of days.
type DemandWindow struct {
	Days   int     `json:"days"`
	Units  int64   `json:"units"`
	PerDay float64 `json:"units_per_day"`
}

// Demand is a variant's sales history and outlook, at one location or all.
type Demand struct {
	VariantID     int64          `json:"variant_id"`
	SKU           string         `json:"sku"`
	Product       string         `json:"product"`
	LocationID    int64          `json:"location_id,omitempty"`
	Location      string         `json:"location,omitempty"`
	Windows       []DemandWindow `json:"windows"`
	Trend         string         `json:"trend"`
	Available     int64          `json:"available"`
	Incoming      int64          `json:"incoming,omitempty"`
	DaysOfCover   *float64       `json:"days_of_cover,omitempty"`
	StockOutDate  string         `json:"projected_stock_out,omitempty"`
	WeeklyUnits   []int64        `json:"weekly_units"`
	LastSale      string         `json:"last_sale,omitempty"`
	VelocityBasis string         `json:"velocity_basis"`
	Forecast      DemandForecast `json:"forecast"`
	Class         DemandClass    `json:"class"`
	Accuracy      *Accuracy      `json:"accuracy,omitempty"`
}

// DemandForecast is the model's outlook for a variant: the one every
// planning read uses.
type DemandForecast struct {
	Method      string    `json:"method"`
	UnitsPerDay float64   `json:"units_per_day"`
	SigmaPerDay float64   `json:"sigma_per_day"`
	PerDay      []float64 `json:"per_day"`
}

// DemandClass places a variant: ABC by its share of the store's 90-day
// revenue (A the first 80%, B the next 15%, C the rest), XYZ by the
// variability of its weekly demand, and its demand pattern
// (Syntetos–Boylan: smooth, erratic, intermittent, lumpy).
type DemandClass struct {
	ABC     string `json:"abc"`
	XYZ     string `json:"xyz,omitempty"`
	Pattern string `json:"pattern,omitempty"`
}

// Accuracy is how the forecast method did on the variant's own history: a
// rolling-origin backtest, each of the last weeks forecast from the days
// before it. WAPE is Σ|forecast − actual| / Σ actual; bias Σ(forecast −
// actual) / Σ actual (above zero: it ran high).
type Accuracy struct {
	WAPE          float64 `json:"wape"`
	Bias          float64 `json:"bias"`
	BacktestWeeks int     `json:"backtest_weeks"`
}

func accuracyOf(a planning.Accuracy) *Accuracy {
	w, ok := a.WAPE()
	if !ok {
		return nil
	}
	b, _ := a.Bias()
	return &Accuracy{WAPE: round2(w), Bias: round2(b), BacktestWeeks: a.Origins}
}

// MaxDemandDays bounds get_demand's window.
const MaxDemandDays = 365

// Demand reads a variant's daily sales over the last max(days, 90) full
// days (one row per day, summed in SQL) and derives the windows, the trend
// (last 7 days against the last 28), days of cover and the projected
// stock-out date at the 28-day velocity.
func (db *DB) Demand(ctx context.Context, storeID int64, ref VariantRef, location string, days int) (Demand, error) {
	if days <= 0 {
		days = velocityDays
	}
	if days > MaxDemandDays {
		return Demand{}, inventory.Errorf(inventory.Invalid, "days %d is more than %d: ask for a shorter window", days, MaxDemandDays)
	}
	location = strings.TrimSpace(location)
	d, found, err := db.demandStock(ctx, storeID, ref, location, 0)
	if err != nil {
		return Demand{}, err
	}
	if !found {
		// Not named exactly: the resolvers take a unique partial name or
		// say which names come closest.
		vs, err := db.ResolveVariants(ctx, nil, storeID, []VariantRef{ref})
		if err != nil {
			return Demand{}, err
		}
		locationID, _, err := Places{Location: location}.resolve(ctx, db, storeID)
		if err != nil {
			return Demand{}, err
		}
		if d, found, err = db.demandStock(ctx, storeID, VariantRef{ID: vs[0].ID}, "", locationID); err != nil {
			return Demand{}, err
		}
		if !found {
			return Demand{}, fmt.Errorf("reading the demand of %s: it vanished", vs[0].SKU)
		}
	}
	today, err := db.storeToday(ctx, nil, storeID)
	if err != nil {
		return Demand{}, err
	}
	// The model reads the variant's sales (two years, every location): the
	// windows are summed from the same rows.
	m, err := db.demandModel(ctx, storeID, d.VariantID, d.LocationID, today)
	if err != nil {
		return Demand{}, err
	}
	type daySales struct {
		day   time.Time
		units int64
	}
	var perDay []daySales
	for _, s := range m.sales {
		if (d.LocationID == 0 || s.locationID == d.LocationID) && s.day.Before(today) {
			perDay = append(perDay, daySales{s.day, s.units})
		}
	}
	windows := []int{shortWindowDays, velocityDays, longWindowDays}
	if days != shortWindowDays && days != velocityDays && days != longWindowDays {
		windows = append(windows, days)
	}
	weeks := (days + 6) / 7
	d.WeeklyUnits = make([]int64, weeks)
	units := make([]int64, len(windows))
	for _, s := range perDay {
		ago := int(today.Sub(UTCDate(s.day)).Hours()/24 + 0.5) // 1 = yesterday
		for i, w := range windows {
			if ago <= w {
				units[i] += s.units
			}
		}
		if ago <= weeks*7 && ago >= 1 {
			d.WeeklyUnits[weeks-1-(ago-1)/7] += s.units // oldest week first
		}
	}
	for i, w := range windows {
		d.Windows = append(d.Windows, DemandWindow{Days: w, Units: units[i], PerDay: round2(float64(units[i]) / float64(w))})
	}
	v7, v28 := float64(units[0])/shortWindowDays, float64(units[1])/velocityDays
	switch {
	case units[2] == 0:
		d.Trend = "no sales"
	case v7 > v28*1.25:
		d.Trend = "rising"
	case v7 < v28*0.75:
		d.Trend = "falling"
	default:
		d.Trend = "steady"
	}
	f := m.plan.Forecast
	d.Forecast = DemandForecast{Method: string(f.Method), UnitsPerDay: round2(m.plan.Rate), SigmaPerDay: round2(f.SigmaD), PerDay: decodeForecast(encodeForecast(f.Daily))}
	d.Class = DemandClass{ABC: m.abc, XYZ: planning.XYZ(f), Pattern: string(f.Class)}
	d.Accuracy = accuracyOf(m.accuracy)
	d.VelocityBasis = "forecast by " + string(f.Method) + " over the lead time, from in-stock days (days that ended out of stock are left out)"
	if cover, ok := planning.DaysOfCoverAt(d.Available, m.plan.Rate); ok {
		c := round2(cover)
		d.DaysOfCover = &c
		d.StockOutDate = today.AddDate(0, 0, stockOutDay(d.Available, f.Daily, cover)).Format(time.DateOnly)
	}
	return d, nil
}

// demandStock reads the variant ref names and its stock and last sale (at
// the location named, or at locationID when that is not 0) in one query,
// the names matched exactly inside it; found is false when ref or the
// location names nothing exactly.
func (db *DB) demandStock(ctx context.Context, storeID int64, ref VariantRef, location string, locationID int64) (d Demand, found bool, err error) {
	args := []any{storeID}
	match := "v.id = $2"
	if ref.SKU != "" {
		args = append(args, ref.SKU)
		match = "v.sku = $2"
	} else {
		args = append(args, ref.ID)
	}
	at, atLevel, atSale := "CAST(0 AS BIGINT)", "", ""
	switch {
	case locationID != 0:
		args = append(args, locationID)
		at = "CAST($3 AS BIGINT)"
	case location != "":
		at = locationMatch(&args, location)
	}
	if at != "CAST(0 AS BIGINT)" {
		atLevel, atSale = " AND l.location_id = "+at, " AND ds.location_id = "+at
	}
	var loc *int64
	var locName *string
	var last *time.Time
	err = db.b.QueryRow(ctx, `SELECT v.id, v.sku, p.title, `+at+`, (SELECT name FROM locations WHERE store_id = $1 AND id = `+at+`),
			(SELECT CAST(COALESCE(SUM(l.available), 0) AS BIGINT) FROM inventory_levels l WHERE l.store_id = $1 AND l.variant_id = v.id`+atLevel+`),
			(SELECT CAST(COALESCE(SUM(l.incoming), 0) AS BIGINT) FROM inventory_levels l WHERE l.store_id = $1 AND l.variant_id = v.id`+atLevel+`),
			(SELECT MAX(CASE WHEN ds.units > 0 THEN ds.day END) FROM daily_sales ds WHERE ds.store_id = $1 AND ds.variant_id = v.id`+atSale+`)
		FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE v.store_id = $1 AND `+match, args...).Scan(&d.VariantID, &d.SKU, &d.Product, &loc, &locName, &d.Available, &d.Incoming, &last)
	if errors.Is(err, backend.ErrNoRows) {
		return Demand{}, false, nil
	}
	if err != nil {
		return Demand{}, false, fmt.Errorf("reading the stock of %s: %w", ref, err)
	}
	if loc == nil || (ref.SKU != "" && ref.ID != 0 && ref.ID != d.VariantID) {
		return Demand{}, false, nil // a location not named exactly; a sku and variant_id that disagree
	}
	d.LocationID = *loc
	if locName != nil {
		d.Location = *locName
	}
	d.LastSale = dateString(last)
	return d, true, nil
}

// planRiskCounts are two columns, the store's ($1) levels out of stock and
// those at or below their reorder point, read from level_plan_counts: the
// triggers of migration 00015 keep them per supplier and location with
// every change of level_plan, so a read sums a few hundred rows rather than
// counting every level at risk (148,000 at a million variants).
const planRiskCounts = `(SELECT CAST(COALESCE(SUM(out_of_stock), 0) AS BIGINT) FROM level_plan_counts WHERE store_id = $1),
	(SELECT CAST(COALESCE(SUM(reorder_lines), 0) AS BIGINT) FROM level_plan_counts WHERE store_id = $1)`

// StockRiskCounts counts the store's inventory levels that are out of
// stock and that are at or below their reorder point, by the definitions
// list_stock_risks uses.
func (db *DB) StockRiskCounts(ctx context.Context, storeID int64) (outOfStock, belowReorder int64, err error) {
	if _, err := db.ensurePlan(ctx, storeID); err != nil {
		return 0, 0, err
	}
	err = db.b.QueryRow(ctx, `SELECT `+planRiskCounts, storeID).Scan(&outOfStock, &belowReorder)
	if err != nil {
		return 0, 0, fmt.Errorf("counting stock risks: %w", err)
	}
	return outOfStock, belowReorder, nil
}
