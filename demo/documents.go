package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// documents creates the demo's purchase orders, transfers, stock takes and
// supplier returns through the domain operations, in the same transaction
// as the bulk load, so their ledger rows are the ones real use writes.
// Each document takes variants no other document uses, so that one
// document's effect cannot make another's step fail, and leaves alone the
// items whose reorder rule was set to show them below their reorder point.
type documents struct {
	ctx   context.Context
	db    *storage.DB
	tx    backend.Tx
	ld    *loaded
	c     *catalog
	r     *rand.Rand
	used  []bool
	actor storage.Actor
}

func createDocuments(ctx context.Context, db *storage.DB, tx backend.Tx, ld *loaded, c *catalog, rules []ruleSpec, seed int64) error {
	d := &documents{ctx: ctx, db: db, tx: tx, ld: ld, c: c, r: newRand(seed, streamDocuments, 0), used: make([]bool, len(c.variants))}
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

// free is what a variant's starting level at a location has available.
func (d *documents) free(i, location int) int64 {
	for _, lv := range d.ld.levels[i] {
		if lv.location == location {
			return lv.onHand - lv.committed - lv.damaged - lv.qc
		}
	}
	return 0
}

func (d *documents) stocked(i, location int) bool { return d.c.variants[i].stocked[location] }

// pick takes up to n unused variants that match ok, scanning from a
// random place in the catalog: items that sell first, then the long tail,
// then (with dead) dead stock. Documents that take stock away (transfers,
// stock takes, returns) mark their variants used, so that no other such
// document finds less than it expects; purchase orders only add stock
// and share.
func (d *documents) pick(n int, withDead, exclusive bool, ok func(i int) bool) []int {
	passes := []func(popularity) bool{
		popularity.sells,
		func(p popularity) bool { return p == longTail },
		func(p popularity) bool { return withDead && p == dead },
	}
	var out []int
	total := len(d.c.variants)
	start := d.r.IntN(total)
	for _, class := range passes {
		for k := 0; k < total && len(out) < n; k++ {
			i := (start + k) % total
			if d.used[i] || !class(d.c.products[d.c.variants[i].product].class) || !ok(i) {
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

func (d *documents) sku(i int) string { return d.c.variants[i].sku }

// poPlan is one purchase order and how far along its life it goes.
type poPlan struct {
	supplier, location int
	lines              int
	expected           int // days from today; negative is overdue
	note               string
	steps              []string // send, receive_part, receive_all, close, cancel
}

func (d *documents) purchaseOrders() error {
	plans := []poPlan{
		{0, 0, 6, 21, "Spring restock, waiting for the buyer's sign-off", nil},
		{7, 0, 4, 30, "Summer packs pre-order", nil},
		{1, 0, 8, 12, "Winter jackets top-up", []string{"send"}},
		{10, 0, 5, 6, "", []string{"send"}},
		{12, 1, 6, 3, "Fast-moving basics for the Denver store", []string{"send"}},
		{5, 0, 5, -9, "Boots for the holiday season; supplier confirmed shipment", []string{"send"}},
		{3, 0, 4, -4, "Shipped late from the UK", []string{"send"}},
		{2, 0, 7, -6, "First cartons arrived; rest on back order", []string{"send", "receive_part"}},
		{8, 2, 5, 4, "", []string{"send", "receive_part"}},
		{6, 0, 6, -20, "", []string{"send", "receive_all"}},
		{11, 3, 3, -12, "Headlamps for the Salt Lake City store", []string{"send", "receive_all"}},
		{4, 0, 5, -35, "", []string{"send", "receive_all", "close"}},
		{13, 0, 4, -25, "Supplier short-shipped and cancelled the rest", []string{"send", "receive_part", "close"}},
		{9, 0, 4, 15, "", []string{"send", "cancel"}},
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
	v := &d.c.variants[i]
	if v.supplier.supplier == s {
		return v.supplier, true
	}
	if v.second != nil && v.second.supplier == s {
		return *v.second, true
	}
	return supplierTermsSpec{}, false
}

func (d *documents) purchaseOrder(p poPlan) error {
	// A small catalog may have nothing (left) from the planned supplier:
	// the order then goes to the next one that has.
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
	lines := make([]storage.POLineInput, len(idx))
	for k, i := range idx {
		t, _ := d.supplies(p.supplier, i)
		v := &d.c.variants[i]
		q := int64(math.Ceil(v.rate * v.shares[p.location] * 30))
		q = max(q, int64(t.minOrder))
		pack := int64(t.packSize)
		lines[k] = storage.POLineInput{SKU: v.sku, Quantity: (q + pack - 1) / pack * pack}
	}
	res, err := d.db.CreatePurchaseOrder(d.ctx, d.tx, d.ld.storeID, d.actor, storage.NewPurchaseOrder{
		Supplier: supplierSpecs[p.supplier].name, Location: locationSpecs[p.location].code,
		Lines: lines, ExpectedDate: d.date(p.expected), Note: p.note,
	})
	if err != nil {
		return fmt.Errorf("creating a purchase order: %w", err)
	}
	number := res.PurchaseOrder.Number
	for _, step := range p.steps {
		switch step {
		case "send":
			_, err = d.db.SendPurchaseOrder(d.ctx, d.tx, d.ld.storeID, d.actor, number)
		case "receive_part", "receive_all":
			var receipt []storage.ReceiptLine
			for k, l := range lines {
				accepted, rejected := l.Quantity, int64(0)
				if k == 0 && accepted > 1 {
					accepted, rejected = accepted-1, 1 // one arrived damaged
				}
				if step == "receive_part" {
					if k%2 == 1 {
						continue // still on its way
					}
					accepted = max(1, accepted/2)
				}
				receipt = append(receipt, storage.ReceiptLine{SKU: l.SKU, Accepted: accepted, Rejected: rejected})
			}
			_, err = d.db.ReceivePurchaseOrder(d.ctx, d.tx, d.ld.storeID, d.actor, number, receipt)
		case "close":
			_, err = d.db.ClosePurchaseOrder(d.ctx, d.tx, d.ld.storeID, d.actor, number)
		case "cancel":
			_, err = d.db.CancelPurchaseOrder(d.ctx, d.tx, d.ld.storeID, d.actor, number, "The supplier discontinued these colours")
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", step, number, err)
		}
	}
	return nil
}

func (d *documents) transfers() error {
	plans := []struct {
		to, lines, expected int
		steps               []string
	}{
		{1, 5, 3, nil},
		{2, 6, 2, []string{"ship"}},
		{3, 4, -1, []string{"ship", "receive_part"}},
		{1, 6, -5, []string{"ship", "receive_all"}},
		{2, 3, 4, []string{"ship", "cancel"}},
		{3, 3, 6, []string{"cancel"}},
	}
	for _, p := range plans {
		idx := d.pick(p.lines, false, true, func(i int) bool { return d.stocked(i, p.to) && d.free(i, 0) >= 2 })
		if len(idx) == 0 {
			return fmt.Errorf("no variants left for a transfer to %s", locationSpecs[p.to].name)
		}
		lines := make([]storage.LineInput, len(idx))
		for k, i := range idx {
			lines[k] = storage.LineInput{SKU: d.sku(i), Quantity: min(d.free(i, 0)/2, 2+d.r.Int64N(10))}
		}
		res, err := d.db.CreateTransfer(d.ctx, d.tx, d.ld.storeID, d.actor, storage.NewTransfer{
			From: locationSpecs[0].code, To: locationSpecs[p.to].code, Lines: lines, ExpectedDate: d.date(p.expected),
			Note: "Replenishment for " + locationSpecs[p.to].name,
		})
		if err != nil {
			return fmt.Errorf("creating a transfer: %w", err)
		}
		number := res.Transfer.Number
		for _, step := range p.steps {
			switch step {
			case "ship":
				_, err = d.db.ShipTransfer(d.ctx, d.tx, d.ld.storeID, d.actor, number)
			case "receive_part", "receive_all":
				var receipt []storage.LineInput
				for k, l := range lines {
					q := l.Quantity
					if step == "receive_part" {
						if k%2 == 1 {
							continue
						}
						q = max(1, q/2)
					}
					receipt = append(receipt, storage.LineInput{SKU: l.SKU, Quantity: q})
				}
				_, err = d.db.ReceiveTransfer(d.ctx, d.tx, d.ld.storeID, d.actor, number, receipt)
			case "cancel":
				_, err = d.db.CancelTransfer(d.ctx, d.tx, d.ld.storeID, d.actor, number)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", step, number, err)
			}
		}
	}
	return nil
}

func (d *documents) stockTakes() error {
	plans := []struct {
		location, lines int
		count           string // all, some, none
		end             string // complete, cancel, "" (still in progress)
	}{
		{1, 14, "all", "complete"},
		{0, 10, "all", "complete"},
		{2, 16, "some", ""},
		{3, 8, "none", "cancel"},
	}
	for _, p := range plans {
		idx := d.pick(p.lines, true, true, func(i int) bool { return d.stocked(i, p.location) })
		if len(idx) == 0 {
			return fmt.Errorf("no variants left for a stock take at %s", locationSpecs[p.location].name)
		}
		refs := make([]storage.VariantRef, len(idx))
		for k, i := range idx {
			refs[k] = storage.VariantRef{SKU: d.sku(i)}
		}
		res, err := d.db.StartStockTake(d.ctx, d.tx, d.ld.storeID, d.actor, storage.NewStockTake{Location: locationSpecs[p.location].code, SKUs: refs})
		if err != nil {
			return fmt.Errorf("starting a stock take: %w", err)
		}
		st := res.StockTake
		bySKU := make(map[string]int, len(idx))
		for _, i := range idx {
			bySKU[d.sku(i)] = i
		}
		var counts []storage.CountInput
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
			counts = append(counts, storage.CountInput{SKU: l.SKU, Counted: counted})
		}
		if len(counts) > 0 {
			if _, err := d.db.RecordStockCounts(d.ctx, d.tx, d.ld.storeID, d.actor, st.Number, counts); err != nil {
				return fmt.Errorf("recording counts on %s: %w", st.Number, err)
			}
		}
		switch p.end {
		case "complete":
			_, err = d.db.CompleteStockTake(d.ctx, d.tx, d.ld.storeID, d.actor, st.Number)
		case "cancel":
			_, err = d.db.CancelStockTake(d.ctx, d.tx, d.ld.storeID, d.actor, st.Number)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", p.end, st.Number, err)
		}
	}
	return nil
}

func (d *documents) supplierReturns() error {
	// A return of part of a received purchase order, credited by the
	// supplier: the order's goods are already marked used.
	if err := d.returnFromOrder(); err != nil {
		return err
	}
	plans := []struct {
		supplier int
		reason   string
		steps    []string
	}{
		{0, "Seams failing on the shoulder", []string{"ship", "close"}},
		{5, "Sole delamination reported by customers", []string{"ship"}},
		{2, "Wrong colour delivered", nil},
		{9, "Overstock; supplier agreed to take it back", []string{"cancel"}},
	}
	for _, p := range plans {
		var idx []int
		for k := 0; k < len(supplierSpecs) && len(idx) == 0; k++ {
			s := (p.supplier + k) % len(supplierSpecs)
			idx = d.pick(2, true, true, func(i int) bool { return d.c.variants[i].supplier.supplier == s && d.free(i, 0) >= 4 })
			p.supplier = s
		}
		if len(idx) == 0 {
			return fmt.Errorf("no variants left for a supplier return")
		}
		lines := make([]storage.ReturnLineInput, len(idx))
		var value int64
		for k, i := range idx {
			q := min(d.free(i, 0)/4, 1+d.r.Int64N(3))
			lines[k] = storage.ReturnLineInput{SKU: d.sku(i), Quantity: q, Reason: p.reason}
			value += q * d.c.variants[i].supplier.unitCost
		}
		res, err := d.db.CreateSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, storage.NewSupplierReturn{
			Supplier: supplierSpecs[p.supplier].name, Location: locationSpecs[0].code, Lines: lines,
		})
		if err != nil {
			return fmt.Errorf("creating a supplier return: %w", err)
		}
		if err := d.returnSteps(res.SupplierReturn.Number, p.steps, value); err != nil {
			return err
		}
	}
	return nil
}

// returnFromOrder sends back one unit of a line of the first fully
// received purchase order.
func (d *documents) returnFromOrder() error {
	rows, err := d.tx.Query(d.ctx, `SELECT po.number, s.name, v.sku, l.unit_cost_cents FROM purchase_orders po
		JOIN suppliers s ON s.store_id = po.store_id AND s.id = po.supplier_id
		JOIN purchase_order_lines l ON l.store_id = po.store_id AND l.purchase_order_id = po.id
		JOIN variants v ON v.store_id = l.store_id AND v.id = l.variant_id
		WHERE po.store_id = $1 AND po.status = 'received' AND l.quantity_received >= 2
		ORDER BY po.number, l.position LIMIT 1`, d.ld.storeID)
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
		return nil
	}
	res, err := d.db.CreateSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, storage.NewSupplierReturn{
		Supplier: supplier, PurchaseOrder: number, Note: "Faulty units from " + number,
		Lines: []storage.ReturnLineInput{{SKU: sku, Quantity: 1, Reason: "Zip broken on arrival"}},
	})
	if err != nil {
		return fmt.Errorf("creating a supplier return for %s: %w", number, err)
	}
	return d.returnSteps(res.SupplierReturn.Number, []string{"ship", "close"}, cost)
}

func (d *documents) returnSteps(number string, steps []string, credit int64) error {
	var err error
	for _, step := range steps {
		switch step {
		case "ship":
			_, err = d.db.ShipSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, number)
		case "close":
			_, err = d.db.CloseSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, number, credit)
		case "cancel":
			_, err = d.db.CancelSupplierReturn(d.ctx, d.tx, d.ld.storeID, d.actor, number)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", step, number, err)
		}
	}
	return nil
}
