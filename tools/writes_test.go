package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// wEnv calls the write tools' handlers directly, as the MCP server would
// after authenticating the fixture's write key.
type wEnv struct {
	storagetest.Fixture
	tools map[string]tools.Tool
	ctx   context.Context // carries the write key
}

func newWEnv(t *testing.T, db *storage.DB) *wEnv {
	t.Helper()
	f := storagetest.Seed(t, db)
	e := &wEnv{Fixture: f, tools: map[string]tools.Tool{}}
	for _, tl := range tools.All(tools.Deps{DB: db, Log: zerolog.Nop()}) {
		e.tools[tl.Def.Name] = tl
	}
	e.ctx = tools.WithPrincipal(context.Background(), f.WritePrincipal())
	return e
}

// call runs a tool with args (a JSON string or any value that encodes to
// the arguments object) and returns the result's text and whether it is a
// tool error. A Go error from the handler fails the test.
func (e *wEnv) callAs(t *testing.T, ctx context.Context, name string, args any) (string, bool) {
	t.Helper()
	text, isErr, err := e.try(ctx, name, args)
	if err != nil {
		t.Fatal(err)
	}
	return text, isErr
}

// try is callAs for goroutines, which must not stop the test themselves.
func (e *wEnv) try(ctx context.Context, name string, args any) (string, bool, error) {
	tl, ok := e.tools[name]
	if !ok {
		return "", false, fmt.Errorf("no tool %s", name)
	}
	var raw json.RawMessage
	switch a := args.(type) {
	case string:
		raw = json.RawMessage(a)
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return "", false, err
		}
		raw = b
	}
	return callThrough(ctx, e.DB, tl, raw)
}

func (e *wEnv) call(t *testing.T, name string, args any) (string, bool) {
	t.Helper()
	return e.callAs(t, e.ctx, name, args)
}

// ok calls a tool that must succeed and decodes its result into out.
func (e *wEnv) ok(t *testing.T, name string, args any, out any) {
	t.Helper()
	text, isErr := e.call(t, name, args)
	if isErr {
		t.Fatalf("%s %v: refused: %s", name, args, text)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("%s: decoding %s: %v", name, text, err)
		}
	}
	e.CheckLedger(t)
}

// refused calls a tool that must be refused with a message containing
// every want, change nothing, and leave a refused audit entry.
func (e *wEnv) refused(t *testing.T, name string, args any, want ...string) string {
	t.Helper()
	return e.refusedAs(t, e.ctx, name, args, want...)
}

func (e *wEnv) refusedAs(t *testing.T, ctx context.Context, name string, args any, want ...string) string {
	t.Helper()
	before := e.snapshot(t)
	text, isErr := e.callAs(t, ctx, name, args)
	if !isErr {
		t.Fatalf("%s %v: want a refusal, got %s", name, args, text)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Fatalf("%s: refusal %q does not say %q", name, text, w)
		}
	}
	if after := e.snapshot(t); after != before {
		t.Fatalf("%s: a refusal changed the store:\nbefore %s\nafter  %s", name, before, after)
	}
	log, err := e.DB.AuditLog(context.Background(), e.Store.ID, 1)
	if err != nil || len(log) == 0 || log[0].Action != name || log[0].Outcome != storage.OutcomeRefused {
		t.Fatalf("%s: refusal not audited: %+v %v", name, log, err)
	}
	return text
}

// snapshot is everything a write tool may change, as comparable text:
// every inventory level, the ledger size, every document's status and
// lines, the reorder rules and the idempotency records.
func (e *wEnv) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []struct {
		cols int
		sql  string
	}{
		{9, `SELECT variant_id, location_id, on_hand, committed, incoming, reserved, damaged, safety_stock, quality_control FROM inventory_levels WHERE store_id = $1 ORDER BY 1, 2`},
		{2, `SELECT count(*), coalesce(sum(delta), 0) FROM inventory_adjustments WHERE store_id = $1`},
		{2, `SELECT number, status FROM purchase_orders WHERE store_id = $1 ORDER BY id`},
		{6, `SELECT purchase_order_id, variant_id, quantity_ordered, quantity_received, quantity_rejected, unit_cost_cents FROM purchase_order_lines WHERE store_id = $1 ORDER BY 1, 2`},
		{2, `SELECT number, status FROM transfers WHERE store_id = $1 ORDER BY id`},
		{2, `SELECT number, status FROM stock_takes WHERE store_id = $1 ORDER BY id`},
		{2, `SELECT number, status FROM supplier_returns WHERE store_id = $1 ORDER BY id`},
		{1, `SELECT count(*) FROM reorder_rules WHERE store_id = $1`},
		{1, `SELECT count(*) FROM idempotency_keys WHERE store_id = $1`},
		{1, `SELECT coalesce(sum(next), 0) FROM document_counters WHERE store_id = $1`},
	} {
		rows, err := e.DB.Backend().Query(ctx, q.sql, e.Store.ID)
		if err != nil {
			t.Fatalf("snapshot %s: %v", q.sql, err)
		}
		for rows.Next() {
			var vals []any
			ptrs := make([]any, q.cols)
			for i := range ptrs {
				var s any
				ptrs[i] = &s
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("snapshot %s: %v", q.sql, err)
			}
			for _, p := range ptrs {
				vals = append(vals, *(p.(*any)))
			}
			fmt.Fprintf(&b, "%v;", vals)
		}
		rows.Close()
		b.WriteString("|")
	}
	return b.String()
}

// wEffect is one inventory change as the tools report it.
type wEffect struct {
	SKU      string `json:"sku"`
	Location string `json:"location"`
	Quantity string `json:"quantity"`
	Delta    int64  `json:"delta"`
	NewValue int64  `json:"new_value"`
}

// wEffects renders changes as sorted "sku@location quantity delta=new" text.
func wEffects(es []wEffect) string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = fmt.Sprintf("%s@%s %s %+d=%d", x.SKU, x.Location, x.Quantity, x.Delta, x.NewValue)
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func mustJSON(t *testing.T, text string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), out); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
}

// writeToolNames are the write tools of DESIGN.md §4.
var writeToolNames = []string{
	"create_purchase_order", "update_purchase_order", "send_purchase_order", "receive_purchase_order",
	"close_purchase_order", "cancel_purchase_order", "create_transfer", "ship_transfer", "receive_transfer",
	"cancel_transfer", "start_stock_take", "record_stock_counts", "complete_stock_take", "cancel_stock_take",
	"create_supplier_return", "ship_supplier_return", "close_supplier_return", "cancel_supplier_return",
	"set_reorder_rules", "delete_reorder_rules",
	"confirm_purchase_order", "unreceive_purchase_order", "reopen_purchase_order", "delete_purchase_order",
	"record_purchase_order_payment", "void_purchase_order_payment",
}

func TestWriteToolDeclarations(t *testing.T) {
	all := map[string]tools.Tool{}
	for _, tl := range tools.All(tools.Deps{}) {
		all[tl.Def.Name] = tl
	}
	destructive := map[string]bool{"close_purchase_order": true, "cancel_purchase_order": true, "cancel_transfer": true,
		"complete_stock_take": true, "cancel_stock_take": true, "close_supplier_return": true, "cancel_supplier_return": true,
		"delete_reorder_rules": true, "delete_purchase_order": true, "void_purchase_order_payment": true}
	// Without an idempotency key, repeating these has a further effect.
	notIdempotent := map[string]bool{"create_purchase_order": true, "send_purchase_order": true, "receive_purchase_order": true,
		"create_transfer": true, "ship_transfer": true, "receive_transfer": true, "start_stock_take": true,
		"record_stock_counts": true, "create_supplier_return": true, "ship_supplier_return": true,
		"unreceive_purchase_order": true, "record_purchase_order_payment": true}
	for _, name := range writeToolNames {
		t.Run(name, func(t *testing.T) {
			tl, ok := all[name]
			if !ok {
				t.Fatalf("tools.All has no %s", name)
			}
			d := tl.Def
			if tl.Scope != keys.ScopeWrite || d.ReadOnly || d.OpenWorld ||
				d.Destructive != destructive[name] || d.Idempotent == notIdempotent[name] || d.Title == "" {
				t.Fatalf("scope %q hints %+v", tl.Scope, d)
			}
			if n := len(tl.Def.Description); n == 0 || n > 160 {
				t.Fatalf("description of %d characters: %q", n, tl.Def.Description)
			}
			var schema struct {
				Properties           map[string]json.RawMessage `json:"properties"`
				AdditionalProperties json.RawMessage            `json:"additionalProperties"`
			}
			if err := json.Unmarshal(tl.Def.InputSchema, &schema); err != nil {
				t.Fatalf("schema %s: %v", tl.Def.InputSchema, err)
			}
			if schema.Properties["dry_run"] == nil || schema.Properties["idempotency_key"] == nil || string(schema.AdditionalProperties) != "false" {
				t.Fatalf("schema lacks the write options or allows other arguments: %s", tl.Def.InputSchema)
			}
		})
	}
}

// TestWriteToolsRefuseReadKeys calls every write tool with a read key and
// arguments that would otherwise succeed: each is refused as read-only,
// audited, and changes nothing.
func TestWriteToolsRefuseReadKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		type doc struct {
			Number string `json:"number"`
		}
		var r struct {
			PO  doc `json:"purchase_order"`
			TO  doc `json:"transfer"`
			ST  doc `json:"stock_take"`
			RMA doc `json:"supplier_return"`
		}
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":2}]}`, &r)
		e.ok(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-40","quantity":2}]}`, &r)
		e.ok(t, "start_stock_take", `{"location":"WH","skus":["TRS-40"]}`, &r)
		e.ok(t, "create_supplier_return", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":1}]}`, &r)
		po, to, st, rma := r.PO.Number, r.TO.Number, r.ST.Number, r.RMA.Number
		args := map[string]string{
			"create_purchase_order":         `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":2}]}`,
			"update_purchase_order":         `{"number":"` + po + `","note":"x"}`,
			"send_purchase_order":           `{"number":"` + po + `"}`,
			"receive_purchase_order":        `{"number":"` + po + `","lines":[{"sku":"TRS-40","accepted":1}]}`,
			"close_purchase_order":          `{"number":"` + po + `"}`,
			"cancel_purchase_order":         `{"number":"` + po + `"}`,
			"create_transfer":               `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-40","quantity":2}]}`,
			"ship_transfer":                 `{"number":"` + to + `"}`,
			"receive_transfer":              `{"number":"` + to + `","lines":[{"sku":"TRS-40","quantity":1}]}`,
			"cancel_transfer":               `{"number":"` + to + `"}`,
			"start_stock_take":              `{"location":"WH"}`,
			"record_stock_counts":           `{"number":"` + st + `","counts":[{"sku":"TRS-40","counted":3}]}`,
			"complete_stock_take":           `{"number":"` + st + `"}`,
			"cancel_stock_take":             `{"number":"` + st + `"}`,
			"create_supplier_return":        `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":1}]}`,
			"ship_supplier_return":          `{"number":"` + rma + `"}`,
			"close_supplier_return":         `{"number":"` + rma + `","credit_amount":10}`,
			"cancel_supplier_return":        `{"number":"` + rma + `"}`,
			"set_reorder_rules":             `{"rules":[{"sku":"TRS-40","min":1}]}`,
			"delete_reorder_rules":          `{"rules":[{"sku":"TRS-40"}]}`,
			"confirm_purchase_order":        `{"number":"` + po + `","supplier_reference":"SO-1"}`,
			"unreceive_purchase_order":      `{"number":"` + po + `","lines":[{"sku":"TRS-40","accepted":1}]}`,
			"reopen_purchase_order":         `{"number":"` + po + `"}`,
			"delete_purchase_order":         `{"number":"` + po + `"}`,
			"record_purchase_order_payment": `{"number":"` + po + `","amount":1}`,
			"void_purchase_order_payment":   `{"number":"` + po + `","reference":"P1","reason":"x"}`,
		}
		readCtx := tools.WithPrincipal(context.Background(), e.ReadPrincipal())
		for _, name := range writeToolNames {
			t.Run(name, func(t *testing.T) {
				for _, a := range []string{args[name], addOptions(args[name], `"dry_run":true,"idempotency_key":"k"`)} {
					e.refusedAs(t, readCtx, name, a, "read-only")
					log, err := db.AuditLog(context.Background(), e.Store.ID, 1)
					if err != nil || log[0].KeyPrefix != e.ReadKey.Prefix || log[0].Arguments == "" {
						t.Fatalf("audit: %+v %v", log, err)
					}
				}
			})
		}
	})
}
