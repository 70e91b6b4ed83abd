package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage/access"
)

// checkRollKey: a read key may not roll itself (403, audited); a write key
// rolls itself, gets its successor once, and keeps working for the grace
// period.
func checkRollKey(t *testing.T, e *env) {
	ctx := context.Background()
	before := e.counts(t, e.fx.Store.ID)
	refused := e.do(t, req{method: http.MethodPost, path: rest.Base + "/key/roll", key: e.fx.ReadKey.Secret, body: map[string]string{"grace": "1h"}})
	e.checkRefused(t, refused, "roll_key", before)

	own, err := access.New(e.db).CreateKey(ctx, e.fx.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "deploy", Expires: "90d",
		CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bad := e.do(t, req{method: http.MethodPost, path: rest.Base + "/key/roll", key: own.Secret, body: map[string]string{"grace": "5m"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.problem(t).Detail, "1h, 24h or 7d") {
		t.Fatalf("a bad grace period: %d %s", bad.status, bad.body)
	}
	res := e.do(t, req{method: http.MethodPost, path: rest.Base + "/key/roll", key: own.Secret, body: map[string]string{"grace": "1h"}})
	if res.status != http.StatusOK {
		t.Fatalf("roll: %d %s", res.status, res.body)
	}
	var out struct {
		Key       string `json:"key"`
		Prefix    string `json:"prefix"`
		Label     string `json:"label"`
		ExpiresAt string `json:"expires_at"`
		Replaces  struct {
			Prefix string `json:"prefix"`
		} `json:"replaces"`
	}
	if err := json.Unmarshal(res.envelope(t).Data, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Key, keys.Marker) || out.Label != "deploy" || out.Replaces.Prefix != own.Prefix || out.ExpiresAt == "" {
		t.Fatalf("roll answer %s", res.body)
	}
	for _, k := range []string{own.Secret, out.Key} {
		if got := e.do(t, req{method: http.MethodGet, path: rest.Base + "/store", key: k}); got.status != http.StatusOK {
			t.Errorf("inside the grace period: %d", got.status)
		}
	}
	log, err := e.db.AuditLog(ctx, e.fx.Store.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range log {
		found = found || (a.Action == "key.roll" && a.KeyPrefix == own.Prefix && strings.Contains(a.Detail, out.Prefix))
	}
	if !found {
		t.Errorf("the roll is not in the audit log: %+v", log)
	}
}
