package documents

import (
	"context"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Transfer is a transfer order between two locations of a store.
type Transfer struct {
	transferHead
	Note   string         `json:"note,omitempty"`
	Totals TransferTotals `json:"totals"`
	docBody[TransferLine]
	ShippedAt *time.Time `json:"shipped_at,omitempty"`

	// moved is the stock it moves, at cost: the amount of its writes
	// (amounts.go).
	moved inventory.Money
}

// scan scans transferSelect's columns into h, then the rest into more.
func (h *transferHead) scan(r backend.Row, more ...any) error {
	var status string
	var expected *time.Time
	err := r.Scan(append([]any{&h.id, &h.Number, &status, &h.From.ID, &h.From.Name, &h.To.ID, &h.To.Name, &expected}, more...)...)
	h.Status = inventory.Status(status)
	h.ExpectedDate = storage.DateString(expected)
	return err
}

// transferSelect selects a transfer's head, then the columns a caller
// adds before transferFrom.
const transferSelect = `SELECT t.id, t.number, t.status, f.id, f.name, d.id, d.name, t.expected_date`

const transferFrom = ` FROM transfers t
	JOIN locations f ON f.store_id = t.store_id AND f.id = t.from_location_id
	JOIN locations d ON d.store_id = t.store_id AND d.id = t.to_location_id`

// transferHead leads a transfer and its summary in a list.
type transferHead struct {
	docHead
	From         storage.DocLocation `json:"from_location"`
	To           storage.DocLocation `json:"to_location"`
	ExpectedDate string              `json:"expected_date,omitempty"`
}

// TransferLine is one SKU of a transfer; Open is shipped (or to ship) but
// not yet received.
type TransferLine struct {
	lineVariant
	Quantity int64 `json:"quantity"`
	Received int64 `json:"received"`
	Open     int64 `json:"open"`

	cost int64
}

// TransferTotals sums a transfer's lines.
type TransferTotals struct {
	Lines    int   `json:"lines"`
	Units    int64 `json:"units"`
	Received int64 `json:"units_received"`
	Open     int64 `json:"units_open"`
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
	vs, err := db.resolveLines(ctx, tx, storeID, "the transfer", lineRefs(in.Lines))
	if err != nil {
		return TransferResult{}, err
	}
	// The lines as the transfer will hold them, in order: what the
	// warnings about the origin's stock need, without reading them back.
	lines := make([]TransferLine, len(in.Lines))
	for i, l := range in.Lines {
		if err := checkQuantity(vs[i].SKU, "quantity", l.Quantity, 1); err != nil {
			return TransferResult{}, err
		}
		lines[i] = TransferLine{lineVariant: lineVariant{SKU: vs[i].SKU, VariantID: vs[i].ID}, Quantity: l.Quantity}
	}
	r, err := toType.create(ctx, db, tx, storeID, docInsert{status: inventory.TransferDraft, note: in.Note, noted: true,
		cols: "from_location_id, to_location_id, expected_date", vals: []any{from.ID, to.ID, datePtr(in.ExpectedDate)},
		lineCols: "quantity", lines: inserts(in.Lines, func(l LineInput, i int) lineInsert {
			return lineInsert{variant: vs[i], vals: []any{l.Quantity}}
		})})
	if err != nil {
		return r, err
	}
	short, err := db.originShortWarnings(ctx, tx, storeID, storage.DocLocation{ID: from.ID, Name: from.Name}, lines, false)
	if err != nil {
		return r, err
	}
	past, err := db.pastDateWarning(ctx, tx, storeID, in.ExpectedDate)
	r.Warnings = capWarnings(append(short, past...))
	return r, err
}

// TransferResult is what a transfer write returns.
type TransferResult struct {
	Warnings []Warning `json:"warnings,omitempty"`
	Transfer Transfer  `json:"transfer"`
	docOutcome
}

func (r TransferResult) AsPreview() (any, string) {
	return previewOf(&r, r.docOutcome, &r.Transfer.docHead)
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

func (t Transfer) change(l TransferLine, at storage.DocLocation, q inventory.Quantity, delta int64) storage.Change {
	return storage.Change{VariantID: l.VariantID, LocationID: at.ID, Quantity: q, Delta: delta, SKU: l.SKU, Location: at.Name}
}

// ShipTransfer ships a draft: the origin's on_hand falls by each line
// (refused when its available stock is short) and the destination's
// incoming rises.
func (db *DB) ShipTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (TransferResult, error) {
	var t Transfer
	r, err := toType.act(ctx, db, tx, storeID, actor, number, inventory.ActionShip, func(d lockedDoc, doc Transfer) (move, error) {
		t = doc
		var changes []storage.Change
		for _, l := range t.Lines {
			out := t.change(l, t.From, inventory.OnHand, -l.Quantity)
			out.RequireAvailable = true
			changes = append(changes, out, t.change(l, t.To, inventory.Incoming, l.Quantity))
		}
		return move{reason: inventory.ReasonMovementCreated, changes: changes, status: inventory.TransferInTransit, set: []any{"shipped_at", db.Now()},
			undo: UndoByNumber("cancel_transfer", d.Number)}, nil
	})
	if err != nil {
		return r, err
	}
	short, err := db.originShortWarnings(ctx, tx, storeID, t.From, t.Lines, true)
	r.Warnings = capWarnings(short)
	return r, err
}

// ReceiveTransfer books what arrived: the destination's incoming falls and
// its on_hand rises. A line may not take more than is open.
func (db *DB) ReceiveTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, lines []LineInput) (TransferResult, error) {
	return toType.act(ctx, db, tx, storeID, actor, number, inventory.ActionReceive, func(d lockedDoc, t Transfer) (move, error) {
		vs, err := db.resolveLines(ctx, tx, storeID, "the receipt", lineRefs(lines))
		if err != nil {
			return move{}, err
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
				return move{}, inventory.Errorf(inventory.Invalid, "%s is not on %s: receive only the SKUs it lists (see get_transfer)", v.SKU, d.Number)
			}
			if err := checkQuantity(v.SKU, "quantity", in.Quantity, 1); err != nil {
				return move{}, err
			}
			if in.Quantity > l.Open {
				return move{}, inventory.Errorf(inventory.Insufficient, "%s has %d of %s open; this receipt takes %d: receive at most %d",
					d.Number, l.Open, v.SKU, in.Quantity, l.Open)
			}
			if _, err := tx.Exec(ctx, `UPDATE transfer_lines SET quantity_received = quantity_received + $1
			WHERE store_id = $2 AND transfer_id = $3 AND variant_id = $4`, in.Quantity, storeID, d.ID, v.ID); err != nil {
				return move{}, fmt.Errorf("receiving %s on %s: %w", v.SKU, d.Number, err)
			}
			changes = append(changes, t.change(l, t.To, inventory.Incoming, -in.Quantity), t.change(l, t.To, inventory.OnHand, in.Quantity))
			open -= in.Quantity
		}
		return move{reason: inventory.ReasonMovementReceived, changes: changes,
			status: inventory.ReceiptStatus(open, inventory.TransferPartiallyReceived, inventory.TransferReceived),
			undo:   storage.NoUndo("a transfer receipt is not reversed: create_transfer back to the origin moves the stock again")}, nil
	})
}

// CancelTransfer cancels a transfer. A draft moved nothing; a shipped one
// returns what was not received to the origin's on_hand and takes it off
// the destination's incoming.
func (db *DB) CancelTransfer(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (TransferResult, error) {
	return toType.act(ctx, db, tx, storeID, actor, number, inventory.ActionCancel, func(d lockedDoc, t Transfer) (move, error) {
		m := move{reason: inventory.ReasonMovementCanceled, status: inventory.TransferCancelled,
			undo: storage.NoUndo("a cancelled transfer stays cancelled: create_transfer makes a new one")}
		if d.Status != inventory.TransferDraft {
			for _, l := range t.Lines {
				m.changes = append(m.changes, t.change(l, t.From, inventory.OnHand, l.Open), t.change(l, t.To, inventory.Incoming, -l.Open))
			}
		}
		return m, nil
	})
}

// toType is a transfer to the document engine. Its lines total in units;
// a cancelled one has nothing open.
var toType = &docType[Transfer, TransferLine, TransferResult]{
	docKind:  toDoc,
	head:     transferSelect + `, t.created_at, t.note, t.shipped_at` + transferFrom,
	scanHead: func(t *Transfer, r backend.Row) error { return t.scan(r, &t.CreatedAt, &t.Note, &t.ShippedAt) },
	parts:    func(t *Transfer) (*docHead, *docBody[TransferLine]) { return &t.docHead, &t.docBody },
	result:   func(t Transfer, o docOutcome) TransferResult { return TransferResult{Transfer: t, docOutcome: o} },
	lineCols: `x.quantity, x.quantity_received, v.cost_cents`,
	scanLine: func(t *Transfer, r backend.Rows, _ string) (TransferLine, error) {
		var l TransferLine
		err := r.Scan(&l.VariantID, &l.SKU, &l.Product, &l.Variant, &l.Quantity, &l.Received, &l.cost)
		l.Open = l.Quantity - l.Received
		if t.Status == inventory.TransferCancelled {
			l.Open = 0 // a cancelled transfer expects nothing more
		}
		return l, err
	},
	addLine: func(t *Transfer, l TransferLine, _ string) error {
		t.Totals.Lines++
		t.Totals.Units += l.Quantity
		t.Totals.Received += l.Received
		t.Totals.Open += l.Open
		t.moved = addSaturating(t.moved, timesSaturating(inventory.Money(l.cost), l.Quantity))
		return nil
	},
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
	transferHead
	Lines     int       `json:"lines"`
	Units     int64     `json:"units"`
	UnitsOpen int64     `json:"units_open"`
	CreatedAt time.Time `json:"created_at"`
}

// ListTransfers lists transfers, newest first (two queries per page).
func (db *DB) ListTransfers(ctx context.Context, storeID int64, f TransferFilter) ([]TransferSummary, string, error) {
	return listDocs(ctx, db, toDoc, storeID, docList[TransferSummary]{
		page: f.Page, status: f.Status,
		where: func(args *[]any) (string, error) {
			return storage.EqFilter(args, "t.from_location_id", f.FromLocationID) + storage.EqFilter(args, "t.to_location_id", f.ToLocationID) +
				toDoc.hasVariant(args, f.VariantID), nil
		},
		sel: transferSelect + `, t.created_at` + transferFrom,
		scan: func(r backend.Rows) (TransferSummary, error) {
			var s TransferSummary
			err := s.scan(r, &s.CreatedAt)
			return s, err
		},
		sums: []string{storage.SQLUnits("quantity"), storage.SQLUnits("quantity - quantity_received")},
		total: func(s *TransferSummary, v []int64) {
			s.Lines, s.Units, s.UnitsOpen = int(v[0]), v[1], v[2]
			if s.Status == inventory.TransferCancelled {
				s.UnitsOpen = 0
			}
		},
	})
}

// GetTransfer reads a transfer by number; q is a transaction, or nil for
// the read pool.
func (db *DB) GetTransfer(ctx context.Context, q backend.Querier, storeID int64, number string) (Transfer, error) {
	return toType.read(ctx, db, q, storeID, number)
}
