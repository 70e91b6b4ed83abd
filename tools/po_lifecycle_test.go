package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// state is what an undo must put back: every level, every purchase
// order's status, dates, confirmation and lines, and its live payments.
// The ledger grows and timestamps move, so they are left out.
func (e *wEnv) state(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []struct {
		cols int
		sql  string
	}{
		{5, `SELECT variant_id, location_id, on_hand, incoming, committed FROM inventory_levels WHERE store_id = $1 ORDER BY 1, 2`},
		{7, `SELECT number, status, cancel_reason, supplier_reference, coalesce(CAST(expected_date AS TEXT), ''), paid_cents, note FROM purchase_orders WHERE store_id = $1 ORDER BY id`},
		{8, `SELECT purchase_order_id, variant_id, quantity_ordered, quantity_received, quantity_rejected, coalesce(quantity_confirmed, -1),
			unit_cost_cents, coalesce(CAST(confirmed_date AS TEXT), '') FROM purchase_order_lines WHERE store_id = $1 ORDER BY 1, 2`},
		{5, `SELECT purchase_order_id, reference, amount_cents, CAST(paid_on AS TEXT), method FROM purchase_order_payments
			WHERE store_id = $1 AND voided_at IS NULL ORDER BY 1, 2`},
	} {
		rows, err := e.DB.Backend().Query(ctx, q.sql, e.Store.ID)
		if err != nil {
			t.Fatalf("state %s: %v", q.sql, err)
		}
		cols := q.cols
		for rows.Next() {
			vals := make([]any, cols)
			ptrs := make([]any, cols)
			for i := range ptrs {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("state: %v", err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintf(&b, "%v\n", vals)
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

// comparable drops what differs between a preview, a real call and its
// replay by design: the marks, the preview sentence and timestamps.
func comparable(t *testing.T, text string) string {
	t.Helper()
	var v any
	mustJSON(t, text, &v)
	var strip func(any) any
	strip = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				if k == "dry_run" || k == "preview" || k == "preview_token" || k == "replayed" || k == "number_provisional" || strings.HasSuffix(k, "_at") {
					delete(x, k)
					continue
				}
				x[k] = strip(x[k])
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return v
	}
	b, _ := json.Marshal(strip(v))
	return string(b)
}

type undoResult struct {
	By *struct {
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"reversible_by"`
	Why string `json:"not_reversible"`
}

// step calls tool through every write face a caller has: a dry run (which
// changes nothing and equals the real call), the real call with an
// idempotency key, and a retry with the same key (which replays the first
// result and changes nothing). It returns the real result's text.
func (e *wEnv) step(t *testing.T, tool, args string) string {
	t.Helper()
	before := e.snapshot(t)
	dry, isErr := e.call(t, tool, addOptions(args, `"dry_run":true`))
	if isErr {
		t.Fatalf("%s dry run refused: %s", tool, dry)
	}
	if e.snapshot(t) != before {
		t.Fatalf("%s: the dry run changed the store", tool)
	}
	key := fmt.Sprintf(`"idempotency_key":"k-%s-%08x-%08x"`, tool, crc32.ChecksumIEEE([]byte(args)), crc32.ChecksumIEEE([]byte(before)))
	real, isErr := e.call(t, tool, addOptions(args, key))
	if isErr {
		t.Fatalf("%s %s refused: %s", tool, args, real)
	}
	e.CheckLedger(t)
	if d, r := comparable(t, dry), comparable(t, real); d != r {
		t.Fatalf("%s: the dry run differs from the real call:\ndry  %s\nreal %s", tool, d, r)
	}
	applied := e.snapshot(t)
	again, isErr := e.call(t, tool, addOptions(args, key))
	if isErr || !strings.Contains(again, `"replayed":true`) || comparable(t, again) != comparable(t, real) {
		t.Fatalf("%s: the retry did not replay the first result: %s", tool, again)
	}
	if e.snapshot(t) != applied {
		t.Fatalf("%s: the retry applied again", tool)
	}
	if !strings.Contains(real, `"reversible_by":`) {
		t.Fatalf("%s: no reversible_by in %s", tool, real)
	}
	return real
}

// undo calls a result's reversible_by and returns the undo's result.
func (e *wEnv) undo(t *testing.T, tool, result string) string {
	t.Helper()
	var u undoResult
	mustJSON(t, result, &u)
	if u.By == nil {
		t.Fatalf("%s has no reversible_by: %s", tool, u.Why)
	}
	text, isErr := e.call(t, u.By.Tool, string(u.By.Arguments))
	if isErr {
		t.Fatalf("undoing %s with %s %s refused: %s", tool, u.By.Tool, u.By.Arguments, text)
	}
	e.CheckLedger(t)
	return text
}

// undoable applies tool, undoes it (the store is as before), then undoes
// the undo where it has a way back (the store is as after the call), else
// applies the call again. It returns the result of the call that stands.
func (e *wEnv) undoable(t *testing.T, tool, args string) string {
	t.Helper()
	s0 := e.state(t)
	res := e.step(t, tool, args)
	s1 := e.state(t)
	u := e.undo(t, tool, res)
	if s := e.state(t); s != s0 {
		t.Fatalf("%s: its reversible_by did not put the store back:\nbefore %s\nafter undo %s", tool, s0, s)
	}
	var back undoResult
	mustJSON(t, u, &back)
	if back.By == nil {
		text, isErr := e.call(t, tool, args)
		if isErr {
			t.Fatalf("%s again: %s", tool, text)
		}
		return text
	}
	redo := e.undo(t, "the undo of "+tool, u)
	if s := e.state(t); s != s1 {
		t.Fatalf("%s: undoing its undo did not bring the call back:\nafter the call %s\nnow %s", tool, s1, s)
	}
	return redo
}

func notReversible(t *testing.T, tool, result string) {
	t.Helper()
	var u undoResult
	mustJSON(t, result, &u)
	if u.By != nil || u.Why == "" || !strings.Contains(result, `"reversible_by":null`) {
		t.Fatalf("%s: want reversible_by null with a reason, got %s", tool, result)
	}
}

// TestPurchaseOrderWaysBack walks an order through every purchase-order
// write; each goes through the dry run, idempotency and replay, and each
// that declares a reversible_by is undone by it exactly.
func TestPurchaseOrderWaysBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		var po struct {
			PO struct {
				Number string `json:"number"`
			} `json:"purchase_order"`
		}
		mustJSON(t, e.undoable(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"2099-03-01","note":"spring",
			"lines":[{"sku":"TRS-40","quantity":10},{"sku":"TRS-42","quantity":4}]}`), &po)
		n := po.PO.Number
		num := `"number":"` + n + `"`
		e.undoable(t, "update_purchase_order", `{`+num+`,"note":"rush","expected_date":"2099-03-05","set_lines":[{"sku":"TRS-40","quantity":12,"unit_cost":40},{"sku":"POLE-AL","quantity":3}]}`)
		notReversible(t, "send_purchase_order", e.step(t, "send_purchase_order", `{`+num+`}`))
		notReversible(t, "confirm_purchase_order", e.step(t, "confirm_purchase_order", `{`+num+`,"supplier_reference":"SO-1"}`))
		e.undoable(t, "confirm_purchase_order", `{`+num+`,"supplier_reference":"SO-2","expected_date":"2099-03-09","lines":[{"sku":"TRS-40","quantity":11,"expected_date":"2099-03-12"}]}`)
		e.undoable(t, "receive_purchase_order", `{`+num+`,"lines":[{"sku":"TRS-40","accepted":5,"rejected":1},{"sku":"POLE-AL","accepted":3}]}`)
		e.undoable(t, "unreceive_purchase_order", `{`+num+`,"lines":[{"sku":"TRS-40","accepted":2,"rejected":1}]}`)
		e.undoable(t, "record_purchase_order_payment", `{`+num+`,"amount":50,"reference":"TX-1","date":"2099-03-02","method":"card"}`)
		e.undoable(t, "void_purchase_order_payment", `{`+num+`,"reference":"TX-1","reason":"paid twice"}`)
		e.undoable(t, "record_purchase_order_payment", `{`+num+`,"amount":20}`)
		e.undoable(t, "close_purchase_order", `{`+num+`}`)
		e.undoable(t, "reopen_purchase_order", `{`+num+`}`)

		mustJSON(t, e.step(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-44","quantity":2}]}`), &po)
		b := `"number":"` + po.PO.Number + `"`
		e.undoable(t, "cancel_purchase_order", `{`+b+`,"reason":"duplicate"}`)
		e.undoable(t, "reopen_purchase_order", `{`+b+`}`)
		e.step(t, "send_purchase_order", `{`+b+`}`)
		e.undoable(t, "cancel_purchase_order", `{`+b+`}`)

		// Refusals the tools make before storage: each is audited and
		// changes nothing.
		e.refused(t, "record_purchase_order_payment", `{`+num+`,"amount":12.345}`, "more than two decimal places")
		e.refused(t, "record_purchase_order_payment", `{`+num+`,"amount":10,"date":"March 2"}`, "YYYY-MM-DD")
		e.refused(t, "confirm_purchase_order", `{`+num+`,"expected_date":"soon"}`, "YYYY-MM-DD")
		if text, isErr := e.call(t, "list_purchase_orders", `{"payment_status":"owing"}`); !isErr || !strings.Contains(text, "unpaid, partially_paid, paid") {
			t.Fatalf("an unknown payment_status: %s", text)
		}
		if text, isErr := e.call(t, "list_purchase_orders", `{"unconfirmed_days":-1}`); !isErr || !strings.Contains(text, "negative") {
			t.Fatalf("negative unconfirmed_days: %s", text)
		}

		mustJSON(t, e.step(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-44","quantity":6}]}`), &po)
		notReversible(t, "delete_purchase_order", e.step(t, "delete_purchase_order", `{"number":"`+po.PO.Number+`"}`))
		// The latest entry is the retry's replay; the one before, the deletion.
		log, err := db.AuditLog(context.Background(), e.Store.ID, 2)
		if err != nil || log[1].Action != "delete_purchase_order" || log[1].Outcome != storage.OutcomeOK || !strings.Contains(log[1].Detail, "TRS-44 x6") {
			t.Fatalf("the deletion's audit entry does not list the draft's lines: %+v %v", log, err)
		}
		if text, isErr := e.call(t, "get_purchase_order", `{"number":"`+po.PO.Number+`"}`); !isErr || !strings.Contains(text, "no purchase order") {
			t.Fatalf("the deleted draft is still there: %s", text)
		}
	})
}
