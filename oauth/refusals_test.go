package oauth_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/oauth"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func withParam(authURL, key, value string) string {
	u, _ := url.Parse(authURL)
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// approvalSetup is a store with a member, Jane, and an app's authorization
// started: the approval page is at a.authURL.
type approvalSetup struct {
	fx   storagetest.Fixture
	jane access.Member
	r    *rig
	d    discovery
	cfg  *oauth2.Config
	a    approval
}

func approvalPage(t *testing.T, db *storage.DB) approvalSetup {
	t.Helper()
	fx := storagetest.SeedStore(t, db, "acme.myshopify.com")
	jane, err := access.New(db).AddMember(context.Background(), fx.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, access.Person{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, db, oauth.MetadataFetch{})
	d := discover(r)
	cfg := oauthConfig(d, registerDCR(r, d, "Claude", redirectURI))
	return approvalSetup{fx: fx, jane: jane, r: r, d: d, cfg: cfg, a: startAuthorize(r, d, cfg)}
}

func TestApprovalRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		p := approvalPage(t, db)
		fx, jane, r, d, cfg, a := p.fx, p.jane, p.r, p.d, p.cfg, p.a

		used := connectionCode(r, fx.Store.ID, jane, "")
		approveWithCode(r, a, used)
		expired := connectionCode(r, fx.Store.ID, jane, "")
		if _, err := db.Backend().Exec(ctx, `UPDATE oauth_connection_codes SET expires_at = $1 WHERE used_at IS NULL`, db.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, code, says string }{
			{"wrong code", "ABCD-EFGH", "check it against the keys page"},
			{"malformed code", "12", "XXXX-XXXX"},
			{"reused code", used, "already used"},
			{"expired code", expired, "expired"},
			{"no code", "", "Type the connection code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, page := submit(r, a.authURL, url.Values{"connection_code": {tc.code}, "decision": {"approve"}})
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
					!strings.Contains(page, `role="alert"`) || !strings.Contains(page, tc.says) {
					t.Errorf("status %d, Location %q, page:\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
				}
			})
		}
		if grants, _ := access.New(db).ListGrants(ctx, fx.Store.ID); len(grants) != 1 {
			t.Errorf("%d grants after refused codes, want the one approved", len(grants))
		}
		log, _ := db.AuditLog(ctx, fx.Store.ID, 10)
		var refused int
		for _, e := range log {
			if e.Action == "app.approve" && e.Outcome == storage.OutcomeRefused {
				refused++
			}
		}
		if refused != 2 {
			t.Errorf("%d refused approvals audited, want 2 (used and expired)", refused)
		}

		// Deny goes back to the app with access_denied and its state.
		resp, _ := submit(r, a.authURL, url.Values{"decision": {"deny"}})
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != a.state {
			t.Errorf("deny: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A cross-site post is refused before anything.
		req, _ := http.NewRequest(http.MethodPost, a.authURL, strings.NewReader("decision=approve"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, _ := r.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site approval post: %d, want 403", resp.StatusCode)
		}

		// Requests that go back to the app with an error.
		for _, tc := range []struct{ name, url, errName string }{
			{"plain PKCE", withParam(withParam(a.authURL, "code_challenge_method", "plain"), "code_challenge", a.verifier), "invalid_request"},
			{"no PKCE", withParam(withParam(a.authURL, "code_challenge_method", ""), "code_challenge", ""), "invalid_request"},
			{"another resource", withParam(a.authURL, "resource", "https://other.example/mcp"), "invalid_target"},
			{"unknown scope", withParam(a.authURL, "scope", "admin"), "invalid_scope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := r.get(tc.url)
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("error") != tc.errName {
					t.Errorf("status %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
				}
			})
		}
		// Requests whose redirect URI is not the app's, exactly: nothing
		// is sent to it.
		for _, ru := range []string{"https://evil.example/cb", redirectURI + "/x", strings.ToUpper(redirectURI[:5]) + redirectURI[5:], redirectURI + "?a=1", ""} {
			resp, page := r.get(withParam(a.authURL, "redirect_uri", ru))
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "Cannot connect") {
				t.Errorf("redirect_uri %q: %d Location %q", ru, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		if resp, page := r.get(withParam(a.authURL, "client_id", "nobody")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "the app is unknown") {
			t.Errorf("unknown client: %d %s", resp.StatusCode, page)
		}
		if resp, _ := r.get(withParam(a.authURL, "client_id", "https://example.invalid.localhost/client.json")); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("an unreachable metadata document: %d", resp.StatusCode)
		}

		// The token endpoint refuses a token for another resource.
		a = startAuthorize(r, d, cfg)
		code := approveWithCode(r, a, connectionCode(r, fx.Store.ID, jane, ""))
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(a.verifier), oauth2.SetAuthURLParam("resource", "https://other.example/mcp")); err == nil ||
			!strings.Contains(err.Error(), "invalid_target") {
			t.Errorf("token for another resource: %v", err)
		}
		// A token with another audience is refused at /mcp.
		g, _, err := access.New(db).ApproveWithCode(ctx, connectionCode(r, fx.Store.ID, jane, ""), access.NewGrant{ClientID: cfg.ClientID, ClientName: "Claude", Audience: "https://other.example/mcp"})
		if err != nil {
			t.Fatal(err)
		}
		foreign, _ := keys.AccessToken.Generate()
		r.remember(foreign.Secret)
		if err := access.New(db).CreateOAuthToken(ctx, access.NewOAuthToken{StoreID: g.StoreID, GrantID: g.ID, Kind: access.TokenAccess, Hash: foreign.Hash, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if st := initialize(r, foreign.Secret); st != http.StatusUnauthorized {
			t.Errorf("a token for another resource at /mcp: %d", st)
		}
		// Malformed and unknown tokens.
		unknown, _ := keys.AccessToken.Generate()
		for _, tok := range []string{unknown.Secret, unknown.Secret[:20], "lsto_" + strings.Repeat("A", 38)} {
			if st, out := r.mcpCall(tok, "tools/list", nil); st != http.StatusUnauthorized || !strings.Contains(out["message"].(string), "access token") {
				t.Errorf("token %.12s…: %d %v", tok, st, out)
			}
		}
	})
}

// Typing wrong connection codes is slowed down per address: after ten,
// the approval page answers 429 without looking at the code, so that even
// the right one waits; nothing is granted meanwhile.
func TestWrongConnectionCodesAreSlowedDown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		p := approvalPage(t, db)
		fx, jane, r, a := p.fx, p.jane, p.r, p.a
		for i := range 10 {
			resp, page := submit(r, a.authURL, url.Values{"connection_code": {fmt.Sprintf("ABCD-%04d", i)}, "decision": {"approve"}})
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("wrong code %d: status %d, want 400: %s", i+1, resp.StatusCode, page)
			}
		}
		right := connectionCode(r, fx.Store.ID, jane, "")
		resp, page := submit(r, a.authURL, url.Values{"connection_code": {right}, "decision": {"approve"}})
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Wait a minute") ||
			resp.Header.Get("Location") != "" {
			t.Fatalf("after ten wrong codes: status %d, Retry-After %q, page:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
		}
		if grants, _ := access.New(db).ListGrants(ctx, fx.Store.ID); len(grants) != 0 {
			t.Errorf("%d grants while the address is slowed down, want none", len(grants))
		}
	})
}

func TestSignedInMemberApprovesWithoutCode(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fx := storagetest.SeedStore(t, db, "acme.myshopify.com")
		if _, err := access.New(db).AddMember(ctx, fx.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, access.Person{Name: "test"}); err != nil {
			t.Fatal(err)
		}
		link, err := access.New(db).CreateSigninLink(ctx, fx.Store.ID, "jane@acme.com")
		if err != nil {
			t.Fatal(err)
		}
		sess, err := access.New(db).SignIn(ctx, link.Token)
		if err != nil {
			t.Fatal(err)
		}
		r := newRig(t, db, oauth.MetadataFetch{})
		r.remember(link.Token, sess.Secret)
		cookie := &http.Cookie{Name: auth.SessionCookiePlain, Value: sess.Secret}
		d := discover(r)
		cfg := oauthConfig(d, registerDCR(r, d, "ChatGPT", redirectURI))
		a := startAuthorize(r, d, cfg)
		resp, page := r.get(a.authURL, cookie)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "signed in as Jane Doe") || !strings.Contains(page, "Read only (recommended)") {
			t.Fatalf("page for a signed-in member: %d\n%s", resp.StatusCode, page)
		}
		resp, page = submit(r, a.authURL, url.Values{"decision": {"approve"}, "approve_scope": {"write"}}, cookie)
		tok, err := cfg.Exchange(ctx, codeFrom(r, a, resp, page), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		if tok.Extra("scope") != "read write" {
			t.Errorf("scope %v, want read write", tok.Extra("scope"))
		}
		grants, _ := access.New(db).ListGrants(ctx, fx.Store.ID)
		if len(grants) != 1 || grants[0].ApprovedBy.Email != "jane@acme.com" || grants[0].ClientName != "ChatGPT" {
			t.Errorf("grants %+v", grants)
		}
		// A stale cookie approves nothing.
		if _, err := access.New(db).SignOut(ctx, sess.Secret); err != nil {
			t.Fatal(err)
		}
		a = startAuthorize(r, d, cfg)
		if resp, _ := submit(r, a.authURL, url.Values{"decision": {"approve"}}, cookie); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("approval with an ended session: %d", resp.StatusCode)
		}
	})
}

func TestClientIDMetadataDocument(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fx := storagetest.SeedStore(t, db, "acme.myshopify.com")
		jane, err := access.New(db).AddMember(ctx, fx.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, access.Person{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		var hits atomic.Int32
		docs := map[string]func(self string) any{
			"/client.json": func(self string) any {
				return map[string]any{"client_id": self, "client_name": "ChatGPT", "redirect_uris": []string{redirectURI}, "token_endpoint_auth_method": "none"}
			},
			"/wrong-id.json": func(string) any {
				return map[string]any{"client_id": "https://elsewhere.example/client.json", "redirect_uris": []string{redirectURI}}
			},
			"/secret.json": func(self string) any {
				return map[string]any{"client_id": self, "redirect_uris": []string{redirectURI}, "token_endpoint_auth_method": "client_secret_basic"}
			},
			"/huge.json": func(self string) any {
				return map[string]any{"client_id": self, "redirect_uris": []string{redirectURI}, "pad": strings.Repeat("x", 70<<10)}
			},
		}
		var meta *httptest.Server
		meta = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			hits.Add(1)
			if req.URL.Path == "/redirect.json" {
				http.Redirect(w, req, "/client.json", http.StatusFound)
				return
			}
			doc, ok := docs[req.URL.Path]
			if !ok {
				http.NotFound(w, req)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc(meta.URL + req.URL.Path))
		}))
		defer meta.Close()
		pool := x509.NewCertPool()
		pool.AddCert(meta.Certificate())

		// Production settings refuse a document on a private address
		// before connecting to it.
		strict := newRig(t, db, oauth.MetadataFetch{RootCAs: pool})
		sd := discover(strict)
		a := startAuthorize(strict, sd, oauthConfig(sd, meta.URL+"/client.json"))
		if resp, page := strict.get(a.authURL); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "non-public address") || hits.Load() != 0 {
			t.Errorf("metadata on loopback: %d, %d fetches\n%s", resp.StatusCode, hits.Load(), page)
		}

		r := newRig(t, db, oauth.MetadataFetch{AllowPrivateAddresses: true, RootCAs: pool})
		d := discover(r)
		for _, bad := range []string{"/wrong-id.json", "/secret.json", "/huge.json", "/redirect.json", "/missing.json"} {
			a := startAuthorize(r, d, oauthConfig(d, meta.URL+bad))
			if resp, _ := r.get(a.authURL); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("metadata document %s: %d, want refused", bad, resp.StatusCode)
			}
		}
		// http:// client ids are not metadata documents.
		a = startAuthorize(r, d, oauthConfig(d, strings.Replace(meta.URL, "https", "http", 1)+"/client.json"))
		if resp, _ := r.get(a.authURL); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("an http client id: %d", resp.StatusCode)
		}

		cfg := oauthConfig(d, meta.URL+"/client.json")
		a = startAuthorize(r, d, cfg)
		resp, page := r.get(a.authURL)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Connect ChatGPT to Logistified") {
			t.Fatalf("authorize with a metadata document: %d\n%s", resp.StatusCode, page)
		}
		tok, err := cfg.Exchange(ctx, approveWithCode(r, a, connectionCode(r, fx.Store.ID, jane, "")), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		if st := initialize(r, tok.AccessToken); st != http.StatusOK {
			t.Errorf("initialize: %d", st)
		}
		grants, _ := access.New(db).ListGrants(ctx, fx.Store.ID)
		if len(grants) != 1 || grants[0].ClientID != meta.URL+"/client.json" || grants[0].ClientName != "ChatGPT" {
			t.Errorf("grants %+v", grants)
		}
	})
}

func urlValues(q string) (url.Values, error) { return url.ParseQuery(q) }

// Registering is open to anyone, so each address gets sixty, then one
// every six seconds: the next gets 429 with Retry-After and nothing is
// stored.
func TestRegistrationsPerAddressAreLimited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, oauth.MetadataFetch{})
		d := discover(r)
		for i := range 60 {
			registerDCR(r, d, fmt.Sprintf("App %d", i), redirectURI)
		}
		req, _ := http.NewRequest(http.MethodPost, d.register, strings.NewReader(`{"client_name":"one more","redirect_uris":["`+redirectURI+`"]}`))
		req.Header.Set("Content-Type", "application/json")
		resp, body := r.do(req)
		var out map[string]string
		_ = json.Unmarshal([]byte(body), &out)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || out["error_description"] == "" {
			t.Fatalf("61st registration: %d %s", resp.StatusCode, body)
		}
		var n int
		if err := db.Backend().QueryRow(context.Background(), `SELECT COUNT(*) FROM oauth_clients`).Scan(&n); err != nil || n != 60 {
			t.Errorf("%d apps stored, %v; want the 60 registered", n, err)
		}
	})
}

func TestRegistrationRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, oauth.MetadataFetch{})
		d := discover(r)
		for _, tc := range []struct{ name, ctype, body, errName string }{
			{"not JSON", "text/plain", `{"redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata"},
			{"garbage", "application/json", `{"redirect_uris":`, "invalid_client_metadata"},
			{"no redirect URIs", "application/json", `{"client_name":"x"}`, "invalid_redirect_uri"},
			{"http redirect", "application/json", `{"redirect_uris":["http://evil.example/cb"]}`, "invalid_redirect_uri"},
			{"javascript redirect", "application/json", `{"redirect_uris":["javascript:alert(1)"]}`, "invalid_redirect_uri"},
			{"fragment", "application/json", `{"redirect_uris":["https://a.example/cb#x"]}`, "invalid_redirect_uri"},
			{"relative", "application/json", `{"redirect_uris":["/cb"]}`, "invalid_redirect_uri"},
			{"implicit grant", "application/json", `{"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]}`, "invalid_client_metadata"},
			{"token response", "application/json", `{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, "invalid_client_metadata"},
			{"too many", "application/json", `{"redirect_uris":["https://a.example/1","https://a.example/2","https://a.example/3","https://a.example/4","https://a.example/5","https://a.example/6","https://a.example/7","https://a.example/8","https://a.example/9","https://a.example/10","https://a.example/11"]}`, "invalid_redirect_uri"},
			{"huge", "application/json", `{"client_name":"` + strings.Repeat("x", 70<<10) + `","redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, d.register, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", tc.ctype)
				resp, body := r.do(req)
				var out map[string]string
				_ = json.Unmarshal([]byte(body), &out)
				if resp.StatusCode != http.StatusBadRequest || out["error"] != tc.errName || out["error_description"] == "" {
					t.Errorf("%d %s", resp.StatusCode, body)
				}
			})
		}
		// A hostile name is stored cleaned and shown escaped.
		id := registerDCR(r, d, "<script>alert(1)</script>\x07Evil", redirectURI)
		cfg := oauthConfig(d, id)
		a := startAuthorize(r, d, cfg)
		resp, page := r.get(a.authURL)
		if resp.StatusCode != http.StatusOK || strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;Evil") {
			t.Errorf("hostile client name rendered as:\n%s", page)
		}
		// The token endpoint caps its body.
		req, _ := http.NewRequest(http.MethodPost, d.token, strings.NewReader("grant_type=authorization_code&code="+strings.Repeat("x", 100<<10)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, _ := r.do(req); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a huge token request: %d", resp.StatusCode)
		}
	})
}
