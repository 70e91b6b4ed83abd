package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	docstore "github.com/logistified/mcp-server/storage/documents"
)

// documents creates the demo's purchase orders, transfers, stock takes and
// supplier returns through the domain operations, in the same transaction
// as the bulk load, so their ledger rows are the ones real use writes.
// Documents that take stock away mark their variants used, so that no
// other such document finds less than it expects; none touches the items
// whose reorder rule was set to show them below their reorder point.
//
// The operations stamp everything with the clock; each step is then dated
// back to the day it happens in the story (an order sent 40 days ago and
// received last week), its ledger rows included.
type documents struct {
	ctx   context.Context
	db    *storage.DB
	tx    backend.Tx
	ld    *loaded
	c     *catalog
	seed  int64
	r     *rand.Rand
	used  []bool
	actor storage.Actor
}

func createDocuments(ctx context.Context, db *storage.DB, tx backend.Tx, ld *loaded, c *catalog, rules []ruleSpec, seed int64) error {
	d := &documents{ctx: ctx, db: db, tx: tx, ld: ld, c: c, seed: seed, r: newRand(seed, streamDocuments, 0), used: make([]bool, c.variants)}
	for _, r := range rules {
		d.used[r.variant] = r.low
	}
	for _, step := range []func() error{d.purchaseOrders, d.transfers, d.stockTakes, d.supplierReturns} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// date is the day offset days from today.
func (d *documents) date(days int) *time.Time {
	t := d.ld.today.AddDate(0, 0, days)
	return &t
}

// at is a moment in business hours on the day offset days from today.
func (d *documents) at(days int) time.Time {
	y, m, day := d.ld.today.AddDate(0, 0, days).Date()
	return time.Date(y, m, day, 8, d.r.IntN(9*60), 0, 0, d.ld.zone).UTC()
}

// free is what a variant's starting level at a location has available.
func (d *documents) free(i, location int) int64 {
	v := d.c.variant(i)
	for _, lv := range stockFor(d.seed, d.c, &v, d.ld.today) {
		if lv.location == location {
			return lv.onHand - lv.committed - lv.damaged - lv.qc
		}
	}
	return 0
}

func (d *documents) stocked(i, location int) bool { return d.c.variant(i).stocked[location] }

func (d *documents) sku(i int) string { return d.c.variant(i).sku }

// pick takes up to n unused variants that match ok, scanning from a
// random place in the catalog: items that sell first, then the long tail,
// then (withDead) dead stock. Exclusive picks are marked used; purchase
// orders only add stock, so they share.
func (d *documents) pick(n int, withDead, exclusive bool, ok func(i int) bool) []int {
	passes := []func(popularity) bool{
		popularity.sells,
		func(p popularity) bool { return p == longTail },
		func(p popularity) bool { return withDead && p == dead },
	}
	var out []int
	total := d.c.variants
	start := d.r.IntN(total)
	for _, class := range passes {
		for k := 0; k < total && len(out) < n; k++ {
			i := (start + k) % total
			if d.used[i] || !class(d.c.class(i)) || !ok(i) {
				continue
			}
			if exclusive {
				d.used[i] = true
			}
			out = append(out, i)
		}
	}
	return out
}

// step is one action on a document, on a day relative to today.
type step struct {
	action string
	day    int
}

// history runs a document's steps and then dates the document and its
// ledger rows back to the story's days. stamps maps each action to the
// timestamp column it sets.
type history struct {
	d       *documents
	table   string
	number  string
	created time.Time
	last    time.Time
	stamps  map[string]time.Time
}

func (d *documents) history(table, number string, createdDay int) *history {
	t := d.at(createdDay)
	return &history{d: d, table: table, number: number, created: t, last: t, stamps: map[string]time.Time{}}
}

// run performs one step, then dates the ledger rows it wrote.
func (h *history) run(s step, column string, fn func() error) error {
	d := h.d
	var before int64
	if err := d.tx.QueryRow(d.ctx, `SELECT coalesce(max(id), 0) FROM inventory_adjustments WHERE store_id = $1`, d.ld.storeID).Scan(&before); err != nil {
		return fmt.Errorf("reading the ledger: %w", err)
	}
	if err := fn(); err != nil {
		return fmt.Errorf("%s %s: %w", s.action, h.number, err)
	}
	at := d.at(s.day)
	if at.Before(h.last) {
		at = h.last.Add(time.Hour)
	}
	h.last = at
	if column != "" {
		h.stamps[column] = at
	}
	if _, err := d.tx.Exec(d.ctx, `UPDATE inventory_adjustments SET at = $1 WHERE store_id = $2 AND document_number = $3 AND id > $4`,
		at, d.ld.storeID, h.number, before); err != nil {
		return fmt.Errorf("dating the ledger rows of %s: %w", h.number, err)
	}
	return nil
}

// finish dates the document: created, last updated, and the timestamp
// column each of its steps set.
func (h *history) finish() error {
	d := h.d
	args := []any{d.ld.storeID, h.number, h.created, h.last}
	set := "created_at = $3, updated_at = $4"
	columns := make([]string, 0, len(h.stamps))
	for c := range h.stamps {
		columns = append(columns, c)
	}
	sort.Strings(columns)
	for _, c := range columns { // constant column names from this file
		args = append(args, h.stamps[c])
		set += fmt.Sprintf(", %s = $%d", c, len(args))
	}
	if _, err := d.tx.Exec(d.ctx, `UPDATE `+h.table+` SET `+set+` WHERE store_id = $1 AND number = $2`, args...); err != nil {
		return fmt.Errorf("dating %s: %w", h.number, err)
	}
	return nil
}

// poPlan is one purchase order and its life so far.
type poPlan struct {
	supplier, location int
	lines              int
	expected           int // days from today; negative is overdue unless received
	note               string
	created            int
	steps              []step // send, receive_part, receive_all, close, cancel
}

func (d *documents) purchaseOrders() error {
	plans := []poPlan{
		{0, 0, 6, 21, "Restock; waiting for the buyer's sign-off", -2, nil},
		{7, 0, 4, 30, "Pre-order for the spring season", -1, nil},
		{1, 0, 8, 12, "Insulated jackets top-up", -16, []step{{"send", -15}}},
		{9, 0, 5, 6, "", -44, []step{{"send", -44}}},
		{12, 1, 6, 3, "Fast-moving basics for the Denver store", -5, []step{{"send", -4}}},
		{5, 0, 5, -9, "Boots for the holiday season; supplier confirmed shipment", -50, []step{{"send", -49}}},
		{3, 0, 4, -4, "Shipped late from the UK", -50, []step{{"send", -49}}},
		{2, 0, 7, -6, "First cartons arrived; the rest is on back order", -28, []step{{"send", -27}, {"receive_part", -5}}},
		{8, 2, 5, 4, "", -18, []step{{"send", -17}, {"receive_part", -2}}},
		{6, 0, 6, -20, "", -55, []step{{"send", -55}, {"receive_all", -19}}},
		{11, 3, 3, -12, "Headlamps for the Salt Lake City store", -30, []step{{"send", -29}, {"receive_all", -12}}},
		{4, 0, 5, -35, "", -68, []step{{"send", -67}, {"receive_all", -34}, {"close", -33}}},
		{13, 0, 4, -25, "Supplier short-shipped and cancelled the rest", -36, []step{{"send", -35}, {"receive_part", -26}, {"close", -20}}},
		{10, 0, 4, 15, "", -30, []step{{"send", -29}, {"cancel", -8}}},
	}
	for _, p := range plans {
		if err := d.purchaseOrder(p); err != nil {
			return err
		}
	}
	return nil
}

// supplies reports whether supplier s sells variant i, and on what terms.
func (d *documents) supplies(s, i int) (supplierTermsSpec, bool) {
	v := d.c.variant(i)
	if v.supplier.supplier == s {
		return v.supplier, true
	}
	if v.second != nil && v.second.supplier == s {
		return *v.second, true
	}
	return supplierTermsSpec{}, false
}

func (d *documents) purchaseOrder(p poPlan) error {
	// A small catalog may have nothing from the planned supplier: the
	// order then goes to the next one that has.
	var idx []int
	for k := 0; k < len(supplierSpecs) && len(idx) == 0; k++ {
		s := (p.supplier + k) % len(supplierSpecs)
		idx = d.pick(p.lines, false, false, func(i int) bool {
			_, ok := d.supplies(s, i)
			return ok && d.stocked(i, p.location)
		})
		p.supplier = s
	}
	if len(idx) == 0 {
		return fmt.Errorf("no variants left for a purchase order to %s", locationSpecs[p.location].name)
	}
	lines := make([]docstore.POLineInput, len(idx))
	for k, i := range idx {
		t, _ := d.supplies(p.supplier, i)
		v := d.c.variant(i)
		// A month of sales, at least the minimum, in whole packs.
		q := max(int64(math.Ceil(v.rate*v.shares[p.location]*30)), int64(t.minOrder))
		pack := int64(t.packSize)
		lines[k] = docstore.POLineInput{SKU: v.sku, Quantity: (q + pack - 1) / pack * pack}
	}
	res, err := docstore.New(d.db).CreatePurchaseOrder(d.ctx, d.tx, d.ld.storeID, d.actor, docstore.NewPurchaseOrder{
		Supplier: supplierSpecs[p.supplier].name, Location: locationSpecs[p.location].code,
		Lines: lines, ExpectedDate: d.date(p.expected), Note: p.note,
	})
	if err != nil {
		return fmt.Errorf("creating a purchase order: %w", err)
	}
	h := d.history("purchase_orders", res.PurchaseOrder.Number, p.created)
	db, sid, number := d.db, d.ld.storeID, h.number
	for _, s := range p.steps {
		var column string
		var fn func() error
		switch s.action {
		case "send":
			column = "sent_at"
			fn = func() error {
				_, err := docstore.New(db).SendPurchaseOrder(d.ctx, d.tx, sid, d.actor, number)
				return err
			}
		case "receive_part", "receive_all":
			receipt := receiptLines(lines, s.action == "receive_part")
			fn = func() error {
				_, err := docstore.New(db).ReceivePurchaseOrder(d.ctx, d.tx, sid, d.actor, number, receipt)
				return err
			}
		case "close":
			column = "closed_at"
			fn = func() error {
				_, err := docstore.New(db).ClosePurchaseOrder(d.ctx, d.tx, sid, d.actor, number)
				return err
			}
		case "cancel":
			column = "closed_at"
			fn = func() error {
				_, err := docstore.New(db).CancelPurchaseOrder(d.ctx, d.tx, sid, d.actor, number, "The supplier discontinued these colours")
				return err
			}
		}
		if err := h.run(s, column, fn); err != nil {
			return err
		}
	}
	return h.finish()
}

// receiptLines receives an order: one unit of the first line arrived
// damaged and is rejected; a partial receipt brings half of every other
// line.
func receiptLines(lines []docstore.POLineInput, partial bool) []docstore.ReceiptLine {
	var out []docstore.ReceiptLine
	for k, l := range lines {
		accepted, rejected := l.Quantity, int64(0)
		if k == 0 && accepted > 1 {
			accepted, rejected = accepted-1, 1
		}
		if partial {
			if k%2 == 1 {
				continue // still on its way
			}
			accepted = max(1, accepted/2)
		}
		out = append(out, docstore.ReceiptLine{SKU: l.SKU, Accepted: accepted, Rejected: rejected})
	}
	return out
}

func (d *documents) transfers() error {
	plans := []struct {
		to, lines, expected, created int
		steps                        []step
	}{
		{1, 5, 3, -1, nil},
		{2, 6, 2, -3, []step{{"ship", -2}}},
		{3, 4, -1, -6, []step{{"ship", -5}, {"receive_part", -1}}},
		{1, 6, -5, -9, []step{{"ship", -8}, {"receive_all", -5}}},
		{2, 3, 4, -4, []step{{"ship", -3}, {"cancel", -2}}},
		{3, 3, 6, -7, []step{{"cancel", -6}}},
	}
	for _, p := range plans {
		idx := d.pick(p.lines, false, true, func(i int) bool { return d.stocked(i, p.to) && d.free(i, 0) >= 2 })
		if len(idx) == 0 {
			return fmt.Errorf("no variants left for a transfer to %s", locationSpecs[p.to].name)
		}
		lines := make([]docstore.LineInput, len(idx))
		for k, i := range idx {
			lines[k] = docstore.LineInput{SKU: d.sku(i), Quantity: min(d.free(i, 0)/2, 2+d.r.Int64N(10))}
		}
		res, err := docstore.New(d.db).CreateTransfer(d.ctx, d.tx, d.ld.storeID, d.actor, docstore.NewTransfer{
			From: locationSpecs[0].code, To: locationSpecs[p.to].code, Lines: lines, ExpectedDate: d.date(p.expected),
			Note: "Replenishment for " + locationSpecs[p.to].name,
		})
		if err != nil {
			return fmt.Errorf("creating a transfer: %w", err)
		}
		h := d.history("transfers", res.Transfer.Number, p.created)
		db, sid, number := d.db, d.ld.storeID, h.number
		for _, s := range p.steps {
			var column string
			var fn func() error
			switch s.action {
			case "ship":
				column = "shipped_at"
				fn = func() error { _, err := docstore.New(db).ShipTransfer(d.ctx, d.tx, sid, d.actor, number); return err }
			case "receive_part", "receive_all":
				var receipt []docstore.LineInput
				for k, l := range lines {
					if s.action == "receive_part" {
						if k%2 == 1 {
							continue
						}
						l.Quantity = max(1, l.Quantity/2)
					}
					receipt = append(receipt, l)
				}
				fn = func() error {
					_, err := docstore.New(db).ReceiveTransfer(d.ctx, d.tx, sid, d.actor, number, receipt)
					return err
				}
			case "cancel":
				fn = func() error {
					_, err := docstore.New(db).CancelTransfer(d.ctx, d.tx, sid, d.actor, number)
					return err
				}
			}
			if err := h.run(s, column, fn); err != nil {
				return err
			}
		}
		if err := h.finish(); err != nil {
			return err
		}
	}
	return nil
}

func (d *documents) stockTakes() error {
	plans := []struct {
		location, lines int
		created         int
		count           string // all, some, none
		end             string // complete, cancel, "" (still in progress)
	}{
		{1, 14, -12, "all", "complete"},
		{0, 10, -25, "all", "complete"},
		{2, 16, -1, "some", ""},
		{3, 8, -6, "none", "cancel"},
	}
	for _, p := range plans {
		idx := d.pick(p.lines, true, true, func(i int) bool { return d.stocked(i, p.location) })
		if len(idx) == 0 {
			return fmt.Errorf("no variants left for a stock take at %s", locationSpecs[p.location].name)
		}
		refs := make([]storage.VariantRef, len(idx))
		bySKU := make(map[string]int, len(idx))
		for k, i := range idx {
			refs[k] = storage.VariantRef{SKU: d.sku(i)}
			bySKU[d.sku(i)] = i
		}
		res, err := docstore.New(d.db).StartStockTake(d.ctx, d.tx, d.ld.storeID, d.actor, docstore.NewStockTake{Location: locationSpecs[p.location].code, SKUs: refs})
		if err != nil {
			return fmt.Errorf("starting a stock take: %w", err)
		}
		st := res.StockTake
		var counts []docstore.CountInput
		for k, l := range st.Lines {
			if p.count == "none" || (p.count == "some" && k%2 == 1) {
				continue
			}
			// Most shelves match; a few are short (shrinkage, never more
			// than is free, so available stays at zero or above) or over.
			counted := l.Expected
			switch d.r.IntN(6) {
			case 0:
				counted -= min(1+d.r.Int64N(2), max(0, d.free(bySKU[l.SKU], p.location)))
			case 1:
				counted++
			}
			counts = append(counts, docstore.CountInput{SKU: l.SKU, Counted: counted})
		}
		h := d.history("stock_takes", st.Number, p.created)
		db, sid, number := d.db, d.ld.storeID, st.Number
		countDay := min(p.created+1, -1)
		if len(counts) > 0 {
			if err := h.run(step{"record_counts", countDay}, "", func() error {
				_, err := docstore.New(db).RecordStockCounts(d.ctx, d.tx, sid, d.actor, number, counts)
				return err
			}); err != nil {
				return err
			}
			if _, err := d.tx.Exec(d.ctx, `UPDATE stock_take_lines SET counted_at = $1 WHERE store_id = $2 AND counted_at IS NOT NULL
				AND stock_take_id = (SELECT id FROM stock_takes WHERE store_id = $2 AND number = $3)`, h.last, sid, number); err != nil {
				return fmt.Errorf("dating the counts of %s: %w", number, err)
			}
		}
		switch p.end {
		case "complete":
			err = h.run(step{"complete", countDay}, "completed_at", func() error {
				_, err := docstore.New(db).CompleteStockTake(d.ctx, d.tx, sid, d.actor, number)
				return err
			})
		case "cancel":
			err = h.run(step{"cancel", countDay}, "", func() error {
				_, err := docstore.New(db).CancelStockTake(d.ctx, d.tx, sid, d.actor, number)
				return err
			})
		}
		if err != nil {
			return err
		}
		if err := h.finish(); err != nil {
			return err
		}
	}
	return nil
}

func (d *documents) supplierReturns() error {
	// Part of a received purchase order goes back, and is credited.
	if err := d.returnFromOrder(); err != nil {
		return err
	}
	plans := []struct {
		supplier int
		reason   string
		created  int
		steps    []step
	}{
		{0, "Seams failing on the shoulder", -30, []step{{"ship", -28}, {"close", -10}}},
		{5, "Sole delamination reported by customers", -9, []step{{"ship", -7}}},
		{2, "Wrong colour delivered", -2, nil},
		{9, "Overstock; the supplier agreed to take it back", -15, []step{{"cancel", -11}}},
	}
	for _, p := range plans {
		var idx []int
		for k := 0; k < len(supplierSpecs) && len(idx) == 0; k++ {
			s := (p.supplier + k) % len(supplierSpecs)
			idx = d.pick(2, true, true, func(i int) bool { return d.c.variant(i).supplier.supplier == s && d.free(i, 0) >= 4 })
			p.supplier = s
		}
		if len(idx) == 0 {
			return fmt.Errorf("no variants left for a supplier return")
		}
		lines := make([]docstore.ReturnLineInput, len(idx))
		var value int64
		for k, i := range idx {
			q := min(d.free(i, 0)/4, 1+d.r.Int64N(3))
			lines[k] = docstore.ReturnLineInput{SKU: d.sku(i), Quantity: q, Reason: p.reason}
			value += q * d.c.variant(i).supplier.unitCost
		}
		res, err := docstore.New(d.db).CreateSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, docstore.NewSupplierReturn{
			Supplier: supplierSpecs[p.supplier].name, Location: locationSpecs[0].code, Lines: lines,
		})
		if err != nil {
			return fmt.Errorf("creating a supplier return: %w", err)
		}
		if err := d.returnSteps(d.history("supplier_returns", res.SupplierReturn.Number, p.created), p.steps, value); err != nil {
			return err
		}
	}
	return nil
}

// returnFromOrder sends back one unit of the first line of the first fully
// received purchase order.
func (d *documents) returnFromOrder() error {
	rows, err := d.tx.Query(d.ctx, `SELECT po.number, s.name, v.sku, l.unit_cost_cents FROM purchase_orders po
		JOIN suppliers s ON s.store_id = po.store_id AND s.id = po.supplier_id
		JOIN purchase_order_lines l ON l.store_id = po.store_id AND l.purchase_order_id = po.id
		JOIN variants v ON v.store_id = l.store_id AND v.id = l.variant_id
		WHERE po.store_id = $1 AND po.status = 'received' AND l.quantity_received >= 1
		ORDER BY po.id, l.position LIMIT 1`, d.ld.storeID)
	if err != nil {
		return fmt.Errorf("finding a received purchase order: %w", err)
	}
	var number, supplier, sku string
	var cost int64
	found := rows.Next()
	if found {
		err = rows.Scan(&number, &supplier, &sku, &cost)
	}
	if err == nil {
		err = rows.Err()
	}
	rows.Close()
	if err != nil {
		return fmt.Errorf("finding a received purchase order: %w", err)
	}
	if !found {
		return fmt.Errorf("no received purchase order to return goods from")
	}
	res, err := docstore.New(d.db).CreateSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, docstore.NewSupplierReturn{
		Supplier: supplier, PurchaseOrder: number, Note: "Faulty units from " + number,
		Lines: []docstore.ReturnLineInput{{SKU: sku, Quantity: 1, Reason: "Zip broken on arrival"}},
	})
	if err != nil {
		return fmt.Errorf("creating a supplier return for %s: %w", number, err)
	}
	return d.returnSteps(d.history("supplier_returns", res.SupplierReturn.Number, -11), []step{{"ship", -10}, {"close", -3}}, cost)
}

func (d *documents) returnSteps(h *history, steps []step, credit int64) error {
	db, sid, number := d.db, d.ld.storeID, h.number
	for _, s := range steps {
		var column string
		var fn func() error
		switch s.action {
		case "ship":
			column = "shipped_at"
			fn = func() error {
				_, err := docstore.New(db).ShipSupplierReturn(d.ctx, d.tx, sid, d.actor, number)
				return err
			}
		case "close":
			column = "closed_at"
			fn = func() error {
				_, err := docstore.New(db).CloseSupplierReturn(d.ctx, d.tx, sid, d.actor, number, credit)
				return err
			}
		case "cancel":
			fn = func() error {
				_, err := docstore.New(db).CancelSupplierReturn(d.ctx, d.tx, sid, d.actor, number)
				return err
			}
		}
		if err := h.run(s, column, fn); err != nil {
			return err
		}
	}
	return h.finish()
}
