package documents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Shared plumbing of the four document types (purchase orders, transfers,
// stock takes, supplier returns): finding and locking a document by number,
// checking its state machine, validating lines, and keyset paging.

// DocSupplier names a document's supplier.
type DocSupplier struct {
	ID   int64  `json:"supplier_id"`
	Name string `json:"name"`
}

// The four document types share their head, their body (allowed actions,
// lines and creation time) and what a write returns beside the document;
// each declares only its own fields, its totals and where its result
// names it. engine.go reads, creates, lists and moves them.

// docHead leads every document and every summary of one in a list: its
// number and status. A dry run's result marks the number of a document it
// would create as provisional: the real call may get another.
type docHead struct {
	Number      string           `json:"number"`
	Provisional bool             `json:"number_provisional,omitempty"`
	Status      inventory.Status `json:"status"`

	id int64
}

func (h docHead) docID() int64 { return h.id }

// docBody follows a document's own fields: the actions its status
// allows, its lines, of which one page is shown, and when it was created.
type docBody[L any] struct {
	AllowedActions []string    `json:"allowed_actions"`
	LinesShown     *LinesShown `json:"lines_shown,omitempty"`
	Lines          []L         `json:"lines"`
	CreatedAt      time.Time   `json:"created_at"`
}

// PageLines keeps the page of lines p asks for; the document's totals stay
// those of every line.
func (d *docBody[L]) PageLines(p LinePage) (err error) {
	d.Lines, d.LinesShown, err = pageLines(d.Lines, p)
	return err
}

// linePrice is a line's unit cost and its total at that cost.
type linePrice struct {
	UnitCost  inventory.Money `json:"unit_cost"`
	LineTotal inventory.Money `json:"line_total"`
}

// price totals qty units of the line's SKU on document number.
func (p *linePrice) price(qty int64, sku, number string) (err error) {
	if p.LineTotal, err = p.UnitCost.Times(qty); err != nil {
		return inventory.OverflowError("the line total of " + sku + " on " + number)
	}
	return nil
}

// lineVariant leads every document line: the variant it is for.
type lineVariant struct {
	SKU       string `json:"sku"`
	VariantID int64  `json:"variant_id"`
	Product   string `json:"product"`
	Variant   string `json:"variant,omitempty"`
}

// docOutcome is what a document write returns beside the document: the
// inventory changes it made (the first MaxShownChanges of them) and the
// call that undoes it.
type docOutcome struct {
	Changes        []storage.Effect `json:"inventory_changes"`
	ChangesOmitted int              `json:"inventory_changes_not_shown,omitempty"`
	storage.Reversal

	created bool // the write created the document
}

func outcome(effects []storage.Effect, undo storage.Reversal) docOutcome {
	o := docOutcome{Reversal: undo}
	o.Changes, o.ChangesOmitted = shownChanges(effects)
	return o
}

// previewOf is the AsPreview of a result r with outcome o and the head h
// of its document (see storage's previewed): when the write created the
// document, its number is provisional, as the real call may get another.
func previewOf[R any](r *R, o docOutcome, h *docHead) (any, string) {
	if !o.created {
		return *r, ""
	}
	h.Provisional = true
	return *r, h.Number
}

// docKind describes one document table. Its names are constants, safe
// to splice into SQL.
type docKind struct {
	table    string // purchase_orders
	alias    string // the table's alias in the type's queries: po
	lines    string // the lines' table: purchase_order_lines
	docCol   string // the lines' column naming the document: purchase_order_id
	prefix   string // number prefix: PO, TO, ST, RMA
	listTool string
	plural   string // in messages: "purchase orders"
	the      string // in messages about its lines: "the purchase order"
	creating string // what a failed create was doing: "creating a purchase order"
	// undoCreate is the tool that undoes a create.
	undoCreate string
	machine    inventory.Machine
}

var (
	poDoc = docKind{table: "purchase_orders", alias: "po", lines: "purchase_order_lines", docCol: "purchase_order_id", prefix: "PO",
		listTool: "list_purchase_orders", plural: "purchase orders", the: "the purchase order", creating: "creating a purchase order", undoCreate: "delete_purchase_order", machine: inventory.PurchaseOrders}
	toDoc = docKind{table: "transfers", alias: "t", lines: "transfer_lines", docCol: "transfer_id", prefix: "TO",
		listTool: "list_transfers", plural: "transfers", the: "the transfer", creating: "creating a transfer", undoCreate: "cancel_transfer", machine: inventory.Transfers}
	stDoc = docKind{table: "stock_takes", alias: "st", lines: "stock_take_lines", docCol: "stock_take_id", prefix: "ST",
		listTool: "list_stock_takes", plural: "stock takes", the: "the stock take", creating: "starting a stock take", undoCreate: "cancel_stock_take", machine: inventory.StockTakes}
	returnDoc = docKind{table: "supplier_returns", alias: "r", lines: "supplier_return_lines", docCol: "supplier_return_id", prefix: "RMA",
		listTool: "list_supplier_returns", plural: "supplier returns", the: "the return", creating: "creating a supplier return", undoCreate: "cancel_supplier_return", machine: inventory.SupplierReturns}
)

// maxNoteLen bounds notes and reasons.
const maxNoteLen = 2000

func normalizeNumber(n string) string { return strings.ToUpper(strings.TrimSpace(n)) }

func (k docKind) notFound(number string) error {
	if number == "" {
		return inventory.Errorf(inventory.Invalid, "the %s number is empty: give one like %s-1001 (see %s)", k.machine.Noun, k.prefix, k.listTool)
	}
	return inventory.Errorf(inventory.NotFound, "no %s %s in this store: see %s for the numbers", k.machine.Noun, strconv.Quote(number), k.listTool)
}

// lockedDoc is a document row locked for the rest of the transaction.
type lockedDoc struct {
	ID     int64
	Number string
	Status inventory.Status
}

// lockDoc finds a document by number and locks its row (FOR UPDATE on
// PostgreSQL; SQLite's write transaction already excludes other writers),
// so that concurrent actions on one document run one after the other and
// each sees the previous one's result. It then checks that the status
// allows action, so a refused action changes nothing.
func (db *DB) lockDoc(ctx context.Context, tx backend.Tx, k docKind, storeID int64, number string, action inventory.Action) (lockedDoc, error) {
	d := lockedDoc{Number: normalizeNumber(number)}
	if d.Number == "" {
		return d, k.notFound("")
	}
	var status string
	err := tx.QueryRow(ctx, `SELECT id, status FROM `+k.table+` WHERE store_id = $1 AND number = $2`+db.b.Dialect().ForUpdate,
		storeID, d.Number).Scan(&d.ID, &status)
	if errors.Is(err, backend.ErrNoRows) {
		return d, k.notFound(d.Number)
	}
	if err != nil {
		return d, fmt.Errorf("looking up %s: %w", d.Number, err)
	}
	d.Status = inventory.Status(status)
	return d, k.machine.Check(d.Number, d.Status, action)
}

// setStatus moves a locked document to status, setting updated_at and any
// extra "column = value" assignments (constant column names only).
func (db *DB) setStatus(ctx context.Context, tx backend.Tx, k docKind, storeID int64, d lockedDoc, status inventory.Status, extra ...any) error {
	set := "status = $1, updated_at = $2"
	args := []any{string(status), db.Now()}
	for i := 0; i+1 < len(extra); i += 2 {
		args = append(args, extra[i+1])
		set += ", " + extra[i].(string) + " = $" + strconv.Itoa(len(args))
	}
	args = append(args, storeID, d.ID)
	if _, err := tx.Exec(ctx, `UPDATE `+k.table+` SET `+set+` WHERE store_id = $`+strconv.Itoa(len(args)-1)+` AND id = $`+strconv.Itoa(len(args)),
		args...); err != nil {
		return fmt.Errorf("updating %s: %w", d.Number, err)
	}
	return nil
}

// resolveLines checks a call's lines (at least one, at most
// inventory.MaxLines, no variant twice) and resolves their variants in one
// query, in order.
func (db *DB) resolveLines(ctx context.Context, q backend.Querier, storeID int64, what string, refs []storage.VariantRef) ([]storage.Variant, error) {
	if len(refs) == 0 {
		return nil, inventory.Errorf(inventory.Invalid, "%s has no lines: give at least one line with a sku", what)
	}
	if len(refs) > inventory.MaxLines {
		return nil, inventory.Errorf(inventory.Invalid, "%s has %d lines; at most %d are allowed in one call: split it", what, len(refs), inventory.MaxLines)
	}
	vs, err := db.ResolveVariants(ctx, q, storeID, refs)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]bool, len(vs))
	for _, v := range vs {
		if seen[v.ID] {
			return nil, inventory.Errorf(inventory.Invalid, "SKU %q appears twice in %s: give each SKU once, with its total quantity", v.SKU, what)
		}
		seen[v.ID] = true
	}
	return vs, nil
}

// checkQuantity refuses a quantity below min (1 for quantities that must
// move something, 0 where zero means "none" or "remove", below zero where
// a quantity may take a count down) or beyond inventory.MaxQuantity either
// way.
func checkQuantity(sku, field string, q, min int64) error {
	switch {
	case q < min && min > 0:
		return inventory.FieldErrorf(field, inventory.Invalid, "%s %d for %s is not positive: give a whole number of 1 or more", field, q, sku)
	case min < 0 && (q < min || q < -inventory.MaxQuantity):
		return inventory.FieldErrorf(field, inventory.Invalid, "%s %d for %s is out of range: give %d to %d", field, q, sku, -inventory.MaxQuantity, inventory.MaxQuantity)
	case min < 0 && q < 0:
		return nil
	}
	return inventory.CheckQuantity(field, sku, q)
}

func checkNote(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxNoteLen {
		return "", inventory.Errorf(inventory.Invalid, "the %s is longer than %d characters: shorten it", field, maxNoteLen)
	}
	return s, nil
}

// datePtr truncates an optional date to its UTC day.
func datePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := storage.UTCDate(*t)
	return &d
}

// idPage is keyset paging over a document table, newest (highest id)
// first.
type idPage struct {
	limit int
	after int64 // 0: first page
}

func newIDPage(p storage.Page) (idPage, error) {
	limit, _ := storage.ClampLimit(p.Limit)
	after, err := storage.DecodeIDCursor(p.Cursor)
	return idPage{limit: limit, after: after}, err
}

// where returns the condition for rows after the cursor on column col.
func (p idPage) where(args *[]any, col string) string {
	if p.after <= 0 {
		return ""
	}
	*args = append(*args, p.after)
	return " AND " + col + " < $" + strconv.Itoa(len(*args))
}

// limitClause fetches one row more than the page, to know whether another
// page follows.
func (p idPage) limitClause() string { return " LIMIT " + strconv.Itoa(p.limit+1) }

// pageOut trims the extra row and returns the cursor for the next page.
func pageOut[S listed](p idPage, rows []S) ([]S, string) {
	if len(rows) <= p.limit {
		return rows, ""
	}
	rows = rows[:p.limit]
	return rows, storage.EncodeCursor(strconv.FormatInt(rows[len(rows)-1].docID(), 10))
}

// statusFilter validates a status filter against k's machine and returns
// the condition on k's status column.
func statusFilter(k docKind, s string, args *[]any) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	st, err := k.machine.ParseStatus(s)
	if err != nil {
		return "", err
	}
	*args = append(*args, string(st))
	return " AND " + k.alias + ".status = $" + strconv.Itoa(len(*args)), nil
}

// lineSums totals the lines of a page of documents of kind k in one
// query. For each document it returns count(*) followed by sum(expr) for
// each of sums (SQL aggregates over the lines table, constants only:
// SQLUnits, SQLDocMoney); a document without lines gets zeros.
func lineSums[S listed](ctx context.Context, q backend.Querier, k docKind, storeID int64, docs []S, sums ...string) (func(S) []int64, error) {
	zero := make([]int64, 1+len(sums))
	byID := map[int64][]int64{}
	if len(docs) > 0 {
		ids := make([]int64, len(docs))
		for i, d := range docs {
			ids[i] = d.docID()
		}
		args := []any{storeID}
		inList := storage.Placeholders(&args, ids)
		cols := k.docCol + ", count(*)"
		for _, s := range sums {
			cols += ", " + s
		}
		rows, err := storage.Collect(ctx, q, "totalling "+k.lines, func(r backend.Rows) ([]int64, error) {
			v := make([]int64, 2+len(sums))
			dest := make([]any, len(v))
			for i := range v {
				dest[i] = &v[i]
			}
			return v, r.Scan(dest...)
		}, `SELECT `+cols+` FROM `+k.lines+` WHERE store_id = $1 AND `+k.docCol+` IN (`+inList+`) GROUP BY `+k.docCol, args...)
		if err != nil {
			return nil, err
		}
		for _, v := range rows {
			byID[v[0]] = v[1:]
		}
	}
	return func(d S) []int64 {
		if v, ok := byID[d.docID()]; ok {
			return v
		}
		return zero
	}, nil
}

// Answers that fit a context window: a document shows its totals over every
// line, and its lines one page at a time (LinePage); a write's result shows
// the first page and at most MaxShownChanges inventory changes, with the
// count of the rest.

// Lines per page of a document: DefaultDocLines unless the caller asks,
// at most MaxDocLines, so one answer stays well under 32 KB.
const (
	DefaultDocLines = 50
	MaxDocLines     = 100
	// A write's result also carries its changes and warnings, so it shows
	// fewer lines.
	WriteResultLines = 25
	MaxShownChanges  = 40
)

// LinePage picks the lines of a document to show: Limit lines (0: the
// default) after Cursor (a lines_next_cursor, "" for the first).
type LinePage struct {
	Limit  int
	Cursor string
}

// LinesShown says which lines a document shows when it does not show all:
// the range, the total and the cursor of the next page.
type LinesShown struct {
	From       int    `json:"from"`
	To         int    `json:"to"`
	Of         int    `json:"of"`
	NextCursor string `json:"lines_next_cursor,omitempty"`
}

// pageLines returns the page of lines p asks for, and what it shows when
// that is not every line (nil otherwise).
func pageLines[T any](lines []T, p LinePage) ([]T, *LinesShown, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultDocLines
	}
	limit = min(limit, MaxDocLines)
	offset := 0
	if p.Cursor != "" {
		id, err := storage.DecodeIDCursor(p.Cursor)
		if err != nil || id < 0 || id > int64(len(lines)) {
			return nil, nil, inventory.FieldErrorf("lines_cursor", inventory.Invalid,
				"lines_cursor %q is not one this document gave: pass lines_shown.lines_next_cursor unchanged, or omit it to start over", p.Cursor)
		}
		offset = int(id)
	}
	if offset == 0 && len(lines) <= limit {
		return lines, nil, nil
	}
	end := min(offset+limit, len(lines))
	shown := &LinesShown{From: offset + 1, To: end, Of: len(lines)}
	if end < len(lines) {
		shown.NextCursor = storage.EncodeCursor(strconv.Itoa(end))
	}
	return lines[offset:end], shown, nil
}

// shownChanges keeps the first MaxShownChanges effects of a write and
// returns how many it left out.
func shownChanges(effects []storage.Effect) ([]storage.Effect, int) {
	if effects == nil {
		return []storage.Effect{}, 0
	}
	if len(effects) <= MaxShownChanges {
		return effects, 0
	}
	return effects[:MaxShownChanges], len(effects) - MaxShownChanges
}

// Warning is something a merchant would want to know before a write is
// sent: it never blocks the write, and the dry run shows it too.
type Warning struct {
	Code    string `json:"code"`
	SKU     string `json:"sku,omitempty"`
	Message string `json:"message"`
}

// Warning codes.
const (
	WarnNotSupplied       = "not_supplied"
	WarnBelowMinOrderQty  = "below_min_order_qty"
	WarnNotPackSize       = "not_pack_size"
	WarnBelowMinOrder     = "below_supplier_minimum"
	WarnExpectedDatePast  = "expected_date_past"
	WarnLeavesOriginShort = "leaves_origin_short"
	WarnLargeVariance     = "large_variance"
)

// maxWarnings bounds a result's warnings; the last one counts the rest.
const maxWarnings = 20

func capWarnings(ws []Warning) []Warning {
	if len(ws) <= maxWarnings {
		return ws
	}
	rest := len(ws) - maxWarnings + 1
	return append(ws[:maxWarnings-1:maxWarnings-1], Warning{Code: "more", Message: fmt.Sprintf("%d more warnings like these", rest)})
}

// pastDateWarning warns of an expected date before the store's today.
func (db *DB) pastDateWarning(ctx context.Context, q backend.Querier, storeID int64, expected *time.Time) ([]Warning, error) {
	if expected == nil {
		return nil, nil
	}
	today, err := db.StoreToday(ctx, q, storeID)
	if err != nil || !storage.UTCDate(*expected).Before(today) {
		return nil, err
	}
	return []Warning{{Code: WarnExpectedDatePast, Message: fmt.Sprintf("expected_date %s is in the past (today is %s): give the date the goods are now expected",
		storage.DateString(expected), today.Format(time.DateOnly))}}, nil
}

// NextNumber allocates the store's next document number of a kind ("PO",
// "TO", "ST", "RMA"), starting at 1001, inside tx.
func (db *DB) NextNumber(ctx context.Context, tx backend.Tx, storeID int64, kind string) (string, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO document_counters (store_id, kind, next) VALUES ($1, $2, 1001)
		ON CONFLICT (store_id, kind) DO NOTHING`, storeID, kind); err != nil {
		return "", fmt.Errorf("allocating a %s number: %w", kind, err)
	}
	var n int64
	if err := tx.QueryRow(ctx, `UPDATE document_counters SET next = next + 1 WHERE store_id = $1 AND kind = $2 RETURNING next - 1`,
		storeID, kind).Scan(&n); err != nil {
		return "", fmt.Errorf("allocating a %s number: %w", kind, err)
	}
	return fmt.Sprintf("%s-%d", kind, n), nil
}

// UndoByNumber calls tool on one document.
func UndoByNumber(tool, number string) storage.Reversal {
	return storage.UndoWith(tool, map[string]any{"number": number})
}
