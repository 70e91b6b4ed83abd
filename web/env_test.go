package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging/logtest"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/oauth"
	"github.com/logistified/mcp-server/server"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/web"
)

// Every log line of the suite goes to suiteLog, and every key, sign-in
// token and session id a test sees is remembered, so that TestMain can
// prove that none ever reached a log.
var (
	suiteLog logtest.Capture
	testLog  = suiteLog.Logger()
)

func remember(s ...string) { suiteLog.Remember(s...) }

func TestMain(m *testing.M) {
	os.Exit(storagetest.Report(logtest.Run(m, &suiteLog, func(logs string) error {
		if regexp.MustCompile(`/signin/[A-Za-z0-9_-]`).MatchString(logs) {
			return fmt.Errorf("a sign-in path appears in the captured logs")
		}
		// Connection codes are short: also by their shape, in case one was
		// never remembered.
		if m := connectionCodePattern.FindString(logs); m != "" {
			return fmt.Errorf("a connection code (%.4s…) appears in the captured logs", m)
		}
		for _, p := range []*regexp.Regexp{keyPattern, tokenPattern} {
			if m := p.FindString(logs); m != "" {
				return fmt.Errorf("a key or token (%.9s…) appears in the captured logs", m)
			}
		}
		return nil
	})))
}

// clock is a settable clock for the database, so that links can expire.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Now()
	}
	c.t = c.t.Add(d)
}

// env is a server with MCP, the authorization server and the keys page on
// one listener, as serve assembles them, over one test database.
type env struct {
	t     testing.TB
	db    *storage.DB
	srv   *httptest.Server
	store access.Store
	owner access.Member
}

func newEnv(t testing.TB, db *storage.DB, opts ...func(*web.Options)) *env {
	return startEnv(t, db, false, opts...)
}

// newTLSEnv is newEnv over https, with the server's own address as the
// public URL, as behind a TLS-terminating address in production.
func newTLSEnv(t testing.TB, db *storage.DB, opts ...func(*web.Options)) *env {
	return startEnv(t, db, true, opts...)
}

func startEnv(t testing.TB, db *storage.DB, useTLS bool, opts ...func(*web.Options)) *env {
	t.Helper()
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	o := web.Options{DB: db, Log: testLog, Clients: clientconfig.Setup{Binary: "/usr/local/bin/logistified"}}
	if useTLS {
		o.PublicURL = srv.URL
	}
	for _, f := range opts {
		f(&o)
	}
	page, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	// As serve: one public URL for the page and the authorization server.
	public := o.PublicURL
	if public == "" {
		public = srv.URL
	}
	authz, err := oauth.New(oauth.Options{DB: db, Log: testLog, PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	mcpSrv := mcp.New(mcp.Options{DB: db, Log: testLog, Metrics: m, Auth: auth.New(access.New(db), m).ForResource(authz.Resource())})
	h = server.New(server.Options{DB: db, Log: testLog, Metrics: m, Mounts: []server.Mount{
		{Patterns: []string{"/mcp"}, Label: "/mcp", Handler: mcpSrv.Handler(mcp.HTTPOptions{ResourceMetadata: authz.ResourceMetadataURL()})},
		{Patterns: authz.Patterns(), Label: "/oauth", Handler: authz.Handler()},
		{Patterns: web.Patterns, Label: "/keys", Handler: page},
	}})
	e := &env{t: t, db: db, srv: srv}
	e.store, e.owner = e.newStore("acme.myshopify.com", "Jane Doe", "jane@acme.com")
	return e
}

func (e *env) newStore(domain, name, email string) (access.Store, access.Member) {
	e.t.Helper()
	ctx := context.Background()
	s, err := access.New(e.db).CreateStore(ctx, access.NewStore{Domain: domain, Name: "Shop " + domain})
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := access.New(e.db).AddMember(ctx, s.ID, access.NewMember{Name: name, Email: email}, access.Person{Name: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return s, m
}

// link issues a sign-in link for a member of a store.
func (e *env) link(storeID int64, email string) string {
	e.t.Helper()
	l, err := access.New(e.db).CreateSigninLink(context.Background(), storeID, email)
	if err != nil {
		e.t.Fatal(err)
	}
	remember(l.Token)
	return web.SigninURL(e.srv.URL, l.Token)
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed, and the headers a same-origin form post carries.
type client struct {
	e   *env
	jar *cookiejar.Jar
	c   *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, jar: jar, c: &http.Client{Jar: jar, Transport: e.srv.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn follows a sign-in link and returns the session cookie's value.
func (c *client) signIn(storeID int64, email string) string {
	c.e.t.Helper()
	resp, body := c.get(c.e.link(storeID, email))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/keys" {
		c.e.t.Fatalf("sign-in answered %d (Location %q): %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, ck := range resp.Cookies() {
		remember(ck.Value)
		return ck.Value
	}
	c.e.t.Fatal("sign-in set no cookie")
	return ""
}

func (c *client) get(u string) (*http.Response, string) {
	c.e.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = c.e.srv.URL + u
	}
	resp, err := c.c.Get(u)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// post sends a form as the page would (same origin), with extra headers.
func (c *client) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var keyPattern = regexp.MustCompile(`lstk_[0-9A-Za-z]{38}`)

// createKey creates a key through the page and returns it from the banner.
func (c *client) createKey(label, scope string) string {
	c.e.t.Helper()
	_, body := c.postRedirectGet("/keys/create", url.Values{"label": {label}, "scope": {scope}})
	k := keyPattern.FindString(body)
	if k == "" {
		c.e.t.Fatalf("the page after creating a key shows none: %s", body)
	}
	remember(k)
	return k
}

// postRedirectGet posts a form that makes something, checks that the
// answer is a redirect to a GET of the keys page (post/redirect/get), and
// follows it once; it returns that address and the page.
func (c *client) postRedirectGet(path string, form url.Values) (string, string) {
	c.e.t.Helper()
	resp, body := c.post(path, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/keys?") {
		c.e.t.Fatalf("posting %s answered %d (Location %q), not a redirect to the keys page: %s", path, resp.StatusCode, loc, body)
	}
	if keyPattern.MatchString(body+loc) || connectionCodePattern.MatchString(body+loc) {
		c.e.t.Fatalf("the redirect of %s carries a secret", path)
	}
	resp, body = c.get(loc)
	if resp.StatusCode != http.StatusOK {
		c.e.t.Fatalf("GET %s after %s answered %d: %s", loc, path, resp.StatusCode, body)
	}
	return loc, body
}

func (e *env) keys(storeID int64) []access.APIKey {
	e.t.Helper()
	list, err := access.New(e.db).ListKeys(context.Background(), storeID)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// mcpTools lists the tools a key sees over MCP; status is the HTTP status.
func (e *env) mcpTools(key string) (status int, tools []string) {
	e.t.Helper()
	post := func(body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", clientconfig.CurlProtocolVersion)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&doc)
		return resp, doc
	}
	resp, _ := post(clientconfig.CurlSession[0].Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	resp, doc := post(clientconfig.CurlSession[1].Body)
	result, _ := doc["result"].(map[string]any)
	list, _ := result["tools"].([]any)
	for _, t := range list {
		m, _ := t.(map[string]any)
		name, _ := m["name"].(string)
		tools = append(tools, name)
	}
	return resp.StatusCode, tools
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = keys.Marker
