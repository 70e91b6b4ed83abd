package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// grantFor approves an app for the store with a connection code, as the
// authorize page does, and returns the grant.
func grantFor(t *testing.T, url, domain string, scope keys.Scope) access.Grant {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := access.New(db).StoreByDomain(ctx, domain)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := access.New(db).EnsureMember(ctx, s.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, storage.Person{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := access.New(db).SaveOAuthClient(ctx, access.OAuthClient{ID: "c1", Name: "Claude", RedirectURIs: []string{"https://claude.ai/cb"}, Registration: access.RegistrationDynamic}); err != nil {
		t.Fatal(err)
	}
	code, err := access.New(db).CreateConnectionCode(ctx, s.ID, m, scope, inventory.Approval{})
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := access.New(db).ApproveWithCode(ctx, code.Code, access.NewGrant{ClientID: "c1", ClientName: "Claude", Audience: "http://127.0.0.1:8080/mcp"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestAppsListAndRevoke(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		mustRun(t, url, "stores", "create", "--domain", "other.myshopify.com", "--name", "Other")
		if out := mustRun(t, url, "apps", "list", "--store", "acme.myshopify.com"); !strings.Contains(out, "no connected apps") {
			t.Errorf("apps list of a store without apps:\n%s", out)
		}
		g := grantFor(t, url, "acme.myshopify.com", keys.ScopeWrite)
		id := strconv.FormatInt(g.ID, 10)

		out := mustRun(t, url, "apps", "list", "--store", "acme.myshopify.com")
		for _, want := range []string{"APP", "APPROVED BY", "Claude", "write", "Jane Doe <jane@acme.com>", "never", "active"} {
			if !strings.Contains(out, want) {
				t.Errorf("apps list lacks %q:\n%s", want, out)
			}
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(mustRun(t, url, "apps", "list", "--store", "acme.myshopify.com", "--json")), &list); err != nil || len(list) != 1 {
			t.Fatalf("apps list --json: %v %v", list, err)
		}
		for _, k := range []string{"id", "client", "scope", "approved_by", "approved_at", "last_used_at", "revoked_at"} {
			if _, ok := list[0][k]; !ok {
				t.Errorf("apps list --json lacks %q: %v", k, list[0])
			}
		}
		if out := mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com"); strings.Contains(out, "Claude") {
			t.Errorf("keys list shows a connected app:\n%s", out)
		}

		for _, bad := range [][]string{
			{"apps", "revoke", "--store", "other.myshopify.com", id},
			{"apps", "revoke", "--store", "acme.myshopify.com", "abc"},
			{"apps", "revoke", "--store", "acme.myshopify.com", "1; DROP TABLE api_keys"},
			{"apps", "revoke", "--store", "acme.myshopify.com"},
		} {
			if _, _, err := runCmd(t, append([]string{"--database-url", url}, bad...)...); err == nil {
				t.Errorf("%v succeeded", bad)
			}
		}
		if out := mustRun(t, url, "apps", "revoke", "--store", "acme.myshopify.com", id); !strings.Contains(out, "Revoked Claude") {
			t.Errorf("apps revoke: %s", out)
		}
		if out := mustRun(t, url, "apps", "revoke", "--store", "acme.myshopify.com", id); !strings.Contains(out, "already revoked") {
			t.Errorf("apps revoke again: %s", out)
		}
		if out := mustRun(t, url, "apps", "list", "--store", "acme.myshopify.com"); !strings.Contains(out, "revoked") {
			t.Errorf("apps list after revoke:\n%s", out)
		}
	})
}

// TestServeMountsOAuth checks the assembly serve runs: /mcp's 401 names
// the resource metadata at the public URL, and the metadata is served.
func TestServeMountsOAuth(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, err := storage.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		a := &app{stdout: io.Discard, stderr: io.Discard, databaseURL: url}
		h, err := a.httpHandler(db, zerolog.Nop(), nil, auth.Rate{}, "https://mcp.example.com")
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		defer ts.Close()
		resp, err := http.Post(ts.URL+"/mcp", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := `Bearer realm="logistified", error="invalid_token", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want {
			t.Errorf("/mcp without a key: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		// A foreign page may not drive /mcp with a visitor's credentials;
		// the public address's own pages may.
		for origin, code := range map[string]int{"https://evil.example": http.StatusForbidden, "https://mcp.example.com": http.StatusUnauthorized} {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", origin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != code {
				t.Errorf("/mcp from %s: %d, want %d", origin, resp.StatusCode, code)
			}
		}
		resp, err = http.Get(ts.URL + "/.well-known/oauth-protected-resource/mcp")
		if err != nil {
			t.Fatal(err)
		}
		var prm map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&prm)
		resp.Body.Close()
		if prm["resource"] != "https://mcp.example.com/mcp" {
			t.Errorf("protected resource metadata: %v", prm)
		}
		if _, err := a.httpHandler(db, zerolog.Nop(), nil, auth.Rate{}, "ftp://nope"); err == nil {
			t.Error("a bad public URL was accepted")
		}
		t.Setenv("LOGISTIFIED_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")
		if _, err := a.httpHandler(db, zerolog.Nop(), nil, auth.Rate{}, "https://mcp.example.com"); err == nil || !strings.Contains(err.Error(), "proxy.internal") {
			t.Errorf("a trusted proxy that is not an address: %v, want an error naming it", err)
		}
	})
}
