package web_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/web"
)

var updateScreenshots = flag.Bool("update", false, "rewrite docs/keys-page.png from the browser test")

// newBrowser starts one headless Chromium for a test function; each case
// opens its own browser context (own cookies) in it with tab.
func newBrowser(t *testing.T) context.Context { return browsertest.New(t) }

// tab opens a fresh browser context (no cookies) with clipboard access
// for origin.
func tab(t *testing.T, browserCtx context.Context, origin string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
			Origin: origin, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func pageHTML(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browsertest.Get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
}

// script runs JavaScript for its effect.
func script(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("(function () {"+js+"})(), true")(ctx, t)
		return err
	})
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// submit runs an action that leads to a new page (a form post, a link) and
// waits until that page, not the one before it, has loaded and holds sel.
// Waiting for sel alone could match the old page, which may hold the same
// banner.
func submit(t *testing.T, ctx context.Context, action chromedp.Action[chromedp.Void], sel string) {
	t.Helper()
	browsertest.Run(t, ctx, script(`document.documentElement.dataset.stale = "1"`), action)
	waitFor(t, ctx, fmt.Sprintf(`document.readyState === "complete" && !document.documentElement.dataset.stale && !!document.querySelector(%q)`, sel))
}

// waitFor evaluates expr until it is true, across page loads (which make
// an evaluation in the old page fail).
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// accessible counts the page's nodes that assistive technology sees with
// that role and accessible name, as Chromium computes them.
func accessible(t *testing.T, ctx context.Context, role, name string) int {
	t.Helper()
	// (By the document's object: DOM.getDocument would reset the node ids
	// chromedp keeps.)
	doc := browsertest.Get(t, ctx, chromedp.Evaluate[*runtime.RemoteObject](`document`))
	res, err := chromedp.Call(ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{ObjectID: doc.ObjectID, Role: role, AccessibleName: name})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, node := range res.Nodes {
		if !node.Ignored {
			n++
		}
	}
	return n
}

// createInBrowser fills the Create key card and returns the key from the
// banner.
func createInBrowser(t *testing.T, ctx context.Context, label, scope string) string {
	t.Helper()
	browsertest.Run(t, ctx,
		chromedp.SetValue(css(`#label`), label),
		chromedp.Click(css(`#scope-`+scope)),
	)
	submit(t, ctx, chromedp.Click(css(`form.create-form button[type=submit]`)), `section.banner.success[role=status]`)
	key := browsertest.Get(t, ctx, chromedp.Text(css(`#new-key`)))
	remember(key)
	if !keyPattern.MatchString(key) {
		t.Fatalf("the banner shows %q, not a key", key)
	}
	return key
}

func TestBrowserSignIn(t *testing.T) {
	b := newBrowser(t)
	c := &clock{}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		k := jane.createKey("Claude", "read")
		prefix := k[:13]

		// A signed-out visitor sees how to get a link, and no keys.
		visitor := tab(t, b, e.srv.URL)
		browsertest.Run(t, visitor, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#signin-title`)))
		if html := pageHTML(t, visitor); strings.Contains(html, prefix) || strings.Contains(html, "Active keys") || !strings.Contains(html, "signin-link") {
			t.Error("a signed-out visitor sees keys, or no way to sign in")
		}

		// A link signs in, once.
		link := e.link(e.store.ID, "jane@acme.com")
		member := tab(t, b, e.srv.URL)
		browsertest.Run(t, member, chromedp.Navigate(link), chromedp.WaitVisible(css(`#keys-title`)))
		url := browsertest.Get(t, member, chromedp.Location())
		who := browsertest.Get(t, member, chromedp.Text(css(`.who`)))
		if url != e.srv.URL+"/keys" || !strings.Contains(who, "Jane Doe") || !strings.Contains(who, "jane@acme.com") {
			t.Errorf("after the link: at %s, signed in as %q", url, who)
		}
		if !strings.Contains(pageHTML(t, member), prefix) {
			t.Error("the signed-in page lacks the store's key")
		}
		if cookies := browsertest.Get(t, member, chromedp.Evaluate[string](`document.cookie`)); cookies != "" {
			t.Errorf("the session cookie is visible to scripts: %q", cookies)
		}

		again := tab(t, b, e.srv.URL)
		browsertest.Run(t, again, chromedp.Navigate(link), chromedp.WaitVisible(css(`#message-title`)))
		if html := pageHTML(t, again); !strings.Contains(html, "already used") || strings.Contains(html, prefix) {
			t.Error("a used link signed in, or said nothing")
		}
		expired := e.link(e.store.ID, "jane@acme.com")
		c.Advance(access.SigninLinkTTL)
		late := tab(t, b, e.srv.URL)
		browsertest.Run(t, late, chromedp.Navigate(expired), chromedp.WaitVisible(css(`#message-title`)))
		if html := pageHTML(t, late); !strings.Contains(html, "has expired") || strings.Contains(html, prefix) {
			t.Error("an expired link signed in, or said nothing")
		}

		// Sign out with the keyboard: the session ends.
		browsertest.Run(t, member, chromedp.Focus(css(`.account button`)))
		submit(t, member, chromedp.KeyEvent("\r"), `#signin-title`)
		if html := pageHTML(t, member); !strings.Contains(html, "You are signed out") || strings.Contains(html, prefix) {
			t.Error("sign-out did not end the session")
		}
		browsertest.Run(t, member, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#signin-title`)))
	}, storage.WithClock(c.Now))
}

func TestBrowserKeys(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tab(t, b, e.srv.URL)
		browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#create-title`)))
		if !browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.getElementById("scope-read").checked`)) {
			t.Error("Read only is not the default scope")
		}

		read := createInBrowser(t, ctx, "Claude Desktop", "read")
		// Copy puts the key on the clipboard.
		browsertest.Run(t, ctx,
			chromedp.WaitVisible(css(`button[data-copy="new-key"]`)),
			chromedp.Click(css(`button[data-copy="new-key"]`)),
		)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("new-key-copied").textContent !== ""`)); err != nil {
			t.Fatal(err)
		}
		if status := browsertest.Get(t, ctx, chromedp.Text(css(`#new-key-copied`))); status != "Copied to the clipboard" {
			t.Errorf("after Copy the page says %q", status)
		}
		if clip := browsertest.Get(t, ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)); clip != read {
			t.Errorf("the clipboard holds %q, want the new key", clip)
		}
		// The page's accessible names are part of the contract (DESIGN.md §8).
		prefix := read[:13]
		for _, want := range []struct{ role, name string }{
			{"textbox", "Label"},
			{"group", "Scope"},
			{"radio", "Read only (recommended)"},
			{"radio", "Read & write"},
			{"button", "Create key"},
			{"button", "Copy"},
			{"status", "Key created: Read only · Claude Desktop"},
			{"button", "Revoke " + prefix},
			{"button", "Sign out"},
			{"table", "Active keys"},
		} {
			if n := accessible(t, ctx, want.role, want.name); n != 1 {
				t.Errorf("%d %s named %q, want 1", n, want.role, want.name)
			}
		}
		write := createInBrowser(t, ctx, "CI agent", "write")

		if code, tools := e.mcpTools(read); code != http.StatusOK || contains(tools, "create_purchase_order") || !contains(tools, "get_store_overview") {
			t.Errorf("the read key over MCP: %d %v", code, tools)
		}
		if code, tools := e.mcpTools(write); code != http.StatusOK || !contains(tools, "create_purchase_order") {
			t.Errorf("the write key over MCP: %d %v", code, tools)
		}

		// After a reload the key is nowhere in the page.
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#keys-title`)))
		html := pageHTML(t, ctx)
		if strings.Contains(html, read) || strings.Contains(html, write) || keyPattern.MatchString(html) {
			t.Fatal("the page shows a key after reloading")
		}
		// Nor does the back button bring the banner back, even from the
		// back-forward cache: the page comes back saying the key was shown
		// once.
		browsertest.Run(t, ctx, script(`history.back()`))
		waitFor(t, ctx, `location.search.startsWith("?shown=") && document.readyState === "complete" && document.body.innerText.includes("was shown only once")`)
		if html := pageHTML(t, ctx); strings.Contains(html, read) || strings.Contains(html, write) {
			t.Fatal("the back button shows a key again")
		}
		// A second tab of the same member sees only prefixes.
		second := tab(t, b, e.srv.URL)
		browsertest.Run(t, second, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#keys-title`)))
		if html := pageHTML(t, second); keyPattern.MatchString(html) || !strings.Contains(html, read[:13]) {
			t.Fatal("a second tab shows a key, or not its prefix")
		}
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#keys-title`)))

		list := e.keys(e.store.ID)
		for _, k := range list {
			row := browsertest.Get(t, ctx, chromedp.Text(css(`#key-`+strconv.FormatInt(k.ID, 10))))
			scope := "Read only"
			if k.Label == "CI agent" {
				scope = "Read & write"
			}
			for _, want := range []string{k.Prefix, k.Label, scope, "Jane Doe", "jane@acme.com"} {
				if !strings.Contains(row, want) {
					t.Errorf("the row of %s lacks %q: %q", k.Prefix, want, row)
				}
			}
		}

		// Revoke the write key through its trash button and the confirmation.
		wk := list[1]
		sel := fmt.Sprintf(`#key-%d`, wk.ID)
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#keys-title`)))
		submit(t, ctx, chromedp.Click(css(`button[aria-label="Revoke `+wk.Prefix+`"]`)), `#confirm-title`)
		if got := e.keys(e.store.ID)[1]; got.Revoked() {
			t.Fatal("the trash button revoked before the confirmation")
		}
		submit(t, ctx, chromedp.Click(css(`section.confirm button.critical`)), sel+`.revoked`)
		decoration := browsertest.Get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("`+sel+` td.struck")).textDecorationLine`))
		if !strings.Contains(decoration, "line-through") {
			t.Errorf("the revoked row's text decoration is %q", decoration)
		}
		if row := browsertest.Get(t, ctx, chromedp.Text(css(sel))); !strings.Contains(row, "Revoked") || !strings.Contains(row, time.Now().UTC().Format("2006")) {
			t.Errorf("the revoked row reads %q", row)
		}
		if code, _ := e.mcpTools(write); code != http.StatusUnauthorized {
			t.Errorf("the revoked key answered %d over MCP", code)
		}
		active := browsertest.Get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`getComputedStyle(document.querySelector("#key-%d td.struck")).textDecorationLine`, list[0].ID)))
		if strings.Contains(active, "line-through") {
			t.Error("an active row is struck through")
		}

		// Bad input: a clear message, nothing written.
		for _, tc := range []struct {
			name, script, want string
		}{
			{"over-long label", `document.getElementById("label").value = "x".repeat(150)`, "longer than 100 characters"},
			{"other scope", `document.getElementById("scope-write").value = "owner"; document.getElementById("scope-write").checked = true`, "Choose a scope"},
		} {
			browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#create-title`)), script(tc.script))
			submit(t, ctx, chromedp.Click(css(`form.create-form button[type=submit]`)), `.banner.critical[role=alert]`)
			if html := pageHTML(t, ctx); !strings.Contains(html, tc.want) {
				t.Errorf("%s: the page lacks %q", tc.name, tc.want)
			}
		}
		for _, tc := range []struct{ name, id, want string }{
			{"unknown key", "987654", "No key of this store has that id"},
			{"revoked key", strconv.FormatInt(wk.ID, 10), "already revoked"},
		} {
			browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#create-title`)))
			submit(t, ctx, script(replayRevoke(tc.id)), `.banner.critical[role=alert]`)
			if html := pageHTML(t, ctx); !strings.Contains(html, tc.want) {
				t.Errorf("%s: the page lacks %q", tc.name, tc.want)
			}
		}
		if list := e.keys(e.store.ID); len(list) != 2 || list[0].Revoked() {
			t.Errorf("bad input changed the keys: %+v", list)
		}
	})
}

// replayRevoke is a script that posts the revoke form with id.
func replayRevoke(id string) string {
	return fmt.Sprintf(`var f = document.createElement("form");
		f.method = "post"; f.action = "/keys/revoke";
		var i = document.createElement("input");
		i.type = "hidden"; i.name = "id"; i.value = %q;
		f.appendChild(i); document.body.appendChild(f); f.submit();`, id)
}

// A page of another site that posts to the keys page changes nothing; a
// member of another store cannot revoke this store's key.
func TestBrowserIsolation(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		jane.createKey("Claude", "read")
		k := e.keys(e.store.ID)[0]
		id := strconv.FormatInt(k.ID, 10)

		// The attacker's page is served from "localhost", another site
		// than 127.0.0.1.
		attackerPage := func(path, fields string) string {
			return `<!doctype html><form id="f" method="post" action="` + e.srv.URL + path + `">` + fields +
				`</form><script>document.getElementById("f").submit()</script>`
		}
		var planted string // a sign-in link the attacker sends visitors to
		attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			switch r.URL.Path {
			case "/link":
				fmt.Fprint(w, `<!doctype html><a id="a" href="`+planted+`">prize</a><script>document.getElementById("a").click()</script>`)
			case "/create":
				fmt.Fprint(w, attackerPage("/keys/create", `<input name="label" value="evil"><input name="scope" value="write">`))
			case "/revoke":
				fmt.Fprint(w, attackerPage("/keys/revoke", `<input name="id" value="`+id+`">`))
			}
		}))
		defer attacker.Close()
		attackerURL := strings.Replace(attacker.URL, "127.0.0.1", "localhost", 1)

		ctx := tab(t, b, e.srv.URL)
		browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#keys-title`)))
		for _, path := range []string{"/create", "/revoke"} {
			browsertest.Run(t, ctx, chromedp.Navigate(attackerURL+path))
			waitFor(t, ctx, `location.href.startsWith(`+strconv.Quote(e.srv.URL)+`) && document.readyState === "complete"`)
			loc := browsertest.Get(t, ctx, chromedp.Location())
			if html := pageHTML(t, ctx); strings.Contains(html, "Key created") || !strings.Contains(loc, "/keys/") {
				t.Errorf("the cross-site post to %s went through (at %s)", path, loc)
			}
		}
		if list := e.keys(e.store.ID); len(list) != 1 || list[0].Revoked() {
			t.Fatalf("cross-site posts changed the keys: %+v", list)
		}

		// A sign-in link reached from another site asks first: no site can
		// sign a visitor in to a session of its choosing.
		planted = e.link(e.store.ID, "jane@acme.com")
		sessions := func() int {
			var n int
			if err := db.Backend().QueryRow(context.Background(), `SELECT count(*) FROM member_sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := sessions()
		visitor := tab(t, b, e.srv.URL)
		browsertest.Run(t, visitor, chromedp.Navigate(attackerURL+"/link"))
		waitFor(t, visitor, `location.href.startsWith(`+strconv.Quote(e.srv.URL)+`) && !!document.getElementById("confirm-signin-title")`)
		if html := pageHTML(t, visitor); strings.Contains(html, k.Prefix) || sessions() != before {
			t.Fatal("a sign-in link from another site signed in without asking")
		}
		submit(t, visitor, chromedp.Click(css(`form.actions button[type=submit]`)), `#keys-title`)
		if html := pageHTML(t, visitor); !strings.Contains(html, k.Prefix) || sessions() != before+1 {
			t.Error("confirming a link from another site did not sign in")
		}

		// A member of another store, signed in, replays the revoke form.
		other, _ := e.newStore("other.myshopify.com", "Olga", "olga@other.com")
		olga := tab(t, b, e.srv.URL)
		browsertest.Run(t, olga, chromedp.Navigate(e.link(other.ID, "olga@other.com")), chromedp.WaitVisible(css(`#keys-title`)))
		if strings.Contains(pageHTML(t, olga), k.Prefix) {
			t.Error("a member of another store sees the key")
		}
		submit(t, olga, script(replayRevoke(id)), `.banner.critical[role=alert]`)
		if html := pageHTML(t, olga); !strings.Contains(html, "No key of this store has that id") {
			t.Error("replaying another store's revoke form said nothing")
		}
		if e.keys(e.store.ID)[0].Revoked() {
			t.Fatal("a member of another store revoked the key")
		}
	})
}

// TestBrowserScreenshot renders the page right after creating a key, at
// desktop and phone width. With -update (or LOGISTIFIED_UPDATE_SCREENSHOTS=1)
// it writes docs/keys-page.png for the README.
func TestBrowserScreenshot(t *testing.T) {
	b := newBrowser(t)
	db := storagetest.Open(t, "sqlite")
	e := newEnv(t, db)
	ctx := context.Background()
	store, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "trailhead-outfitters.myshopify.com", Name: "Trailhead Outfitters"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := access.New(db).AddMember(ctx, store.ID, access.NewMember{Name: "Maya Ortiz", Email: "maya@trailhead.example"}, access.Person{Name: "test"}); err != nil {
		t.Fatal(err)
	}
	byLabel := map[string]access.APIKey{}
	for _, k := range []access.NewKey{
		{Scope: "read", Label: "Claude Desktop (Maya's laptop)", CreatedByName: "Maya Ortiz", CreatedByEmail: "maya@trailhead.example"},
		{Scope: "write", Label: "Purchasing agent", CreatedByName: "Sam Patel", CreatedByEmail: "sam@trailhead.example"},
		{Scope: "read", Label: "Old Cursor setup", CreatedByName: "Sam Patel", CreatedByEmail: "sam@trailhead.example"},
	} {
		ck, err := access.New(db).CreateKey(ctx, store.ID, k)
		if err != nil {
			t.Fatal(err)
		}
		remember(ck.Secret)
		byLabel[k.Label] = ck.APIKey
		if k.Label == "Old Cursor setup" {
			if _, err := access.New(db).RevokeKey(ctx, store.ID, ck.Prefix, access.Person{Name: "Sam Patel"}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := access.New(db).Authenticate(ctx, ck.Secret); err != nil {
			t.Fatal(err)
		}
	}
	// The lifecycle on show: a key rolled with a week's grace (the old row
	// highlighted as expiring soon, both rows linked), and one found in
	// public and revoked.
	if _, err := access.New(db).RollKey(ctx, store.ID, byLabel["Purchasing agent"].Prefix, 7*keys.Day, access.Roller{Person: access.Person{Name: "Sam Patel", Email: "sam@trailhead.example"}}); err != nil {
		t.Fatal(err)
	}
	staging, err := access.New(db).CreateKey(ctx, store.ID, access.NewKey{Scope: "read", Label: "Staging script", CreatedByName: "Sam Patel", CreatedByEmail: "sam@trailhead.example"})
	if err != nil {
		t.Fatal(err)
	}
	remember(staging.Secret)
	if _, err := access.New(db).RevokeLeaked(ctx, []access.LeakReport{{Token: staging.Secret, URL: "https://github.com/sam-p/scripts/blob/main/sync.sh"}}); err != nil {
		t.Fatal(err)
	}
	// Two connected apps, one of them revoked.
	maya, err := access.New(db).MemberByEmail(ctx, store.ID, "maya@trailhead.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, app := range []struct{ id, name, scope string }{
		{"https://chatgpt.com/connector/oauth", "ChatGPT", "read"},
		{"https://claude.ai/oauth/mcp-oauth-client-metadata", "Claude", "write"},
	} {
		if _, err := access.New(db).SaveOAuthClient(ctx, access.OAuthClient{ID: app.id, Name: app.name, RedirectURIs: []string{appRedirect},
			Registration: access.RegistrationMetadataDocument}); err != nil {
			t.Fatal(err)
		}
		cc, err := access.New(db).CreateConnectionCode(ctx, store.ID, maya, keys.Scope(app.scope), inventory.Approval{})
		if err != nil {
			t.Fatal(err)
		}
		remember(cc.Code)
		g, _, err := access.New(db).ApproveWithCode(ctx, cc.Code, access.NewGrant{ClientID: app.id, ClientName: app.name, Audience: e.resource()})
		if err != nil {
			t.Fatal(err)
		}
		if app.name == "ChatGPT" {
			if _, err := access.New(db).RevokeGrant(ctx, store.ID, g.ID, access.Person{Name: "Maya Ortiz"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tabCtx := tab(t, b, e.srv.URL)
	browsertest.Run(t, tabCtx, chromedp.Navigate(e.link(store.ID, "maya@trailhead.example")), chromedp.WaitVisible(css(`#create-title`)))
	createInBrowser(t, tabCtx, "Claude Code (CI)", "read")
	png := browsertest.Get(t, tabCtx, chromedp.FullScreenshot(100))
	// Every column of Active keys, the row buttons included, fits its card.
	if browsertest.Get(t, tabCtx, chromedp.Evaluate[bool](`(() => { const tb = document.querySelector("table.keys"); return tb.offsetWidth > tb.parentElement.clientWidth })()`)) {
		t.Error("the Active keys table is wider than its card: " + browsertest.Get(t, tabCtx, chromedp.Evaluate[string](`(() => { const tb = document.querySelector("table.keys"); return tb.offsetWidth + " > " + tb.parentElement.clientWidth + ": " + [...tb.querySelectorAll("th")].map(th => th.offsetWidth).join(",") })()`)))
	}

	// Phone width: nothing wider than the screen.
	narrow := func() []byte {
		browsertest.Run(t, tabCtx, chromedp.EmulateViewport(390, 844))
		if browsertest.Get(t, tabCtx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
			t.Error("at phone width the page is wider than the screen")
		}
		return browsertest.Get(t, tabCtx, chromedp.FullScreenshot(100))
	}
	phone := narrow()

	// The connection code, at both widths.
	// The Create key card with Read & write: its approval choice.
	browsertest.Run(t, tabCtx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#create-title`)),
		chromedp.Click(css(`#scope-write`)), chromedp.Click(css(`#approval-above`)), chromedp.SetValue(css(`#approval-amount`), "500"))
	approvalCard := browsertest.Get(t, tabCtx, chromedp.Screenshot(css(`section[aria-labelledby="create-title"]`)))

	browsertest.Run(t, tabCtx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/keys/connect"), chromedp.WaitVisible(css(`#connect-title`)),
		chromedp.Click(css(`#connect-scope-write`)))
	connectForm := browsertest.Get(t, tabCtx, chromedp.FullScreenshot(100))
	submit(t, tabCtx, chromedp.Click(css(`section.connect button[type=submit]`)), `#connection-code`)
	remember(browsertest.Get(t, tabCtx, chromedp.Text(css(`#connection-code`))))
	connect := browsertest.Get(t, tabCtx, chromedp.FullScreenshot(100))
	connectPhone := narrow()

	// The Activity view: what the keys did, newest last here.
	for _, a := range []struct {
		key, via, tool, outcome, args, detail, approvedBy string
	}{
		{"Purchasing agent", storage.ViaREST, "create_purchase_order", storage.OutcomeDryRun, `{"supplier_id":12,"lines":[{"variant_id":4021,"quantity":24}],"dry_run":true}`, "nothing changed", ""},
		{"Purchasing agent", storage.ViaREST, "create_purchase_order", storage.OutcomeOK, `{"supplier_id":12,"lines":[{"variant_id":4021,"quantity":24}]}`, "purchase order PO-1042 created; applied as previewed (preview_token)", storage.ApprovedPreviewToken},
		{"Purchasing agent", storage.ViaMCP, "send_purchase_order", storage.OutcomeOK, `{"number":"PO-1042"}`, "", storage.ApprovedHuman},
		{"Claude Desktop (Maya's laptop)", storage.ViaMCP, "receive_purchase_order", storage.OutcomeRefused, `{"purchase_order_id":1042}`, "the key is read-only", ""},
		{"Purchasing agent", storage.ViaMCP, "receive_transfer", storage.OutcomeError, `{"transfer_id":77}`, "transfer T-77 is already received", ""},
	} {
		if err := db.RecordAudit(ctx, nil, store.ID, storage.AuditEntry{Action: a.tool, Outcome: a.outcome, Arguments: a.args, Detail: a.detail, Via: a.via, ApprovedBy: a.approvedBy}.ByKey(byLabel[a.key])); err != nil {
			t.Fatal(err)
		}
	}
	browsertest.Run(t, tabCtx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/keys/activity"), chromedp.WaitVisible(css(`#activity-title`)))
	browsertest.Run(t, tabCtx, chromedp.Click(css(`tr.entry details.arguments summary`)))
	activity := browsertest.Get(t, tabCtx, chromedp.FullScreenshot(100))
	activityPhone := narrow()

	if *updateScreenshots || os.Getenv("LOGISTIFIED_UPDATE_SCREENSHOTS") == "1" {
		for name, img := range map[string][]byte{"keys-page.png": png, "keys-page-phone.png": phone,
			"keys-page-connect-form.png": connectForm, "keys-page-connect.png": connect, "keys-page-connect-phone.png": connectPhone,
			"keys-page-activity.png": activity, "keys-page-activity-phone.png": activityPhone, "keys-page-approval.png": approvalCard} {
			path := filepath.Join("..", "docs", name)
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
		}
	}
}

// A member connects a web-chat app from the page: the button, the scope,
// the one-time code with the URL to paste; the code approves the app,
// which appears in Connected apps; its trash button and the confirmation
// revoke it, and its token is refused.
func TestBrowserConnectApp(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tab(t, b, e.srv.URL)
		browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#apps-title`)))
		if n := accessible(t, ctx, "button", "Connect claude.ai or ChatGPT"); n != 1 {
			t.Fatalf("%d buttons named Connect claude.ai or ChatGPT, want 1", n)
		}
		submit(t, ctx, chromedp.Click(css(`.card-header-actions button`)), `#connect-title`)
		if !browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.getElementById("connect-scope-read").checked`)) {
			t.Error("Read only is not the default scope of a connection")
		}
		for _, want := range []struct{ role, name string }{
			{"radio", "Read only"},
			{"button", "Get connection code"},
		} {
			if n := accessible(t, ctx, want.role, want.name); n != 1 {
				t.Errorf("%d %s named %q, want 1", n, want.role, want.name)
			}
		}
		browsertest.Run(t, ctx, chromedp.Click(css(`#connect-scope-write`)))
		submit(t, ctx, chromedp.Click(css(`section.connect button[type=submit]`)), `section.banner.success[role=status] #connection-code`)
		code := browsertest.Get(t, ctx, chromedp.Text(css(`section.banner[role=status] #connection-code`)))
		remember(code, strings.ReplaceAll(code, "-", ""))
		if !codeShape.MatchString(code) {
			t.Fatalf("the banner shows %q, not a connection code", code)
		}
		status := browsertest.Get(t, ctx, chromedp.Text(css(`section.banner[role=status]`)))
		if !strings.Contains(status, e.srv.URL+"/mcp") || !strings.Contains(status, "10 minutes") {
			t.Errorf("the code's banner reads %q", status)
		}
		if n := accessible(t, ctx, "status", "Connection code: Read & write"); n != 1 {
			t.Errorf("%d status regions named for the code, want 1", n)
		}

		// The app (a Go OAuth client, as claude.ai) is approved with it.
		cfg := e.registerApp("Claude")
		tok := e.client().approve(e.startAuthorization(cfg), url.Values{"connection_code": {code}, "decision": {"approve"}})
		if code, tools := e.mcpTools(tok.AccessToken); code != http.StatusOK || !contains(tools, "create_purchase_order") {
			t.Fatalf("the app over MCP: %d %v", code, tools)
		}
		g := e.usedGrants(e.store.ID)[0]
		sel := fmt.Sprintf(`#app-%d`, g.ID)

		// A reload never shows the code again; the app is in the table.
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(sel)))
		if html := pageHTML(t, ctx); strings.Contains(html, code) || connectionCodePattern.MatchString(html) {
			t.Fatal("the page shows the connection code after reloading")
		}
		row := browsertest.Get(t, ctx, chromedp.Text(css(sel)))
		for _, want := range []string{"Claude", "Read & write", "Jane Doe", "jane@acme.com", time.Now().UTC().Format("2006")} {
			if !strings.Contains(row, want) {
				t.Errorf("the app's row lacks %q: %q", want, row)
			}
		}
		if n := accessible(t, ctx, "table", "Connected apps"); n != 1 {
			t.Errorf("%d tables named Connected apps", n)
		}

		// Revoke through the trash button and the confirmation.
		submit(t, ctx, chromedp.Click(css(`button[aria-label="Revoke Claude"]`)), `#confirm-app-title`)
		if e.grants(e.store.ID)[0].Revoked() {
			t.Fatal("the trash button revoked before the confirmation")
		}
		submit(t, ctx, chromedp.Click(css(`section.confirm button.critical`)), sel+`.revoked`)
		decoration := browsertest.Get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("`+sel+` td.struck")).textDecorationLine`))
		if !strings.Contains(decoration, "line-through") {
			t.Errorf("the revoked app's text decoration is %q", decoration)
		}
		if row := browsertest.Get(t, ctx, chromedp.Text(css(sel))); !strings.Contains(row, "Revoked") {
			t.Errorf("the revoked row reads %q", row)
		}
		if code, _ := e.mcpTools(tok.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("the revoked app's token answered %d over MCP", code)
		}
	})
}

// A member creates a key on the page, the key is used once over MCP (a
// read, and a write its scope refuses), and the key's Activity link shows
// what it did and who created it, with the filter chosen.
func TestBrowserActivity(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tab(t, b, e.srv.URL)
		browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#create-title`)))
		key := createInBrowser(t, ctx, "Claude Desktop", "read")
		prefix := key[:13]
		if isErr, text := e.mcpCall(key, "get_store_overview", `{}`); isErr {
			t.Fatalf("the read was refused: %s", text)
		}
		if isErr, _ := e.mcpCall(key, "create_purchase_order", `{"supplier_id":1}`); !isErr {
			t.Fatal("a read key's write was not refused")
		}

		// The row's Activity link opens the view filtered to the key.
		submit(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), `#keys-title`)
		if n := accessible(t, ctx, "link", "Activity of "+prefix); n != 1 {
			t.Fatalf("%d links named Activity of %s, want 1", n, prefix)
		}
		submit(t, ctx, chromedp.Click(css(`a[aria-label="Activity of `+prefix+`"]`)), `#activity-title`)
		if got := browsertest.Get(t, ctx, chromedp.Evaluate[string](`document.getElementById("filter-key").value`)); got != prefix {
			t.Errorf("the Key filter shows %q, want %s", got, prefix)
		}
		for _, want := range []struct{ role, name string }{
			{"combobox", "Key"},
			{"table", "Activity of key " + prefix + " · Claude Desktop"},
		} {
			if n := accessible(t, ctx, want.role, want.name); n != 1 {
				t.Errorf("%d %s named %q, want 1", n, want.role, want.name)
			}
		}
		type row struct{ Who, Action, Outcome, Via string }
		rows := browsertest.Get(t, ctx, chromedp.Evaluate[[]row](`[...document.querySelectorAll("tr.entry")].map(tr => ({
			Who: tr.querySelector('[data-label="Who"]').innerText.replace(/\s+/g, " ").trim(),
			Action: tr.querySelector('.action-name').innerText,
			Outcome: tr.querySelector('.badge').innerText,
			Via: tr.querySelector('.via').innerText}))`))
		want := []row{
			{"Claude Desktop", "Create purchase order", "Refused", "MCP"},
			{"Jane Doe jane@acme.com", "Created key", "OK", "Keys page"},
		}
		want[0].Who = prefix + " " + want[0].Who
		if len(rows) != len(want) {
			t.Fatalf("the view shows %d rows, want %d: %+v", len(rows), len(want), rows)
		}
		for i := range want {
			if rows[i] != want[i] {
				t.Errorf("row %d is %+v, want %+v", i, rows[i], want[i])
			}
		}
		// The arguments open on a click, as text.
		browsertest.Run(t, ctx, chromedp.Click(css(`tr.entry details.arguments summary`)))
		if args := browsertest.Get(t, ctx, chromedp.Text(css(`tr.entry details.arguments pre`))); args != `{"supplier_id":1}` {
			t.Errorf("the arguments read %q", args)
		}

		// Choosing All in the filter and submitting (a plain GET form)
		// shows the rest of the store's activity too.
		browsertest.Run(t, ctx, script(`document.getElementById("filter-key").selectedIndex = 0`))
		submit(t, ctx, chromedp.Click(css(`form.filter button[type=submit]`)), `#activity-title`)
		if u := browsertest.Get(t, ctx, chromedp.Evaluate[string](`location.search`)); u != "?key=" {
			t.Errorf("the filter submitted %q", u)
		}
		if n := browsertest.Get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.entry").length`)); n < 4 {
			t.Errorf("All shows %d entries", n)
		}
		if !strings.Contains(browsertest.Get(t, ctx, chromedp.Text(css(`table.activity`))), "Signed in") {
			t.Error("All does not show Jane's sign-in")
		}
	})
}

// Every form of the page that makes or changes something answers with a
// redirect to a GET: a reload after it (what a merchant does when unsure,
// or when the browser offers Continue) makes nothing and never shows the
// key or code again. The approval page redirects to the app.
func TestBrowserReloadMakesNothing(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tab(t, b, e.srv.URL)
		browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#create-title`)))
		count := func(table string) int {
			var n int
			if err := db.Backend().QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		revoked := func() int {
			var n int
			if err := db.Backend().QueryRow(context.Background(), `SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		audits := func() int { return count("audit_log") }
		reload := func(sel string) string {
			t.Helper()
			submit(t, ctx, chromedp.Reload(), sel)
			return pageHTML(t, ctx)
		}
		// nothing checks that the reload changed no table a form writes.
		nothing := func(what string, before [4]int) {
			t.Helper()
			if after := [4]int{count("api_keys"), count("oauth_connection_codes"), revoked(), audits()}; after != before {
				t.Errorf("reloading after %s changed keys, codes, revocations, audit entries from %v to %v", what, before, after)
			}
		}
		state := func() [4]int { return [4]int{count("api_keys"), count("oauth_connection_codes"), revoked(), audits()} }

		// Create key.
		key := createInBrowser(t, ctx, "Claude Desktop", "read")
		if u := browsertest.Get(t, ctx, chromedp.Location()); !strings.Contains(u, "/keys?shown=") {
			t.Errorf("after Create key the browser is at %s, not a GET of the keys page", u)
		}
		before := state()
		html := reload(`#keys-title`)
		if strings.Contains(html, key) || keyPattern.MatchString(html) {
			t.Error("the reload shows the key again")
		}
		if notice := browsertest.Get(t, ctx, chromedp.Text(css(`.banner.info[role=status]`))); !strings.Contains(notice, "Key "+key[:13]+" was shown only once") {
			t.Errorf("the reload says %q, not that the key was shown once, with its prefix", notice)
		}
		nothing("Create key", before)

		// Get connection code.
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys/connect"), chromedp.WaitVisible(css(`#connect-title`)))
		submit(t, ctx, chromedp.Click(css(`section.connect button[type=submit]`)), `#connection-code`)
		code := browsertest.Get(t, ctx, chromedp.Text(css(`#connection-code`)))
		remember(code, strings.ReplaceAll(code, "-", ""))
		before = state()
		// Back, from the keys page, never shows it again either.
		submit(t, ctx, chromedp.Click(css(`section.banner .banner-actions a`)), `#keys-title`)
		browsertest.Run(t, ctx, script(`history.back()`))
		waitFor(t, ctx, `location.search.startsWith("?shown=") && document.readyState === "complete" && document.body.innerText.includes("The connection code was shown only once")`)
		if html := pageHTML(t, ctx); strings.Contains(html, code) || connectionCodePattern.MatchString(html) {
			t.Error("Back shows the connection code again")
		}
		html = reload(`#keys-title`)
		if strings.Contains(html, code) || connectionCodePattern.MatchString(html) || !strings.Contains(html, "The connection code was shown only once") {
			t.Error("the reload shows the connection code again, or does not say it was shown once")
		}
		nothing("Get connection code", before)

		// Revoke key.
		k := e.keys(e.store.ID)[0]
		submit(t, ctx, chromedp.Click(css(`button[aria-label="Revoke `+k.Prefix+`"]`)), `#confirm-title`)
		submit(t, ctx, chromedp.Click(css(`section.confirm button.critical`)), fmt.Sprintf(`#key-%d.revoked`, k.ID))
		before = state()
		if html := reload(fmt.Sprintf(`#key-%d.revoked`, k.ID)); strings.Contains(html, "already revoked") {
			t.Error("the reload after revoking posted the revocation again")
		}
		nothing("Revoke key", before)

		// Approve an app on the approval page, signed in: the browser lands
		// on the app, and a reload there asks the server for nothing.
		var callbacks, approvals int
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/callback" {
				callbacks++
			}
			_, _ = w.Write([]byte(`<!doctype html><title>connected</title><p id="connected">connected</p>`))
		}))
		defer app.Close()
		cfg := e.registerAppAt("Claude", app.URL+"/callback")
		a := e.startAuthorization(cfg)
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+a.path), chromedp.WaitVisible(css(`button[value="approve"]`)))
		submit(t, ctx, chromedp.Click(css(`button[value="approve"]`)), `#connected`)
		approvals = len(e.grants(e.store.ID))
		if approvals != 1 {
			t.Fatalf("%d grants after approving", approvals)
		}
		before = state()
		reload(`#connected`)
		if n := len(e.grants(e.store.ID)); n != approvals || callbacks != 2 {
			t.Errorf("the reload after approving: %d grants, %d callbacks", n, callbacks)
		}
		nothing("Approve", before)

		// Revoke the app.
		g := e.grants(e.store.ID)[0]
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#apps-title`)))
		submit(t, ctx, chromedp.Click(css(`button[aria-label="Revoke Claude"]`)), `#confirm-app-title`)
		submit(t, ctx, chromedp.Click(css(`section.confirm button.critical`)), fmt.Sprintf(`#app-%d.revoked`, g.ID))
		before = state()
		if html := reload(fmt.Sprintf(`#app-%d.revoked`, g.ID)); strings.Contains(html, "already revoked") {
			t.Error("the reload after revoking the app posted the revocation again")
		}
		nothing("Revoke app", before)
	})
}

// With a development build (`go run`), the configurations name a
// placeholder for the program and the command line says to go install it.
// The page says nothing about go to the merchant: it tells them where the
// configurations look for the program, and of the way over HTTP.
func TestBrowserDevelopmentBuild(t *testing.T) {
	b := newBrowser(t)
	const devNote = "This logistified was built by `go run` into a temporary folder that disappears: install it from this checkout with `go install ./cmd/logistified` (it lands in $(go env GOPATH)/bin) and check the command path in the configurations below."
	for _, tc := range []struct {
		name      string
		setup     clientconfig.Setup
		wantNote  string
		wantInPre string
	}{
		{"go run", clientconfig.Setup{Binary: "/path/to/logistified", BinaryNote: devNote},
			"The Claude Desktop, Claude Code, Codex and Cursor configurations start the logistified program on your computer, at /path/to/logistified.",
			`"command": "/path/to/logistified"`},
		{"installed", clientconfig.Setup{Binary: "/usr/local/bin/logistified"}, "", `"command": "/usr/local/bin/logistified"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, storagetest.Open(t, "sqlite"), func(o *web.Options) { o.Clients = tc.setup })
			ctx := tab(t, b, e.srv.URL)
			browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#create-title`)))
			createInBrowser(t, ctx, "Claude Desktop", "read")
			browsertest.Run(t, ctx, chromedp.Click(css(`details.configs > summary`)), chromedp.Click(css(`details.config > summary`)))
			text := browsertest.Get(t, ctx, chromedp.Evaluate[string](`document.querySelector("details.configs").innerText`))
			for _, never := range []string{"go install", "go run", "GOPATH", "checkout"} {
				if strings.Contains(text, never) {
					t.Errorf("the configurations tell the merchant %q:\n%s", never, text)
				}
			}
			note := browsertest.Get(t, ctx, chromedp.Evaluate[string](`(document.querySelector(".install-note") || {innerText: ""}).innerText`))
			if tc.wantNote == "" && note != "" || !strings.Contains(note, tc.wantNote) {
				t.Errorf("the page's note reads %q, want %q", note, tc.wantNote)
			}
			if tc.wantNote != "" && !browsertest.Get(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector(".install-note").offsetParent`)) {
				t.Error("the note is not shown")
			}
			if pre := browsertest.Get(t, ctx, chromedp.Text(css(`#config-claude-desktop`))); !strings.Contains(pre, tc.wantInPre) {
				t.Errorf("the Claude Desktop configuration lacks %s:\n%s", tc.wantInPre, pre)
			}
		})
	}
}
