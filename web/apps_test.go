package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/web"
)

var (
	// A connection code as the page shows it.
	codeShape = regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z0-9]{4}$`)
	// connectionCodePattern finds one in a page or a log (its alphabet).
	connectionCodePattern = regexp.MustCompile(`\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b`)
	// tokenPattern finds an OAuth access or refresh token, or a code.
	tokenPattern = regexp.MustCompile(`lst[ocr]_[0-9A-Za-z]{38}`)
)

const appRedirect = "https://claude.ai/api/mcp/auth_callback"

// connect makes a connection code through the page and returns it from
// the banner, with the page.
func (c *client) connect(scope string) (string, string) {
	c.e.t.Helper()
	_, body := c.postRedirectGet("/keys/connect", url.Values{"scope": {scope}})
	m := regexp.MustCompile(`id="connection-code"[^>]*>([^<]+)<`).FindStringSubmatch(body)
	if m == nil || !codeShape.MatchString(m[1]) {
		c.e.t.Fatalf("the page after making a connection code shows none: %s", body)
	}
	remember(m[1], strings.ReplaceAll(m[1], "-", ""))
	return m[1], body
}

// registerApp registers a web-chat app by dynamic registration, as
// claude.ai does, and returns its OAuth configuration.
func (e *env) registerApp(name string) *oauth2.Config {
	e.t.Helper()
	return e.registerAppAt(name, appRedirect)
}

// registerAppAt is registerApp with the app's redirect URI.
func (e *env) registerAppAt(name, redirect string) *oauth2.Config {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": []string{redirect},
		"grant_types": []string{"authorization_code", "refresh_token"}, "token_endpoint_auth_method": "none"})
	resp, err := e.srv.Client().Post(e.srv.URL+"/oauth/register", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("registering %s: %d %v", name, resp.StatusCode, err)
	}
	return &oauth2.Config{ClientID: out.ClientID, RedirectURL: redirect, Scopes: []string{"read", "write"},
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/oauth/authorize", TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
}

// authorization is one run of an app through the approval page (a
// minimal PKCE client, as claude.ai's).
type authorization struct {
	cfg             *oauth2.Config
	state, verifier string
	path            string // /oauth/authorize?…
}

func (e *env) startAuthorization(cfg *oauth2.Config) authorization {
	a := authorization{cfg: cfg, state: oauth2.GenerateVerifier()[:20], verifier: oauth2.GenerateVerifier()}
	remember(a.verifier)
	u, _ := url.Parse(cfg.AuthCodeURL(a.state, oauth2.S256ChallengeOption(a.verifier), oauth2.SetAuthURLParam("resource", e.resource())))
	a.path = u.Path + "?" + u.RawQuery
	return a
}

// resource is the /mcp URL tokens are issued for.
func (e *env) resource() string { return e.srv.URL + "/mcp" }

// approve posts the approval page's form in browser c and returns the
// app's tokens; a non-redirect answer fails the test.
func (c *client) approve(a authorization, form url.Values) *oauth2.Token {
	c.e.t.Helper()
	resp, page := c.post(a.path, form)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound || err != nil ||
		loc.Query().Get("state") != a.state || loc.Query().Get("code") == "" {
		c.e.t.Fatalf("approval answered %d (Location %q):\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	remember(loc.Query().Get("code"))
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.e.srv.Client())
	tok, err := a.cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(a.verifier))
	if err != nil {
		c.e.t.Fatalf("exchanging the code: %v", err)
	}
	remember(tok.AccessToken, tok.RefreshToken)
	return tok
}

// refresh uses a refresh token, as the app does when its access token
// expires.
func (e *env) refresh(cfg *oauth2.Config, tok *oauth2.Token) error {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	old := *tok
	old.AccessToken = ""
	next, err := cfg.TokenSource(ctx, &old).Token()
	if err == nil {
		remember(next.AccessToken, next.RefreshToken)
	}
	return err
}

func (e *env) connectionCodes() int {
	e.t.Helper()
	var n int
	if err := e.db.Backend().QueryRow(context.Background(), `SELECT count(*) FROM oauth_connection_codes`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) grants(storeID int64) []access.Grant {
	e.t.Helper()
	list, err := access.New(e.db).ListGrants(context.Background(), storeID)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// usedGrants is grants once the apps' last use is written: it is written
// off the request path.
func (e *env) usedGrants(storeID int64) []access.Grant {
	e.t.Helper()
	for range 500 {
		list := e.grants(storeID)
		if !slices.ContainsFunc(list, func(g access.Grant) bool { return g.LastUsedAt == nil }) {
			return list
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatal("an app's last use was never recorded")
	return nil
}

func TestConnectionCode(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")

		// The page offers the button; the button leads to the scope form.
		_, body := jane.get("/keys")
		for _, want := range []string{"Connected apps", "Connect claude.ai or ChatGPT", "No apps connected yet"} {
			if !strings.Contains(body, want) {
				t.Errorf("the keys page lacks %q", want)
			}
		}
		resp, body := jane.get("/keys/connect")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="connect-title"`) || !strings.Contains(body, "Get connection code") ||
			!regexp.MustCompile(`id="connect-scope-read"[^>]*checked`).MatchString(body) {
			t.Fatalf("the connect form answered %d:\n%s", resp.StatusCode, body)
		}

		// Refusals: a clear message, and no code made.
		visitor := e.client()
		for _, tc := range []struct {
			name    string
			c       *client
			scope   string
			headers []string
			status  int
			want    string
		}{
			{"signed out", visitor, "read", nil, http.StatusUnauthorized, "You are signed out"},
			{"no scope", jane, "", nil, http.StatusUnprocessableEntity, "Choose a scope: Read only or Read &amp; write."},
			{"other scope", jane, "admin", nil, http.StatusUnprocessableEntity, "Choose a scope"},
			{"SQL in the scope", jane, "read' OR '1'='1", nil, http.StatusUnprocessableEntity, "Choose a scope"},
			{"control characters", jane, "read\x00", nil, http.StatusUnprocessableEntity, "Choose a scope"},
			{"huge body", jane, strings.Repeat("read", 8<<10), nil, http.StatusBadRequest, "The form could not be read"},
			{"cross-site", jane, "write", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, "the form came from another site"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := tc.c.post("/keys/connect", url.Values{"scope": {tc.scope}}, tc.headers...)
				if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) || connectionCodePattern.MatchString(body) {
					t.Errorf("answered %d, want %d with %q:\n%s", resp.StatusCode, tc.status, tc.want, body)
				}
				if n := e.connectionCodes(); n != 0 {
					t.Errorf("%d connection codes made", n)
				}
			})
		}

		if resp, body := visitor.get("/keys/connect"); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "Get connection code") {
			t.Errorf("a signed-out visitor's connect form answered %d", resp.StatusCode)
		}

		// A code, once, with the URL to paste.
		resp, _ = jane.post("/keys/connect", url.Values{"scope": {"read"}})
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the code's response has Cache-Control %q", cc)
		}
		code, body := jane.connect("read")
		for _, want := range []string{`role="status"`, "Connection code: Read only", `id="connector-url" class="secret-value">` + e.srv.URL + `/mcp<`, "10 minutes"} {
			if !strings.Contains(body, want) {
				t.Errorf("the code's banner lacks %q", want)
			}
		}
		if _, body := jane.get("/keys"); strings.Contains(body, code) || connectionCodePattern.MatchString(body) {
			t.Error("the keys page shows a connection code again")
		}

		// The code approves an app, once, bound to the store, scope and member.
		cfg := e.registerApp("Claude")
		browser := e.client() // the app's approval page, in a browser not signed in
		tok := browser.approve(e.startAuthorization(cfg), url.Values{"connection_code": {code}, "decision": {"approve"}})
		if code, tools := e.mcpTools(tok.AccessToken); code != http.StatusOK || contains(tools, "create_purchase_order") || !contains(tools, "get_store_overview") {
			t.Errorf("the app's read token over MCP: %d %v", code, tools)
		}
		resp, page := browser.post(e.startAuthorization(cfg).path, url.Values{"connection_code": {code}, "decision": {"approve"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "already used") {
			t.Errorf("a used code answered %d:\n%s", resp.StatusCode, page)
		}
		g := e.usedGrants(e.store.ID)
		if len(g) != 1 || g[0].Scope != "read" || g[0].ApprovedBy.Email != "jane@acme.com" || g[0].ClientName != "Claude" {
			t.Fatalf("grants %+v", g)
		}
		_, body = jane.get("/keys")
		row := regexp.MustCompile(`(?s)<tr id="app-` + strconv.FormatInt(g[0].ID, 10) + `".*?</tr>`).FindString(body)
		for _, want := range []string{"Claude", "Read only", "Jane Doe", "jane@acme.com", `aria-label="Revoke Claude"`, "1 connected"} {
			if !strings.Contains(row+body[strings.Index(body, "Connected apps"):], want) {
				t.Errorf("Connected apps lacks %q:\n%s", want, row)
			}
		}
		// Last used is the app's last request.
		if strings.Contains(row, "Never") {
			t.Errorf("the app's row says it was never used: %s", row)
		}
		// A write code gives a write grant.
		wcode, _ := jane.connect("write")
		wtok := e.client().approve(e.startAuthorization(e.registerApp("ChatGPT")), url.Values{"connection_code": {wcode}, "decision": {"approve"}})
		if code, tools := e.mcpTools(wtok.AccessToken); code != http.StatusOK || !contains(tools, "create_purchase_order") {
			t.Errorf("the app's write token over MCP: %d %v", code, tools)
		}
	})
}

func TestRevokeApp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		code, _ := jane.connect("read")
		cfg := e.registerApp("Claude")
		tok := e.client().approve(e.startAuthorization(cfg), url.Values{"connection_code": {code}, "decision": {"approve"}})
		g := e.grants(e.store.ID)[0]
		id := strconv.FormatInt(g.ID, 10)
		other, _ := e.newStore("other.myshopify.com", "Olga", "olga@other.com")
		olga := e.client()
		olga.signIn(other.ID, "olga@other.com")
		if _, body := olga.get("/keys"); strings.Contains(body, `id="app-`) || !strings.Contains(body, "No apps connected yet") {
			t.Error("a member of another store sees the app")
		}

		// Refusals: nothing revoked.
		for _, tc := range []struct {
			name    string
			c       *client
			id      string
			headers []string
			status  int
			want    string
		}{
			{"another store's app", olga, id, nil, http.StatusNotFound, "No connected app of this store has that id"},
			{"unknown id", jane, "987654", nil, http.StatusNotFound, "No connected app of this store has that id"},
			{"not a number", jane, "1 OR 1=1", nil, http.StatusNotFound, "No connected app"},
			{"negative", jane, "-" + id, nil, http.StatusNotFound, "No connected app"},
			{"signed out", e.client(), id, nil, http.StatusUnauthorized, "You are signed out"},
			{"cross-site", jane, id, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, "another site"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := tc.c.post("/keys/apps/revoke", url.Values{"id": {tc.id}}, tc.headers...)
				if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
					t.Errorf("answered %d, want %d with %q:\n%s", resp.StatusCode, tc.status, tc.want, body)
				}
				if e.grants(e.store.ID)[0].Revoked() {
					t.Fatal("the app was revoked")
				}
			})
		}
		// A key's id is not an app's, nor the other way round.
		jane.createKey("Claude Desktop", "read")
		kid := strconv.FormatInt(e.keys(e.store.ID)[0].ID, 10)
		if resp, _ := jane.post("/keys/apps/revoke", url.Values{"id": {kid}}); resp.StatusCode != http.StatusNotFound || e.keys(e.store.ID)[0].Revoked() {
			t.Errorf("revoking a key's id as an app answered %d", resp.StatusCode)
		}
		if resp, _ := jane.post("/keys/revoke", url.Values{"id": {id}}); resp.StatusCode != http.StatusNotFound || e.grants(e.store.ID)[0].Revoked() {
			t.Errorf("revoking an app's id as a key answered %d", resp.StatusCode)
		}

		// The trash button asks first.
		resp, body := jane.get("/keys/apps/revoke?id=" + id)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Revoke Claude?") || e.grants(e.store.ID)[0].Revoked() {
			t.Fatalf("the confirmation answered %d:\n%s", resp.StatusCode, body)
		}
		resp, _ = jane.post("/keys/apps/revoke", url.Values{"id": {id}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoking answered %d", resp.StatusCode)
		}
		_, body = jane.get(resp.Header.Get("Location"))
		row := regexp.MustCompile(`(?s)<tr id="app-` + id + `" class="revoked">.*?</tr>`).FindString(body)
		if !strings.Contains(body, "Claude is disconnected") || !strings.Contains(row, "Revoked") || strings.Contains(row, "Revoke Claude") {
			t.Errorf("after revoking, the page reads:\n%s", body)
		}
		g = e.grants(e.store.ID)[0]
		if !g.Revoked() {
			t.Fatal("the app is not revoked")
		}
		// Its tokens end on their next request.
		if code, _ := e.mcpTools(tok.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("the revoked app's access token answered %d", code)
		}
		if err := e.refresh(cfg, tok); err == nil {
			t.Error("the revoked app's refresh token still works")
		}
		// Again: a clear message, nothing changed.
		for _, path := range []string{"/keys/apps/revoke?id=" + id, "POST"} {
			var resp *http.Response
			var body string
			if path == "POST" {
				resp, body = jane.post("/keys/apps/revoke", url.Values{"id": {id}})
			} else {
				resp, body = jane.get(path)
			}
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Claude was already revoked on") {
				t.Errorf("revoking again (%s) answered %d:\n%s", path, resp.StatusCode, body)
			}
		}
		if again := e.grants(e.store.ID)[0]; !again.RevokedAt.Equal(*g.RevokedAt) {
			t.Error("revoking again changed the revocation date")
		}
	})
}

// A member signed in on the keys page approves an app in the same browser
// without a code: over http and over https, where the session is in the
// __Host- cookie.
func TestDirectApproval(t *testing.T) {
	for _, tc := range []struct {
		name   string
		start  func(testing.TB, *storage.DB, ...func(*web.Options)) *env
		cookie string
	}{
		{"http", newEnv, auth.SessionCookiePlain},
		{"https", newTLSEnv, auth.SessionCookieSecure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				e := tc.start(t, db)
				jane := e.client()
				jane.signIn(e.store.ID, e.owner.Email)
				if ck := jane.jar.Cookies(mustURL(t, e.srv.URL)); len(ck) != 1 || ck[0].Name != tc.cookie {
					t.Fatalf("session cookies %v, want %s", ck, tc.cookie)
				}
				cfg := e.registerApp("ChatGPT " + tc.name)
				a := e.startAuthorization(cfg)
				resp, page := jane.get(a.path)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, "signed in as "+e.owner.Name) {
					t.Fatalf("the approval page for a signed-in member: %d\n%s", resp.StatusCode, page)
				}
				tok := jane.approve(a, url.Values{"decision": {"approve"}, "approve_scope": {"write"}})
				if code, tools := e.mcpTools(tok.AccessToken); code != http.StatusOK || !contains(tools, "create_purchase_order") {
					t.Errorf("the directly approved app over MCP: %d %v", code, tools)
				}
				g := e.grants(e.store.ID)
				if len(g) != 1 || g[0].ApprovedBy.Email != e.owner.Email || g[0].Scope != "write" {
					t.Errorf("grants %+v", g)
				}
				// A browser that is not signed in must type a code.
				resp, page = e.client().post(e.startAuthorization(cfg).path, url.Values{"decision": {"approve"}})
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Type the connection code") {
					t.Errorf("approval without a session or code answered %d:\n%s", resp.StatusCode, page)
				}
			})
		})
	}
}

// mcpInstructions is the instructions /mcp's initialize gives the caller.
func (e *env) mcpInstructions(token string) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/mcp", strings.NewReader(clientconfig.CurlSession[0].Body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Result struct {
			Instructions string `json:"instructions"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("initialize answered %d: %v", resp.StatusCode, err)
	}
	return doc.Result.Instructions
}

// The server speaks to a web-chat app as an app, by its name, and tells
// it to be reconnected with Read & write, not to create a key with the
// command line; a key still hears about keys.
func TestAppIsToldItIsAnApp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		key := jane.createKey("Claude Desktop", "read")
		writeKey := jane.createKey("CI agent", "write")
		readCode, _ := jane.connect("read")
		readApp := e.client().approve(e.startAuthorization(e.registerApp("MCP CLI Proxy")), url.Values{"connection_code": {readCode}, "decision": {"approve"}})
		writeCode, _ := jane.connect("write")
		writeApp := e.client().approve(e.startAuthorization(e.registerApp("ChatGPT")), url.Values{"connection_code": {writeCode}, "decision": {"approve"}})
		const poArgs = `{"supplier":"Summit Gear","lines":[{"sku":"X","quantity":1}]}`

		for _, tc := range []struct {
			name, token       string
			want, wantRefusal []string
			never             []string
		}{
			{"read app", readApp.AccessToken,
				[]string{`This app ("MCP CLI Proxy", lsto_`, "has read scope", "changes need reconnecting this app with Read & write from the keys page"},
				[]string{`This app ("MCP CLI Proxy", lsto_`, ") is read-only", "reconnect it with Read & write", "Connect claude.ai or ChatGPT"},
				[]string{"This key", "write key", "keys create"}},
			{"write app", writeApp.AccessToken, []string{`This app ("ChatGPT", lsto_`, "has write scope"}, nil, []string{"This key"}},
			{"read key", key, []string{`This key (` + key[:13] + `, "Claude Desktop")`, "changes need a write key"},
				[]string{`This key (` + key[:13] + `, "Claude Desktop") is read-only`, "Read & write key from the keys page", "logistified keys create --store acme.myshopify.com --scope write"},
				[]string{"This app", "reconnect"}},
			{"write key", writeKey, []string{`This key (` + writeKey[:13] + `, "CI agent") has write scope`}, nil, []string{"This app"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := e.mcpInstructions(tc.token)
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("the instructions lack %q:\n%s", w, got)
					}
				}
				for _, n := range tc.never {
					if strings.Contains(got, n) {
						t.Errorf("the instructions say %q:\n%s", n, got)
					}
				}
				if tc.wantRefusal == nil {
					return
				}
				isErr, text := e.mcpCall(tc.token, "create_purchase_order", poArgs)
				if !isErr {
					t.Fatalf("a read-only caller's write was not refused: %s", text)
				}
				for _, w := range tc.wantRefusal {
					if !strings.Contains(text, w) {
						t.Errorf("the refusal lacks %q:\n%s", w, text)
					}
				}
				for _, n := range tc.never {
					if strings.Contains(text, n) {
						t.Errorf("the refusal says %q:\n%s", n, text)
					}
				}
			})
		}
	})
}
