package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging/logtest"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/oauth"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/server"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

const redirectURI = "https://claude.ai/api/mcp/auth_callback"

// rig is the real HTTP assembly, as serve mounts it, on a test server.
type rig struct {
	t       *testing.T
	db      *storage.DB
	ts      *httptest.Server
	logs    *logtest.Capture
	secrets []string // every token, code and verifier seen: never in a log or the database
	browser *http.Client
}

func newRig(t *testing.T, db *storage.DB, meta oauth.MetadataFetch) *rig {
	r := &rig{t: t, db: db, logs: &logtest.Capture{}}
	log := r.logs.Logger()
	var h http.Handler
	r.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h.ServeHTTP(w, req) }))
	t.Cleanup(r.ts.Close)
	m := metrics.New()
	keyAuth := auth.New(access.New(db), m)
	limiter := auth.NewLimiter(auth.Rate{})
	authz, err := oauth.New(oauth.Options{DB: db, Log: log, PublicURL: r.ts.URL, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	mcpSrv := mcp.New(mcp.Options{DB: db, Log: log, Metrics: m, Auth: keyAuth.ForResource(authz.Resource()), Limiter: limiter})
	api := rest.New(rest.Options{DB: db, Log: log, Metrics: m, Auth: keyAuth, Limiter: limiter})
	h = server.New(server.Options{DB: db, Log: log, Metrics: m, Mounts: []server.Mount{
		{Patterns: []string{"/mcp"}, Label: "/mcp", Handler: mcpSrv.Handler(mcp.HTTPOptions{ResourceMetadata: authz.ResourceMetadataURL()})},
		{Patterns: []string{rest.Base + "/"}, Label: rest.Base, Handler: api},
		{Patterns: authz.Patterns(), Label: "/oauth", Handler: authz.Handler()},
	}})
	// The browser does not follow the redirect back to the app: the test
	// reads the code from it, as the app would.
	r.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		if err := r.logs.Leak(func(logs string) error {
			if regexp.MustCompile(`lsto_[0-9A-Za-z]{38}`).MatchString(logs) {
				return errors.New("an access token appears in the logs")
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
	})
	return r
}

func (r *rig) remember(s ...string) {
	r.secrets = append(r.secrets, s...)
	r.logs.Remember(s...)
}

func (r *rig) do(req *http.Request) (*http.Response, string) {
	r.t.Helper()
	resp, err := r.browser.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (r *rig) get(u string, cookies ...*http.Cookie) (*http.Response, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return r.do(req)
}

func (r *rig) getJSON(u string, v any) {
	r.t.Helper()
	resp, body := r.get(u)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		r.t.Fatalf("GET %s: %v", u, err)
	}
}

// mcpCall posts one JSON-RPC request to /mcp with the bearer token.
func (r *rig) mcpCall(token, method string, params any) (int, map[string]any) {
	r.t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	req, _ := http.NewRequest(http.MethodPost, r.ts.URL+"/mcp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, text := r.do(req)
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	if resp.StatusCode == http.StatusUnauthorized && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata=") {
		r.t.Errorf("a 401 without resource_metadata: %q", resp.Header.Get("WWW-Authenticate"))
	}
	return resp.StatusCode, out
}

func initialize(r *rig, token string) int {
	code, _ := r.mcpCall(token, "initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "web-chat", "version": "1"}})
	return code
}

func toolNames(r *rig, token string) []string {
	r.t.Helper()
	code, out := r.mcpCall(token, "tools/list", map[string]any{})
	if code != http.StatusOK {
		r.t.Fatalf("tools/list: %d %v", code, out)
	}
	var names []string
	res, _ := out["result"].(map[string]any)
	list, _ := res["tools"].([]any)
	for _, t := range list {
		names = append(names, t.(map[string]any)["name"].(string))
	}
	return names
}

func callTool(r *rig, token, name string, args map[string]any) (bool, string) {
	r.t.Helper()
	code, out := r.mcpCall(token, "tools/call", map[string]any{"name": name, "arguments": args})
	if code != http.StatusOK {
		r.t.Fatalf("tools/call %s: %d %v", name, code, out)
	}
	res, _ := out["result"].(map[string]any)
	isErr, _ := res["isError"].(bool)
	b, _ := json.Marshal(res["content"])
	return isErr, string(b)
}

// discovery is what an MCP client learns from a bare 401.
type discovery struct {
	resource, authorize, token, register, revoke string
}

func discover(r *rig) discovery {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.ts.URL+"/mcp", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	resp, _ := r.do(req)
	challenge := resp.Header.Get("WWW-Authenticate")
	m := regexp.MustCompile(`resource_metadata="([^"]+)"`).FindStringSubmatch(challenge)
	if resp.StatusCode != http.StatusUnauthorized || m == nil || !strings.Contains(challenge, `realm="logistified"`) {
		r.t.Fatalf("/mcp without credentials: %d, WWW-Authenticate %q", resp.StatusCode, challenge)
	}
	if m[1] != r.ts.URL+"/.well-known/oauth-protected-resource/mcp" {
		r.t.Errorf("resource_metadata = %s", m[1])
	}
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		Scopes               []string `json:"scopes_supported"`
	}
	r.getJSON(m[1], &prm)
	if prm.Resource != r.ts.URL+"/mcp" || len(prm.AuthorizationServers) != 1 || strings.Join(prm.Scopes, " ") != "read write" {
		r.t.Fatalf("protected resource metadata %+v", prm)
	}
	var asm map[string]any
	r.getJSON(prm.AuthorizationServers[0]+"/.well-known/oauth-authorization-server", &asm)
	if asm["issuer"] != prm.AuthorizationServers[0] || fmt.Sprint(asm["code_challenge_methods_supported"]) != "[S256]" ||
		asm["client_id_metadata_document_supported"] != true {
		r.t.Fatalf("authorization server metadata %v", asm)
	}
	return discovery{resource: prm.Resource, authorize: asm["authorization_endpoint"].(string), token: asm["token_endpoint"].(string),
		register: asm["registration_endpoint"].(string), revoke: asm["revocation_endpoint"].(string)}
}

func registerDCR(r *rig, d discovery, name string, uris ...string) string {
	r.t.Helper()
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": uris, "grant_types": []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_method": "none"})
	req, _ := http.NewRequest(http.MethodPost, d.register, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, text := r.do(req)
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	if resp.StatusCode != http.StatusCreated || out["client_id"] == nil || out["token_endpoint_auth_method"] != "none" {
		r.t.Fatalf("registration: %d %s", resp.StatusCode, text)
	}
	return out["client_id"].(string)
}

func oauthConfig(d discovery, clientID string) *oauth2.Config {
	return &oauth2.Config{ClientID: clientID, RedirectURL: redirectURI, Scopes: []string{"read", "write"},
		Endpoint: oauth2.Endpoint{AuthURL: d.authorize, TokenURL: d.token, AuthStyle: oauth2.AuthStyleInParams}}
}

// approval is one run through the authorize page.
type approval struct {
	state, verifier, authURL string
}

func startAuthorize(r *rig, d discovery, cfg *oauth2.Config, extra ...oauth2.AuthCodeOption) approval {
	a := approval{state: oauth2.GenerateVerifier()[:24], verifier: oauth2.GenerateVerifier()}
	r.remember(a.verifier)
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oauth2.SetAuthURLParam("resource", d.resource)}, extra...)
	a.authURL = cfg.AuthCodeURL(a.state, opts...)
	return a
}

// submit posts the approval form (as the page's form does) and returns
// the response.
func submit(r *rig, authURL string, form url.Values, cookies ...*http.Cookie) (*http.Response, string) {
	r.t.Helper()
	u, _ := url.Parse(authURL)
	req, _ := http.NewRequest(http.MethodPost, u.Scheme+"://"+u.Host+u.Path+"?"+u.RawQuery, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return r.do(req)
}

// approveWithCode runs the page with a connection code and returns the
// authorization code the app receives.
func approveWithCode(r *rig, a approval, code string) string {
	r.t.Helper()
	resp, page := r.get(a.authURL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Connection code") || !strings.Contains(page, ">Approve<") ||
		!strings.Contains(page, ">Deny<") || !strings.Contains(page, "claude.ai") {
		r.t.Fatalf("authorize page: %d\n%s", resp.StatusCode, page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self' https://claude.ai", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			r.t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(page, "<script") {
		r.t.Error("the approval page has a script")
	}
	resp, page = submit(r, a.authURL, url.Values{"connection_code": {code}, "decision": {"approve"}})
	return codeFrom(r, a, resp, page)
}

func codeFrom(r *rig, a approval, resp *http.Response, page string) string {
	r.t.Helper()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		r.t.Fatalf("approval: %d\n%s", resp.StatusCode, page)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != redirectURI || loc.Query().Get("state") != a.state || loc.Query().Get("code") == "" {
		r.t.Fatalf("approval redirected to %q", resp.Header.Get("Location"))
	}
	c := loc.Query().Get("code")
	r.remember(c)
	return c
}

func connectionCode(r *rig, storeID int64, m access.Member, scope keys.Scope) string {
	r.t.Helper()
	c, err := access.New(r.db).CreateConnectionCode(context.Background(), storeID, m, scope, inventory.Approval{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.remember(c.Code, strings.ReplaceAll(c.Code, "-", ""))
	return c.Code
}

func TestWebChatAppConnects(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fx := storagetest.SeedStore(t, db, "acme.myshopify.com")
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		jane, err := access.New(db).AddMember(ctx, fx.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, access.Person{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		r := newRig(t, db, oauth.MetadataFetch{})
		d := discover(r)
		clientID := registerDCR(r, d, "Claude", redirectURI)
		cfg := oauthConfig(d, clientID)

		a := startAuthorize(r, d, cfg)
		code := approveWithCode(r, a, connectionCode(r, fx.Store.ID, jane, ""))

		// A wrong verifier is refused, and the code is not spent by it...
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil || !strings.Contains(err.Error(), "did not match the code verifier") {
			t.Fatalf("a wrong code_verifier: %v, want refused for it", err)
		}
		// ...but nothing is consumed before every check passes: the right one
		// still works once.
		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(a.verifier), oauth2.SetAuthURLParam("resource", d.resource))
		if err != nil {
			t.Fatalf("token exchange: %v", err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		if !strings.HasPrefix(tok.AccessToken, "lsto_") || !strings.HasPrefix(tok.RefreshToken, "lstr_") || tok.Extra("scope") != "read" {
			t.Fatalf("tokens %.5s… %.5s… scope %v", tok.AccessToken, tok.RefreshToken, tok.Extra("scope"))
		}
		if time.Until(tok.Expiry) > time.Hour || time.Until(tok.Expiry) < 50*time.Minute {
			t.Errorf("the access token expires at %v: want an hour", tok.Expiry)
		}
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(a.verifier)); err == nil {
			t.Fatal("an authorization code was redeemed twice")
		}
		// Redeeming a code twice revokes what it issued (RFC 6749 §4.1.2).
		if st, _ := r.mcpCall(tok.AccessToken, "tools/list", map[string]any{}); st != http.StatusUnauthorized {
			t.Fatalf("after a code's reuse its access token still works: %d", st)
		}

		// A fresh approval: MCP calls with the token.
		a = startAuthorize(r, d, cfg)
		tok, err = cfg.Exchange(ctx, approveWithCode(r, a, connectionCode(r, fx.Store.ID, jane, keys.ScopeRead)), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		if st := initialize(r, tok.AccessToken); st != http.StatusOK {
			t.Fatalf("initialize with an access token: %d", st)
		}
		names := toolNames(r, tok.AccessToken)
		if len(names) == 0 || strings.Contains(strings.Join(names, ","), "create_purchase_order") {
			t.Errorf("a read grant lists %v", names)
		}
		if isErr, text := callTool(r, tok.AccessToken, "get_store_overview", nil); isErr || !strings.Contains(text, "acme.myshopify.com") || strings.Contains(text, "other.myshopify.com") {
			t.Errorf("get_store_overview: %v %s", isErr, text)
		}
		// Store A's token sees only A's data (B's supplier names are the
		// fixture's too, so compare ids).
		_, text := callTool(r, tok.AccessToken, "list_locations", nil)
		idIn := func(id int64) bool {
			return strings.Contains(text, fmt.Sprintf(`\"id\":%d,`, id)) || strings.Contains(text, fmt.Sprintf(`\"location_id\":%d,`, id))
		}
		if !idIn(fx.Locations[storagetest.Warehouse].ID) {
			t.Fatalf("list_locations does not show store A's own location: %s", text)
		}
		for _, l := range other.Locations {
			if idIn(l.ID) {
				t.Errorf("store A's token sees store B's location %d: %s", l.ID, text)
			}
		}
		isErr, text := callTool(r, tok.AccessToken, "create_purchase_order", map[string]any{"supplier": storagetest.SummitGear,
			"location": storagetest.Warehouse, "lines": []any{map[string]any{"sku": "TRS-40", "quantity": 1}}})
		if !isErr || !strings.Contains(text, "read-only") {
			t.Errorf("a read grant's write call: %v %s", isErr, text)
		}
		grants, _ := access.New(db).ListGrants(ctx, fx.Store.ID)
		g := grants[len(grants)-1]
		log, _ := db.AuditLog(ctx, fx.Store.ID, 5)
		if log[0].Action != "create_purchase_order" || log[0].Outcome != storage.OutcomeRefused || log[0].KeyPrefix != g.Prefix || log[0].KeyLabel != "Claude" {
			t.Errorf("refused write audited as %+v: want the grant %s", log[0], g.Prefix)
		}
		// The REST API takes keys only.
		req, _ := http.NewRequest(http.MethodGet, r.ts.URL+"/api/v1/store", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if resp, _ := r.do(req); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("REST with an access token: %d", resp.StatusCode)
		}

		// Refresh rotates both tokens; the old access token ends with its
		// refresh token.
		old := *tok
		tok.Expiry = time.Now().Add(-time.Minute)
		fresh, err := cfg.TokenSource(ctx, tok).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		r.remember(fresh.AccessToken, fresh.RefreshToken)
		if fresh.RefreshToken == old.RefreshToken || fresh.AccessToken == old.AccessToken {
			t.Fatal("refresh did not rotate the tokens")
		}
		if st := initialize(r, fresh.AccessToken); st != http.StatusOK {
			t.Fatalf("initialize with the refreshed token: %d", st)
		}
		if st := initialize(r, old.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("the rotated-out access token: %d, want 401", st)
		}
		// The old refresh token again: the grant ends.
		old.Expiry = time.Now().Add(-time.Minute)
		if _, err := cfg.TokenSource(ctx, &old).Token(); err == nil {
			t.Fatal("a rotated refresh token was accepted again")
		}
		if st := initialize(r, fresh.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("after refresh token reuse the grant's token still works: %d", st)
		}
		if got, _ := access.New(db).GrantByID(ctx, fx.Store.ID, g.ID); !got.Revoked() {
			t.Error("refresh token reuse did not revoke the grant")
		}

		// A member revokes on the keys page (or apps revoke): the next
		// request fails.
		a = startAuthorize(r, d, cfg)
		tok, err = cfg.Exchange(ctx, approveWithCode(r, a, connectionCode(r, fx.Store.ID, jane, keys.ScopeWrite)), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		if names := toolNames(r, tok.AccessToken); !strings.Contains(strings.Join(names, ","), "create_purchase_order") {
			t.Errorf("a write grant lists %v", names)
		}
		grants, _ = access.New(db).ListGrants(ctx, fx.Store.ID)
		g = grants[len(grants)-1]
		if g.Scope != keys.ScopeWrite || g.ApprovedBy.Email != "jane@acme.com" {
			t.Errorf("grant %+v", g)
		}
		if _, err := access.New(db).RevokeGrant(ctx, fx.Store.ID, g.ID, jane.Person()); err != nil {
			t.Fatal(err)
		}
		if st := initialize(r, tok.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("a revoked grant's access token: %d", st)
		}
		tok.Expiry = time.Now().Add(-time.Minute)
		if _, err := cfg.TokenSource(ctx, tok).Token(); err == nil {
			t.Error("a revoked grant's refresh token still refreshes")
		}

		// The app revokes its own token (RFC 7009).
		a = startAuthorize(r, d, cfg)
		tok, err = cfg.Exchange(ctx, approveWithCode(r, a, connectionCode(r, fx.Store.ID, jane, "")), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		req, _ = http.NewRequest(http.MethodPost, d.revoke, strings.NewReader(url.Values{"token": {tok.RefreshToken}, "client_id": {clientID}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, body := r.do(req); resp.StatusCode != http.StatusOK {
			t.Fatalf("revocation: %d %s", resp.StatusCode, body)
		}
		if st := initialize(r, tok.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("after revocation the access token: %d", st)
		}

		// Nothing in clear in the database.
		for _, s := range r.secrets {
			assertNotInDB(t, db, s)
		}
	})
}

func assertNotInDB(t *testing.T, db *storage.DB, secret string) {
	t.Helper()
	var n int
	err := db.Backend().QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM oauth_tokens WHERE hash = $1 OR access_hash = $1 OR redirect_uri LIKE '%' || $2 || '%' OR code_challenge = $2)
		+ (SELECT count(*) FROM oauth_connection_codes WHERE hash = $1)
		+ (SELECT count(*) FROM api_keys WHERE hash = $1 OR prefix = $2 OR label LIKE '%' || $2 || '%')
		+ (SELECT count(*) FROM audit_log WHERE detail LIKE '%' || $2 || '%' OR arguments LIKE '%' || $2 || '%')
		+ (SELECT count(*) FROM oauth_clients WHERE id LIKE '%' || $2 || '%' OR redirect_uris LIKE '%' || $2 || '%')`, []byte(secret), secret).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a secret (%.9s…) is stored in clear", secret)
	}
}

// TestOAuthRoutesAreLogged checks that the assembly's access log names the
// OAuth routes (and never their query).
func TestOAuthRoutesAreLogged(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	r := newRig(t, db, oauth.MetadataFetch{})
	d := discover(r)
	registerDCR(r, d, "Claude", redirectURI)
	r.get(d.authorize + "?client_id=nobody&state=secret-state-value")
	logs := r.logs.String()
	for _, want := range []string{`"path":"/oauth","status":201`, `"path":"/oauth","status":400`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the access log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "secret-state-value") {
		t.Error("a query reached the log")
	}
}
