package oauth_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/oauth"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/web"
)

// TestApprovalPageInBrowser approves a connection in headless Chromium as
// a member would: the page loads its stylesheet under its CSP, the code
// is typed into the field labelled Connection code, Approve is clicked,
// and the browser lands on the app's redirect URI with the code (the
// form-action policy lets that redirect through).
func TestApprovalPageInBrowser(t *testing.T) {
	browser := browsertest.New(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fx := storagetest.SeedStore(t, db, "acme.myshopify.com")
		jane, err := access.New(db).AddMember(ctx, fx.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, access.Person{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case got <- r.URL.RawQuery:
			default:
			}
			_, _ = w.Write([]byte("<!doctype html><title>connected</title><p>connected</p>"))
		}))
		defer app.Close()
		r := newRig(t, db, oauth.MetadataFetch{})
		d := discover(r)
		cfg := oauthConfig(d, registerDCR(r, d, "Claude", app.URL+"/callback"))
		cfg.RedirectURL = app.URL + "/callback"
		a := startAuthorize(r, d, cfg)
		code := connectionCode(r, fx.Store.ID, jane, "")

		bctx, cancel := chromedp.NewContext(browser)
		defer cancel()
		// A new browser context's first action opens its tab: no deadline.
		if err := chromedp.Do(bctx, chromedp.Navigate(a.authURL)); err != nil {
			t.Fatalf("loading the approval page: %v", err)
		}
		tctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		text := func(sel string) string {
			t.Helper()
			v, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil {
				t.Fatalf("reading %s: %v", sel, err)
			}
			return strings.TrimSpace(v)
		}
		if err := chromedp.Do(tctx, chromedp.WaitVisible(chromedp.ID("connection_code"))); err != nil {
			t.Fatal(err)
		}
		title, _ := chromedp.Run(tctx, chromedp.Title())
		label, approve, deny := text(`label[for="connection_code"]`), text(`button[value="approve"]`), text(`button[value="deny"]`)
		if label != "Connection code" || approve != "Approve" || deny != "Deny" || !strings.Contains(title, "Claude") {
			t.Errorf("page: title %q, label %q, buttons %q %q", title, label, approve, deny)
		}
		rules, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.styleSheets.length ? document.styleSheets[0].cssRules.length : 0`))
		if err != nil || rules == 0 {
			t.Errorf("the stylesheet did not load under the page's CSP (%d rules, %v)", rules, err)
		}
		// It looks like the keys page: the same stylesheet, header and
		// buttons.
		look, err := chromedp.Run(tctx, chromedp.Evaluate[map[string]string](`({
			sheet: document.styleSheets[0].href,
			brand: document.querySelector("header.topbar .brand") ? document.querySelector("header.topbar .brand").innerText.trim() : "",
			approve: document.querySelector('button[value="approve"]').className,
			deny: document.querySelector('button[value="deny"]').className,
			topbar: getComputedStyle(document.querySelector("header.topbar") || document.body).backgroundColor})`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(look["sheet"], "/oauth/assets/style.css") || look["brand"] != "Logistified" ||
			look["approve"] != "button primary" || look["deny"] != "button" || look["topbar"] == "rgba(0, 0, 0, 0)" {
			t.Errorf("the approval page does not look like the keys page: %v", look)
		}
		resp, err := http.Get(look["sheet"])
		if err != nil {
			t.Fatal(err)
		}
		served, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want, _ := fs.ReadFile(web.Assets(), "style.css"); len(want) == 0 || !bytes.Equal(served, want) {
			t.Error("the approval page's stylesheet is not the keys page's")
		}
		if err := chromedp.Do(tctx,
			chromedp.SendKeys(chromedp.ID("connection_code"), strings.ToLower(code)),
			chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
		); err != nil {
			t.Fatalf("approving: %v", err)
		}
		var query string
		select {
		case query = <-got:
		case <-tctx.Done():
			t.Fatal("the browser never reached the app's redirect URI")
		}
		q, _ := urlValues(query)
		if q.Get("state") != a.state || q.Get("code") == "" {
			t.Fatalf("the app received %q", query)
		}
		r.remember(q.Get("code"))
		tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(a.verifier))
		if err != nil {
			t.Fatal(err)
		}
		r.remember(tok.AccessToken, tok.RefreshToken)
		if st := initialize(r, tok.AccessToken); st != http.StatusOK {
			t.Errorf("initialize: %d", st)
		}
	})
}
