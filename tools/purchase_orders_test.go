package tools_test

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// poResult is what the purchase order write tools return.
type poResult struct {
	PO struct {
		Number  string   `json:"number"`
		Status  string   `json:"status"`
		Allowed []string `json:"allowed_actions"`
		Note    string   `json:"note"`
		Date    string   `json:"expected_date"`
		Lines   []struct {
			SKU      string  `json:"sku"`
			Ordered  int64   `json:"ordered"`
			Received int64   `json:"received"`
			Rejected int64   `json:"rejected"`
			Open     int64   `json:"open"`
			UnitCost float64 `json:"unit_cost"`
		} `json:"lines"`
	} `json:"purchase_order"`
	Changes  []wEffect `json:"inventory_changes"`
	DryRun   bool      `json:"dry_run"`
	Replayed bool      `json:"replayed"`
}

func (r poResult) lines() string {
	var out []string
	for _, l := range r.PO.Lines {
		out = append(out, fmt.Sprintf("%s %d/%d/%d open %d @%.2f", l.SKU, l.Ordered, l.Received, l.Rejected, l.Open, l.UnitCost))
	}
	return strings.Join(out, "; ")
}

func (e *wEnv) createPO(t *testing.T, args string) poResult {
	t.Helper()
	var r poResult
	e.ok(t, "create_purchase_order", args, &r)
	return r
}

func TestPurchaseOrderLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		wh := storagetest.Warehouse
		trs40, trs42 := e.Level(t, "TRS-40", wh), e.Level(t, "TRS-42", wh)

		po := e.createPO(t, `{"supplier":"Summit Gear","location":"WH","expected_date":"2026-03-01","note":"spring",
			"lines":[{"sku":"TRS-40","quantity":10,"unit_cost":50},{"sku":"POLE-AL","quantity":5}]}`)
		if po.PO.Number != "PO-1001" || po.PO.Status != "draft" || strings.Join(po.PO.Allowed, ",") != "update,send,cancel,delete" ||
			len(po.Changes) != 0 || po.PO.Date != "2026-03-01" || po.PO.Note != "spring" {
			t.Fatalf("created: %+v", po)
		}
		// POLE-AL without unit_cost takes Summit Gear's cost: $25 less 10%.
		if got := po.lines(); got != "TRS-40 10/0/0 open 10 @50.00; POLE-AL 5/0/0 open 5 @22.50" {
			t.Fatalf("created lines: %s", got)
		}
		if e.Level(t, "TRS-40", wh) != trs40 {
			t.Fatal("a draft changed inventory")
		}

		var up poResult
		e.ok(t, "update_purchase_order", `{"number":"po-1001","note":"spring drop",
			"set_lines":[{"sku":"POLE-AL","quantity":0},{"sku":"TRS-42","quantity":4}]}`, &up)
		if got := up.lines(); got != "TRS-40 10/0/0 open 10 @50.00; TRS-42 4/0/0 open 4 @49.50" || up.PO.Note != "spring drop" || up.PO.Date != "2026-03-01" {
			t.Fatalf("updated: %s %+v", got, up.PO)
		}

		var sent poResult
		e.ok(t, "send_purchase_order", `{"number":"PO-1001"}`, &sent)
		want := fmt.Sprintf("TRS-40@Warehouse incoming +10=%d; TRS-42@Warehouse incoming +4=%d", trs40.Incoming+10, trs42.Incoming+4)
		if sent.PO.Status != "sent" || wEffects(sent.Changes) != want || strings.Join(sent.PO.Allowed, ",") != "confirm,receive,close,cancel,pay" {
			t.Fatalf("sent: %s %+v", wEffects(sent.Changes), sent.PO)
		}
		if l := e.Level(t, "TRS-40", wh); l.Incoming != trs40.Incoming+10 || l.OnHand != trs40.OnHand {
			t.Fatalf("after send: %+v", l)
		}

		var rec poResult
		e.ok(t, "receive_purchase_order", `{"number":"PO-1001","lines":[{"sku":"TRS-40","accepted":6,"rejected":1}]}`, &rec)
		if rec.PO.Status != "partially_received" || wEffects(rec.Changes) != fmt.Sprintf("TRS-40@Warehouse incoming -7=%d; TRS-40@Warehouse on_hand +6=%d", trs40.Incoming+3, trs40.OnHand+6) {
			t.Fatalf("partial receipt: %s %+v", wEffects(rec.Changes), rec.PO)
		}
		if l := e.Level(t, "TRS-40", wh); l.OnHand != trs40.OnHand+6 || l.Incoming != trs40.Incoming+3 || l.Available != trs40.Available+6 {
			t.Fatalf("after partial receipt: %+v", l)
		}
		// A partly received order can no longer be cancelled.
		e.refused(t, "cancel_purchase_order", `{"number":"PO-1001"}`, "partially_received", "confirm, receive, unreceive, close, pay")

		e.ok(t, "receive_purchase_order", `{"number":"PO-1001","lines":[{"sku":"TRS-40","accepted":3},{"variant_id":`+
			fmt.Sprint(e.Variants["TRS-42"].ID)+`,"accepted":4}]}`, &rec)
		if rec.PO.Status != "received" || rec.lines() != "TRS-40 10/9/1 open 0 @50.00; TRS-42 4/4/0 open 0 @49.50" {
			t.Fatalf("full receipt: %s %+v", rec.lines(), rec.PO)
		}
		var closed poResult
		e.ok(t, "close_purchase_order", `{"number":"PO-1001"}`, &closed)
		if closed.PO.Status != "closed" || len(closed.Changes) != 0 || strings.Join(closed.PO.Allowed, ",") != "reopen,pay" {
			t.Fatalf("closed: %+v", closed)
		}
		if l := e.Level(t, "TRS-40", wh); l.OnHand != trs40.OnHand+9 || l.Incoming != trs40.Incoming {
			t.Fatalf("TRS-40 at the end: %+v (started %+v)", l, trs40)
		}
		if l := e.Level(t, "TRS-42", wh); l.OnHand != trs42.OnHand+4 || l.Incoming != trs42.Incoming {
			t.Fatalf("TRS-42 at the end: %+v (started %+v)", l, trs42)
		}
		e.refused(t, "receive_purchase_order", `{"number":"PO-1001","lines":[{"sku":"TRS-40","accepted":1}]}`, "closed", "reopen, pay")

		// Closing a partly received order takes what is still open out of incoming.
		shells := e.Level(t, "SHELL-M", storagetest.DowntownShop)
		po2 := e.createPO(t, `{"supplier":"Coastal Textiles","location":"Downtown Shop","lines":[{"sku":"SHELL-M","quantity":8}]}`)
		e.ok(t, "send_purchase_order", `{"number":"`+po2.PO.Number+`"}`, nil)
		e.ok(t, "receive_purchase_order", `{"number":"`+po2.PO.Number+`","lines":[{"sku":"SHELL-M","accepted":2}]}`, nil)
		e.ok(t, "close_purchase_order", `{"number":"`+po2.PO.Number+`"}`, &closed)
		if wEffects(closed.Changes) != fmt.Sprintf("SHELL-M@Downtown Shop incoming -6=%d", shells.Incoming) {
			t.Fatalf("close with open lines: %s", wEffects(closed.Changes))
		}
		if l := e.Level(t, "SHELL-M", storagetest.DowntownShop); l.OnHand != shells.OnHand+2 || l.Incoming != shells.Incoming {
			t.Fatalf("SHELL-M after close: %+v", l)
		}

		// Cancelling a sent order takes its incoming back; a draft changes nothing.
		mugs := e.Level(t, "MUG-STEEL", wh)
		po3 := e.createPO(t, `{"supplier":"Alpine Supply Co","location":"Warehouse","lines":[{"sku":"MUG-STEEL","quantity":24}]}`)
		e.ok(t, "send_purchase_order", `{"number":"`+po3.PO.Number+`"}`, nil)
		var cancelled poResult
		e.ok(t, "cancel_purchase_order", `{"number":"`+po3.PO.Number+`","reason":"supplier out of stock"}`, &cancelled)
		if cancelled.PO.Status != "cancelled" || wEffects(cancelled.Changes) != fmt.Sprintf("MUG-STEEL@Warehouse incoming -24=%d", mugs.Incoming) {
			t.Fatalf("cancel sent: %+v", cancelled)
		}
		po4 := e.createPO(t, `{"supplier":"Alpine Supply Co","location":"Warehouse","lines":[{"sku":"MUG-STEEL","quantity":24}]}`)
		e.ok(t, "cancel_purchase_order", `{"number":"`+po4.PO.Number+`"}`, &cancelled)
		if cancelled.PO.Status != "cancelled" || len(cancelled.Changes) != 0 {
			t.Fatalf("cancel draft: %+v", cancelled)
		}
		if l := e.Level(t, "MUG-STEEL", wh); l != mugs {
			t.Fatalf("MUG-STEEL after cancels: %+v, was %+v", l, mugs)
		}
		e.refused(t, "send_purchase_order", `{"number":"`+po4.PO.Number+`"}`, "cancelled", "cannot send")
	})
}

func TestPurchaseOrderBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		otherEnv := &wEnv{Fixture: other, tools: e.tools, ctx: tools.WithPrincipal(context.Background(), other.WritePrincipal())}
		for i := 0; i < 3; i++ { // PO-1001 to PO-1003 of the other store
			otherEnv.createPO(t, `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":1}]}`)
		}
		draft := e.createPO(t, `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":10}]}`).PO.Number
		sent := e.createPO(t, `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":10},{"sku":"TRS-42","quantity":2}]}`).PO.Number
		e.ok(t, "send_purchase_order", `{"number":"`+sent+`"}`, nil)

		line := func(sku string, q any) string { return fmt.Sprintf(`{"sku":%q,"quantity":%v}`, sku, q) }
		create := func(lines ...string) string {
			return `{"supplier":"Summit Gear","location":"Warehouse","lines":[` + strings.Join(lines, ",") + `]}`
		}
		var many []string
		for i := 0; i < 501; i++ {
			many = append(many, line("TRS-40", 1))
		}
		cases := []struct {
			name, tool, args string
			want             []string
		}{
			{"unknown SKU", "create_purchase_order", create(line("TRS-40", 1), line("NOPE-1", 2)), []string{`"NOPE-1"`}},
			{"unknown supplier", "create_purchase_order", `{"supplier":"Acme Corp","location":"WH","lines":[` + line("TRS-40", 1) + `]}`, []string{`"Acme Corp"`}},
			{"unknown location", "create_purchase_order", `{"supplier":"Summit Gear","location":"Moon Base","lines":[` + line("TRS-40", 1) + `]}`, []string{`"Moon Base"`}},
			{"unknown number", "send_purchase_order", `{"number":"PO-9999"}`, []string{`"PO-9999"`}},
			{"another store's number", "send_purchase_order", `{"number":"PO-1003"}`, []string{`"PO-1003"`}},
			{"SQL in a name", "create_purchase_order", `{"supplier":"x' OR '1'='1","location":"WH","lines":[` + line("TRS-40", 1) + `]}`, []string{`x' OR '1'='1`}},
			{"zero quantity", "create_purchase_order", create(line("TRS-40", 0)), []string{"TRS-40", "not positive"}},
			{"negative quantity", "create_purchase_order", create(line("TRS-40", -3)), []string{"-3", "not positive"}},
			{"fractional quantity", "create_purchase_order", create(line("TRS-40", 1.5)), []string{"lines.quantity", "whole number", "1.5"}},
			{"quantity as text", "create_purchase_order", create(line("TRS-40", `"5"`)), []string{"lines.quantity", "whole number"}},
			{"huge quantity", "create_purchase_order", create(line("TRS-40", "1e30")), []string{"whole number", "1e30"}},
			{"negative unit cost", "create_purchase_order", create(`{"sku":"TRS-40","quantity":1,"unit_cost":-2.5}`), []string{"unit_cost", "-2.50", "negative"}},
			{"unit cost with fractions of a cent", "create_purchase_order", create(`{"sku":"TRS-40","quantity":1,"unit_cost":1.234}`), []string{"unit_cost", "1.234", "two decimal"}},
			{"bad date", "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"03/01/2026","lines":[` + line("TRS-40", 1) + `]}`, []string{`"03/01/2026"`, "YYYY-MM-DD"}},
			{"impossible date", "update_purchase_order", `{"number":"` + draft + `","expected_date":"2026-02-30"}`, []string{`"2026-02-30"`, "YYYY-MM-DD"}},
			{"same SKU twice", "create_purchase_order", create(line("TRS-40", 1), line("TRS-40", 2)), []string{"TRS-40", "twice"}},
			{"same variant by SKU and id", "create_purchase_order", create(line("TRS-40", 1), fmt.Sprintf(`{"variant_id":%d,"quantity":2}`, e.Variants["TRS-40"].ID)), []string{"TRS-40", "twice"}},
			{"more than 500 lines", "create_purchase_order", create(many...), []string{"501", "500"}},
			{"no lines", "create_purchase_order", create(), []string{"no lines"}},
			{"misspelt argument", "create_purchase_order", create(`{"sku":"TRS-40","qty":3}`), []string{`"qty"`}},
			{"over-receipt", "receive_purchase_order", `{"number":"` + sent + `","lines":[{"sku":"TRS-40","accepted":8,"rejected":3}]}`, []string{"10", "TRS-40", "open"}},
			{"receiving a SKU not on the order", "receive_purchase_order", `{"number":"` + sent + `","lines":[{"sku":"LAMP-300","accepted":1}]}`, []string{"LAMP-300", "not on"}},
			{"receiving nothing", "receive_purchase_order", `{"number":"` + sent + `","lines":[{"sku":"TRS-40","accepted":0}]}`, []string{"TRS-40", "nothing"}},
			{"negative rejection", "receive_purchase_order", `{"number":"` + sent + `","lines":[{"sku":"TRS-40","accepted":2,"rejected":-1}]}`, []string{"rejected", "negative"}},
			{"receiving a draft", "receive_purchase_order", `{"number":"` + draft + `","lines":[{"sku":"TRS-40","accepted":1}]}`, []string{draft, "draft", "update, send, cancel"}},
			{"sending twice", "send_purchase_order", `{"number":"` + sent + `"}`, []string{sent, "sent", "confirm, receive, close, cancel, pay"}},
			{"updating a sent order", "update_purchase_order", `{"number":"` + sent + `","note":"x"}`, []string{"cannot update"}},
			{"closing a draft", "close_purchase_order", `{"number":"` + draft + `"}`, []string{"cannot close", "update, send, cancel"}},
			{"update with nothing", "update_purchase_order", `{"number":"` + draft + `"}`, []string{"nothing to update"}},
			{"removing every line", "update_purchase_order", `{"number":"` + draft + `","set_lines":[{"sku":"TRS-40","quantity":0}]}`, []string{"no lines"}},
			{"arguments not an object", "send_purchase_order", `["PO-1001"]`, []string{"object"}},
			{"empty number", "send_purchase_order", `{}`, []string{"number is empty"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.refused(t, c.tool, c.args, c.want...)
				e.refused(t, c.tool, addOptions(c.args, `"dry_run":true`), c.want...)
			})
		}
		// A read key is told it is read-only, whatever its arguments.
		readCtx := tools.WithPrincipal(context.Background(), e.ReadPrincipal())
		e.refusedAs(t, readCtx, "send_purchase_order", `{"number":"`+draft+`"}`, "read-only")
		e.refusedAs(t, readCtx, "create_purchase_order", create(line("TRS-40", 1.5)), "read-only")
	})
}

// addOptions adds write options to a JSON object of arguments.
func addOptions(args, opts string) string {
	if !strings.HasPrefix(args, "{") {
		return args
	}
	if strings.TrimSpace(args[1:]) == "}" {
		return "{" + opts + "}"
	}
	return "{" + opts + "," + args[1:]
}

func TestPurchaseOrderConcurrentReceipts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		before := e.Level(t, "LAMP-300", storagetest.Warehouse)
		po := e.createPO(t, `{"supplier":"Alpine Supply Co","location":"Warehouse","lines":[{"sku":"LAMP-300","quantity":10}]}`).PO.Number
		e.ok(t, "send_purchase_order", `{"number":"`+po+`"}`, nil)

		const calls = 20
		var wg sync.WaitGroup
		results := make(chan bool, calls)
		refusals := make(chan string, calls)
		for i := 0; i < calls; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				text, isErr, err := e.try(e.ctx, "receive_purchase_order", `{"number":"`+po+`","lines":[{"sku":"LAMP-300","accepted":1}]}`)
				if err != nil {
					t.Error(err)
					isErr = true
				}
				results <- !isErr
				if isErr {
					refusals <- text
				}
			}()
		}
		wg.Wait()
		close(results)
		close(refusals)
		succeeded := 0
		for ok := range results {
			if ok {
				succeeded++
			}
		}
		for text := range refusals {
			// Each refusal says why: nothing open, or the order is received.
			if !strings.Contains(text, "open") && !strings.Contains(text, "received") {
				t.Errorf("unexpected refusal: %s", text)
			}
		}
		if succeeded != 10 {
			t.Fatalf("%d of %d receipts succeeded; want exactly 10", succeeded, calls)
		}
		after := e.Level(t, "LAMP-300", storagetest.Warehouse)
		if after.OnHand != before.OnHand+10 || after.Incoming != before.Incoming {
			t.Fatalf("LAMP-300: %+v, was %+v", after, before)
		}
		var got poResult
		text, _ := e.call(t, "close_purchase_order", `{"number":"`+po+`","dry_run":true}`)
		mustJSON(t, text, &got)
		if got.PO.Status != "closed" || !got.DryRun || len(got.Changes) != 0 {
			t.Fatalf("after receipts: %s", text)
		}
		e.CheckLedger(t)
	})
}

func TestPurchaseOrderIdempotentRetry(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		po := e.createPO(t, `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":10}]}`).PO.Number
		e.ok(t, "send_purchase_order", `{"number":"`+po+`"}`, nil)
		before := e.Level(t, "TRS-44", storagetest.Warehouse)

		args := `{"number":"` + po + `","idempotency_key":"rcv-1","lines":[{"sku":"TRS-44","accepted":4}]}`
		var first, retry poResult
		e.ok(t, "receive_purchase_order", args, &first)
		// The retry reorders the arguments: still the same request.
		e.ok(t, "receive_purchase_order", `{"lines":[{"accepted":4,"sku":"TRS-44"}],"idempotency_key":"rcv-1","number":"`+po+`"}`, &retry)
		if first.Replayed || !retry.Replayed || wEffects(retry.Changes) != wEffects(first.Changes) || retry.PO.Status != "partially_received" {
			t.Fatalf("first %+v\nretry %+v", first, retry)
		}
		if l := e.Level(t, "TRS-44", storagetest.Warehouse); l.OnHand != before.OnHand+4 || l.Incoming != before.Incoming-4 {
			t.Fatalf("the retry applied again: %+v, was %+v", l, before)
		}
		e.refused(t, "receive_purchase_order", `{"number":"`+po+`","idempotency_key":"rcv-1","lines":[{"sku":"TRS-44","accepted":5}]}`,
			`"rcv-1"`, "other arguments")
		// Creating with a key: a retry returns the same order, not a second one.
		var a, b poResult
		create := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":1}],"idempotency_key":"new-po"}`
		e.ok(t, "create_purchase_order", create, &a)
		e.ok(t, "create_purchase_order", create, &b)
		if a.PO.Number != b.PO.Number || !b.Replayed {
			t.Fatalf("created twice: %s and %s", a.PO.Number, b.PO.Number)
		}
		// The key belongs to the tool: the same key on another tool is new.
		e.ok(t, "send_purchase_order", `{"number":"`+a.PO.Number+`","idempotency_key":"new-po"}`, nil)
	})
}

func TestPurchaseOrderDryRun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		before := e.snapshot(t)
		var preview poResult
		e.ok(t, "create_purchase_order", `{"dry_run":true,"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":3}]}`, &preview)
		if !preview.DryRun || preview.PO.Number != "PO-1001" || preview.PO.Status != "draft" {
			t.Fatalf("preview: %+v", preview)
		}
		if after := e.snapshot(t); after != before {
			t.Fatalf("a dry run changed the store:\n%s\n%s", before, after)
		}
		po := e.createPO(t, `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":3}]}`).PO.Number
		if po != "PO-1001" {
			t.Fatalf("the dry run used up a number: %s", po)
		}
		for _, step := range []struct{ tool, args string }{
			{"send_purchase_order", `{"number":"PO-1001"}`},
			{"receive_purchase_order", `{"number":"PO-1001","lines":[{"sku":"TRS-44","accepted":2,"rejected":1}]}`},
			{"close_purchase_order", `{"number":"PO-1001"}`},
		} {
			before := e.snapshot(t)
			var dry, real poResult
			e.ok(t, step.tool, addOptions(step.args, `"dry_run":true`), &dry)
			if after := e.snapshot(t); after != before {
				t.Fatalf("%s dry run changed the store", step.tool)
			}
			e.ok(t, step.tool, step.args, &real)
			// The preview showed exactly what the real call did.
			if !dry.DryRun || real.DryRun || wEffects(dry.Changes) != wEffects(real.Changes) || dry.PO.Status != real.PO.Status || dry.lines() != real.lines() {
				t.Fatalf("%s: preview %+v\nreal %+v", step.tool, dry, real)
			}
		}
		log, err := db.AuditLog(context.Background(), e.Store.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, a := range log {
			if strings.HasSuffix(a.Action, "_purchase_order") {
				outcomes[a.Outcome]++
			}
		}
		if outcomes[storage.OutcomeDryRun] != 4 || outcomes[storage.OutcomeOK] != 4 {
			t.Fatalf("audit outcomes: %v", outcomes)
		}
	})
}

// TestPurchaseOrderRandomOperations runs random purchase order calls, good
// and bad, and checks after each that the ledger holds and that every
// level equals its start plus what the orders say: on_hand rose by what
// was accepted, and incoming is exactly what sent orders still have open.
func TestPurchaseOrderRandomOperations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		rng := rand.New(rand.NewSource(42))
		skus := []string{"TRS-40", "TRS-42", "POLE-AL", "LAMP-300"}
		locs := []string{storagetest.Warehouse, storagetest.DowntownShop}
		start := map[string]storagetest.Level{}
		for _, s := range skus {
			for _, l := range locs {
				start[s+"@"+l] = e.Level(t, s, l)
			}
		}
		type order struct {
			number string
		}
		var orders []order
		pick := func() string {
			if len(orders) == 0 || rng.Intn(10) == 0 {
				return "PO-9999"
			}
			return orders[rng.Intn(len(orders))].number
		}
		randLines := func(field string, allowZero bool) string {
			n := 1 + rng.Intn(3)
			var out []string
			for i := 0; i < n; i++ {
				q := rng.Intn(8)
				if !allowZero && q == 0 && rng.Intn(2) == 0 {
					q = 1
				}
				out = append(out, fmt.Sprintf(`{"sku":%q,"%s":%d}`, skus[rng.Intn(len(skus))], field, q))
			}
			return "[" + strings.Join(out, ",") + "]"
		}
		applied := 0
		for step := 0; step < 120; step++ {
			var tool, args string
			switch rng.Intn(6) {
			case 0:
				loc := locs[rng.Intn(len(locs))]
				tool, args = "create_purchase_order", fmt.Sprintf(`{"supplier":"Summit Gear","location":%q,"lines":%s}`, loc, randLines("quantity", false))
			case 1:
				tool, args = "update_purchase_order", fmt.Sprintf(`{"number":%q,"set_lines":%s}`, pick(), randLines("quantity", true))
			case 2:
				tool, args = "send_purchase_order", fmt.Sprintf(`{"number":%q}`, pick())
			case 3:
				tool, args = "receive_purchase_order", fmt.Sprintf(`{"number":%q,"lines":%s}`, pick(), randLines("accepted", false))
			case 4:
				tool, args = "close_purchase_order", fmt.Sprintf(`{"number":%q}`, pick())
			case 5:
				tool, args = "cancel_purchase_order", fmt.Sprintf(`{"number":%q}`, pick())
			}
			if rng.Intn(5) == 0 {
				args = addOptions(args, `"dry_run":true`)
			}
			before := e.snapshot(t)
			text, isErr := e.call(t, tool, args)
			if isErr {
				if e.snapshot(t) != before {
					t.Fatalf("step %d: refused %s %s changed the store: %s", step, tool, args, text)
				}
			} else {
				applied++
				var r poResult
				mustJSON(t, text, &r)
				if tool == "create_purchase_order" && !r.DryRun {
					orders = append(orders, order{number: r.PO.Number})
				}
			}
			e.CheckLedger(t)
			e.checkPOModel(t, start, skus, locs)
		}
		if applied < 20 {
			t.Fatalf("only %d of 120 random calls applied: the test exercises too little", applied)
		}
	})
}

// checkPOModel recomputes every level from the purchase orders alone.
func (e *wEnv) checkPOModel(t *testing.T, start map[string]storagetest.Level, skus, locs []string) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.DB.Backend().Query(ctx, `SELECT v.sku, l.name, po.status, pl.quantity_ordered, pl.quantity_received, pl.quantity_rejected
		FROM purchase_order_lines pl
		JOIN purchase_orders po ON po.store_id = pl.store_id AND po.id = pl.purchase_order_id
		JOIN variants v ON v.store_id = pl.store_id AND v.id = pl.variant_id
		JOIN locations l ON l.store_id = po.store_id AND l.id = po.location_id
		WHERE pl.store_id = $1`, e.Store.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	onHand, incoming := map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var sku, loc, status string
		var ordered, received, rejected int64
		if err := rows.Scan(&sku, &loc, &status, &ordered, &received, &rejected); err != nil {
			t.Fatal(err)
		}
		k := sku + "@" + loc
		onHand[k] += received
		if status == "sent" || status == "partially_received" {
			incoming[k] += ordered - received - rejected
		}
	}
	for _, s := range skus {
		for _, l := range locs {
			k := s + "@" + l
			got := e.Level(t, s, l)
			if got.OnHand != start[k].OnHand+onHand[k] || got.Incoming != start[k].Incoming+incoming[k] {
				t.Fatalf("%s: level %+v, but the orders say on_hand %d and incoming %d", k, got, start[k].OnHand+onHand[k], start[k].Incoming+incoming[k])
			}
		}
	}
}
