package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The approval setting on the keys page: the Create key card asks for it
// when the scope is Read & write (Always by default, Above an amount with
// its amount, Never), Active keys shows it and changes it with the row's
// small form, and a Read & write app connected with a code gets the
// setting chosen on the Connect card and can have it changed the same way.
func TestBrowserApproval(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tab(t, b, e.srv.URL)
		browsertest.Run(t, ctx, chromedp.Navigate(e.link(e.store.ID, "jane@acme.com")), chromedp.WaitVisible(css(`#create-title`)))

		// Read only: no approval to choose.
		if n := accessible(t, ctx, "group", "Approval"); n != 0 {
			t.Errorf("with Read only chosen, %d Approval groups are shown", n)
		}
		browsertest.Run(t, ctx, chromedp.Click(css(`#scope-write`)))
		for _, want := range []struct{ role, name string }{
			{"group", "Approval"},
			{"radio", "Always"},
			{"radio", "Above an amount"},
			{"radio", "Never"},
			{"textbox", "Amount (USD)"},
		} {
			if n := accessible(t, ctx, want.role, want.name); n != 1 {
				t.Errorf("with Read & write chosen, %d %s named %q, want 1", n, want.role, want.name)
			}
		}
		if !browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.getElementById("approval-always").checked`)) {
			t.Error("Always is not the default approval of a Read & write key")
		}

		// Above an amount, with a bad amount first: refused in the field.
		browsertest.Run(t, ctx, chromedp.SetValue(css(`#label`), "Buyer bot"), chromedp.Click(css(`#approval-above`)), chromedp.SetValue(css(`#approval-amount`), "lots"))
		submit(t, ctx, chromedp.Click(css(`form.create-form button[type=submit]`)), `#approval-error`)
		if n := len(e.keys(e.store.ID)); n != 0 {
			t.Fatalf("a bad amount made a key (%d keys)", n)
		}
		browsertest.Run(t, ctx, chromedp.SetValue(css(`#approval-amount`), "250"))
		key := createInBrowser(t, ctx, "Buyer bot", "write")
		prefix := key[:13]
		if k := e.keyByPrefix(t, prefix); k.Approval.String() != "above:250.00" {
			t.Fatalf("the key's approval is %s, want above:250.00", k.Approval)
		}
		// The default, untouched: always.
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#create-title`)))
		always := createInBrowser(t, ctx, "Careful bot", "write")[:13]
		if k := e.keyByPrefix(t, always); k.Approval.String() != "always" {
			t.Errorf("the default key's approval is %s, want always", k.Approval)
		}

		// Active keys shows the setting and changes it.
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#keys-title`)))
		row := rowOf(prefix)
		if got := browsertest.Get(t, ctx, chromedp.Evaluate[string](row+`.querySelector(".approval-now").textContent.trim()`)); got != "Approval: Above 250.00 USD" {
			t.Errorf("the row shows %q", got)
		}
		for _, want := range []struct{ role, name string }{
			{"combobox", "Approval of " + prefix},
			{"textbox", "Amount for " + prefix + " (USD)"},
			{"button", "Save approval of " + prefix},
		} {
			if n := accessible(t, ctx, want.role, want.name); n != 1 {
				t.Errorf("%d %s named %q, want 1", n, want.role, want.name)
			}
		}
		k := e.keyByPrefix(t, prefix)
		sel := fmt.Sprintf(`#key-%d-approval`, k.ID)
		if v := browsertest.Get(t, ctx, chromedp.Evaluate[string](`document.querySelector("`+sel+`").value + " " + document.querySelector("`+sel+`-amount").value`)); v != "above 250.00" {
			t.Errorf("the row's form holds %q", v)
		}
		amountShown := func() bool {
			return browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("`+sel+`-amount").checkVisibility()`))
		}
		if !amountShown() {
			t.Error("the row's amount is hidden with Above an amount chosen")
		}
		browsertest.Run(t, ctx, chromedp.SetValue(css(sel), "never"))
		if amountShown() {
			t.Error("the row's amount is shown with Never chosen: it means nothing there")
		}
		submit(t, ctx, chromedp.Click(css(fmt.Sprintf(`button[aria-label="Save approval of %s"]`, prefix))), `.banner.info[role=status]`)
		if notice := browsertest.Get(t, ctx, chromedp.Text(css(`.banner.info[role=status]`))); !strings.Contains(notice, "approval of changes is now never") {
			t.Errorf("the notice reads %q", notice)
		}
		if k := e.keyByPrefix(t, prefix); k.Approval.String() != "never" {
			t.Errorf("after saving Never the key's approval is %s", k.Approval)
		}
		// A bad amount in the row is refused and changes nothing.
		browsertest.Run(t, ctx, chromedp.SetValue(css(sel), "above"), chromedp.SetValue(css(sel+`-amount`), "-5"))
		if !amountShown() {
			t.Error("choosing Above an amount does not show the row's amount")
		}
		submit(t, ctx, chromedp.Click(css(fmt.Sprintf(`button[aria-label="Save approval of %s"]`, prefix))), `.banner.critical[role=alert]`)
		if k := e.keyByPrefix(t, prefix); k.Approval.String() != "never" {
			t.Errorf("a bad amount changed the approval to %s", k.Approval)
		}

		// Connect an app with Read & write and Never, then change it.
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(`#apps-title`)))
		submit(t, ctx, chromedp.Click(css(`.card-header-actions button`)), `#connect-title`)
		if n := accessible(t, ctx, "group", "Approval"); n != 0 {
			t.Errorf("the Connect card shows %d Approval groups with Read only chosen", n)
		}
		browsertest.Run(t, ctx, chromedp.Click(css(`#connect-scope-write`)))
		if !browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.getElementById("connect-approval-always").checked`)) {
			t.Error("Always is not the default approval of a Read & write app")
		}
		browsertest.Run(t, ctx, chromedp.Click(css(`#connect-approval-never`)))
		submit(t, ctx, chromedp.Click(css(`section.connect button[type=submit]`)), `section.banner.success[role=status] #connection-code`)
		code := browsertest.Get(t, ctx, chromedp.Text(css(`section.banner[role=status] #connection-code`)))
		remember(code, strings.ReplaceAll(code, "-", ""))
		e.client().approve(e.startAuthorization(e.registerApp("Claude")), url.Values{"connection_code": {code}, "decision": {"approve"}})
		g := e.grants(e.store.ID)[0]
		if g.Approval.String() != "never" {
			t.Fatalf("the app's approval is %s, want never (chosen on the Connect card)", g.Approval)
		}
		browsertest.Run(t, ctx, chromedp.Navigate(e.srv.URL+"/keys"), chromedp.WaitVisible(css(fmt.Sprintf(`#app-%d`, g.ID))))
		appSel := fmt.Sprintf(`#app-%d-approval`, g.ID)
		if n := accessible(t, ctx, "combobox", "Approval of Claude"); n != 1 {
			t.Errorf("%d comboboxes named Approval of Claude", n)
		}
		browsertest.Run(t, ctx, chromedp.SetValue(css(appSel), "always"))
		submit(t, ctx, chromedp.Click(css(`button[aria-label="Save approval of Claude"]`)), `.banner.info[role=status]`)
		if g := e.grants(e.store.ID)[0]; g.Approval.String() != "always" {
			t.Errorf("after saving Always the app's approval is %s", g.Approval)
		}
		if got := browsertest.Get(t, ctx, chromedp.Text(css(fmt.Sprintf(`#app-%d .approval-now`, g.ID)))); got != "Approval: Always" {
			t.Errorf("the app's row shows %q", got)
		}
	})
}
