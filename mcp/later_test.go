package mcp

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

const pingBody = `{"jsonrpc":"2.0","id":1,"method":"ping"}`

// A key's database check travels with the call's first read, so the server
// may start on a request before it knows the key was revoked: whatever the
// request held, the answer is 401.
func TestAKeySeenBeforeIsRefusedOnItsNextRequestWhateverItSends(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tc := range []struct{ name, contentType, body string }{
			{"a read", "application/json", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_inventory_levels","arguments":{"skus":["TRS-40"]}}}`},
			{"tools/list", "application/json", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
			{"a write", "application/json", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_write","arguments":{}}}`},
			{"not JSON", "application/json", `{"jsonrpc":`},
			{"a repeated member", "application/json", `{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`},
			{"the wrong type", "text/plain", `hello`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				k := e.newKey(t, keys.ScopeWrite)
				if resp, body := post(t, e.http.URL+"/mcp", k.Secret, pingBody); resp.StatusCode != http.StatusOK {
					t.Fatalf("the key before revocation: %d %s", resp.StatusCode, body)
				}
				e.revoke(t, k)
				writes := e.writeCalls.Load()
				resp, body := post(t, e.http.URL+"/mcp", k.Secret, tc.body, "Content-Type", tc.contentType)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("status %d, want 401: %s", resp.StatusCode, body)
				}
				if strings.Contains(body, k.Secret) {
					t.Error("the answer repeats the key")
				}
				if e.writeCalls.Load() != writes {
					t.Error("the revoked key's write ran")
				}
			})
		}
	})
}

// A request the server started with the key's predicted principal is
// served again when the store changed since the key was last seen. The
// second serving checks the body as the first did: a read with a repeated
// argument, or sent as another type than JSON, is refused, never answered.
func TestARequestServedAgainIsCheckedAgain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		read := func(args string) string {
			return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_inventory_levels","arguments":` + args + `}}`
		}
		for i, tc := range []struct {
			name, contentType, body string
			status                  int
			says                    string
		}{
			{"a repeated argument", "application/json", read(`{"skus":["TRS-40"],"skus":["TRS-41"]}`), http.StatusOK, `"field":"skus"`},
			{"the wrong type", "text/plain", read(`{"skus":["TRS-40"]}`), http.StatusUnsupportedMediaType, "Content-Type must be application/json"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				k := e.fx.ReadKey.Secret
				if resp, body := post(t, e.http.URL+"/mcp", k, pingBody); resp.StatusCode != http.StatusOK {
					t.Fatalf("the key before the change: %d %s", resp.StatusCode, body)
				}
				// Renamed by the operator, straight in the database.
				if _, err := db.Backend().Exec(context.Background(), `UPDATE stores SET name = $1 WHERE id = $2`, "Renamed "+strconv.Itoa(i), e.fx.Store.ID); err != nil {
					t.Fatal(err)
				}
				resp, body := post(t, e.http.URL+"/mcp", k, tc.body, "Content-Type", tc.contentType)
				if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) || strings.Contains(body, `"structuredContent"`) {
					t.Errorf("status %d, want %d saying %s: %s", resp.StatusCode, tc.status, tc.says, body)
				}
			})
		}
	})
}
