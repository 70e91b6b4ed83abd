package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// mcpCall calls one tool over MCP with key and reports whether the tool
// answered with an error (a refusal is one).
func (e *env) mcpCall(key, tool, args string) (isError bool, text string) {
	e.t.Helper()
	post := func(body string) map[string]any {
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
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("MCP answered %d to %s", resp.StatusCode, body)
		}
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			e.t.Fatal(err)
		}
		return doc
	}
	post(clientconfig.CurlSession[0].Body)
	doc := post(fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, tool, args))
	result, _ := doc["result"].(map[string]any)
	if result == nil {
		e.t.Fatalf("calling %s: no result in %v", tool, doc)
	}
	isError, _ = result["isError"].(bool)
	content, _ := result["content"].([]any)
	for _, c := range content {
		m, _ := c.(map[string]any)
		s, _ := m["text"].(string)
		text += s
	}
	return isError, text
}

var entryRow = regexp.MustCompile(`<tr class="entry">`)

// rows counts the Activity table's entries in a page.
func rows(body string) int { return len(entryRow.FindAllString(body, -1)) }

// olderLink is the page's "Older" link, "" when there is none.
func olderLink(body string) string {
	m := regexp.MustCompile(`<a class="button" href="([^"]+)" rel="next">Older</a>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// A member sees who did what with which key: the key's refused write over
// MCP, its creation by the member, filtered to that key, and only this
// store's entries, whatever the filter says.
func TestActivity(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		readKey := jane.createKey("Claude Desktop", "read")
		jane.createKey("Purchasing agent", "write")
		ks := e.keys(e.store.ID)
		readPrefix, writePrefix := ks[0].Prefix, ks[1].Prefix

		if isErr, text := e.mcpCall(readKey, "get_store_overview", `{}`); isErr {
			t.Fatalf("a read key's read was refused: %s", text)
		}
		if isErr, text := e.mcpCall(readKey, "create_purchase_order", `{"supplier_id":1}`); !isErr || !strings.Contains(text, "read-only") {
			t.Fatalf("a read key's write answered %v: %s", isErr, text)
		}

		// Another store with its own key and a hostile label.
		other, _ := e.newStore("other.myshopify.com", "Otto Other", "otto@other.example")
		otherKey, err := access.New(db).CreateKey(ctx, other.ID, access.NewKey{Scope: "read", Label: "Other store's secret agent", CreatedByName: "Otto Other", CreatedByEmail: "otto@other.example"})
		if err != nil {
			t.Fatal(err)
		}
		remember(otherKey.Secret)

		// The keys page links to the view, for the store and per key.
		_, body := jane.get("/keys")
		for _, want := range []string{`href="/keys/activity"`, `href="/keys/activity?key=` + readPrefix + `"`, `aria-label="Activity of ` + readPrefix + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the keys page lacks %s", want)
			}
		}

		resp, body := jane.get("/keys/activity")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/keys/activity answered %d:\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"<h1>Activity</h1>", `<label for="filter-key">Key</label>`, `<option value="" selected>All</option>`,
			`<option value="` + readPrefix + `">` + readPrefix + ` · Claude Desktop</option>`,
			`<option value="` + writePrefix + `">` + writePrefix + ` · Purchasing agent</option>`,
			"Signed in", "Created key", "Create purchase order"} {
			if !strings.Contains(body, want) {
				t.Errorf("the Activity view lacks %q", want)
			}
		}
		if strings.Contains(body, otherKey.Prefix) || strings.Contains(body, "Otto") || strings.Contains(body, "secret agent") {
			t.Error("the Activity view shows another store's key or entries")
		}
		if rows(body) < 5 { // member.add, signin, 2 key.create, refused write
			t.Errorf("the unfiltered view shows %d entries", rows(body))
		}

		// Filtered to the read key: its refused write (via MCP) and its
		// creation by Jane on the keys page, newest first; not the other key.
		resp, body = jane.get("/keys/activity?key=" + url.QueryEscape(readPrefix))
		if resp.StatusCode != http.StatusOK || rows(body) != 2 {
			t.Fatalf("filtered to %s: %d, %d entries:\n%s", readPrefix, resp.StatusCode, rows(body), body)
		}
		refused := strings.Index(body, "Create purchase order")
		created := strings.Index(body, "Created key")
		if refused < 0 || created < 0 || refused > created {
			t.Errorf("the refused write (at %d) should come before the creation (at %d)", refused, created)
		}
		row := func(i int) string {
			parts := strings.Split(body, `<tr class="entry">`)
			if i+1 >= len(parts) {
				return ""
			}
			return parts[i+1]
		}
		for _, tc := range []struct {
			name string
			row  string
			want []string
		}{
			{"refused write", row(0), []string{`<code class="prefix person-name">` + readPrefix + `</code>`, "Claude Desktop", "create_purchase_order",
				`<span class="badge outcome-refused">Refused</span>`, `<td data-label="Via" class="via">MCP</td>`, "the key is read-only", `{&#34;supplier_id&#34;:1}`}},
			{"creation", row(1), []string{`<span class="person-name">Jane Doe</span>`, "jane@acme.com", "Created key", `<code class="prefix">` + readPrefix + `</code> · Claude Desktop`,
				`<span class="badge outcome-ok">OK</span>`, `<td data-label="Via" class="via">Keys page</td>`}},
		} {
			for _, want := range tc.want {
				if !strings.Contains(tc.row, want) {
					t.Errorf("the %s row lacks %s:\n%s", tc.name, want, tc.row)
				}
			}
		}
		if !strings.Contains(body, `<option value="`+readPrefix+`" selected>`) || strings.Contains(body, "Purchasing agent</span>") {
			t.Error("the filtered view does not show its filter, or shows the other key's entries")
		}

		// Another store's prefix, or one that does not exist, shows a
		// clear message and nothing else.
		for _, bad := range []string{otherKey.Prefix, "lstk_00000000", "'; DROP TABLE audit_log; --", "<script>alert(1)</script>"} {
			resp, body := jane.get("/keys/activity?key=" + url.QueryEscape(bad))
			if resp.StatusCode != http.StatusNotFound || rows(body) != 0 || !strings.Contains(body, "No key or app of this store has the prefix") ||
				strings.Contains(body, "Otto") || strings.Contains(body, "<script>alert") {
				t.Errorf("filter %q answered %d with %d entries:\n%s", bad, resp.StatusCode, rows(body), body)
			}
		}
		// A forged cursor is refused in words.
		resp, body = jane.get("/keys/activity?cursor=%25%25not-a-cursor")
		if resp.StatusCode != http.StatusBadRequest || rows(body) != 0 || !strings.Contains(body, "This page link is not valid") {
			t.Errorf("a forged cursor answered %d:\n%s", resp.StatusCode, body)
		}

		// Otto sees his store's entries and none of Jane's.
		otto := e.client()
		otto.signIn(other.ID, "otto@other.example")
		_, body = otto.get("/keys/activity")
		if !strings.Contains(body, otherKey.Prefix) || strings.Contains(body, readPrefix) || strings.Contains(body, "Jane") {
			t.Errorf("the other store's view:\n%s", body)
		}
		if resp, body := otto.get("/keys/activity?key=" + readPrefix); resp.StatusCode != http.StatusNotFound || rows(body) != 0 || strings.Contains(body, "Claude Desktop") {
			t.Errorf("the other store filtering on Jane's key answered %d:\n%s", resp.StatusCode, body)
		}
	})
}

// Signed-out visitors get the signed-out page, with nothing of any store.
func TestActivitySignedOut(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		jane.createKey("Claude Desktop", "read")
		prefix := e.keys(e.store.ID)[0].Prefix
		for _, path := range []string{"/keys/activity", "/keys/activity?key=" + prefix} {
			resp, body := e.client().get(path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in to manage API keys") || rows(body) != 0 ||
				strings.Contains(body, prefix) || strings.Contains(body, "Jane") {
				t.Errorf("signed-out %s answered %d:\n%s", path, resp.StatusCode, body)
			}
		}
		// After sign-out, the old session sees nothing either.
		jane.post("/signout", nil)
		if _, body := jane.get("/keys/activity"); rows(body) != 0 || !strings.Contains(body, "Sign in to manage API keys") {
			t.Errorf("after sign-out:\n%s", body)
		}
	})
}

// Pages of 50, newest first, carry the filter; "Older" ends on the last.
func TestActivityPaging(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		jane.createKey("Busy agent", "read")
		jane.createKey("Quiet agent", "read")
		ks := e.keys(e.store.ID)
		busy, quiet := ks[0], ks[1]
		const n = 120
		for i := range n {
			k := busy
			if i%2 == 1 {
				k = quiet
			}
			if err := db.RecordAudit(ctx, nil, e.store.ID, storage.AuditEntry{Action: "create_transfer", Outcome: storage.OutcomeRefused,
				Arguments: fmt.Sprintf(`{"n":%d}`, i), Via: storage.ViaREST}.ByKey(k)); err != nil {
				t.Fatal(err)
			}
		}
		// The busy key: 60 calls and its creation, on two pages.
		next := "/keys/activity?key=" + busy.Prefix
		var seen []string
		pages := 0
		for next != "" {
			pages++
			resp, body := jane.get(next)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s answered %d", next, resp.StatusCode)
			}
			if strings.Contains(body, `<code class="prefix person-name">`+quiet.Prefix) {
				t.Fatalf("page %d of the busy key shows the quiet key", pages)
			}
			seen = append(seen, regexp.MustCompile(`\{&#34;n&#34;:(\d+)\}`).FindAllString(body, -1)...)
			if pages > 1 && !strings.Contains(body, `href="/keys/activity?key=`+busy.Prefix+`">Newest</a>`) {
				t.Errorf("page %d has no link to the newest entries", pages)
			}
			next = olderLink(body)
			if next != "" && !strings.Contains(next, "key="+busy.Prefix) {
				t.Errorf("the Older link %q drops the filter", next)
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
		}
		if pages != 2 || len(seen) != n/2 {
			t.Fatalf("%d pages with %d calls, want 2 pages with %d", pages, len(seen), n/2)
		}
		if seen[0] != `{&#34;n&#34;:118}` || seen[len(seen)-1] != `{&#34;n&#34;:0}` {
			t.Errorf("not newest first: %s … %s", seen[0], seen[len(seen)-1])
		}
		if _, body := jane.get("/keys/activity"); rows(body) != 50 || olderLink(body) == "" {
			t.Errorf("the unfiltered first page shows %d entries, Older %q", rows(body), olderLink(body))
		}
	})
}

// Whatever a caller put in its arguments or a label is shown as text:
// markup escaped, control characters and bidirectional overrides made
// visible, and long arguments cut short.
func TestActivityHostileText(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		jane.createKey("agent", "write")
		k := e.keys(e.store.ID)[0]
		hostile := "<script>alert(1)</script>\x1b[31mred\x07\u202etxt.exe\r\"onmouseover=\"x"
		for _, entry := range []storage.AuditEntry{
			{Action: "create_purchase_order", Outcome: storage.OutcomeError, Arguments: hostile, Detail: "<img src=x onerror=alert(2)>"},
			{Action: "<b>bold</b>_tool", Outcome: "<i>weird</i>", Arguments: `{"note":"` + strings.Repeat("x", 50000) + `"}`},
		} {
			if err := db.RecordAudit(ctx, nil, e.store.ID, entry.ByKey(k)); err != nil {
				t.Fatal(err)
			}
		}
		resp, body := jane.get("/keys/activity?key=" + k.Prefix)
		if resp.StatusCode != http.StatusOK || rows(body) != 3 {
			t.Fatalf("answered %d with %d entries:\n%s", resp.StatusCode, rows(body), body)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>bold", "<i>weird", "\x1b", "\x07", "\u202e", "\r", `"onmouseover`} {
			if strings.Contains(body, bad) {
				t.Errorf("the page holds %q unescaped", bad)
			}
		}
		for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `\u001b[31mred\u0007\u202etxt.exe\u000d`, "&lt;img src=x onerror=alert(2)&gt;",
			`<span class="badge outcome-failed">Failed</span>`, "&lt;i&gt;weird&lt;/i&gt;", "Cut short here", "<details class=\"arguments\">"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if len(body) > 40000 {
			t.Errorf("the page is %d bytes: long arguments are not bounded", len(body))
		}
	})
}
