package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// poLine is a purchase order line as get_purchase_order shows it.
type poLine struct {
	SKU      string `json:"sku"`
	Open     int64  `json:"open"`
	Received int64  `json:"received"`
}

// incomingBeyondOpen is, per variant and location, what incoming holds beyond the
// open quantities of the store's purchase orders: it never changes while
// only purchase orders move stock.
func (e *wEnv) incomingBeyondOpen(t *testing.T) map[[2]int64]int64 {
	t.Helper()
	rows, err := e.DB.Backend().Query(context.Background(), `SELECT l.variant_id, l.location_id, l.incoming - COALESCE((
			SELECT SUM(COALESCE(pl.quantity_confirmed, pl.quantity_ordered) - pl.quantity_received - pl.quantity_rejected)
			FROM purchase_order_lines pl JOIN purchase_orders po ON po.store_id = pl.store_id AND po.id = pl.purchase_order_id
			WHERE pl.store_id = l.store_id AND pl.variant_id = l.variant_id AND po.location_id = l.location_id
			AND po.status IN ('sent', 'partially_received', 'received')), 0)
		FROM inventory_levels l WHERE l.store_id = $1`, e.Store.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[[2]int64]int64{}
	for rows.Next() {
		var v, l, d int64
		if err := rows.Scan(&v, &l, &d); err != nil {
			t.Fatal(err)
		}
		if d != 0 {
			out[[2]int64{v, l}] = d
		}
	}
	return out
}

// TestPurchaseOrderOperationsProperty applies random sequences of
// purchase-order operations, and of the reversible_by calls their results
// declare. Whatever is applied or refused, the ledger balances, incoming
// is what the orders hold open, and no on_hand goes below zero; a refusal
// changes nothing.
func TestPurchaseOrderOperationsProperty(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		base := e.incomingBeyondOpen(t)
		skus := []string{"TRS-40", "TRS-42", "POLE-AL"}
		locs := []string{"WH", "DT"}
		applied := map[string]int{}
		for seed := int64(1); seed <= 4; seed++ {
			rng := rand.New(rand.NewSource(seed))
			var numbers []string
			var undos []string // results that may carry a reversible_by
			// Mostly one of the last few orders, so each lives a while.
			pick := func() string {
				if len(numbers) == 0 {
					return "PO-1"
				}
				return numbers[max(0, len(numbers)-1-rng.Intn(3))]
			}
			// onOrder is lines of n's SKUs taking up to one more than most
			// (so some calls ask too much and are refused).
			onOrder := func(n string, most func(poLine) int64) string {
				text, isErr := e.call(t, "get_purchase_order", `{"number":"`+n+`"}`)
				var po struct {
					Lines []poLine `json:"lines"`
				}
				if isErr || json.Unmarshal([]byte(text), &po) != nil || len(po.Lines) == 0 {
					return `[{"sku":"TRS-40","accepted":1}]`
				}
				var out []string
				for _, l := range po.Lines {
					if rng.Intn(3) > 0 {
						out = append(out, fmt.Sprintf(`{"sku":"%s","accepted":%d}`, l.SKU, 1+rng.Int63n(most(l)+1)))
					}
				}
				if len(out) == 0 {
					l := po.Lines[0]
					out = append(out, fmt.Sprintf(`{"sku":"%s","accepted":%d}`, l.SKU, 1+rng.Int63n(most(l)+1)))
				}
				return "[" + strings.Join(out, ",") + "]"
			}
			lines := func(field string, max int) string {
				var out []string
				for _, i := range rng.Perm(len(skus))[:1+rng.Intn(len(skus))] {
					out = append(out, fmt.Sprintf(`{"sku":"%s","%s":%d}`, skus[i], field, rng.Intn(max+1)))
				}
				return "[" + strings.Join(out, ",") + "]"
			}
			for step := 0; step < 60; step++ {
				n := pick()
				var tool, args string
				undo := false
				switch rng.Intn(12) {
				case 0:
					tool, args = "create_purchase_order", fmt.Sprintf(`{"supplier":"Summit Gear","location":"%s","lines":%s}`,
						locs[rng.Intn(len(locs))], strings.ReplaceAll(lines("quantity", 12), `"quantity":0`, `"quantity":1`))
				case 2:
					tool, args = "send_purchase_order", `{"number":"`+n+`"}`
				case 1:
					tool, args = "confirm_purchase_order", `{"number":"`+n+`","lines":`+lines("quantity", 14)+`}`
				case 3, 4, 5:
					tool, args = "receive_purchase_order", `{"number":"`+n+`","lines":`+onOrder(n, func(l poLine) int64 { return l.Open })+`}`
				case 6:
					tool, args = "unreceive_purchase_order", `{"number":"`+n+`","lines":`+onOrder(n, func(l poLine) int64 { return l.Received })+`}`
				case 7:
					tool, args = []string{"close_purchase_order", "cancel_purchase_order", "reopen_purchase_order", "delete_purchase_order"}[rng.Intn(4)], `{"number":"`+n+`"}`
				case 8:
					tool, args = "record_purchase_order_payment", fmt.Sprintf(`{"number":"%s","amount":%d}`, n, 1+rng.Intn(300))
				case 9:
					tool, args = "void_purchase_order_payment", fmt.Sprintf(`{"number":"%s","reference":"P%d","reason":"test"}`, n, 1+rng.Intn(2))
				default:
					undo = true
					if len(undos) == 0 {
						continue
					}
					var u undoResult
					mustJSON(t, undos[len(undos)-1], &u)
					undos = undos[:len(undos)-1]
					if u.By == nil {
						continue
					}
					tool, args = u.By.Tool, string(u.By.Arguments)
				}
				before := e.snapshot(t)
				text, isErr := e.call(t, tool, args)
				if isErr {
					if e.snapshot(t) != before {
						t.Fatalf("seed %d step %d: refused %s changed the store: %s", seed, step, tool, text)
					}
				} else {
					undos = append(undos, text)
					applied[tool]++
					if undo {
						applied["undo"]++
					}
					if tool == "create_purchase_order" {
						var r poResult
						mustJSON(t, text, &r)
						numbers = append(numbers, r.PO.Number)
					}
				}
				e.CheckLedger(t)
				if got := e.incomingBeyondOpen(t); fmt.Sprint(got) != fmt.Sprint(base) {
					t.Fatalf("seed %d step %d: after %s %s, incoming is not what the orders hold open:\nwas %v\nnow %v", seed, step, tool, args, base, got)
				}
				var negative int
				if err := db.Backend().QueryRow(context.Background(), `SELECT COUNT(*) FROM inventory_levels WHERE store_id = $1 AND on_hand < 0`, e.Store.ID).Scan(&negative); err != nil || negative > 0 {
					t.Fatalf("seed %d step %d: %d levels below zero on hand after %s (%v)", seed, step, negative, tool, err)
				}
			}
		}
		t.Logf("applied: %v", applied)
		// The sequences must have done what they are about, not only
		// been refused.
		for _, tool := range []string{"create_purchase_order", "send_purchase_order", "receive_purchase_order", "unreceive_purchase_order",
			"confirm_purchase_order", "reopen_purchase_order", "record_purchase_order_payment", "undo"} {
			if applied[tool] == 0 {
				t.Errorf("no %s was applied in any sequence: %v", tool, applied)
			}
		}
	})
}
