package documents

import (
	"cmp"
	"context"
	"errors"
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
	docHead
	Location storage.DocLocation `json:"location"`
	Scope    string              `json:"scope"`
	Totals   StockTakeTotals     `json:"totals"`
	// LargestVariances are the counted lines whose variance is over
	// the threshold (LargeVariance), largest cost first: what needs
	// attention before the count is completed.
	LargestVariances []StockTakeLine `json:"largest_variances,omitempty"`
	AllowedActions   []string        `json:"allowed_actions"`
	docLines[StockTakeLine]
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`

	id int64
	// moved is the stock its variances move at cost, either way: the
	// amount of its writes (amounts.go).
	moved inventory.Money
}

// StockTakeLine is one SKU: the on_hand expected when the count started,
// what was counted (absent until counted) and the variance, in units and
// at the variant's cost.
type StockTakeLine struct {
	SKU          string           `json:"sku"`
	VariantID    int64            `json:"variant_id"`
	Product      string           `json:"product"`
	Variant      string           `json:"variant,omitempty"`
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

// StockTakeResult is what a stock take write returns.
type StockTakeResult struct {
	Warnings  []Warning `json:"warnings,omitempty"`
	StockTake StockTake `json:"stock_take"`
	docOutcome
}

func (r StockTakeResult) AsPreview() (any, string) {
	number := r.preview(&r.StockTake.docHead)
	return r, number
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

// NewStockTake is what StartStockTake needs: a location and either SKUs,
// a vendor, or neither (every variant with a level at the location).
type NewStockTake struct {
	Location string
	SKUs     []storage.VariantRef
	Vendor   string
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
	now := db.Now()
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
	number, err := db.NextNumber(ctx, tx, storeID, stDoc.prefix)
	if err != nil {
		return StockTakeResult{}, err
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO stock_takes (store_id, number, location_id, status, scope, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, storeID, number, loc.ID, string(inventory.StockTakeInProgress), scope, now).Scan(&id); err != nil {
		return StockTakeResult{}, fmt.Errorf("starting a stock take: %w", err)
	}
	args = append(args, id)
	if _, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO stock_take_lines (store_id, stock_take_id, variant_id, position, expected)
		SELECT $1, $%d, v.id, 0, coalesce(l.on_hand, 0) `, len(args))+sel, args...); err != nil {
		return StockTakeResult{}, fmt.Errorf("snapshotting %s: %w", number, err)
	}
	r, err := db.stockTakeResult(ctx, tx, storeID, number, nil)
	r.created = true
	r.Reversal = UndoByNumber("cancel_stock_take", number)
	return r, err
}

// RecordStockCounts records counts; it may be called many times. A SKU not
// yet on the stock take (found on the shelf, say) is added with the on_hand
// expected now.
func (db *DB) RecordStockCounts(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, counts []CountInput) (StockTakeResult, error) {
	d, err := db.lockDoc(ctx, tx, stDoc, storeID, number, inventory.ActionRecordCounts)
	if err != nil {
		return StockTakeResult{}, err
	}
	refs := make([]storage.VariantRef, len(counts))
	for i, c := range counts {
		refs[i] = storage.VariantRef{SKU: c.SKU, ID: c.VariantID}
	}
	vs, err := db.resolveLines(ctx, tx, storeID, "the counts", refs)
	if err != nil {
		return StockTakeResult{}, err
	}
	var locationID int64
	if err := tx.QueryRow(ctx, `SELECT location_id FROM stock_takes WHERE store_id = $1 AND id = $2`, storeID, d.ID).Scan(&locationID); err != nil {
		return StockTakeResult{}, fmt.Errorf("reading %s: %w", d.Number, err)
	}
	now := db.Now()
	for i, c := range counts {
		v := vs[i]
		mode := strings.ToLower(strings.TrimSpace(c.Mode))
		if mode == "" {
			mode = CountSet
		}
		if mode != CountSet && mode != CountAdd {
			return StockTakeResult{}, inventory.Errorf(inventory.Invalid, "mode %q for %s is not set or add: use set to replace the count, add to add to it", c.Mode, v.SKU)
		}
		min := int64(0)
		if mode == CountAdd {
			min = -inventory.MaxQuantity
		}
		if err := checkQuantity(v.SKU, "counted", c.Counted, min); err != nil {
			return StockTakeResult{}, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO stock_take_lines (store_id, stock_take_id, variant_id, position, expected)
			SELECT $1, $2, $3, 0, coalesce((SELECT on_hand FROM inventory_levels WHERE store_id = $1 AND variant_id = $3 AND location_id = $4), 0)
			ON CONFLICT (store_id, stock_take_id, variant_id) DO NOTHING`, storeID, d.ID, v.ID, locationID); err != nil {
			return StockTakeResult{}, fmt.Errorf("adding %s to %s: %w", v.SKU, d.Number, err)
		}
		set := `counted = $1`
		if mode == CountAdd {
			set = `counted = coalesce(counted, 0) + $1`
		}
		var counted int64
		if err := tx.QueryRow(ctx, `UPDATE stock_take_lines SET `+set+`, counted_at = $2
			WHERE store_id = $3 AND stock_take_id = $4 AND variant_id = $5 RETURNING counted`, c.Counted, now, storeID, d.ID, v.ID).Scan(&counted); err != nil {
			return StockTakeResult{}, fmt.Errorf("counting %s on %s: %w", v.SKU, d.Number, err)
		}
		if counted < 0 {
			return StockTakeResult{}, inventory.FieldErrorf("counted", inventory.Invalid, "adding %d to the count of %s would make it %d: a count cannot be negative", c.Counted, v.SKU, counted)
		}
		if counted > inventory.MaxQuantity {
			return StockTakeResult{}, inventory.FieldErrorf("counted", inventory.Invalid, "adding %d to the count of %s would make it %d, more than %d, the most one line can hold", c.Counted, v.SKU, counted, inventory.MaxQuantity)
		}
	}
	if err := db.setStatus(ctx, tx, stDoc, storeID, d, d.Status); err != nil {
		return StockTakeResult{}, err
	}
	r, err := db.stockTakeResult(ctx, tx, storeID, d.Number, nil)
	r.Warnings = varianceWarnings(r.StockTake)
	r.Reversal = storage.NoUndo("counts are not withdrawn: record_stock_counts with mode set records the right count")
	return r, err
}

// CompleteStockTake applies the counts: on_hand += counted − expected for
// each counted line, so sales and receipts during the count are kept.
// Uncounted lines change nothing.
func (db *DB) CompleteStockTake(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (StockTakeResult, error) {
	d, err := db.lockDoc(ctx, tx, stDoc, storeID, number, inventory.ActionComplete)
	if err != nil {
		return StockTakeResult{}, err
	}
	st, err := db.getStockTake(ctx, tx, storeID, d.Number)
	if err != nil {
		return StockTakeResult{}, err
	}
	if st.Totals.Counted == 0 {
		return StockTakeResult{}, inventory.Errorf(inventory.Invalid, "%s has no counts yet: record counts first, or cancel it", d.Number)
	}
	var changes []storage.Change
	for _, l := range st.Lines {
		if l.Variance != nil {
			changes = append(changes, storage.Change{VariantID: l.VariantID, LocationID: st.Location.ID, Quantity: inventory.OnHand,
				Delta: *l.Variance, SKU: l.SKU, Location: st.Location.Name})
		}
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonCycleCount, Document: d.Number, Actor: actor}, changes)
	if err != nil {
		return StockTakeResult{}, err
	}
	if err := db.setStatus(ctx, tx, stDoc, storeID, d, inventory.StockTakeCompleted, "completed_at", db.Now()); err != nil {
		return StockTakeResult{}, err
	}
	r, err := db.stockTakeResult(ctx, tx, storeID, d.Number, effects)
	r.Warnings = varianceWarnings(r.StockTake)
	r.Reversal = storage.NoUndo("a completed stock take's adjustments stand: start_stock_take and count again to correct them")
	return r, err
}

// CancelStockTake abandons a stock take; nothing changes.
func (db *DB) CancelStockTake(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (StockTakeResult, error) {
	d, err := db.lockDoc(ctx, tx, stDoc, storeID, number, inventory.ActionCancel)
	if err != nil {
		return StockTakeResult{}, err
	}
	if err := db.setStatus(ctx, tx, stDoc, storeID, d, inventory.StockTakeCancelled); err != nil {
		return StockTakeResult{}, err
	}
	r, err := db.stockTakeResult(ctx, tx, storeID, d.Number, nil)
	r.Reversal = storage.NoUndo("a cancelled stock take stays cancelled: start_stock_take begins a new one")
	return r, err
}

func (db *DB) stockTakeResult(ctx context.Context, tx backend.Tx, storeID int64, number string, effects []storage.Effect) (StockTakeResult, error) {
	doc, err := asWritten(func() (StockTake, error) { return db.getStockTake(ctx, tx, storeID, number) })
	return StockTakeResult{StockTake: doc, docOutcome: outcomeOf(effects)}, err
}

// GetStockTake reads a stock take by number; q is a transaction, or nil
// for the read pool.
func (db *DB) GetStockTake(ctx context.Context, q backend.Querier, storeID int64, number string) (StockTake, error) {
	return db.getStockTake(ctx, db.Querier(q), storeID, normalizeNumber(number))
}

const stockTakeSelect = `SELECT st.id, st.number, st.status, l.id, l.name, st.scope, st.created_at, st.completed_at
	FROM stock_takes st JOIN locations l ON l.store_id = st.store_id AND l.id = st.location_id`

func scanStockTake(r backend.Row) (StockTake, error) {
	var st StockTake
	var status string
	err := r.Scan(&st.id, &st.Number, &status, &st.Location.ID, &st.Location.Name, &st.Scope, &st.CreatedAt, &st.CompletedAt)
	st.Status = inventory.Status(status)
	st.AllowedActions = inventory.StockTakes.Allowed(st.Status)
	return st, err
}

func (db *DB) getStockTake(ctx context.Context, q backend.Querier, storeID int64, number string) (StockTake, error) {
	if number == "" {
		return StockTake{}, stDoc.notFound("")
	}
	st, err := scanStockTake(q.QueryRow(ctx, stockTakeSelect+` WHERE st.store_id = $1 AND st.number = $2`, storeID, number))
	if errors.Is(err, backend.ErrNoRows) {
		return StockTake{}, stDoc.notFound(number)
	}
	if err != nil {
		return StockTake{}, fmt.Errorf("reading %s: %w", number, err)
	}
	st.Lines, err = storage.Collect(ctx, q, "reading the lines of "+number, func(r backend.Rows) (StockTakeLine, error) {
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
	}, `SELECT v.id, v.sku, p.title, v.title, sl.expected, sl.counted, v.cost_cents
		FROM stock_take_lines sl
		JOIN variants v ON v.store_id = sl.store_id AND v.id = sl.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE sl.store_id = $1 AND sl.stock_take_id = $2 ORDER BY sl.position, v.sku`, storeID, st.id)
	if err != nil {
		return StockTake{}, err
	}
	for _, l := range st.Lines {
		st.Totals.Lines++
		if l.Variance == nil {
			st.Totals.Uncounted++
			continue
		}
		st.Totals.Counted++
		st.Totals.VarianceUnits += *l.Variance
		if st.Totals.VarianceCost, err = st.Totals.VarianceCost.Add(*l.VarianceCost); err != nil {
			return StockTake{}, inventory.OverflowError("the variance cost of " + number)
		}
		st.moved = addSaturating(st.moved, absMoney(*l.VarianceCost))
		if *l.Variance != 0 {
			st.Totals.WithVariance++
		}
		if largeVariance(l) {
			st.Totals.LargeVariance++
			st.LargestVariances = append(st.LargestVariances, l)
		}
	}
	slices.SortStableFunc(st.LargestVariances, func(a, b StockTakeLine) int {
		return cmp.Compare(absMoney(*b.VarianceCost), absMoney(*a.VarianceCost))
	})
	if len(st.LargestVariances) > maxLargestVariances {
		st.LargestVariances = st.LargestVariances[:maxLargestVariances]
	}
	return st, nil
}

// StockTakeFilter narrows ListStockTakes.
type StockTakeFilter struct {
	Status     string
	LocationID int64
	Page       storage.Page
}

// StockTakeSummary is a stock take in a list.
type StockTakeSummary struct {
	Number      string              `json:"number"`
	Status      inventory.Status    `json:"status"`
	Location    storage.DocLocation `json:"location"`
	Scope       string              `json:"scope"`
	Lines       int                 `json:"lines"`
	Counted     int                 `json:"counted_lines"`
	CreatedAt   time.Time           `json:"created_at"`
	CompletedAt *time.Time          `json:"completed_at,omitempty"`
}

// ListStockTakes lists stock takes, newest first (two queries per page).
func (db *DB) ListStockTakes(ctx context.Context, storeID int64, f StockTakeFilter) ([]StockTakeSummary, string, error) {
	page, err := newIDPage(f.Page)
	if err != nil {
		return nil, "", err
	}
	args := []any{storeID}
	cond, err := statusFilter(stDoc, f.Status, &args, "st.status")
	if err != nil {
		return nil, "", err
	}
	where := ` WHERE st.store_id = $1` + cond + storage.EqFilter(&args, "st.location_id", f.LocationID)
	if err := storage.Count(ctx, db.b, f.Page, "stock takes", "stock_takes st", where, args); err != nil {
		return nil, "", err
	}
	where += page.where(&args, "st.id")
	heads, err := storage.Collect(ctx, db.b, "listing stock takes", scanStockTakeRows, stockTakeSelect+where+` ORDER BY st.id DESC`+page.limitClause(), args...)
	if err != nil {
		return nil, "", err
	}
	heads, next := pageOut(page, heads, func(s StockTake) int64 { return s.id })
	sums, err := lineSums(ctx, db.b, "stock_take_lines", "stock_take_id", storeID, heads, func(s StockTake) int64 { return s.id },
		storage.SQLUnits("CASE WHEN counted IS NULL THEN 0 ELSE 1 END"))
	if err != nil {
		return nil, "", err
	}
	out := make([]StockTakeSummary, len(heads))
	for i, h := range heads {
		v := sums(h)
		out[i] = StockTakeSummary{Number: h.Number, Status: h.Status, Location: h.Location, Scope: h.Scope,
			Lines: int(v[0]), Counted: int(v[1]), CreatedAt: h.CreatedAt, CompletedAt: h.CompletedAt}
	}
	return out, next, nil
}

func scanStockTakeRows(r backend.Rows) (StockTake, error) { return scanStockTake(r) }

func absMoney(m inventory.Money) inventory.Money {
	if m < 0 {
		return -m
	}
	return m
}
