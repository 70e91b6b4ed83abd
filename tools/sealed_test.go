package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A dry run's preview_token applies exactly what was previewed, once, for
// the key that asked: after a change to the stock, a document or the
// arguments nothing is applied and the refusal carries a fresh preview.
func TestSealedPreviews(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		ctx := context.Background()
		pl := pipeline.New(pipeline.Options{DB: db, Log: zerolog.Nop()})
		call := func(p storage.Principal, tool, args string) pipeline.Result {
			t.Helper()
			res := pl.Call(ctx, p, tool, json.RawMessage(args))
			if res.Failed {
				t.Fatalf("%s %s failed inside the server", tool, args)
			}
			return res
		}
		preview := func(tool, args string) string {
			t.Helper()
			res := call(e.WritePrincipal(), tool, strings.Replace(args, "{", `{"dry_run":true,`, 1))
			var r struct {
				DryRun bool   `json:"dry_run"`
				Token  string `json:"preview_token"`
			}
			if res.Refusal != nil || json.Unmarshal(res.Data, &r) != nil || !r.DryRun || !keys.PreviewToken.Has(r.Token) {
				t.Fatalf("the dry run of %s gave no preview_token: %v %.300s", tool, res.Refusal, res.Data)
			}
			return r.Token
		}
		withToken := func(args, token string) string {
			return strings.Replace(args, "{", `{"preview_token":"`+token+`",`, 1)
		}
		count := func(table string) int64 {
			var n int64
			if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE store_id = $1`, e.Store.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		stale := func(res pipeline.Result, what string) {
			t.Helper()
			if res.Refusal == nil || res.Refusal.Kind != inventory.Conflict || !strings.HasPrefix(res.Refusal.Msg, "preview_stale") {
				t.Fatalf("%s: want preview_stale, got %v %.200s", what, res.Refusal, res.Data)
			}
			var fresh struct {
				DryRun bool   `json:"dry_run"`
				Token  string `json:"preview_token"`
			}
			if json.Unmarshal(res.Refusal.Preview, &fresh) != nil || !fresh.DryRun || !keys.PreviewToken.Has(fresh.Token) {
				t.Errorf("%s: the refusal carries no fresh preview: %.300s", what, res.Refusal.Preview)
			}
		}
		po := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":10}]}`

		t.Run("applied once", func(t *testing.T) {
			before := count("purchase_orders")
			token := preview("create_purchase_order", po)
			if res := call(e.WritePrincipal(), "create_purchase_order", withToken(po, token)); res.Refusal != nil {
				t.Fatalf("applying the preview: %v", res.Refusal)
			}
			res := call(e.WritePrincipal(), "create_purchase_order", withToken(po, token))
			if res.Refusal == nil || !strings.Contains(res.Refusal.Msg, "already used") {
				t.Errorf("a preview applied twice: %v", res.Refusal)
			}
			if n := count("purchase_orders"); n != before+1 {
				t.Errorf("%d purchase orders made, want 1", n-before)
			}
		})

		t.Run("other arguments", func(t *testing.T) {
			before := count("purchase_orders")
			token := preview("create_purchase_order", po)
			stale(call(e.WritePrincipal(), "create_purchase_order", withToken(strings.Replace(po, "10", "11", 1), token)), "another quantity")
			if n := count("purchase_orders"); n != before {
				t.Errorf("a stale preview made a purchase order")
			}
		})

		t.Run("the stock moved", func(t *testing.T) {
			to := `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":2}]}`
			number := "TO-1001"
			if res := call(e.WritePrincipal(), "create_transfer", to); res.Refusal != nil {
				t.Fatal(res.Refusal)
			}
			ship := `{"number":"` + number + `"}`
			token := preview("ship_transfer", ship)
			err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				_, err := catalog.New(db).AdjustInventory(ctx, tx, e.Store.ID, e.Actor(), []storage.Change{{VariantID: e.Variants["TRS-40"].ID,
					LocationID: e.Locations[storagetest.Warehouse].ID, Quantity: inventory.OnHand, Delta: -1, SKU: "TRS-40", Location: storagetest.Warehouse}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			stale(call(e.WritePrincipal(), "ship_transfer", withToken(ship, token)), "a level that moved")
			var status string
			if err := db.Backend().QueryRow(ctx, `SELECT status FROM transfers WHERE store_id = $1 AND number = $2`, e.Store.ID, number).Scan(&status); err != nil || status != "draft" {
				t.Errorf("the transfer is %q after a stale preview, want draft", status)
			}
		})

		t.Run("the document changed", func(t *testing.T) {
			if res := call(e.WritePrincipal(), "create_purchase_order", po); res.Refusal != nil {
				t.Fatal(res.Refusal)
			}
			var number string
			if err := db.Backend().QueryRow(ctx, `SELECT number FROM purchase_orders WHERE store_id = $1 ORDER BY id DESC LIMIT 1`, e.Store.ID).Scan(&number); err != nil {
				t.Fatal(err)
			}
			if res := call(e.WritePrincipal(), "send_purchase_order", `{"number":"`+number+`"}`); res.Refusal != nil {
				t.Fatal(res.Refusal)
			}
			receive := `{"number":"` + number + `","lines":[{"sku":"TRS-40","accepted":4}]}`
			token := preview("receive_purchase_order", receive)
			if res := call(e.WritePrincipal(), "receive_purchase_order", `{"number":"`+number+`","lines":[{"sku":"TRS-40","accepted":1}]}`); res.Refusal != nil {
				t.Fatal(res.Refusal)
			}
			stale(call(e.WritePrincipal(), "receive_purchase_order", withToken(receive, token)), "an order received since")
		})

		t.Run("another key or store", func(t *testing.T) {
			token := preview("create_purchase_order", po)
			other, err := access.New(db).CreateKey(ctx, e.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "other", CreatedByName: "T", CreatedByEmail: "t@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			p, err := access.New(db).Authenticate(ctx, other.Secret)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name string
				p    storage.Principal
			}{{"another key", p}, {"another store", storagetest.SeedStore(t, db, "sealed-other.myshopify.com").WritePrincipal()}} {
				res := call(tc.p, "create_purchase_order", withToken(po, token))
				if res.Refusal == nil || !strings.Contains(res.Refusal.Msg, "belongs to another key") {
					t.Errorf("%s used the preview: %v", tc.name, res.Refusal)
				}
			}
			// It still works for the key that asked.
			if res := call(e.WritePrincipal(), "create_purchase_order", withToken(po, token)); res.Refusal != nil {
				t.Errorf("the key that asked: %v", res.Refusal)
			}
		})

		t.Run("malformed or with dry_run", func(t *testing.T) {
			if res := call(e.WritePrincipal(), "create_purchase_order", withToken(po, "lstp_nope")); res.Refusal == nil || res.Refusal.Field != "preview_token" {
				t.Errorf("a malformed token: %v", res.Refusal)
			}
			token := preview("create_purchase_order", po)
			if res := call(e.WritePrincipal(), "create_purchase_order", withToken(strings.Replace(po, "{", `{"dry_run":true,`, 1), token)); res.Refusal == nil {
				t.Error("a token with dry_run was accepted")
			}
		})
	})
}
