package rest_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A key's database check travels with the request's first read, so the
// server may start on a request before it knows the key was revoked. Such
// a request is answered 401 whatever it sent (a read, a write, a bad body,
// a read key's write) and changes nothing; and a change to the store's
// settings since the key was last seen is served with the fresh ones.
func TestAKeySeenBeforeIsStillCheckedOnEveryRequest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		po := map[string]any{"supplier": "Summit Gear", "location": "Warehouse", "lines": []any{map[string]any{"sku": "TRS-40", "quantity": 3}}}
		for _, tc := range []struct {
			name  string
			scope keys.Scope
			req   req
		}{
			{"a read", keys.ScopeRead, req{method: "GET", path: rest.Base + "/inventory-levels?skus=TRS-40"}},
			{"a read that reads nothing", keys.ScopeRead, req{method: "GET", path: rest.Base + "/store"}},
			{"a write", keys.ScopeWrite, req{method: "POST", path: rest.Base + "/purchase-orders", body: po}},
			{"a write's dry run", keys.ScopeWrite, req{method: "POST", path: rest.Base + "/purchase-orders?dry_run=true", body: po}},
			{"a read key's write", keys.ScopeRead, req{method: "POST", path: rest.Base + "/purchase-orders", body: po}},
			{"a body that is not JSON", keys.ScopeWrite, req{method: "POST", path: rest.Base + "/purchase-orders", body: "{not json",
				header: map[string]string{"Content-Type": "application/json"}}},
			{"an unknown argument", keys.ScopeRead, req{method: "GET", path: rest.Base + "/stock-risks?nope=1"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				k, err := access.New(db).CreateKey(ctx, e.fx.Store.ID, access.NewKey{Scope: tc.scope, Label: "seen before",
					CreatedByName: "Test", CreatedByEmail: "test@example.com"})
				if err != nil {
					t.Fatal(err)
				}
				if r := e.do(t, req{method: "GET", path: rest.Base + "/store", key: k.Secret}); r.status != http.StatusOK {
					t.Fatalf("the key before revocation: status %d", r.status)
				}
				if _, err := access.New(db).RevokeKey(ctx, e.fx.Store.ID, k.Prefix, access.Revoker{Name: "Test", Email: "test@example.com"}); err != nil {
					t.Fatal(err)
				}
				before := e.counts(t, e.fx.Store.ID)
				r := tc.req
				r.key = k.Secret
				if got := e.do(t, r); got.status != http.StatusUnauthorized {
					t.Errorf("%s %s with the revoked key: status %d, want 401", r.method, r.path, got.status)
				}
				if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
					t.Errorf("the revoked key's request changed the store:\nbefore %v\nafter  %v", before, after)
				}
			})
		}

		t.Run("the store changed since the key was last seen", func(t *testing.T) {
			k := e.fx.ReadKey.Secret
			if r := e.do(t, req{method: "GET", path: rest.Base + "/store", key: k}); r.status != http.StatusOK {
				t.Fatalf("status %d", r.status)
			}
			// Renamed by the operator, straight in the database.
			if _, err := db.Backend().Exec(ctx, `UPDATE stores SET name = 'Renamed Outfitters' WHERE id = $1`, e.fx.Store.ID); err != nil {
				t.Fatal(err)
			}
			r := e.do(t, req{method: "GET", path: rest.Base + "/store", key: k})
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if !bytes.Contains(r.body, []byte(`"name":"Renamed Outfitters"`)) {
				t.Errorf("the answer was computed with the store as it was: %.300s", r.body)
			}
		})
	})
}
