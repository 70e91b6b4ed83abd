package documents

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// MaxStockTakeLines bounds a stock take started for a whole location or
// vendor, so one call cannot snapshot an unbounded number of rows.
const MaxStockTakeLines = 10000

// StockTake is a count of stock at one location.
type StockTake struct {
	stHead
	Totals StockTakeTotals `json:"totals"`
	// LargestVariances are the counted lines whose variance is over
	// the threshold (LargeVariance), largest cost first: what needs
	// attention before the count is completed.
	LargestVariances []StockTakeLine `json:"largest_variances,omitempty"`
	docBody[StockTakeLine]
	CompletedAt *time.Time `json:"completed_at,omitempty"`

	// moved is the stock its variances move at cost, either way: the
	// amount of its writes (amounts.go).
	moved inventory.Money
}

// scan scans stockTakeSelect's columns: the head into h, the times into
// created and completed.
func (h *stHead) scan(r backend.Row, created *time.Time, completed **time.Time) error {
	var status string
	err := r.Scan(&h.id, &h.Number, &status, &h.Location.ID, &h.Location.Name, &h.Scope, created, completed)
	h.Status = inventory.Status(status)
	return err
}

// stockTakeSelect selects a stock take's head and when it was created and
// completed.
const stockTakeSelect = `SELECT st.id, st.number, st.status, l.id, l.name, st.scope, st.created_at, st.completed_at
	FROM stock_takes st JOIN locations l ON l.store_id = st.store_id AND l.id = st.location_id`

// stHead leads a stock take and its summary in a list.
type stHead struct {
	docHead
	Location storage.DocLocation `json:"location"`
	Scope    string              `json:"scope"`
}

// StockTakeLine is one SKU: the on_hand expected when the count started,
// what was counted (absent until counted) and the variance, in units and
// at the variant's cost.
type StockTakeLine struct {
	lineVariant
	Expected     int64            `json:"expected"`
	Counted      *int64           `json:"counted,omitempty"`
	Variance     *int64           `json:"variance,omitempty"`
	VarianceCost *inventory.Money `json:"variance_cost,omitempty"`

	cost int64
}

// StockTakeTotals sums a stock take.
type StockTakeTotals struct {
	Lines         int             `json:"lines"`
	Counted       int             `json:"counted_lines"`
	Uncounted     int             `json:"uncounted_lines"`
	WithVariance  int             `json:"lines_with_variance"`
	LargeVariance int             `json:"lines_with_large_variance"`
	VarianceUnits int64           `json:"variance_units"`
	VarianceCost  inventory.Money `json:"variance_cost"`
}

// NewStockTake is what StartStockTake needs: a location and either SKUs,
// a vendor, or neither (every variant with a level at the location).
type NewStockTake struct {
	Location string
	SKUs     []storage.VariantRef
	Vendor   string
}

// StartStockTake opens a stock take and snapshots the expected on_hand of
// each line in one statement.
func (db *DB) StartStockTake(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in NewStockTake) (StockTakeResult, error) {
	loc, err := db.ResolveLocation(ctx, tx, storeID, in.Location)
	if err != nil {
		return StockTakeResult{}, err
	}
	vendor := strings.TrimSpace(in.Vendor)
	if vendor != "" && len(in.SKUs) > 0 {
		return StockTakeResult{}, inventory.Errorf(inventory.Invalid, "give skus or vendor, not both: a stock take counts a list of SKUs, a vendor's variants, or (neither) everything stocked at the location")
	}
	var scope, sel string
	args := []any{storeID, loc.ID}
	switch {
	case len(in.SKUs) > 0:
		vs, err := db.resolveLines(ctx, tx, storeID, "the stock take", in.SKUs)
		if err != nil {
			return StockTakeResult{}, err
		}
		ids := make([]int64, len(vs))
		for i, v := range vs {
			ids[i] = v.ID
		}
		scope = fmt.Sprintf("%d SKUs", len(vs))
		inList := storage.Placeholders(&args, ids)
		sel = `FROM variants v LEFT JOIN inventory_levels l ON l.store_id = v.store_id AND l.variant_id = v.id AND l.location_id = $2
			WHERE v.store_id = $1 AND v.id IN (` + inList + `)`
	case vendor != "":
		args = append(args, vendor)
		scope = "vendor " + vendor
		sel = `FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
			LEFT JOIN inventory_levels l ON l.store_id = v.store_id AND l.variant_id = v.id AND l.location_id = $2
			WHERE v.store_id = $1 AND lower(p.vendor) = lower($3)`
	default:
		scope = "all stocked variants"
		sel = `FROM inventory_levels l JOIN variants v ON v.store_id = l.store_id AND v.id = l.variant_id
			WHERE l.store_id = $1 AND l.location_id = $2`
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) `+sel, args...).Scan(&n); err != nil {
		return StockTakeResult{}, fmt.Errorf("starting a stock take: %w", err)
	}
	switch {
	case n == 0 && vendor != "":
		return StockTakeResult{}, inventory.Errorf(inventory.NotFound, "no variant has vendor %q: check the vendor's name with search_products", vendor)
	case n == 0:
		return StockTakeResult{}, inventory.Errorf(inventory.Invalid, "nothing is stocked at %s: give skus to count there", loc.Name)
	case n > MaxStockTakeLines:
		return StockTakeResult{}, inventory.Errorf(inventory.Invalid, "that stock take would have %d lines; at most %d are allowed: narrow it with vendor or skus", n, MaxStockTakeLines)
	}
	return stType.create(ctx, db, tx, storeID, docInsert{status: inventory.StockTakeInProgress, cols: "location_id, scope", vals: []any{loc.ID, scope},
		fill: func(id int64, number string) error {
			args = append(args, id)
			if _, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO stock_take_lines (store_id, stock_take_id, variant_id, position, expected)
		SELECT $1, $%d, v.id, 0, coalesce(l.on_hand, 0) `, len(args))+sel, args...); err != nil {
				return fmt.Errorf("snapshotting %s: %w", number, err)
			}
			return nil
		}})
}

// StockTakeResult is what a stock take write returns.
type StockTakeResult struct {
	Warnings  []Warning `json:"warnings,omitempty"`
	StockTake StockTake `json:"stock_take"`
	docOutcome
}

func (r StockTakeResult) AsPreview() (any, string) {
	return previewOf(&r, r.docOutcome, &r.StockTake.docHead)
}

// A variance is large when it is more than LargeVarianceUnits units and
// more than LargeVariancePercent of what was expected: a miscount or a
// loss worth a recount before completing.
const (
	LargeVarianceUnits   = 5
	LargeVariancePercent = 20
	maxLargestVariances  = 5
)

func largeVariance(l StockTakeLine) bool {
	if l.Variance == nil {
		return false
	}
	v := *l.Variance
	if v < 0 {
		v = -v
	}
	return v > LargeVarianceUnits && v*100 > l.Expected*LargeVariancePercent
}

// varianceWarnings warns of the large variances a count or completion has.
func varianceWarnings(st StockTake) []Warning {
	var ws []Warning
	for _, l := range st.LargestVariances {
		ws = append(ws, Warning{Code: WarnLargeVariance, SKU: l.SKU, Message: fmt.Sprintf(
			"%s counted %d against %d expected at %s (%+d units, %s): recount it before completing if that looks wrong",
			l.SKU, *l.Counted, l.Expected, st.Location.Name, *l.Variance, *l.VarianceCost)})
	}
	if n := st.Totals.LargeVariance - len(st.LargestVariances); n > 0 {
		ws = append(ws, Warning{Code: WarnLargeVariance, Message: fmt.Sprintf("%d more lines have a variance over %d units and %d%%: see get_stock_take",
			n, LargeVarianceUnits, LargeVariancePercent)})
	}
	return ws
}

// Count modes.
const (
	CountSet = "set"
	CountAdd = "add"
)

// CountInput is one count: Mode "set" (default) replaces the line's count,
// "add" adds to it (for counting one shelf after another).
type CountInput struct {
	SKU       string
	VariantID int64
	Counted   int64
	Mode      string
}

// RecordStockCounts records counts; it may be called many times. A SKU not
// yet on the stock take (found on the shelf, say) is added with the on_hand
// expected now.
func (db *DB) RecordStockCounts(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, counts []CountInput) (StockTakeResult, error) {
	r, err := stType.actOnLock(ctx, db, tx, storeID, actor, number, inventory.ActionRecordCounts, func(d lockedDoc) (move, error) {
		return move{status: d.Status, undo: storage.NoUndo("counts are not withdrawn: record_stock_counts with mode set records the right count")},
			db.recordCounts(ctx, tx, storeID, d, counts)
	})
	r.Warnings = varianceWarnings(r.StockTake)
	return r, err
}

// recordCounts writes counts to the locked stock take d.
func (db *DB) recordCounts(ctx context.Context, tx backend.Tx, storeID int64, d lockedDoc, counts []CountInput) error {
	refs := make([]storage.VariantRef, len(counts))
	for i, c := range counts {
		refs[i] = storage.VariantRef{SKU: c.SKU, ID: c.VariantID}
	}
	vs, err := db.resolveLines(ctx, tx, storeID, "the counts", refs)
	if err != nil {
		return err
	}
	var locationID int64
	if err := tx.QueryRow(ctx, `SELECT location_id FROM stock_takes WHERE store_id = $1 AND id = $2`, storeID, d.ID).Scan(&locationID); err != nil {
		return fmt.Errorf("reading %s: %w", d.Number, err)
	}
	now := db.Now()
	for i, c := range counts {
		v := vs[i]
		mode := strings.ToLower(strings.TrimSpace(c.Mode))
		if mode == "" {
			mode = CountSet
		}
		if mode != CountSet && mode != CountAdd {
			return inventory.Errorf(inventory.Invalid, "mode %q for %s is not set or add: use set to replace the count, add to add to it", c.Mode, v.SKU)
		}
		min := int64(0)
		if mode == CountAdd {
			min = -inventory.MaxQuantity
		}
		if err := checkQuantity(v.SKU, "counted", c.Counted, min); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO stock_take_lines (store_id, stock_take_id, variant_id, position, expected)
			SELECT $1, $2, $3, 0, coalesce((SELECT on_hand FROM inventory_levels WHERE store_id = $1 AND variant_id = $3 AND location_id = $4), 0)
			ON CONFLICT (store_id, stock_take_id, variant_id) DO NOTHING`, storeID, d.ID, v.ID, locationID); err != nil {
			return fmt.Errorf("adding %s to %s: %w", v.SKU, d.Number, err)
		}
		set := `counted = $1`
		if mode == CountAdd {
			set = `counted = coalesce(counted, 0) + $1`
		}
		var counted int64
		if err := tx.QueryRow(ctx, `UPDATE stock_take_lines SET `+set+`, counted_at = $2
			WHERE store_id = $3 AND stock_take_id = $4 AND variant_id = $5 RETURNING counted`, c.Counted, now, storeID, d.ID, v.ID).Scan(&counted); err != nil {
			return fmt.Errorf("counting %s on %s: %w", v.SKU, d.Number, err)
		}
		if counted < 0 {
			return inventory.FieldErrorf("counted", inventory.Invalid, "adding %d to the count of %s would make it %d: a count cannot be negative", c.Counted, v.SKU, counted)
		}
		if counted > inventory.MaxQuantity {
			return inventory.FieldErrorf("counted", inventory.Invalid, "adding %d to the count of %s would make it %d, more than %d, the most one line can hold", c.Counted, v.SKU, counted, inventory.MaxQuantity)
		}
	}
	return nil
}

// CompleteStockTake applies the counts: on_hand += counted − expected for
// each counted line, so sales and receipts during the count are kept.
// Uncounted lines change nothing.
func (db *DB) CompleteStockTake(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (StockTakeResult, error) {
	r, err := stType.act(ctx, db, tx, storeID, actor, number, inventory.ActionComplete, func(d lockedDoc, st StockTake) (move, error) {
		if st.Totals.Counted == 0 {
			return move{}, inventory.Errorf(inventory.Invalid, "%s has no counts yet: record counts first, or cancel it", d.Number)
		}
		var changes []storage.Change
		for _, l := range st.Lines {
			if l.Variance != nil {
				changes = append(changes, storage.Change{VariantID: l.VariantID, LocationID: st.Location.ID, Quantity: inventory.OnHand,
					Delta: *l.Variance, SKU: l.SKU, Location: st.Location.Name})
			}
		}
		return move{reason: inventory.ReasonCycleCount, changes: changes, status: inventory.StockTakeCompleted, set: []any{"completed_at", db.Now()},
			undo: storage.NoUndo("a completed stock take's adjustments stand: start_stock_take and count again to correct them")}, nil
	})
	r.Warnings = varianceWarnings(r.StockTake)
	return r, err
}

// CancelStockTake abandons a stock take; nothing changes.
func (db *DB) CancelStockTake(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (StockTakeResult, error) {
	return stType.actOnLock(ctx, db, tx, storeID, actor, number, inventory.ActionCancel, func(lockedDoc) (move, error) {
		return move{status: inventory.StockTakeCancelled, undo: storage.NoUndo("a cancelled stock take stays cancelled: start_stock_take begins a new one")}, nil
	})
}

// stType is a stock take to the document engine. A line has a variance
// once counted; its totals count lines and variances, and it shows its
// largest variances.
var stType = &docType[StockTake, StockTakeLine, StockTakeResult]{
	docKind:  stDoc,
	head:     stockTakeSelect,
	scanHead: func(st *StockTake, r backend.Row) error { return st.scan(r, &st.CreatedAt, &st.CompletedAt) },
	parts:    func(st *StockTake) (*docHead, *docBody[StockTakeLine]) { return &st.docHead, &st.docBody },
	result:   func(st StockTake, o docOutcome) StockTakeResult { return StockTakeResult{StockTake: st, docOutcome: o} },
	lineCols: `x.expected, x.counted, v.cost_cents`,
	scanLine: func(_ *StockTake, r backend.Rows, number string) (StockTakeLine, error) {
		var l StockTakeLine
		err := r.Scan(&l.VariantID, &l.SKU, &l.Product, &l.Variant, &l.Expected, &l.Counted, &l.cost)
		if err != nil || l.Counted == nil {
			return l, err
		}
		v := *l.Counted - l.Expected
		c, err := inventory.Money(l.cost).Times(v)
		if err != nil {
			return l, inventory.OverflowError("the variance cost of " + l.SKU + " on " + number)
		}
		l.Variance, l.VarianceCost = &v, &c
		return l, nil
	},
	addLine: func(st *StockTake, l StockTakeLine, number string) (err error) {
		st.Totals.Lines++
		if l.Variance == nil {
			st.Totals.Uncounted++
			return nil
		}
		st.Totals.Counted++
		st.Totals.VarianceUnits += *l.Variance
		if st.Totals.VarianceCost, err = st.Totals.VarianceCost.Add(*l.VarianceCost); err != nil {
			return inventory.OverflowError("the variance cost of " + number)
		}
		st.moved = addSaturating(st.moved, absMoney(*l.VarianceCost))
		if *l.Variance != 0 {
			st.Totals.WithVariance++
		}
		if largeVariance(l) {
			st.Totals.LargeVariance++
			st.LargestVariances = append(st.LargestVariances, l)
		}
		return nil
	},
	finish: func(_ context.Context, _ *DB, _ backend.Querier, _ int64, st *StockTake) error {
		slices.SortStableFunc(st.LargestVariances, func(a, b StockTakeLine) int {
			return cmp.Compare(absMoney(*b.VarianceCost), absMoney(*a.VarianceCost))
		})
		if len(st.LargestVariances) > maxLargestVariances {
			st.LargestVariances = st.LargestVariances[:maxLargestVariances]
		}
		return nil
	},
}

func absMoney(m inventory.Money) inventory.Money {
	if m < 0 {
		return -m
	}
	return m
}

// StockTakeFilter narrows ListStockTakes.
type StockTakeFilter struct {
	Status     string
	LocationID int64
	Page       storage.Page
}

// StockTakeSummary is a stock take in a list.
type StockTakeSummary struct {
	stHead
	Lines       int        `json:"lines"`
	Counted     int        `json:"counted_lines"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// ListStockTakes lists stock takes, newest first (two queries per page).
func (db *DB) ListStockTakes(ctx context.Context, storeID int64, f StockTakeFilter) ([]StockTakeSummary, string, error) {
	return listDocs(ctx, db, stDoc, storeID, docList[StockTakeSummary]{
		page: f.Page, status: f.Status,
		where: func(args *[]any) (string, error) { return storage.EqFilter(args, "st.location_id", f.LocationID), nil },
		sel:   stockTakeSelect,
		scan: func(r backend.Rows) (StockTakeSummary, error) {
			var s StockTakeSummary
			err := s.scan(r, &s.CreatedAt, &s.CompletedAt)
			return s, err
		},
		sums:  []string{storage.SQLUnits("CASE WHEN counted IS NULL THEN 0 ELSE 1 END")},
		total: func(s *StockTakeSummary, v []int64) { s.Lines, s.Counted = int(v[0]), int(v[1]) },
	})
}

// GetStockTake reads a stock take by number; q is a transaction, or nil
// for the read pool.
func (db *DB) GetStockTake(ctx context.Context, q backend.Querier, storeID int64, number string) (StockTake, error) {
	return stType.read(ctx, db, q, storeID, number)
}
