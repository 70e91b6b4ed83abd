package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The protocol's corner cases (RFC 6749 with OAuth 2.1's rules, RFC 7636,
// RFC 7009, RFC 9700), each as an app, or someone holding what an app
// holds, would meet them at the endpoints.

// clock is a database clock the test can move forward.
type clock struct{ offset atomic.Int64 }

func newClock() *clock                   { return &clock{} }
func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) reset()                  { c.offset.Store(0) }
func (c *clock) option() storage.Option  { return storage.WithClock(c.now) }

// post sends a form to an endpoint and returns the status, the headers
// and the JSON body (nil when there is none).
func post(r *rig, endpoint string, form url.Values) (int, http.Header, map[string]any) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := r.do(req)
	var out map[string]any
	if body != "" {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			r.t.Fatalf("POST %s: %d, not JSON: %q", endpoint, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, resp.Header, out
}

// checkError checks an error response of the token or revocation
// endpoint against RFC 6749 §5.2: the status, the error code, a
// description, JSON, never cached.
func checkError(t *testing.T, status int, h http.Header, out map[string]any, wantStatus int, wantErr string) {
	t.Helper()
	if status != wantStatus || out["error"] != wantErr {
		t.Errorf("status %d, body %v; want %d %s", status, out, wantStatus, wantErr)
	}
	if d, _ := out["error_description"].(string); d == "" {
		t.Errorf("%s without error_description", wantErr)
	}
	if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("error response headers: Cache-Control %q, Pragma %q, Content-Type %q", h.Get("Cache-Control"), h.Get("Pragma"), h.Get("Content-Type"))
	}
}

// codeForm is the token request that redeems code with verifier, as the
// app of cfg sends it.
func codeForm(cfg *oauth2.Config, code, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {cfg.RedirectURL}, "client_id": {cfg.ClientID}}
}

func refreshForm(cfg *oauth2.Config, token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {cfg.ClientID}}
}

// tokens is a successful token response.
type tokens struct{ access, refresh, scope string }

func tokensFrom(r *rig, status int, out map[string]any) tokens {
	r.t.Helper()
	if status != http.StatusOK {
		r.t.Fatalf("token request: %d %v", status, out)
	}
	tk := tokens{}
	tk.access, _ = out["access_token"].(string)
	tk.refresh, _ = out["refresh_token"].(string)
	tk.scope, _ = out["scope"].(string)
	if !strings.HasPrefix(tk.access, "lsto_") || !strings.HasPrefix(tk.refresh, "lstr_") || !strings.EqualFold(out["token_type"].(string), "bearer") ||
		out["expires_in"] != float64(3600) {
		r.t.Fatalf("token response %v", out)
	}
	r.remember(tk.access, tk.refresh)
	return tk
}

// newCode runs an approval through the page for the app of cfg with a
// PKCE verifier of the test's choosing and returns the code.
func newCode(p approvalSetup, cfg *oauth2.Config, verifier string) string {
	p.r.t.Helper()
	a := approval{state: oauth2.GenerateVerifier()[:24], verifier: verifier}
	p.r.remember(verifier)
	a.authURL = cfg.AuthCodeURL(a.state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", p.d.resource))
	return approveWithCode(p.r, a, connectionCode(p.r, p.fx.Store.ID, p.jane, ""))
}

// connect runs a whole connection and returns its tokens.
func connect(p approvalSetup, cfg *oauth2.Config) tokens {
	p.r.t.Helper()
	v := oauth2.GenerateVerifier()
	status, _, out := post(p.r, p.d.token, codeForm(cfg, newCode(p, cfg, v), v))
	return tokensFrom(p.r, status, out)
}

// works reports whether an access token still opens /mcp.
func works(r *rig, access string) bool {
	r.t.Helper()
	switch st := initialize(r, access); st {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	default:
		r.t.Fatalf("initialize: %d", st)
		return false
	}
}

func grantRevoked(t *testing.T, db *storage.DB, storeID int64) bool {
	t.Helper()
	grants, err := access.New(db).ListGrants(context.Background(), storeID)
	if err != nil || len(grants) == 0 {
		t.Fatalf("grants: %v %v", grants, err)
	}
	return grants[len(grants)-1].Revoked()
}

func TestCodeRedemptionRefusals(t *testing.T) {
	c := newClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, cfg := p.r, p.cfg
		other := oauthConfig(p.d, registerDCR(r, p.d, "Other app", redirectURI))
		good := oauth2.GenerateVerifier()
		unknown, _ := keys.AuthorizationCode.Generate()
		for _, tc := range []struct {
			name string
			// verifier, when set, is the one the app made its challenge
			// from and sends: only its form can be refused.
			verifier string
			edit     func(f url.Values)
			advance  time.Duration
			status   int
			errName  string
			// spent: the code no longer works with the right request.
			spent bool
		}{
			{name: "wrong verifier", edit: func(f url.Values) { f.Set("code_verifier", oauth2.GenerateVerifier()) },
				status: 400, errName: "invalid_grant"},
			{name: "no verifier", edit: func(f url.Values) { f.Del("code_verifier") }, status: 400, errName: "invalid_request"},
			{name: "verifier of 42 characters", verifier: strings.Repeat("a", 42), status: 400, errName: "invalid_grant"},
			{name: "verifier of 129 characters", verifier: strings.Repeat("a", 129), status: 400, errName: "invalid_grant"},
			{name: "verifier with a space", verifier: strings.Repeat("a", 42) + " ", status: 400, errName: "invalid_grant"},
			{name: "verifier with +", verifier: strings.Repeat("a", 42) + "+", status: 400, errName: "invalid_grant"},
			{name: "verifier with /", verifier: strings.Repeat("a", 42) + "/", status: 400, errName: "invalid_grant"},
			{name: "verifier with =", verifier: strings.Repeat("a", 42) + "=", status: 400, errName: "invalid_grant"},
			{name: "verifier with é", verifier: strings.Repeat("a", 41) + "é", status: 400, errName: "invalid_grant"},
			{name: "redirect URI with a trailing slash", edit: func(f url.Values) { f.Set("redirect_uri", redirectURI+"/") },
				status: 400, errName: "invalid_grant"},
			{name: "redirect URI in another case", edit: func(f url.Values) { f.Set("redirect_uri", strings.ToUpper(redirectURI)) },
				status: 400, errName: "invalid_grant"},
			{name: "redirect URI with a query", edit: func(f url.Values) { f.Set("redirect_uri", redirectURI+"?a=1") },
				status: 400, errName: "invalid_grant"},
			{name: "no redirect URI", edit: func(f url.Values) { f.Del("redirect_uri") }, status: 400, errName: "invalid_grant"},
			{name: "another client", edit: func(f url.Values) { f.Set("client_id", other.ClientID) }, status: 400, errName: "invalid_grant"},
			{name: "no client", edit: func(f url.Values) { f.Del("client_id") }, status: 401, errName: "invalid_client"},
			{name: "unknown client", edit: func(f url.Values) { f.Set("client_id", "lsc_nobody") }, status: 401, errName: "invalid_client"},
			{name: "malformed code", edit: func(f url.Values) { f.Set("code", "lstc_nope") }, status: 400, errName: "invalid_grant"},
			{name: "unknown code", edit: func(f url.Values) { f.Set("code", unknown.Secret) }, status: 400, errName: "invalid_grant"},
			{name: "no code", edit: func(f url.Values) { f.Del("code") }, status: 400, errName: "invalid_request"},
			{name: "access token as code", edit: func(f url.Values) { f.Set("code", strings.Replace(unknown.Secret, "lstc_", "lsto_", 1)) },
				status: 400, errName: "invalid_grant"},
			{name: "no grant type", edit: func(f url.Values) { f.Del("grant_type") }, status: 400, errName: "invalid_request"},
			{name: "password grant", edit: func(f url.Values) { f.Set("grant_type", "password") }, status: 400, errName: "unsupported_grant_type"},
			{name: "client credentials grant", edit: func(f url.Values) { f.Set("grant_type", "client_credentials") },
				status: 400, errName: "unsupported_grant_type"},
			{name: "code given twice", edit: func(f url.Values) { f.Add("code", f.Get("code")) }, status: 400, errName: "invalid_request"},
			{name: "another resource", edit: func(f url.Values) { f.Set("resource", "https://other.example/mcp") },
				status: 400, errName: "invalid_target"},
			{name: "expired code", advance: access.AuthorizationCodeTTL, status: 400, errName: "invalid_grant", spent: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				defer c.reset()
				verifier := good
				if tc.verifier != "" {
					verifier = tc.verifier
				}
				code := newCode(p, cfg, verifier)
				f := codeForm(cfg, code, verifier)
				if tc.edit != nil {
					tc.edit(f)
				}
				c.advance(tc.advance)
				status, h, out := post(r, p.d.token, f)
				checkError(t, status, h, out, tc.status, tc.errName)
				if tc.spent || tc.verifier != "" {
					return
				}
				// Refused before it was spent: the right request still
				// redeems it, once.
				status, _, out = post(r, p.d.token, codeForm(cfg, code, verifier))
				tk := tokensFrom(r, status, out)
				if !works(r, tk.access) {
					t.Error("the code's access token does not work")
				}
			})
		}
		if len(r.secrets) == 0 {
			t.Fatal("nothing remembered")
		}
	}, c.option())
}

// Both the wrong verifier's refusal and the plain method's are worded for
// the app's developer.
func TestPKCERefusalsSayWhy(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		for _, tc := range []struct{ verifier, sent, says string }{
			{oauth2.GenerateVerifier(), oauth2.GenerateVerifier(), "did not match the code verifier"},
			{strings.Repeat("a", 42), "", "43 to 128 characters"},
			{strings.Repeat("a", 42) + "+", "", "only letters, digits and - . _ ~"},
		} {
			sent := tc.sent
			if sent == "" {
				sent = tc.verifier
			}
			_, _, out := post(p.r, p.d.token, codeForm(p.cfg, newCode(p, p.cfg, tc.verifier), sent))
			if d, _ := out["error_description"].(string); !strings.Contains(d, tc.says) {
				t.Errorf("%v: want it to say %q", out, tc.says)
			}
		}
	})
}

// A code presented again after it was redeemed, by anyone and however,
// ends every token it issued (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
func TestCodeReuseRevokesTheGrant(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, cfg := p.r, p.cfg
		other := oauthConfig(p.d, registerDCR(r, p.d, "Other app", redirectURI))
		for _, tc := range []struct {
			name  string
			again func(f url.Values)
		}{
			{"with its verifier", func(url.Values) {}},
			{"with a wrong verifier", func(f url.Values) { f.Set("code_verifier", oauth2.GenerateVerifier()) }},
			{"without a verifier", func(f url.Values) { f.Del("code_verifier") }},
			{"by another client", func(f url.Values) { f.Set("client_id", other.ClientID) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v := oauth2.GenerateVerifier()
				code := newCode(p, cfg, v)
				status, _, out := post(r, p.d.token, codeForm(cfg, code, v))
				tk := tokensFrom(r, status, out)
				// The app has refreshed once: the grant's current tokens
				// are not the ones the code issued, and end all the same.
				status, _, out = post(r, p.d.token, refreshForm(cfg, tk.refresh))
				tk = tokensFrom(r, status, out)
				if !works(r, tk.access) {
					t.Fatal("a fresh access token does not work")
				}
				f := codeForm(cfg, code, v)
				tc.again(f)
				status, h, out := post(r, p.d.token, f)
				checkError(t, status, h, out, 400, "invalid_grant")
				if works(r, tk.access) {
					t.Error("after the code's reuse its grant's access token still works")
				}
				status, h, out = post(r, p.d.token, refreshForm(cfg, tk.refresh))
				checkError(t, status, h, out, 400, "invalid_grant")
				if !grantRevoked(t, db, p.fx.Store.ID) {
					t.Error("the grant is not revoked")
				}
			})
		}
		log, _ := db.AuditLog(context.Background(), p.fx.Store.ID, 50)
		var revoked int
		for _, e := range log {
			if e.Action == "app.revoke" && strings.Contains(e.Detail, "authorization code was presented a second time") {
				revoked++
			}
		}
		if revoked != 4 {
			t.Errorf("%d revocations audited for a reused code, want 4", revoked)
		}
	})
}

// A rotated refresh token presented again, however long ago it was
// rotated, ends the whole family: every token of the grant (RFC 9700
// §4.14.2).
func TestRefreshReuseRevokesTheFamily(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, cfg := p.r, p.cfg
		for _, tc := range []struct {
			name      string
			rotations int
			reuse     int // which generation is presented again: 0 is the first
		}{
			{"parent after one rotation", 1, 0},
			{"parent after two rotations", 2, 1},
			{"grandparent after two rotations", 2, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				gens := []tokens{connect(p, cfg)}
				for range tc.rotations {
					status, _, out := post(r, p.d.token, refreshForm(cfg, gens[len(gens)-1].refresh))
					gens = append(gens, tokensFrom(r, status, out))
				}
				current := gens[len(gens)-1]
				for i, g := range gens[:len(gens)-1] {
					if works(r, g.access) {
						t.Errorf("generation %d's access token outlived its rotation", i)
					}
				}
				if !works(r, current.access) {
					t.Fatal("the current access token does not work")
				}
				status, h, out := post(r, p.d.token, refreshForm(cfg, gens[tc.reuse].refresh))
				checkError(t, status, h, out, 400, "invalid_grant")
				if works(r, current.access) {
					t.Error("after refresh token reuse the current access token still works")
				}
				status, h, out = post(r, p.d.token, refreshForm(cfg, current.refresh))
				checkError(t, status, h, out, 400, "invalid_grant")
				if !grantRevoked(t, db, p.fx.Store.ID) {
					t.Error("the grant is not revoked")
				}
			})
		}
	})
}

func TestRefreshRefusals(t *testing.T) {
	c := newClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, cfg := p.r, p.cfg
		other := oauthConfig(p.d, registerDCR(r, p.d, "Other app", redirectURI))
		unknown, _ := keys.RefreshToken.Generate()
		for _, tc := range []struct {
			name    string
			edit    func(f url.Values, tk tokens)
			advance time.Duration
			status  int
			errName string
			spent   bool
		}{
			{name: "another client", edit: func(f url.Values, _ tokens) { f.Set("client_id", other.ClientID) }, status: 400, errName: "invalid_grant"},
			{name: "a scope not granted", edit: func(f url.Values, _ tokens) { f.Set("scope", "read write") }, status: 400, errName: "invalid_scope"},
			{name: "an unknown scope", edit: func(f url.Values, _ tokens) { f.Set("scope", "admin") }, status: 400, errName: "invalid_scope"},
			{name: "unknown token", edit: func(f url.Values, _ tokens) { f.Set("refresh_token", unknown.Secret) }, status: 400, errName: "invalid_grant"},
			{name: "malformed token", edit: func(f url.Values, _ tokens) { f.Set("refresh_token", "lstr_nope") }, status: 400, errName: "invalid_grant"},
			{name: "access token", edit: func(f url.Values, tk tokens) { f.Set("refresh_token", tk.access) }, status: 400, errName: "invalid_grant"},
			{name: "no token", edit: func(f url.Values, _ tokens) { f.Del("refresh_token") }, status: 400, errName: "invalid_request"},
			{name: "expired token", advance: access.RefreshTokenTTL, status: 400, errName: "invalid_grant", spent: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				defer c.reset()
				tk := connect(p, cfg)
				f := refreshForm(cfg, tk.refresh)
				if tc.edit != nil {
					tc.edit(f, tk)
				}
				c.advance(tc.advance)
				status, h, out := post(r, p.d.token, f)
				checkError(t, status, h, out, tc.status, tc.errName)
				if tc.spent {
					return
				}
				// Refused without rotating: the token still refreshes, and
				// the grant stands.
				status, _, out = post(r, p.d.token, refreshForm(cfg, tk.refresh))
				if fresh := tokensFrom(r, status, out); !works(r, fresh.access) || fresh.scope != "read" {
					t.Errorf("after a refused refresh: scope %q", fresh.scope)
				}
			})
		}
		// Asking for the scope granted, or less, is not a refusal.
		tk := connect(p, cfg)
		f := refreshForm(cfg, tk.refresh)
		f.Set("scope", "read")
		status, _, out := post(r, p.d.token, f)
		tokensFrom(r, status, out)
	}, c.option())
}

// The revocation endpoint (RFC 7009): an app ends its own grant with its
// access or refresh token; whatever is unknown is answered 200 (§2.2).
func TestRevocationEndpoint(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, cfg := p.r, p.cfg
		other := oauthConfig(p.d, registerDCR(r, p.d, "Other app", redirectURI))
		unknownRefresh, _ := keys.RefreshToken.Generate()
		unknownAccess, _ := keys.AccessToken.Generate()
		for _, tc := range []struct {
			name    string
			form    func(tk tokens) url.Values
			status  int
			errName string
			revokes bool
		}{
			{name: "own refresh token", revokes: true, status: 200,
				form: func(tk tokens) url.Values { return url.Values{"token": {tk.refresh}, "client_id": {cfg.ClientID}} }},
			{name: "own access token", revokes: true, status: 200,
				form: func(tk tokens) url.Values { return url.Values{"token": {tk.access}, "client_id": {cfg.ClientID}} }},
			{name: "own refresh token with a wrong hint", revokes: true, status: 200, form: func(tk tokens) url.Values {
				return url.Values{"token": {tk.refresh}, "token_type_hint": {"access_token"}, "client_id": {cfg.ClientID}}
			}},
			{name: "unknown refresh token", status: 200,
				form: func(tokens) url.Values {
					return url.Values{"token": {unknownRefresh.Secret}, "client_id": {cfg.ClientID}}
				}},
			{name: "unknown access token", status: 200,
				form: func(tokens) url.Values {
					return url.Values{"token": {unknownAccess.Secret}, "client_id": {cfg.ClientID}}
				}},
			{name: "malformed token", status: 200,
				form: func(tokens) url.Values { return url.Values{"token": {"not-a-token"}, "client_id": {cfg.ClientID}} }},
			{name: "unknown hint", status: 200,
				form: func(tokens) url.Values {
					return url.Values{"token": {unknownRefresh.Secret}, "token_type_hint": {"id_token"}, "client_id": {cfg.ClientID}}
				}},
			{name: "no token", status: 400, errName: "invalid_request",
				form: func(tokens) url.Values { return url.Values{"client_id": {cfg.ClientID}} }},
			{name: "no client", status: 401, errName: "invalid_client",
				form: func(tk tokens) url.Values { return url.Values{"token": {tk.refresh}} }},
			{name: "unknown client", status: 401, errName: "invalid_client",
				form: func(tk tokens) url.Values { return url.Values{"token": {tk.refresh}, "client_id": {"lsc_nobody"}} }},
			{name: "another client's token", status: 400, errName: "unauthorized_client",
				form: func(tk tokens) url.Values { return url.Values{"token": {tk.refresh}, "client_id": {other.ClientID}} }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tk := connect(p, cfg)
				status, h, out := post(r, p.d.revoke, tc.form(tk))
				if tc.errName != "" {
					checkError(t, status, h, out, tc.status, tc.errName)
				} else if status != tc.status || h.Get("Cache-Control") != "no-store" {
					t.Errorf("status %d, Cache-Control %q, body %v; want %d", status, h.Get("Cache-Control"), out, tc.status)
				}
				if works(r, tk.access) == tc.revokes {
					t.Errorf("after revocation the access token works: %v, want %v", !tc.revokes, !tc.revokes)
				}
				if grantRevoked(t, db, p.fx.Store.ID) != tc.revokes {
					t.Errorf("grant revoked: %v, want %v", !tc.revokes, tc.revokes)
				}
				st, _, _ := post(r, p.d.token, refreshForm(cfg, tk.refresh))
				if (st == http.StatusOK) == tc.revokes {
					t.Errorf("after revocation the refresh token refreshes: %d", st)
				}
				if tc.revokes {
					// Revoking it again is no error either.
					if status, _, out := post(r, p.d.revoke, tc.form(tk)); status != http.StatusOK {
						t.Errorf("revoking a revoked token: %d %v", status, out)
					}
				}
			})
		}
	})
}

// Redirect URIs are compared by exact string (OAuth 2.1 §2.3.1, RFC 9700
// §4.1.3): any other URI, however close, gets the page, and nothing is
// sent to it.
func TestRedirectURIExactMatch(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r := p.r
		const registered = "https://app.example/cb?tenant=7"
		cfg := oauthConfig(p.d, registerDCR(r, p.d, "Query app", registered, "http://127.0.0.1:8080/cb"))
		for _, tc := range []struct {
			name, uri string
			ok        bool
		}{
			{"the registered URI", registered, true},
			{"the registered loopback URI", "http://127.0.0.1:8080/cb", true},
			{"trailing slash", "https://app.example/cb/?tenant=7", false},
			{"trailing slash after the query", registered + "/", false},
			{"host in another case", "https://APP.example/cb?tenant=7", false},
			{"path in another case", "https://app.example/CB?tenant=7", false},
			{"scheme in another case", "HTTPS://app.example/cb?tenant=7", false},
			{"an extra query parameter", registered + "&a=1", false},
			{"the query left out", "https://app.example/cb", false},
			{"another query value", "https://app.example/cb?tenant=8", false},
			{"an explicit default port", "https://app.example:443/cb?tenant=7", false},
			{"a percent-encoded path", "https://app.example/%63b?tenant=7", false},
			{"a fragment", registered + "#x", false},
			{"another loopback port", "http://127.0.0.1:8081/cb", false},
			{"localhost for 127.0.0.1", "http://localhost:8080/cb", false},
			{"a subdomain", "https://evil.app.example/cb?tenant=7", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := *cfg
				c.RedirectURL = tc.uri
				a := startAuthorize(r, p.d, &c)
				resp, page := r.get(a.authURL)
				if !tc.ok {
					if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "not one the app registered") {
						t.Errorf("%q: %d Location %q", tc.uri, resp.StatusCode, resp.Header.Get("Location"))
					}
					// Nor does a posted approval send anything there.
					if resp, _ := submit(r, a.authURL, url.Values{"decision": {"deny"}}); resp.Header.Get("Location") != "" {
						t.Errorf("%q: a denial redirected to %q", tc.uri, resp.Header.Get("Location"))
					}
					return
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%q: %d", tc.uri, resp.StatusCode)
				}
				resp, _ = submit(r, a.authURL, url.Values{"connection_code": {connectionCode(r, p.fx.Store.ID, p.jane, "")}, "decision": {"approve"}})
				loc := resp.Header.Get("Location")
				// The registered query is kept as it is; code and state
				// are added to it.
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, tc.uri+map[bool]string{true: "&", false: "?"}[strings.Contains(tc.uri, "?")]) {
					t.Fatalf("approval: %d Location %q", resp.StatusCode, loc)
				}
				u, _ := url.Parse(loc)
				code := u.Query().Get("code")
				r.remember(code)
				if u.Query().Get("state") != a.state || code == "" {
					t.Fatalf("approval redirected to %q", loc)
				}
				status, _, out := post(r, p.d.token, codeForm(&c, code, a.verifier))
				tokensFrom(r, status, out)
			})
		}
	})
}

// Authorization requests that are refused back to the app (RFC 6749
// §4.1.2.1): its redirect URI is trusted, so the error goes there, with
// the state.
func TestAuthorizeRequestRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, a := p.r, p.a
		for _, tc := range []struct {
			name    string
			edit    func(q url.Values)
			errName string
		}{
			{"token response type", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
			{"no response type", func(q url.Values) { q.Del("response_type") }, "invalid_request"},
			{"fragment response mode", func(q url.Values) { q.Set("response_mode", "fragment") }, "invalid_request"},
			{"short state", func(q url.Values) { q.Set("state", "1234567") }, "invalid_request"},
			{"no state", func(q url.Values) { q.Del("state") }, "invalid_request"},
			{"state twice", func(q url.Values) { q.Add("state", q.Get("state")) }, "invalid_request"},
			{"challenge twice", func(q url.Values) { q.Add("code_challenge", q.Get("code_challenge")) }, "invalid_request"},
			{"challenge too short", func(q url.Values) { q.Set("code_challenge", q.Get("code_challenge")[:42]) }, "invalid_request"},
			{"challenge not base64url", func(q url.Values) { q.Set("code_challenge", q.Get("code_challenge")[:42]+"+") }, "invalid_request"},
			{"plain method", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
			{"no method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
			{"lower-case method", func(q url.Values) { q.Set("code_challenge_method", "s256") }, "invalid_request"},
			{"request object", func(q url.Values) { q.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "invalid_request"},
			{"one scope unknown", func(q url.Values) { q.Set("scope", "read admin") }, "invalid_scope"},
			{"a second resource", func(q url.Values) { q.Add("resource", "https://other.example/mcp") }, "invalid_target"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, _ := url.Parse(a.authURL)
				q := u.Query()
				tc.edit(q)
				u.RawQuery = q.Encode()
				resp, body := r.get(u.String())
				loc, err := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), redirectURI+"?") ||
					loc.Query().Get("error") != tc.errName || loc.Query().Get("error_description") == "" {
					t.Fatalf("status %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
				}
				if st := q.Get("state"); len(q["state"]) == 1 && loc.Query().Get("state") != st {
					t.Errorf("the error carries state %q, want %q", loc.Query().Get("state"), st)
				}
				if resp.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
				}
			})
		}
		// Nothing was granted by any of them.
		if grants, _ := access.New(db).ListGrants(context.Background(), p.fx.Store.ID); len(grants) != 0 {
			t.Errorf("%d grants", len(grants))
		}
	})
}

// A public client may name itself as the user of HTTP Basic
// authentication instead of by client_id in the body (RFC 6749 §2.3.1),
// as some OAuth libraries do by default.
func TestClientNamedByBasicAuth(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := approvalPage(t, db)
		r, cfg := p.r, p.cfg
		other := oauthConfig(p.d, registerDCR(r, p.d, "Other app", redirectURI))
		for _, tc := range []struct {
			name, user, body string
			status           int
			errName          string
		}{
			{"header only", cfg.ClientID, "", 200, ""},
			{"header and the same body", cfg.ClientID, cfg.ClientID, 200, ""},
			{"header and another body", cfg.ClientID, other.ClientID, 400, "invalid_request"},
			{"unknown client in the header", "lsc_nobody", "", 401, "invalid_client"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v := oauth2.GenerateVerifier()
				f := codeForm(cfg, newCode(p, cfg, v), v)
				f.Del("client_id")
				if tc.body != "" {
					f.Set("client_id", tc.body)
				}
				req, _ := http.NewRequest(http.MethodPost, p.d.token, strings.NewReader(f.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(url.QueryEscape(tc.user), "")
				resp, body := r.do(req)
				var out map[string]any
				_ = json.Unmarshal([]byte(body), &out)
				if tc.errName == "" {
					tokensFrom(r, resp.StatusCode, out)
					return
				}
				checkError(t, resp.StatusCode, resp.Header, out, tc.status, tc.errName)
				if tc.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
					t.Errorf("invalid_client after Basic authentication without WWW-Authenticate: %q", resp.Header.Get("WWW-Authenticate"))
				}
			})
		}
	})
}
