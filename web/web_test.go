package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/brand"

	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/web"
)

func TestSignInAndOut(t *testing.T) {
	c := &clock{}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()

		visitor := e.client()
		resp, body := visitor.get("/keys")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in to manage API keys") ||
			!strings.Contains(body, "logistified signin-link") || strings.Contains(body, "Active keys") {
			t.Fatalf("signed-out /keys answered %d:\n%s", resp.StatusCode, body)
		}

		jane := e.client()
		link := e.link(e.store.ID, "jane@acme.com")
		resp, _ = jane.get(link)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/keys" {
			t.Fatalf("sign-in answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		ck := resp.Cookies()
		if len(ck) != 1 || ck[0].Name != "logistified_session" || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode ||
			ck[0].Path != "/" || ck[0].Secure || !access.WellFormedSecret(ck[0].Value) {
			t.Fatalf("sign-in cookie %+v", ck)
		}
		remember(ck[0].Value)
		_, body = jane.get("/keys")
		for _, want := range []string{"LLM / Agent Access", "Jane Doe", "jane@acme.com", "Create key", "Active keys", "Sign out"} {
			if !strings.Contains(body, want) {
				t.Errorf("signed-in page lacks %q", want)
			}
		}

		// A used, an expired and a mistyped link sign nobody in.
		late := e.link(e.store.ID, "jane@acme.com")
		c.Advance(access.SigninLinkTTL + time.Second)
		for _, tc := range []struct{ name, link, want string }{
			{"used", link, "already used"},
			{"expired", late, "has expired"},
			{"mistyped", link[:len(link)-3], "not valid"},
			{"unknown", e.srv.URL + "/signin/" + strings.Repeat("x", 43), "not valid"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				other := e.client()
				resp, body := other.get(tc.link)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) || len(resp.Cookies()) != 0 {
					t.Errorf("%s link answered %d with cookies %v:\n%s", tc.name, resp.StatusCode, resp.Cookies(), body)
				}
				if _, body := other.get("/keys"); strings.Contains(body, "Active keys") {
					t.Error("a bad link signed in")
				}
			})
		}

		// Sign-out ends the session on the server: the old cookie is dead.
		old := jane.jar.Cookies(mustURL(t, e.srv.URL))
		resp, _ = jane.post("/signout", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out answered %d", resp.StatusCode)
		}
		_, body = jane.get(resp.Header.Get("Location"))
		if !strings.Contains(body, "You are signed out") || strings.Contains(body, "Active keys") {
			t.Errorf("after sign-out:\n%s", body)
		}
		replay := e.client()
		replay.jar.SetCookies(mustURL(t, e.srv.URL), old)
		if _, body := replay.get("/keys"); strings.Contains(body, "Active keys") {
			t.Error("a signed-out session's cookie still opens the page")
		}

		// Removing a member ends their sessions at once.
		ann := e.client()
		if _, err := access.New(db).AddMember(ctx, e.store.ID, access.NewMember{Name: "Ann Lee", Email: "ann@acme.com"}, access.Person{Name: "test"}); err != nil {
			t.Fatal(err)
		}
		ann.signIn(e.store.ID, "ann@acme.com")
		if _, body := ann.get("/keys"); !strings.Contains(body, "Ann Lee") {
			t.Fatal("ann is not signed in")
		}
		if _, err := access.New(db).RemoveMember(ctx, e.store.ID, "ann@acme.com", access.Person{Name: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, body := ann.get("/keys"); strings.Contains(body, "Active keys") {
			t.Error("a removed member still sees the page")
		}

		log, err := db.AuditLog(ctx, e.store.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range log {
			if a.MemberID != nil {
				seen[a.Action+":"+a.Outcome] = true
			}
		}
		for _, want := range []string{"member.signin:ok", "member.signout:ok", "member.signin:refused"} {
			if !seen[want] {
				t.Errorf("audit log lacks %s with the member: %v", want, seen)
			}
		}
	}, storage.WithClock(c.Now))
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestHeaders(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	e := newEnv(t, db)
	jane := e.client()
	jane.signIn(e.store.ID, "jane@acme.com")
	for _, path := range []string{"/keys", "/keys/revoke?id=1", "/keys/nothing-here", "/signin/x"} {
		resp, _ := jane.get(path)
		h := resp.Header
		if got := h.Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'" {
			t.Errorf("%s CSP %q", path, got)
		}
		for name, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
			if got := h.Get(name); got != want {
				t.Errorf("%s %s = %q, want %q", path, name, got, want)
			}
		}
	}
	resp, body := jane.get("/assets/style.css")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "line-through") {
		t.Errorf("style.css answered %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := jane.get("/assets/copy.js"); resp.StatusCode != http.StatusOK {
		t.Errorf("copy.js answered %d", resp.StatusCode)
	}
	if resp, body := jane.get("/assets/favicon.svg"); resp.StatusCode != http.StatusOK ||
		resp.Header.Get("Content-Type") != "image/svg+xml" || body != string(brand.IconSVG()) {
		t.Errorf("favicon.svg answered %d %q: the brand's icon is not served", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// Embedded in the Shopify admin, behind an https proxy.
	e2 := newEnv(t, storagetest.Open(t, "sqlite"), func(o *web.Options) {
		o.FrameAncestors = "https://admin.shopify.com https://*.myshopify.com"
		o.PublicURL = "https://logistified.example.com"
	})
	c := e2.client()
	resp, _ = c.get(e2.link(e2.store.ID, "jane@acme.com"))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors https://admin.shopify.com https://*.myshopify.com") || resp.Header.Get("X-Frame-Options") != "" {
		t.Errorf("CSP %q, X-Frame-Options %q", csp, resp.Header.Get("X-Frame-Options"))
	}
	ck := resp.Cookies()
	if len(ck) != 1 || ck[0].Name != "__Host-logistified_session" || !ck[0].Secure || !ck[0].HttpOnly {
		t.Errorf("behind https the cookie is %+v", ck)
	}
	if _, err := web.New(web.Options{DB: db, FrameAncestors: "'self'; script-src *"}); err == nil {
		t.Error("a frame-ancestors value that injects a directive was accepted")
	}
	if _, err := web.New(web.Options{DB: db, PublicURL: "ftp://x"}); err == nil {
		t.Error("an ftp public URL was accepted")
	}
}

func TestCreateAndRevoke(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")

		shown, body := jane.postRedirectGet("/keys/create", url.Values{"label": {"Claude Desktop"}, "scope": {"read"}})
		read := keyPattern.FindString(body)
		remember(read)
		if resp, _ := jane.get(shown); read == "" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("the new key's page shows no key, or has Cache-Control %q", resp.Header.Get("Cache-Control"))
		}
		for _, want := range []string{`role="status"`, "only time it is shown", "Copy", e.srv.URL + "/mcp", "claude mcp add"} {
			if !strings.Contains(body, want) {
				t.Errorf("the banner lacks %q", want)
			}
		}
		// The configurations are what connect prints for this key and URL.
		want, _ := clientconfig.Render("cursor", clientconfig.Setup{Binary: "/usr/local/bin/logistified", Key: read, URL: e.srv.URL + "/mcp"})
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the banner's Cursor configuration differs from connect's:\n%s", want)
		}
		write := jane.createKey("CI agent", "write")

		_, page := jane.get("/keys")
		if strings.Contains(page, read) || strings.Contains(page, write) || keyPattern.MatchString(page) {
			t.Fatal("the page shows a key after the creation's response")
		}
		list := e.keys(e.store.ID)
		if len(list) != 2 {
			t.Fatalf("%d keys", len(list))
		}
		for i, want := range []struct {
			label string
			scope keys.Scope
		}{{"Claude Desktop", keys.ScopeRead}, {"CI agent", keys.ScopeWrite}} {
			k := list[i]
			if k.Label != want.label || k.Scope != want.scope || k.CreatedByName != "Jane Doe" || k.CreatedByEmail != "jane@acme.com" {
				t.Errorf("key %d stored as %+v", i, k)
			}
			if !strings.Contains(page, k.Prefix) {
				t.Errorf("the table lacks %s", k.Prefix)
			}
		}

		if status, tools := e.mcpTools(read); status != http.StatusOK || !contains(tools, "list_locations") || contains(tools, "create_purchase_order") {
			t.Errorf("the read key over MCP: %d %v", status, tools)
		}
		if status, tools := e.mcpTools(write); status != http.StatusOK || !contains(tools, "create_purchase_order") {
			t.Errorf("the write key over MCP: %d %v", status, tools)
		}

		// Revoke: the trash button leads to a confirmation, which posts.
		resp, body := jane.get("/keys/revoke?id=" + strconv.FormatInt(list[1].ID, 10))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Revoke key "+list[1].Prefix+"?") || len(e.keys(e.store.ID)) != 2 || e.keys(e.store.ID)[1].Revoked() {
			t.Fatalf("the confirmation answered %d or revoked early:\n%s", resp.StatusCode, body)
		}
		resp, _ = jane.post("/keys/revoke", url.Values{"id": {strconv.FormatInt(list[1].ID, 10)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke answered %d", resp.StatusCode)
		}
		_, page = jane.get(resp.Header.Get("Location"))
		if !strings.Contains(page, "Revoked") || !strings.Contains(page, "is revoked") {
			t.Errorf("after revoking:\n%s", page)
		}
		if status, _ := e.mcpTools(write); status != http.StatusUnauthorized {
			t.Errorf("a revoked key answered %d over MCP, want 401", status)
		}
		if status, _ := e.mcpTools(read); status != http.StatusOK {
			t.Errorf("revoking one key broke another: %d", status)
		}

		log, err := db.AuditLog(context.Background(), e.store.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i, action := range []string{"key.revoke", "key.create", "key.create"} {
			if log[i].Action != action || log[i].MemberID == nil || *log[i].MemberID != e.owner.ID {
				t.Errorf("audit entry %d = %+v, want %s by the member", i, log[i], action)
			}
		}
	})
}

// Bad input gets a clear message on the page and writes nothing.
func TestBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		revoked := jane.createKey("old", "read")
		list := e.keys(e.store.ID)
		if _, err := access.New(db).RevokeKey(context.Background(), e.store.ID, list[0].Prefix, access.Person{Name: "test"}); err != nil {
			t.Fatal(err)
		}
		_ = revoked
		auditBefore, _ := db.AuditLog(context.Background(), e.store.ID, 1000)
		for _, tc := range []struct {
			name   string
			path   string
			form   url.Values
			status int
			want   string
		}{
			{"long label", "/keys/create", url.Values{"label": {strings.Repeat("é", 51)}, "scope": {"read"}}, 422, "longer than 100 characters"},
			{"control character", "/keys/create", url.Values{"label": {"bad\x1b[2J"}, "scope": {"read"}}, 422, "control character"},
			{"both fields wrong", "/keys/create", url.Values{"label": {"bad\x00"}, "scope": {"admin"}}, 422, "control character"},
			{"other scope", "/keys/create", url.Values{"label": {"x"}, "scope": {"admin"}}, 422, "Choose a scope"},
			{"scope in capitals", "/keys/create", url.Values{"label": {"x"}, "scope": {"WRITE"}}, 422, "Choose a scope"},
			{"no scope", "/keys/create", url.Values{"label": {"x"}}, 422, "Choose a scope"},
			{"unknown key", "/keys/revoke", url.Values{"id": {"999999"}}, 404, "No key of this store has that id"},
			{"not an id", "/keys/revoke", url.Values{"id": {"1 OR 1=1"}}, 404, "No key of this store has that id"},
			{"a prefix", "/keys/revoke", url.Values{"id": {list[0].Prefix}}, 404, "No key of this store has that id"},
			{"already revoked", "/keys/revoke", url.Values{"id": {strconv.FormatInt(list[0].ID, 10)}}, 409, "already revoked"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := jane.post(tc.path, tc.form)
				if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, "Active keys") {
					t.Errorf("answered %d, want %d with %q:\n%s", resp.StatusCode, tc.status, tc.want, body)
				}
			})
		}
		// Too large a body is refused too.
		resp, _ := jane.post("/keys/create", url.Values{"label": {strings.Repeat("a", 20000)}, "scope": {"read"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a 20 kB form answered %d", resp.StatusCode)
		}
		if n := len(e.keys(e.store.ID)); n != 1 {
			t.Errorf("bad input left %d keys, want 1", n)
		}
		auditAfter, _ := db.AuditLog(context.Background(), e.store.ID, 1000)
		if len(auditAfter) != len(auditBefore) {
			t.Errorf("bad input wrote %d audit entries", len(auditAfter)-len(auditBefore))
		}
		// Signed out, nothing is written either.
		anon := e.client()
		resp, _ = anon.post("/keys/create", url.Values{"label": {"x"}, "scope": {"write"}})
		if resp.StatusCode != http.StatusUnauthorized || len(e.keys(e.store.ID)) != 1 {
			t.Errorf("a signed-out create answered %d", resp.StatusCode)
		}
	})
}

// A cross-site post changes nothing, even with the member's cookie; a
// member of another store sees and revokes none of this store's keys.
func TestIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		jane.createKey("Claude", "read")
		k := e.keys(e.store.ID)[0]
		id := strconv.FormatInt(k.ID, 10)

		for _, tc := range []struct {
			name    string
			headers []string
		}{
			{"fetch metadata", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
			{"origin only", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
			{"same site, other origin", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://other.127.0.0.1.example"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := jane.post("/keys/create", url.Values{"label": {"evil"}, "scope": {"write"}}, tc.headers...)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another site") {
					t.Errorf("cross-site create answered %d", resp.StatusCode)
				}
				resp, _ = jane.post("/keys/revoke", url.Values{"id": {id}}, tc.headers...)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("cross-site revoke answered %d", resp.StatusCode)
				}
				resp, _ = jane.post("/signout", nil, tc.headers...)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("cross-site sign-out answered %d", resp.StatusCode)
				}
			})
		}
		if list := e.keys(e.store.ID); len(list) != 1 || list[0].Revoked() {
			t.Fatalf("cross-site posts changed the keys: %+v", list)
		}
		if _, body := jane.get("/keys"); !strings.Contains(body, "Active keys") {
			t.Error("a cross-site sign-out ended the session")
		}

		other, _ := e.newStore("other.myshopify.com", "Olga", "olga@other.com")
		olga := e.client()
		olga.signIn(other.ID, "olga@other.com")
		if _, body := olga.get("/keys"); strings.Contains(body, k.Prefix) || !strings.Contains(body, "other.myshopify.com") {
			t.Error("a member of another store sees this store's key")
		}
		if resp, _ := olga.get("/keys/revoke?id=" + id); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another store's confirmation answered %d", resp.StatusCode)
		}
		resp, body := olga.post("/keys/revoke", url.Values{"id": {id}})
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No key of this store") {
			t.Errorf("replaying the revoke form in another store answered %d", resp.StatusCode)
		}
		if list := e.keys(e.store.ID); list[0].Revoked() {
			t.Fatal("a member of another store revoked the key")
		}
	})
}

// Bad sign-in links are rate limited per address, and logged without the
// token (TestMain checks every log line).
func TestSigninRateLimit(t *testing.T) {
	e := newEnv(t, storagetest.Open(t, "sqlite"))
	c := e.client()
	for i := range 10 {
		bad := strings.Repeat(string(rune('a'+i)), 43)
		remember(bad)
		if resp, _ := c.get("/signin/" + bad); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad link %d answered %d", i, resp.StatusCode)
		}
	}
	resp, body := c.get(e.link(e.store.ID, "jane@acme.com"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many") {
		t.Errorf("after 10 bad links a link answered %d", resp.StatusCode)
	}
	if !strings.Contains(suiteLog.String(), "sign-in link refused") {
		t.Error("bad links were not logged")
	}
}

// A sign-in link reached from another site asks before it signs in, so
// that no site can sign a visitor in to a session of its choosing; a new
// sign-in ends the browser's previous session.
func TestSigninFromAnotherSite(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		c := e.client()
		link := e.link(e.store.ID, "jane@acme.com")
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
			t.Fatalf("a cross-site link answered %d with cookies %v", resp.StatusCode, resp.Cookies())
		}
		path := strings.TrimPrefix(link, e.srv.URL)
		if resp, _ := c.post(path, nil, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a cross-site post of the link answered %d", resp.StatusCode)
		}
		// The interstitial's button posts from this site: that signs in.
		resp, _ = c.post(path, nil)
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
			t.Fatalf("confirming the link answered %d", resp.StatusCode)
		}
		first := resp.Cookies()[0].Value
		remember(first)

		second := c.signIn(e.store.ID, "jane@acme.com")
		if second == first {
			t.Fatal("a new sign-in kept the session id")
		}
		if _, err := access.New(db).SessionBySecret(context.Background(), first); err == nil {
			t.Error("the session a new sign-in replaced is still live")
		}
	})
}

// Over https only the __Host- cookie counts: a plain cookie planted over
// http does not sign anyone in.
func TestSecureCookieOnly(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	e := newEnv(t, db, func(o *web.Options) { o.PublicURL = "https://logistified.example.com" })
	l, err := access.New(db).CreateSigninLink(context.Background(), e.store.ID, "jane@acme.com")
	if err != nil {
		t.Fatal(err)
	}
	s, err := access.New(db).SignIn(context.Background(), l.Token)
	if err != nil {
		t.Fatal(err)
	}
	remember(l.Token, s.Secret)
	for name, want := range map[string]bool{"logistified_session": false, "__Host-logistified_session": true} {
		c := e.client()
		c.jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: name, Value: s.Secret, Path: "/"}})
		_, body := c.get("/keys")
		if got := strings.Contains(body, "Active keys"); got != want {
			t.Errorf("cookie %s opens the page: %v, want %v", name, got, want)
		}
	}
}

// A form that makes a secret answers with a redirect; the GET it leads to
// shows the secret once. A reload of that address, a late one, or one in
// another session shows the page with a sentence that it was shown once
// (and a key's prefix), never the secret, and makes nothing.
func TestShownOnce(t *testing.T) {
	c := &clock{}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		otherTab := e.client()
		otherTab.signIn(e.store.ID, "jane@acme.com")

		shown, body := jane.postRedirectGet("/keys/create", url.Values{"label": {"Claude Desktop"}, "scope": {"read"}})
		key := keyPattern.FindString(body)
		remember(key)
		if key == "" || !strings.Contains(body, "Key created: Read only · Claude Desktop") {
			t.Fatalf("the first GET shows no key:\n%s", body)
		}
		prefix := key[:13]
		codeShown, body := jane.postRedirectGet("/keys/connect", url.Values{"scope": {"write"}})
		code := connectionCodePattern.FindString(body)
		remember(code, strings.ReplaceAll(code, "-", ""))
		if code == "" || !strings.Contains(body, "Connection code: Read &amp; write") {
			t.Fatalf("the first GET shows no code:\n%s", body)
		}
		late, _ := jane.post("/keys/create", url.Values{"label": {"Late"}, "scope": {"read"}})
		lateAt := late.Header.Get("Location")

		for _, tc := range []struct {
			name, url string
			c         *client
			want      string
		}{
			{"reloaded key", shown, jane, "Key " + prefix + " was shown only once"},
			{"reloaded code", codeShown, jane, "The connection code was shown only once"},
			{"key in another session", shown, otherTab, "shown only once"},
			{"code in another session", codeShown, otherTab, "shown only once"},
			{"mangled handle", "/keys?shown=abc", jane, "shown only once"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, page := tc.c.get(tc.url)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, tc.want) || !strings.Contains(page, `id="keys-title"`) {
					t.Errorf("answered %d without %q:\n%s", resp.StatusCode, tc.want, page)
				}
				if strings.Contains(page, key) || keyPattern.MatchString(page) || strings.Contains(page, code) || connectionCodePattern.MatchString(page) {
					t.Error("the page shows the secret again")
				}
			})
		}
		// After RevealTTL the GET shows nothing but the sentence.
		c.Advance(access.RevealTTL)
		_, page := jane.get(lateAt)
		lateKey := e.keys(e.store.ID)[1]
		if keyPattern.MatchString(page) || !strings.Contains(page, "Key "+lateKey.Prefix+" was shown only once") {
			t.Errorf("a late GET:\n%s", page)
		}
		if n := len(e.keys(e.store.ID)); n != 2 {
			t.Errorf("%d keys after the reloads, want 2", n)
		}
		if n := e.connectionCodes(); n != 1 {
			t.Errorf("%d connection codes after the reloads, want 1", n)
		}
	}, storage.WithClock(c.Now))
}
