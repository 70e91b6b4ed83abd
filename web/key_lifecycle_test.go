package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A member sets a key's allowed addresses on the page: a bad range is
// refused in the field and changes nothing; a good list holds from the
// key's next request and is audited with the member. Another store's key
// cannot be rolled or changed.
func TestKeySettingsAndRollForms(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		k := jane.createKey("CI", "read")
		id := strconv.FormatInt(e.keys(e.store.ID)[0].ID, 10)

		resp, body := jane.post("/keys/settings", url.Values{"id": {id}, "allow_from": {"10.0.0.0/33"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "settings-allow-from-error") {
			t.Fatalf("a bad range: %d", resp.StatusCode)
		}
		if got := e.keys(e.store.ID)[0].AllowFrom; got != "" {
			t.Fatalf("a refused form changed the allow-list to %q", got)
		}
		_, body = jane.postRedirectGet("/keys/settings", url.Values{"id": {id}, "allow_from": {"192.0.2.0/24, 2001:db8::/32"}})
		if !strings.Contains(body, "now works from 192.0.2.0/24, 2001:db8::/32") {
			t.Errorf("no notice after saving the allow-list")
		}
		// The page's test server sees the client as 127.0.0.1: refused now.
		if code, _ := e.mcpTools(k); code != http.StatusForbidden {
			t.Errorf("a key outside its new allow-list: %d, want 403", code)
		}
		entries, _, err := access.New(db).AuditEntries(context.Background(), e.store.ID, access.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if entries[0].Action != "key.refused" || entries[1].Action != "key.update" || entries[1].ActorEmail != "jane@acme.com" {
			t.Errorf("audit: %+v", entries[:2])
		}

		// Another store's key: nothing to roll, nothing to change.
		other, _ := e.newStore("other.myshopify.com", "Olga", "olga@other.com")
		theirs, err := access.New(db).CreateKey(context.Background(), other.ID, access.NewKey{Scope: "read", CreatedByName: "Olga", CreatedByEmail: "olga@other.com"})
		if err != nil {
			t.Fatal(err)
		}
		remember(theirs.Secret)
		tid := strconv.FormatInt(theirs.ID, 10)
		if resp, _ := jane.post("/keys/roll", url.Values{"id": {tid}, "grace": {"1h"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("rolling another store's key: %d", resp.StatusCode)
		}
		if resp, _ := jane.post("/keys/settings", url.Values{"id": {tid}, "allow_from": {"192.0.2.1"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("changing another store's key: %d", resp.StatusCode)
		}
		if ks := e.keys(other.ID); len(ks) != 1 || ks[0].AllowFrom != "" || ks[0].ReplacedBy != "" {
			t.Errorf("another store's key changed: %+v", ks)
		}
		// A cross-site roll is refused.
		if resp, _ := jane.post("/keys/roll", url.Values{"id": {id}, "grace": {"0"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a cross-site roll: %d", resp.StatusCode)
		}
		if ks := e.keys(e.store.ID); len(ks) != 1 {
			t.Errorf("a refused roll made a key")
		}
	})
}
