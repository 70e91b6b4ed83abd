package documents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Transfer is a transfer order between two locations of a store.
type Transfer struct {
	docHead
	From           storage.DocLocation `json:"from_location"`
	To             storage.DocLocation `json:"to_location"`
	ExpectedDate   string              `json:"expected_date,omitempty"`
	Note           string              `json:"note,omitempty"`
	Totals         TransferTotals      `json:"totals"`
	AllowedActions []string            `json:"allowed_actions"`
	docLines[TransferLine]
	CreatedAt time.Time  `json:"created_at"`
	ShippedAt *time.Time `json:"shipped_at,omitempty"`

	id int64
	// moved is the stock it moves, at cost: the amount of its writes
	// (amounts.go).
	moved inventory.Money
}

// TransferLine is one SKU of a transfer; Open is shipped (or to ship) but
// not yet received.
type TransferLine struct {
	SKU       string `json:"sku"`
	VariantID int64  `json:"variant_id"`
	Product   string `json:"product"`
	Variant   string `json:"variant,omitempty"`
	Quantity  int64  `json:"quantity"`
	Received  int64  `json:"received"`
	Open      int64  `json:"open"`

	cost int64
}

// TransferTotals sums a transfer's lines.
type TransferTotals struct {
	Lines    int   `json:"lines"`
	Units    int64 `json:"units"`
	Received int64 `json:"units_received"`
	Open     int64 `json:"units_open"`
}

// TransferResult is what a transfer write returns.
type TransferResult struct {
	Warnings []Warning `json:"warnings,omitempty"`
	Transfer Transfer  `json:"transfer"`
	docOutcome
}

func (r TransferResult) AsPreview() (any, string) {
	number := r.preview(&r.Transfer.docHead)
	return r, number
}

// originShortWarnings warns of lines that leave the origin short: below
// the variant's reorder minimum there (its rule for the origin, else its
// store-wide rule), or with less available than the transfer takes.
// shipped says the lines have already left the origin's stock.
func (db *DB) originShortWarnings(ctx context.Context, q backend.Querier, storeID int64, from storage.DocLocation, lines []TransferLine, shipped bool) ([]Warning, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.VariantID
	}
	args := []any{storeID, from.ID}
	rows, err := storage.Collect(ctx, q, "reading stock at "+from.Name, func(r backend.Rows) ([3]int64, error) {
		var v [3]int64
		return v, r.Scan(&v[0], &v[1], &v[2])
	}, `SELECT v.id, coalesce(il.available, 0), coalesce(r.min_qty, r0.min_qty, 0)
		FROM variants v
		LEFT JOIN inventory_levels il ON il.store_id = v.store_id AND il.variant_id = v.id AND il.location_id = $2
		LEFT JOIN reorder_rules r ON r.store_id = v.store_id AND r.variant_id = v.id AND r.location_id = $2
		LEFT JOIN reorder_rules r0 ON r0.store_id = v.store_id AND r0.variant_id = v.id AND r0.location_id = 0
		WHERE v.store_id = $1 AND v.id IN (`+storage.Placeholders(&args, ids)+`)`, args...)
	if err != nil {
		return nil, err
	}
	stock := map[int64][2]int64{}
	for _, r := range rows {
		stock[r[0]] = [2]int64{r[1], r[2]}
	}
	var ws []Warning
	for _, l := range lines {
		s := stock[l.VariantID]
		after := s[0]
		if !shipped {
			after -= l.Quantity
		}
		switch {
		case after < 0:
			ws = append(ws, Warning{Code: WarnLeavesOriginShort, SKU: l.SKU, Message: fmt.Sprintf(
				"%s has %d of %s available, fewer than the %d this transfer takes: shipping it will be refused until stock arrives",
				from.Name, s[0], l.SKU, l.Quantity)})
		case s[1] > 0 && after <= s[1]:
			ws = append(ws, Warning{Code: WarnLeavesOriginShort, SKU: l.SKU, Message: fmt.Sprintf(
				"moving %d of %s leaves %s with %d available, at or below its reorder minimum of %d",
				l.Quantity, l.SKU, from.Name, after, s[1])})
		}
	}
	return ws, nil
}

// LineInput names a variant and a quantity: a transfer line, a transfer
// receipt line.
type LineInput struct {
	SKU       string
	VariantID int64
	Quantity  int64
}

// NewTransfer is what CreateTransfer needs; From and To are location
// names, codes or ids.
type NewTransfer struct {
	From, To     string
	Lines        []LineInput
	ExpectedDate *time.Time
	Note         string
}

func lineRefs(lines []LineInput) []storage.VariantRef {
	refs := make([]storage.VariantRef, len(lines))
	for i, l := range lines {
		refs[i] = storage.VariantRef{SKU: l.SKU, ID: l.VariantID}
	}
	return refs
}

// CreateTransfer creates a draft transfer; nothing moves until it ships.
func (db *DB) CreateTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in NewTransfer) (TransferResult, error) {
	from, err := db.ResolveLocation(ctx, tx, storeID, in.From)
	if err != nil {
		return TransferResult{}, err
	}
	to, err := db.ResolveLocation(ctx, tx, storeID, in.To)
	if err != nil {
		return TransferResult{}, err
	}
	if from.ID == to.ID {
		return TransferResult{}, inventory.Errorf(inventory.Invalid, "from_location and to_location are both %s: a transfer moves stock between two different locations", from.Name)
	}
	note, err := checkNote("note", in.Note)
	if err != nil {
		return TransferResult{}, err
	}
	vs, err := db.resolveLines(ctx, tx, storeID, "the transfer", lineRefs(in.Lines))
	if err != nil {
		return TransferResult{}, err
	}
	for i, l := range in.Lines {
		if err := checkQuantity(vs[i].SKU, "quantity", l.Quantity, 1); err != nil {
			return TransferResult{}, err
		}
	}
	number, err := db.NextNumber(ctx, tx, storeID, toDoc.prefix)
	if err != nil {
		return TransferResult{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO transfers (store_id, number, from_location_id, to_location_id, status, expected_date, note, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		storeID, number, from.ID, to.ID, string(inventory.TransferDraft), datePtr(in.ExpectedDate), note, now).Scan(&id); err != nil {
		return TransferResult{}, fmt.Errorf("creating a transfer: %w", err)
	}
	for i, l := range in.Lines {
		if _, err := tx.Exec(ctx, `INSERT INTO transfer_lines (store_id, transfer_id, variant_id, position, quantity) VALUES ($1, $2, $3, $4, $5)`,
			storeID, id, vs[i].ID, i+1, l.Quantity); err != nil {
			return TransferResult{}, fmt.Errorf("adding %s to the transfer: %w", vs[i].SKU, err)
		}
	}
	r, err := db.transferResult(ctx, tx, storeID, number, nil)
	if err != nil {
		return r, err
	}
	r.created = true
	all, err := db.getTransfer(ctx, tx, storeID, number)
	if err != nil {
		return r, err
	}
	short, err := db.originShortWarnings(ctx, tx, storeID, all.From, all.Lines, false)
	if err != nil {
		return r, err
	}
	past, err := db.pastDateWarning(ctx, tx, storeID, in.ExpectedDate)
	r.Warnings = capWarnings(append(short, past...))
	r.Reversal = UndoByNumber("cancel_transfer", number)
	return r, err
}

func (t Transfer) change(l TransferLine, at storage.DocLocation, q inventory.Quantity, delta int64) storage.Change {
	return storage.Change{VariantID: l.VariantID, LocationID: at.ID, Quantity: q, Delta: delta, SKU: l.SKU, Location: at.Name}
}

// ShipTransfer ships a draft: the origin's on_hand falls by each line
// (refused when its available stock is short) and the destination's
// incoming rises.
func (db *DB) ShipTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (TransferResult, error) {
	d, t, err := db.lockTransfer(ctx, tx, storeID, number, inventory.ActionShip)
	if err != nil {
		return TransferResult{}, err
	}
	var changes []storage.Change
	for _, l := range t.Lines {
		out := t.change(l, t.From, inventory.OnHand, -l.Quantity)
		out.RequireAvailable = true
		changes = append(changes, out, t.change(l, t.To, inventory.Incoming, l.Quantity))
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonMovementCreated, Document: d.Number, Actor: actor}, changes)
	if err != nil {
		return TransferResult{}, err
	}
	if err := db.setStatus(ctx, tx, toDoc, storeID, d, inventory.TransferInTransit, "shipped_at", db.Now()); err != nil {
		return TransferResult{}, err
	}
	r, err := db.transferResult(ctx, tx, storeID, d.Number, effects)
	if err != nil {
		return r, err
	}
	short, err := db.originShortWarnings(ctx, tx, storeID, t.From, t.Lines, true)
	r.Warnings = capWarnings(short)
	r.Reversal = UndoByNumber("cancel_transfer", d.Number)
	return r, err
}

// ReceiveTransfer books what arrived: the destination's incoming falls and
// its on_hand rises. A line may not take more than is open.
func (db *DB) ReceiveTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, lines []LineInput) (TransferResult, error) {
	d, t, err := db.lockTransfer(ctx, tx, storeID, number, inventory.ActionReceive)
	if err != nil {
		return TransferResult{}, err
	}
	vs, err := db.resolveLines(ctx, tx, storeID, "the receipt", lineRefs(lines))
	if err != nil {
		return TransferResult{}, err
	}
	onTO := map[int64]TransferLine{}
	for _, l := range t.Lines {
		onTO[l.VariantID] = l
	}
	var changes []storage.Change
	open := t.Totals.Open
	for i, in := range lines {
		v := vs[i]
		l, ok := onTO[v.ID]
		if !ok {
			return TransferResult{}, inventory.Errorf(inventory.Invalid, "%s is not on %s: receive only the SKUs it lists (see get_transfer)", v.SKU, d.Number)
		}
		if err := checkQuantity(v.SKU, "quantity", in.Quantity, 1); err != nil {
			return TransferResult{}, err
		}
		if in.Quantity > l.Open {
			return TransferResult{}, inventory.Errorf(inventory.Insufficient, "%s has %d of %s open; this receipt takes %d: receive at most %d",
				d.Number, l.Open, v.SKU, in.Quantity, l.Open)
		}
		if _, err := tx.Exec(ctx, `UPDATE transfer_lines SET quantity_received = quantity_received + $1
			WHERE store_id = $2 AND transfer_id = $3 AND variant_id = $4`, in.Quantity, storeID, d.ID, v.ID); err != nil {
			return TransferResult{}, fmt.Errorf("receiving %s on %s: %w", v.SKU, d.Number, err)
		}
		changes = append(changes, t.change(l, t.To, inventory.Incoming, -in.Quantity), t.change(l, t.To, inventory.OnHand, in.Quantity))
		open -= in.Quantity
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonMovementReceived, Document: d.Number, Actor: actor}, changes)
	if err != nil {
		return TransferResult{}, err
	}
	if err := db.setStatus(ctx, tx, toDoc, storeID, d, inventory.ReceiptStatus(open, inventory.TransferPartiallyReceived, inventory.TransferReceived)); err != nil {
		return TransferResult{}, err
	}
	r, err := db.transferResult(ctx, tx, storeID, d.Number, effects)
	r.Reversal = storage.NoUndo("a transfer receipt is not reversed: create_transfer back to the origin moves the stock again")
	return r, err
}

// CancelTransfer cancels a transfer. A draft moved nothing; a shipped one
// returns what was not received to the origin's on_hand and takes it off
// the destination's incoming.
func (db *DB) CancelTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (TransferResult, error) {
	d, t, err := db.lockTransfer(ctx, tx, storeID, number, inventory.ActionCancel)
	if err != nil {
		return TransferResult{}, err
	}
	var effects []storage.Effect
	if d.Status != inventory.TransferDraft {
		var changes []storage.Change
		for _, l := range t.Lines {
			changes = append(changes, t.change(l, t.From, inventory.OnHand, l.Open), t.change(l, t.To, inventory.Incoming, -l.Open))
		}
		if effects, err = db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonMovementCanceled, Document: d.Number, Actor: actor}, changes); err != nil {
			return TransferResult{}, err
		}
	}
	if err := db.setStatus(ctx, tx, toDoc, storeID, d, inventory.TransferCancelled); err != nil {
		return TransferResult{}, err
	}
	r, err := db.transferResult(ctx, tx, storeID, d.Number, effects)
	r.Reversal = storage.NoUndo("a cancelled transfer stays cancelled: create_transfer makes a new one")
	return r, err
}

func (db *DB) lockTransfer(ctx context.Context, tx backend.Tx, storeID int64, number string, action inventory.Action) (lockedDoc, Transfer, error) {
	d, err := db.lockDoc(ctx, tx, toDoc, storeID, number, action)
	if err != nil {
		return d, Transfer{}, err
	}
	t, err := db.getTransfer(ctx, tx, storeID, d.Number)
	return d, t, err
}

func (db *DB) transferResult(ctx context.Context, tx backend.Tx, storeID int64, number string, effects []storage.Effect) (TransferResult, error) {
	doc, err := asWritten(func() (Transfer, error) { return db.getTransfer(ctx, tx, storeID, number) })
	return TransferResult{Transfer: doc, docOutcome: outcomeOf(effects)}, err
}

// GetTransfer reads a transfer by number; q is a transaction, or nil for
// the read pool.
func (db *DB) GetTransfer(ctx context.Context, q backend.Querier, storeID int64, number string) (Transfer, error) {
	return db.getTransfer(ctx, db.Querier(q), storeID, normalizeNumber(number))
}

const transferCols = `t.id, t.number, t.status, f.id, f.name, d.id, d.name, t.expected_date, t.created_at`

const transferFrom = ` FROM transfers t
	JOIN locations f ON f.store_id = t.store_id AND f.id = t.from_location_id
	JOIN locations d ON d.store_id = t.store_id AND d.id = t.to_location_id`

func scanTransferHeader(r backend.Row, extra ...any) (Transfer, error) {
	var t Transfer
	var status string
	var expected *time.Time
	err := r.Scan(append([]any{&t.id, &t.Number, &status, &t.From.ID, &t.From.Name, &t.To.ID, &t.To.Name, &expected, &t.CreatedAt}, extra...)...)
	t.Status = inventory.Status(status)
	t.ExpectedDate = storage.DateString(expected)
	t.AllowedActions = inventory.Transfers.Allowed(t.Status)
	return t, err
}

func (db *DB) getTransfer(ctx context.Context, q backend.Querier, storeID int64, number string) (Transfer, error) {
	if number == "" {
		return Transfer{}, toDoc.notFound("")
	}
	var note string
	var shipped *time.Time
	row := q.QueryRow(ctx, `SELECT `+transferCols+`, t.note, t.shipped_at`+transferFrom+` WHERE t.store_id = $1 AND t.number = $2`, storeID, number)
	t, err := scanTransferHeader(row, &note, &shipped)
	if errors.Is(err, backend.ErrNoRows) {
		return Transfer{}, toDoc.notFound(number)
	}
	if err != nil {
		return Transfer{}, fmt.Errorf("reading %s: %w", number, err)
	}
	t.Note, t.ShippedAt = note, shipped
	t.Lines, err = storage.Collect(ctx, q, "reading the lines of "+number, func(r backend.Rows) (TransferLine, error) {
		var l TransferLine
		err := r.Scan(&l.VariantID, &l.SKU, &l.Product, &l.Variant, &l.Quantity, &l.Received, &l.cost)
		l.Open = l.Quantity - l.Received
		if t.Status == inventory.TransferCancelled {
			l.Open = 0 // a cancelled transfer expects nothing more
		}
		return l, err
	}, `SELECT v.id, v.sku, p.title, v.title, tl.quantity, tl.quantity_received, v.cost_cents
		FROM transfer_lines tl
		JOIN variants v ON v.store_id = tl.store_id AND v.id = tl.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE tl.store_id = $1 AND tl.transfer_id = $2 ORDER BY tl.position, v.sku`, storeID, t.id)
	if err != nil {
		return Transfer{}, err
	}
	for _, l := range t.Lines {
		t.Totals.Lines++
		t.Totals.Units += l.Quantity
		t.Totals.Received += l.Received
		t.Totals.Open += l.Open
		t.moved = addSaturating(t.moved, timesSaturating(inventory.Money(l.cost), l.Quantity))
	}
	return t, nil
}

// TransferFilter narrows ListTransfers; zero values do not filter.
type TransferFilter struct {
	Status         string
	FromLocationID int64
	ToLocationID   int64
	VariantID      int64
	Page           storage.Page
}

// TransferSummary is a transfer in a list.
type TransferSummary struct {
	Number       string              `json:"number"`
	Status       inventory.Status    `json:"status"`
	From         storage.DocLocation `json:"from_location"`
	To           storage.DocLocation `json:"to_location"`
	ExpectedDate string              `json:"expected_date,omitempty"`
	Lines        int                 `json:"lines"`
	Units        int64               `json:"units"`
	UnitsOpen    int64               `json:"units_open"`
	CreatedAt    time.Time           `json:"created_at"`
}

// ListTransfers lists transfers, newest first (two queries per page).
func (db *DB) ListTransfers(ctx context.Context, storeID int64, f TransferFilter) ([]TransferSummary, string, error) {
	page, err := newIDPage(f.Page)
	if err != nil {
		return nil, "", err
	}
	args := []any{storeID}
	cond, err := statusFilter(toDoc, f.Status, &args, "t.status")
	if err != nil {
		return nil, "", err
	}
	where := ` WHERE t.store_id = $1` + cond + storage.EqFilter(&args, "t.from_location_id", f.FromLocationID) + storage.EqFilter(&args, "t.to_location_id", f.ToLocationID)
	if f.VariantID != 0 {
		args = append(args, f.VariantID)
		where += ` AND EXISTS (SELECT 1 FROM transfer_lines x WHERE x.store_id = t.store_id AND x.transfer_id = t.id AND x.variant_id = $` + strconv.Itoa(len(args)) + `)`
	}
	if err := storage.Count(ctx, db.b, f.Page, "transfers", "transfers t", where, args); err != nil {
		return nil, "", err
	}
	where += page.where(&args, "t.id")
	heads, err := storage.Collect(ctx, db.b, "listing transfers", func(r backend.Rows) (Transfer, error) { return scanTransferHeader(r) },
		`SELECT `+transferCols+transferFrom+where+` ORDER BY t.id DESC`+page.limitClause(), args...)
	if err != nil {
		return nil, "", err
	}
	heads, next := pageOut(page, heads, func(t Transfer) int64 { return t.id })
	sums, err := lineSums(ctx, db.b, "transfer_lines", "transfer_id", storeID, heads, func(t Transfer) int64 { return t.id },
		storage.SQLUnits("quantity"), storage.SQLUnits("quantity - quantity_received"))
	if err != nil {
		return nil, "", err
	}
	out := make([]TransferSummary, len(heads))
	for i, h := range heads {
		v := sums(h)
		out[i] = TransferSummary{Number: h.Number, Status: h.Status, From: h.From, To: h.To, ExpectedDate: h.ExpectedDate,
			Lines: int(v[0]), Units: v[1], UnitsOpen: v[2], CreatedAt: h.CreatedAt}
		if h.Status == inventory.TransferCancelled {
			out[i].UnitsOpen = 0
		}
	}
	return out, next, nil
}
