package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// REST has no one to ask: a write that the key's approval setting holds
// is refused (403 approval-required) with its preview and preview_token,
// and applies when the same request brings the token back. Nothing is
// applied before; the audit records the refusal and then preview_token.
func TestRESTApprovalRequired(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		k, err := access.New(db).CreateKey(ctx, e.fx.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "needs approval",
			CreatedByName: "T", CreatedByEmail: "t@example.com", Approval: "above:100"})
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM purchase_orders WHERE store_id = $1`, e.fx.Store.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		small := map[string]any{"supplier": "Summit Gear", "location": "Warehouse", "lines": []any{map[string]any{"sku": "TRS-40", "quantity": 1, "unit_cost": 99}}}
		if r := e.do(t, req{method: http.MethodPost, path: "/api/v1/purchase-orders", key: k.Secret, body: small}); r.status != http.StatusCreated {
			t.Fatalf("a purchase order of 99.00 under above:100: %d %s", r.status, r.body)
		}
		large := map[string]any{"supplier": "Summit Gear", "location": "Warehouse", "lines": []any{map[string]any{"sku": "TRS-40", "quantity": 3, "unit_cost": 99}}}
		r := e.do(t, req{method: http.MethodPost, path: "/api/v1/purchase-orders", key: k.Secret, body: large})
		if r.status != http.StatusForbidden {
			t.Fatalf("a purchase order of 297.00 under above:100: %d %s", r.status, r.body)
		}
		p := r.problem(t)
		var withPreview struct {
			Preview struct {
				DryRun bool   `json:"dry_run"`
				Token  string `json:"preview_token"`
			} `json:"preview"`
		}
		if err := json.Unmarshal(r.body, &withPreview); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(p.Type, "/approval-required") || !strings.Contains(p.Detail, "preview_token") ||
			!withPreview.Preview.DryRun || !keys.PreviewToken.Has(withPreview.Preview.Token) {
			t.Fatalf("the refusal: %s", r.body)
		}
		if r.header.Get("WWW-Authenticate") != "" {
			t.Error("an approval refusal asks for another credential (WWW-Authenticate)")
		}
		if n := count(); n != before+1 {
			t.Fatalf("%d purchase orders after the refusal, want %d", n, before+1)
		}
		large["preview_token"] = withPreview.Preview.Token
		if r := e.do(t, req{method: http.MethodPost, path: "/api/v1/purchase-orders", key: k.Secret, body: large}); r.status != http.StatusCreated {
			t.Fatalf("the same request with its preview_token: %d %s", r.status, r.body)
		}
		log, err := db.AuditLog(ctx, e.fx.Store.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var routes []string
		for _, en := range log {
			if en.KeyID != nil && *en.KeyID == k.ID && en.Action == "create_purchase_order" && en.Outcome != storage.OutcomeDryRun {
				routes = append(routes, en.Outcome+":"+en.ApprovedBy)
			}
		}
		if got := strings.Join(routes, " "); got != "ok:preview_token refused: ok:not_required" {
			t.Errorf("the audit, newest first: %s", got)
		}
	})
}
