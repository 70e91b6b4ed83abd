package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

type lifecycleClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lifecycleClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *lifecycleClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// faceCall is one request to a face of the assembled server: MCP over
// HTTP (tools/list) or REST (GET /store), from the client address xff as
// the trusted proxy reports it ("" for none).
func faceCall(t *testing.T, base, face, key, xff string) (int, string) {
	t.Helper()
	var req *http.Request
	if face == "mcp" {
		req, _ = http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	} else {
		req, _ = http.NewRequest(http.MethodGet, base+"/api/v1/store", nil)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Every HTTP face, as serve assembles them behind a trusted proxy, refuses
// a key outside its allow-list (IPv4 and IPv6) with 403
// address_not_allowed and an expired key with 401 expired and its date,
// and audits each refusal.
func TestKeyLifecycleEveryFace(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		c := &lifecycleClock{t: time.Now().UTC().Truncate(time.Second)}
		db, err := storage.Open(ctx, url, storage.WithClock(c.Now))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// The test's client reaches the server from 127.0.0.1, the proxy.
		t.Setenv("LOGISTIFIED_TRUSTED_PROXIES", "127.0.0.1")
		a := &app{stdout: io.Discard, stderr: io.Discard, databaseURL: url}
		h, err := a.httpHandler(db, zerolog.Nop(), nil, auth.Rate{}, "https://mcp.example.com")
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		defer ts.Close()

		s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "acme.myshopify.com", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(n access.NewKey) access.CreatedKey {
			n.Scope, n.CreatedByName, n.CreatedByEmail = keys.ScopeWrite, "Jane", "jane@example.com"
			k, err := access.New(db).CreateKey(ctx, s.ID, n)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		fenced := mk(access.NewKey{Label: "fenced", AllowFrom: "198.51.100.0/24, 2001:db8::/32"})
		monthly := mk(access.NewKey{Label: "monthly", Expires: "30d"})

		refusals := 0
		for _, tc := range []struct {
			xff  string
			want int
		}{
			{"198.51.100.7", http.StatusOK},
			{"2001:db8::9", http.StatusOK},
			{"203.0.113.5", http.StatusForbidden},
			{"2001:db9::1", http.StatusForbidden},
			{"", http.StatusForbidden}, // the proxy's own address
			// Only the right-most untrusted hop counts: a client cannot
			// claim an allowed address to the left of it.
			{"198.51.100.7, 203.0.113.5", http.StatusForbidden},
		} {
			for _, face := range []string{"mcp", "rest"} {
				code, body := faceCall(t, ts.URL, face, fenced.Secret, tc.xff)
				if code != tc.want {
					t.Errorf("%s from %q: %d, want %d: %s", face, tc.xff, code, tc.want, body)
				}
				if tc.want == http.StatusForbidden {
					refusals++
					if !strings.Contains(body, "address_not_allowed") {
						t.Errorf("%s from %q: the refusal does not say address_not_allowed: %s", face, tc.xff, body)
					}
				}
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			list, _ := access.New(db).ListKeys(ctx, s.ID)
			if list[0].LastUsedAddr == "2001:db8::9" || list[0].LastUsedAddr == "198.51.100.7" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the key's last address is %q", list[0].LastUsedAddr)
			}
			time.Sleep(20 * time.Millisecond)
		}

		// Expired: refused on every face with reason expired and the date.
		for _, face := range []string{"mcp", "rest"} {
			if code, body := faceCall(t, ts.URL, face, monthly.Secret, "198.51.100.7"); code != http.StatusOK {
				t.Fatalf("%s before expiry: %d %s", face, code, body)
			}
		}
		c.Advance(30 * keys.Day)
		day := monthly.ExpiresAt.UTC().Format("2006-01-02")
		for _, face := range []string{"mcp", "rest"} {
			code, body := faceCall(t, ts.URL, face, monthly.Secret, "198.51.100.7")
			refusals++
			if code != http.StatusUnauthorized || !strings.Contains(body, "expired") || !strings.Contains(body, day) {
				t.Errorf("%s at expiry: %d %s", face, code, body)
			}
		}

		entries, _, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{Limit: access.MaxAuditLimit})
		if err != nil {
			t.Fatal(err)
		}
		audited := map[string]int{}
		for _, e := range entries {
			if e.Action == "key.refused" {
				audited[strings.SplitN(e.Detail, ":", 2)[0]]++
			}
		}
		if audited["address_not_allowed"]+audited["expired"] != refusals || audited["expired"] != 2 {
			t.Errorf("audited refusals %v, want %d in all", audited, refusals)
		}
	})
}

// The command line: keys create --expires/--allow-from, keys roll, keys
// update and stores update --key-expiry.
func TestKeysLifecycleCommands(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		var created struct {
			Prefix    string     `json:"prefix"`
			ExpiresAt *time.Time `json:"expires_at"`
			AllowFrom string     `json:"allow_from"`
		}
		out := mustRun(t, url, append(createKeyArgs("acme.myshopify.com", "write", "ci"), "--expires", "90d", "--allow-from", "203.0.113.0/24,2001:db8::1", "--json")...)
		if err := json.Unmarshal([]byte(out), &created); err != nil {
			t.Fatal(err)
		}
		if created.ExpiresAt == nil || created.ExpiresAt.Sub(time.Now().Add(90*keys.Day)).Abs() > time.Minute || created.AllowFrom != "203.0.113.0/24,2001:db8::1" {
			t.Fatalf("keys create --json: %s", out)
		}
		if _, stderr, err := runCmd(t, append([]string{"--database-url", url}, append(createKeyArgs("acme.myshopify.com", "read", "x"), "--expires", "45d")...)...); err == nil || !strings.Contains(err.Error(), "30d, 90d, 365d") {
			t.Errorf("--expires 45d: %v %s", err, stderr)
		}

		var rolled struct {
			Key       string     `json:"key"`
			Prefix    string     `json:"prefix"`
			Label     string     `json:"label"`
			Replaces  string     `json:"replaces"`
			ExpiresAt *time.Time `json:"expires_at"`
			AllowFrom string     `json:"allow_from"`
		}
		out = mustRun(t, url, "keys", "roll", "--store", "acme.myshopify.com", created.Prefix, "--grace", "24h", "--json")
		if err := json.Unmarshal([]byte(out), &rolled); err != nil {
			t.Fatal(err)
		}
		if !keyPattern.MatchString(rolled.Key) || rolled.Replaces != created.Prefix || rolled.Label != "ci" || rolled.AllowFrom != created.AllowFrom || rolled.ExpiresAt == nil {
			t.Fatalf("keys roll --json: %s", out)
		}
		table := mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com")
		if !strings.Contains(table, "rolled to "+rolled.Prefix) || !strings.Contains(table, "EXPIRES") {
			t.Errorf("keys list after the roll:\n%s", table)
		}
		out = mustRun(t, url, "keys", "update", "--store", "acme.myshopify.com", rolled.Prefix, "--allow-from", "")
		if !strings.Contains(out, "every address") {
			t.Errorf("keys update: %s", out)
		}
		mustRun(t, url, "stores", "update", "--store", "acme.myshopify.com", "--key-expiry", "never")
		out = mustRun(t, url, append(createKeyArgs("acme.myshopify.com", "read", "forever"), "--json")...)
		if !strings.Contains(out, `"expires_at": null`) && !strings.Contains(out, `"expires_at":null`) {
			t.Errorf("with --key-expiry never, a new key: %s", out)
		}
	})
}

// stdio: an expired key is refused at start with the date; an allow-list
// does not apply (a local process has no address).
func TestStdioKeyLifecycle(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		// Keys made 400 days ago: the default expiry (365 days) has passed.
		past := time.Now().Add(-400 * keys.Day)
		old, err := storage.Open(ctx, url, storage.WithClock(func() time.Time { return past }))
		if err != nil {
			t.Fatal(err)
		}
		s, err := access.New(old).CreateStore(ctx, access.NewStore{Domain: "acme.myshopify.com", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		expired, err := access.New(old).CreateKey(ctx, s.ID, access.NewKey{Scope: keys.ScopeRead, CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		fenced, err := access.New(old).CreateKey(ctx, s.ID, access.NewKey{Scope: keys.ScopeRead, Expires: "never", AllowFrom: "203.0.113.7",
			CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		old.Close()

		t.Setenv("LOGISTIFIED_API_KEY", expired.Secret)
		_, _, err = runCmd(t, "--database-url", url, "stdio")
		if err == nil || !strings.Contains(err.Error(), "expired on "+expired.ExpiresAt.UTC().Format("2006-01-02")) {
			t.Errorf("stdio with an expired key: %v", err)
		}

		t.Setenv("LOGISTIFIED_API_KEY", fenced.Secret)
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		var errOut strings.Builder
		root := newRootCmd(outW, &errOut)
		root.SetIn(inR)
		root.SetArgs([]string{"--database-url", url, "stdio"})
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(ctx); outW.Close() }()
		go func() {
			_, _ = io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n")
		}()
		line, _ := bufio.NewReader(outR).ReadString('\n')
		inW.Close()
		if err := <-done; err != nil {
			t.Fatalf("stdio with an allow-listed key: %v (%s)", err, errOut.String())
		}
		if !strings.Contains(line, `"result"`) {
			t.Errorf("stdio with an allow-listed key answered %q", line)
		}
	})
}
