package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// keyByPrefix finds a key of the store by its prefix.
func (e *env) keyByPrefix(t *testing.T, prefix string) access.APIKey {
	t.Helper()
	for _, k := range e.keys(e.store.ID) {
		if k.Prefix == prefix {
			return k
		}
	}
	t.Fatalf("no key %s", prefix)
	return access.APIKey{}
}

// rowOf is the JavaScript for the Active keys row of a prefix.
func rowOf(prefix string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("table.keys tbody tr")].find(tr => tr.querySelector("code.prefix")?.textContent === %q)`, prefix)
}

// The expiry choice of the Create key card, the expiring-soon highlight,
// Roll key with its one-time banner, and the leak notice.
func TestBrowserKeyLifecycle(t *testing.T) {
	b := newBrowser(t)
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			c := &clock{}
			c.Advance(0)
			db := storagetest.Open(t, name, storage.WithClock(c.Now))
			e := newEnv(t, db)
			ctx := tab(t, b, e.srv.URL)
			browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#create-title`)))

			// The expiry choice: the store's default (365 days) is chosen
			// unless the member picks another.
			for _, want := range []struct{ role, name string }{
				{"combobox", "Expires"},
				{"textbox", "Allowed addresses"},
			} {
				if n := accessible(t, ctx, want.role, want.name); n != 1 {
					t.Errorf("%d %s named %q, want 1", n, want.role, want.name)
				}
			}
			if v := browsertest.Get(t, ctx, chromedp.Evaluate[string](`document.getElementById("expires").value`)); v != "365d" {
				t.Errorf("the Expires field defaults to %q, want the store's 365d", v)
			}
			browsertest.Run(t, ctx, chromedp.SetValue(css(`#expires`), "30d"), chromedp.SetValue(css(`#allow-from`), "203.0.113.0/24, 2001:db8::/32"))
			monthly := createInBrowser(t, ctx, "Monthly", "read")
			mk := e.keyByPrefix(t, monthly[:13])
			if want := c.Now().Add(30 * keys.Day); mk.ExpiresAt == nil || mk.ExpiresAt.Sub(want).Abs() > time.Minute {
				t.Errorf("the 30-day key expires %v, want %v", mk.ExpiresAt, want)
			}
			if mk.AllowFrom != "203.0.113.0/24,2001:db8::/32" {
				t.Errorf("allow-list %q", mk.AllowFrom)
			}
			// A date: the last day the key works (the store is on UTC).
			date := c.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
			browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#create-title`)),
				chromedp.SetValue(css(`#expires`), "date"), chromedp.SetValue(css(`#expires-date`), date))
			soon := createInBrowser(t, ctx, "Soon", "write")
			sk := e.keyByPrefix(t, soon[:13])
			if sk.ExpiresAt == nil || sk.ExpiresAt.UTC().Format(time.DateOnly) != c.Now().UTC().AddDate(0, 0, 11).Format(time.DateOnly) || sk.ExpiresAt.UTC().Hour() != 0 {
				t.Errorf("the key chosen to end on %s expires %v", date, sk.ExpiresAt)
			}
			// A date in the past is refused, in the field.
			browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#create-title`)),
				chromedp.SetValue(css(`#expires`), "date"), chromedp.SetValue(css(`#expires-date`), "2020-01-01"), chromedp.SetValue(css(`#label`), "Late"))
			submit(t, ctx, chromedp.Click(css(`form.create-form button[type=submit]`)), `#expires-error`)
			if n := len(e.keys(e.store.ID)); n != 2 {
				t.Errorf("a past expiry date made a key (%d keys)", n)
			}

			// The expiring-soon highlight: the key ending in 11 days, not
			// the one in 30.
			browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#keys-title`)))
			for _, tc := range []struct {
				prefix   string
				expiring bool
				text     string
			}{{soon[:13], true, "Expires in 11 days"}, {monthly[:13], false, "Expires in 30 days"}} {
				row := rowOf(tc.prefix)
				if got := browsertest.Get(t, ctx, chromedp.Evaluate[bool](row+`.classList.contains("expiring")`)); got != tc.expiring {
					t.Errorf("%s: highlighted %v, want %v", tc.prefix, got, tc.expiring)
				}
				if got := browsertest.Get(t, ctx, chromedp.Evaluate[string](row+`.querySelector("td.expires").textContent.trim()`)); got != tc.text {
					t.Errorf("%s: expires cell %q, want %q", tc.prefix, got, tc.text)
				}
			}
			bg := browsertest.Get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(`+rowOf(soon[:13])+`.querySelector("td")).backgroundColor`))
			plain := browsertest.Get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(`+rowOf(monthly[:13])+`.querySelector("td")).backgroundColor`))
			if bg == plain {
				t.Errorf("the expiring row is not highlighted (background %s)", bg)
			}

			// Roll key: a grace period, the successor shown once, both rows
			// linked.
			submit(t, ctx, chromedp.Click(css(fmt.Sprintf(`button[aria-label="Roll key %s"]`, soon[:13]))), `#roll-title`)
			if n := accessible(t, ctx, "group", "Grace period"); n != 1 {
				t.Error("the roll card has no Grace period group")
			}
			browsertest.Run(t, ctx, chromedp.Click(css(`#grace-1h`)))
			submit(t, ctx, chromedp.Click(css(`form[action="/keys/roll"] button[type=submit]`)), `section.banner.success[role=status]`)
			rolled := browsertest.Get(t, ctx, chromedp.Text(css(`#new-key`)))
			remember(rolled)
			if !keyPattern.MatchString(rolled) || rolled == soon {
				t.Fatalf("the roll's banner shows %q", rolled)
			}
			banner := browsertest.Get(t, ctx, chromedp.Text(css(`section.banner.success`)))
			if !strings.Contains(banner, "Key rolled") || !strings.Contains(banner, "replaces "+soon[:13]) || !strings.Contains(banner, "keeps working until") {
				t.Errorf("roll banner: %q", banner)
			}
			if n := accessible(t, ctx, "status", "Key rolled: Read & write · Soon"); n != 1 {
				t.Errorf("%d statuses named Key rolled", n)
			}
			shown := browsertest.Get(t, ctx, chromedp.Location())
			browsertest.Run(t, ctx, chromedp.Navigate(shown), chromedp.WaitVisible(css(`#keys-title`)))
			if html := pageHTML(t, ctx); strings.Contains(html, rolled) {
				t.Error("a reload shows the rolled key again")
			}
			if got := browsertest.Get(t, ctx, chromedp.Evaluate[string](rowOf(soon[:13])+`.textContent`)); !strings.Contains(got, "Replaced by "+rolled[:13]) {
				t.Errorf("the old row does not link its successor: %q", got)
			}
			if got := browsertest.Get(t, ctx, chromedp.Evaluate[string](rowOf(rolled[:13])+`.textContent`)); !strings.Contains(got, "Replaces "+soon[:13]) {
				t.Errorf("the new row does not link the old key: %q", got)
			}
			if code, _ := e.mcpTools(soon); code != http.StatusOK {
				t.Errorf("the old key inside its grace period: %d", code)
			}
			c.Advance(time.Hour)
			if code, _ := e.mcpTools(soon); code != http.StatusUnauthorized {
				t.Errorf("the old key after its grace period: %d", code)
			}
			if code, _ := e.mcpTools(rolled); code != http.StatusOK {
				t.Errorf("the new key: %d", code)
			}

			// The leak notice: red, on the row, with where it was found.
			leakURL := "https://github.com/octo/public-repo/blob/main/.env"
			if _, err := access.New(db).RevokeLeaked(context.Background(), []access.LeakReport{{Token: monthly, URL: leakURL, Source: "content"}}); err != nil {
				t.Fatal(err)
			}
			browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#keys-title`)))
			notice := browsertest.Get(t, ctx, chromedp.Evaluate[string](rowOf(monthly[:13])+`.nextElementSibling.querySelector(".leak-notice")?.textContent ?? ""`))
			if !strings.Contains(notice, "Leaked") || !strings.Contains(notice, leakURL) {
				t.Errorf("leak notice %q", notice)
			}
			if href := browsertest.Get(t, ctx, chromedp.Evaluate[string](rowOf(monthly[:13])+`.nextElementSibling.querySelector(".leak-notice a").href`)); href != leakURL {
				t.Errorf("the notice links %q", href)
			}
			color := browsertest.Get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(`+rowOf(monthly[:13])+`.nextElementSibling.querySelector(".leak-notice")).backgroundColor`))
			if color != "rgb(254, 233, 232)" {
				t.Errorf("the leak notice's background is %s, not the critical red", color)
			}
			if n := accessible(t, ctx, "button", "Revoke "+monthly[:13]); n != 0 {
				t.Error("the leaked key still offers Revoke")
			}
		})
	}
}
