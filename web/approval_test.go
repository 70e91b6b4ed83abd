package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Activity says how each applied write was approved: a key created on the
// page needs approval for its writes (Always), so its first purchase order
// is refused until the call brings the preview's token back, and the
// applied write's row says so; a key that needs none says that.
func TestActivityShowsHowWritesWereApproved(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		if _, err := access.New(db).AddMember(ctx, f.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, storage.Person{Name: "test"}); err != nil {
			t.Fatal(err)
		}
		jane := e.client()
		jane.signIn(f.Store.ID, "jane@acme.com")
		jane.createKey("Buyer", "write")
		var buyer storage.APIKey
		for _, k := range e.keys(f.Store.ID) {
			if k.Label == "Buyer" {
				buyer = k
			}
		}
		if buyer.Approval.String() != "always" {
			t.Fatalf("a Read & write key made on the page has approval %s, want always", buyer.Approval)
		}
		pl := pipeline.New(pipeline.Options{DB: db, Log: zerolog.Nop()})
		p := storage.Principal{Store: f.Store, Key: buyer}
		po := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":2}]}`
		res := pl.Call(ctx, p, "create_purchase_order", json.RawMessage(po))
		if res.Refusal == nil {
			t.Fatal("the write applied without approval")
		}
		var pv struct {
			Token string `json:"preview_token"`
		}
		if err := json.Unmarshal(res.Refusal.Preview, &pv); err != nil || pv.Token == "" {
			t.Fatalf("the refusal's preview: %s", res.Refusal.Preview)
		}
		if res := pl.Call(ctx, p, "create_purchase_order", json.RawMessage(strings.Replace(po, "{", `{"preview_token":"`+pv.Token+`",`, 1))); res.Refusal != nil {
			t.Fatal(res.Refusal)
		}
		if res := pl.Call(ctx, f.WritePrincipal(), "create_purchase_order", json.RawMessage(po)); res.Refusal != nil {
			t.Fatal(res.Refusal)
		}
		_, body := jane.get("/keys/activity")
		for _, want := range []string{"Approved with its preview", "No approval needed"} {
			if !strings.Contains(body, want) {
				t.Errorf("Activity lacks %q", want)
			}
		}
	})
}
