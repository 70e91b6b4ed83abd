package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// catalog is what the load orders: one supplier's SKUs into one location.
type catalog struct {
	supplier, location string
	skus               []string
}

// discover reads the demo store through the tools to find a supplier with
// at least two SKUs and a location to order them into.
func discover(t *testing.T, c *client) catalog {
	t.Helper()
	ctx := context.Background()
	var locs struct {
		Locations []struct{ Name string } `json:"locations"`
	}
	var sups struct {
		Items []struct{ Name string } `json:"items"`
	}
	mustRead(t, c, "list_locations", map[string]any{}, &locs)
	mustRead(t, c, "list_suppliers", map[string]any{"limit": 100}, &sups)
	if len(locs.Locations) == 0 {
		t.Fatal("the demo store has no location")
	}
	for _, s := range sups.Items {
		var prods struct {
			Items []struct{ SKU string } `json:"items"`
		}
		r, err := c.call(ctx, "search_products", map[string]any{"supplier": s.Name, "limit": 8})
		if err != nil || r.IsError {
			t.Fatalf("search_products: %v %s", err, r.Text)
		}
		if err := json.Unmarshal(r.Structured, &prods); err != nil {
			t.Fatalf("search_products: %v", err)
		}
		if len(prods.Items) >= 4 {
			cat := catalog{supplier: s.Name, location: locs.Locations[0].Name}
			for _, p := range prods.Items {
				cat.skus = append(cat.skus, p.SKU)
			}
			return cat
		}
	}
	t.Fatal("no supplier of the demo store supplies four SKUs")
	return catalog{}
}

func mustRead(t *testing.T, c *client, tool string, args map[string]any, into any) {
	t.Helper()
	r, err := c.call(context.Background(), tool, args)
	if err != nil || r.IsError {
		t.Fatalf("%s: %v %s", tool, err, r.Text)
	}
	if err := json.Unmarshal(r.Structured, into); err != nil {
		t.Fatalf("%s: decoding %s: %v", tool, r.Structured, err)
	}
}

// chain is one purchase order's life as the load drives it: created with
// two lines, sent, then received in full. Each step is a write with its own
// idempotency_key derived from the order's unique note, so what is in the
// database can be traced back to the call that wrote it.
type chain struct {
	note   string
	skus   [2]string
	qty    [2]int
	number string // from the acknowledged create
	// acked holds the steps the server acknowledged, and status the
	// status the last acknowledged step reported.
	acked  map[string]bool
	status string
	// attempts counts every call made for the chain's writes; more calls
	// than steps means retries with the same key.
	attempts int
}

var steps = []string{"create", "send", "receive"}

func (ch *chain) key(step string) string { return ch.note + "/" + step }

// load runs workers that drive chains (and, with reads set, read tools
// between the writes) until stop is closed or each has run max chains.
type load struct {
	c         *client
	cat       catalog
	tag       string
	reads     bool
	giveUp    time.Duration
	max       int
	stop      chan struct{}
	ctx       context.Context
	mu        sync.Mutex
	chains    []*chain
	refusals  []string
	readErrs  []failedRead
	acked     atomic.Int64
	inFlight  atomic.Int64
	readsOK   atomic.Int64
	readsFail atomic.Int64
	wg        sync.WaitGroup
}

// start runs workers that write (and read, with l.reads) and readers that
// only read.
func (l *load) start(workers, readers int) {
	for w := range workers {
		l.wg.Go(func() { l.worker(w) })
	}
	for r := range readers {
		l.wg.Go(func() {
			for i := 0; i < 20*l.max && !l.stopped(); i++ {
				l.read(r, i)
			}
		})
	}
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return l.ctx.Err() != nil
	}
}

func (l *load) worker(w int) {
	for i := 0; i < l.max && !l.stopped(); i++ {
		if l.reads {
			l.read(w, i)
		}
		a, b := (w+i)%len(l.cat.skus), (w+i+1)%len(l.cat.skus)
		ch := &chain{
			note:  fmt.Sprintf("fault-%s-%d-%d", l.tag, w, i),
			skus:  [2]string{l.cat.skus[a], l.cat.skus[b]},
			qty:   [2]int{1 + i%3, 1 + w%2},
			acked: map[string]bool{},
		}
		l.mu.Lock()
		l.chains = append(l.chains, ch)
		l.mu.Unlock()
		l.drive(ch)
		if l.reads {
			l.read(w, i+1)
		}
	}
}

func (l *load) read(w, i int) {
	var err error
	var r result
	start := time.Now()
	if (w+i)%2 == 0 {
		r, err = l.c.call(l.ctx, "get_store_overview", map[string]any{})
	} else {
		r, err = l.c.call(l.ctx, "get_inventory_levels", map[string]any{"skus": l.cat.skus})
	}
	if err == nil && !r.IsError {
		l.readsOK.Add(1)
		return
	}
	if l.ctx.Err() != nil {
		return
	}
	l.readsFail.Add(1)
	if err == nil {
		err = errors.New(r.Text)
	}
	l.mu.Lock()
	l.readErrs = append(l.readErrs, failedRead{start, err})
	l.mu.Unlock()
}

type failedRead struct {
	start time.Time
	err   error
}

// drive runs the chain's steps in order and stops at the first step that
// is not acknowledged.
func (l *load) drive(ch *chain) {
	for _, step := range steps {
		if l.stopped() {
			return
		}
		var tool string
		var args map[string]any
		switch step {
		case "create":
			tool = "create_purchase_order"
			args = map[string]any{"supplier": l.cat.supplier, "location": l.cat.location, "note": ch.note, "lines": []map[string]any{
				{"sku": ch.skus[0], "quantity": ch.qty[0]}, {"sku": ch.skus[1], "quantity": ch.qty[1]}}}
		case "send":
			tool, args = "send_purchase_order", map[string]any{"number": ch.number}
		case "receive":
			tool = "receive_purchase_order"
			args = map[string]any{"number": ch.number, "lines": []map[string]any{
				{"sku": ch.skus[0], "accepted": ch.qty[0]}, {"sku": ch.skus[1], "accepted": ch.qty[1]}}}
		}
		l.inFlight.Add(1)
		r, n, err := l.c.write(l.ctx, tool, ch.key(step), args, l.giveUp)
		l.inFlight.Add(-1)
		l.mu.Lock()
		ch.attempts += n
		l.mu.Unlock()
		var refused errRefused
		if errors.As(err, &refused) {
			l.mu.Lock()
			l.refusals = append(l.refusals, fmt.Sprintf("%s: %s", ch.key(step), refused.text))
			l.mu.Unlock()
			return
		}
		if err != nil {
			return
		}
		var out struct {
			PurchaseOrder struct{ Number, Status string } `json:"purchase_order"`
		}
		if json.Unmarshal(r.Structured, &out) != nil || out.PurchaseOrder.Number == "" {
			l.mu.Lock()
			l.refusals = append(l.refusals, fmt.Sprintf("%s: unexpected result %s", ch.key(step), r.Structured))
			l.mu.Unlock()
			return
		}
		l.mu.Lock()
		ch.number, ch.status, ch.acked[step] = out.PurchaseOrder.Number, out.PurchaseOrder.Status, true
		l.mu.Unlock()
		l.acked.Add(1)
	}
}

// waitAcked waits until n writes were acknowledged.
func (l *load) waitAcked(t *testing.T, n int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for l.acked.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes were acknowledged within %s (refusals: %v)", l.acked.Load(), within, l.refusals)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// summary reports what the load did.
func (l *load) summary() (chains, acked, retried int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.chains {
		n := 0
		for range ch.acked {
			n++
		}
		acked += n
		if ch.attempts > n {
			retried++
		}
	}
	return len(l.chains), acked, retried
}

// storedOrder is one of the load's purchase orders as the database holds it.
type storedOrder struct {
	number, status string
	lines          int
	ordered        int64
	// moved sums the order's stock movements by quantity name.
	moved map[string]int64
}

// verify checks the database against what the load was told: every
// acknowledged write is present exactly once, nothing the load attempted
// exists twice, and each order is whole, its status, lines, stock
// movements, idempotency records and audit entries agreeing with each
// other. Finally the store's ledger must balance.
func verify(t *testing.T, db *storage.DB, storeID int64, l *load) {
	t.Helper()
	ctx := context.Background()
	b := db.Backend()
	prefix := "fault-" + l.tag + "-"

	orders := map[string]*storedOrder{} // by note
	rows, err := b.Query(ctx, `SELECT po.note, po.number, po.status,
			(SELECT count(*) FROM purchase_order_lines pl WHERE pl.store_id = po.store_id AND pl.purchase_order_id = po.id),
			(SELECT coalesce(sum(pl.quantity_ordered), 0) FROM purchase_order_lines pl WHERE pl.store_id = po.store_id AND pl.purchase_order_id = po.id)
		FROM purchase_orders po WHERE po.store_id = $1 AND po.note LIKE $2`, storeID, prefix+"%")
	if err != nil {
		t.Fatalf("reading purchase orders: %v", err)
	}
	for rows.Next() {
		var note string
		o := &storedOrder{moved: map[string]int64{}}
		if err := rows.Scan(&note, &o.number, &o.status, &o.lines, &o.ordered); err != nil {
			t.Fatal(err)
		}
		if _, dup := orders[note]; dup {
			t.Errorf("purchase order %q was created more than once (%s and %s)", note, orders[note].number, o.number)
		}
		orders[note] = o
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	byNumber := map[string]*storedOrder{}
	for _, o := range orders {
		byNumber[o.number] = o
	}
	rows, err = b.Query(ctx, `SELECT document_number, quantity_name, sum(delta) FROM inventory_adjustments
		WHERE store_id = $1 GROUP BY document_number, quantity_name`, storeID)
	if err != nil {
		t.Fatalf("reading stock movements: %v", err)
	}
	for rows.Next() {
		var number, q string
		var sum int64
		if err := rows.Scan(&number, &q, &sum); err != nil {
			t.Fatal(err)
		}
		if o := byNumber[number]; o != nil {
			o.moved[q] = sum
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	// Committed writes, traced by their idempotency keys: the audit entry
	// of the first application, and the idempotency record.
	audited := countByKey(t, b, `SELECT detail, count(*) FROM audit_log
		WHERE store_id = $1 AND outcome = 'ok' AND detail LIKE $2 GROUP BY detail`, storeID, "idempotency_key "+prefix+"%", "idempotency_key ")
	remembered := countByKey(t, b, `SELECT idempotency_key, count(*) FROM idempotency_keys
		WHERE store_id = $1 AND idempotency_key LIKE $2 GROUP BY idempotency_key`, storeID, prefix+"%", "")

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.chains {
		o := orders[ch.note]
		if ch.acked["create"] && o == nil {
			t.Errorf("%s was acknowledged as %s but is not in the database", ch.key("create"), ch.number)
			continue
		}
		if ch.acked["create"] && o.number != ch.number {
			t.Errorf("%s was acknowledged as %s but is stored as %s", ch.key("create"), ch.number, o.number)
		}
		// What the database says each step did, from the order alone.
		applied := map[string]bool{}
		if o != nil {
			applied["create"] = true
			applied["send"] = o.status != string(inventory.PODraft)
			applied["receive"] = o.status == string(inventory.POReceived)
			if o.lines != 2 {
				t.Errorf("%s (%s) has %d lines, want 2: a half-applied create", ch.note, o.number, o.lines)
			}
			if want := int64(ch.qty[0] + ch.qty[1]); o.ordered != want {
				t.Errorf("%s (%s) orders %d units, want %d", ch.note, o.number, o.ordered, want)
			}
			var wantIncoming, wantOnHand int64
			switch {
			case applied["receive"]:
				wantOnHand = o.ordered
			case applied["send"]:
				wantIncoming = o.ordered
			}
			if o.moved[string(inventory.Incoming)] != wantIncoming || o.moved[string(inventory.OnHand)] != wantOnHand {
				t.Errorf("%s (%s, %s) moved incoming %+d and on_hand %+d, want %+d and %+d: a step applied twice or by half",
					ch.note, o.number, o.status, o.moved[string(inventory.Incoming)], o.moved[string(inventory.OnHand)], wantIncoming, wantOnHand)
			}
		}
		for _, step := range steps {
			k := ch.key(step)
			if ch.acked[step] && !applied[step] {
				t.Errorf("%s was acknowledged but the order says it was not applied (status %q)", k, statusOf(o))
			}
			want := 0
			if applied[step] {
				want = 1
			}
			if audited[k] != want {
				t.Errorf("%s: %d audit entries of its first application, want %d (order status %q)", k, audited[k], want, statusOf(o))
			}
			if remembered[k] != want {
				t.Errorf("%s: %d idempotency records, want %d (order status %q)", k, remembered[k], want, statusOf(o))
			}
		}
		if ch.acked["receive"] && ch.status != statusOf(o) {
			t.Errorf("%s was acknowledged with status %q, stored %q", ch.key("receive"), ch.status, statusOf(o))
		}
	}
	for note := range orders {
		if !strings.HasPrefix(note, prefix) {
			continue
		}
		found := false
		for _, ch := range l.chains {
			found = found || ch.note == note
		}
		if !found {
			t.Errorf("purchase order %q exists but the load never created it", note)
		}
	}

	// Every purchase order of the store, the demo's included, has lines.
	var empty int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM purchase_orders po WHERE po.store_id = $1 AND NOT EXISTS
		(SELECT 1 FROM purchase_order_lines pl WHERE pl.store_id = po.store_id AND pl.purchase_order_id = po.id)`, storeID).Scan(&empty); err != nil {
		t.Fatal(err)
	}
	if empty != 0 {
		t.Errorf("%d purchase orders have no lines", empty)
	}
	mismatches, err := db.CheckLedger(ctx, storeID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mismatches) != 0 {
		t.Errorf("the ledger does not balance: %+v", mismatches)
	}
}

func statusOf(o *storedOrder) string {
	if o == nil {
		return "absent"
	}
	return o.status
}

// countByKey runs a "SELECT label, count(*)" query and returns the counts
// by label, with trim cut from the start of each label.
func countByKey(t *testing.T, b backend.Backend, sql string, storeID int64, like, trim string) map[string]int {
	t.Helper()
	rows, err := b.Query(context.Background(), sql, storeID, like)
	if err != nil {
		t.Fatalf("counting committed writes: %v", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var label string
		var n int
		if err := rows.Scan(&label, &n); err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(label, trim)] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
