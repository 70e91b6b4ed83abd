package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/storage"
)

func TestAuditCommand(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		const store = "acme.myshopify.com"
		mustRun(t, url, "stores", "create", "--domain", store, "--name", "Acme")
		var w, r struct{ Prefix string }
		for _, k := range []struct {
			scope, label string
			into         *struct{ Prefix string }
		}{{"write", "Claude Desktop", &w}, {"read", "reporting", &r}} {
			out := mustRun(t, url, append(createKeyArgs(store, k.scope, k.label), "--json")...)
			if err := json.Unmarshal([]byte(out), k.into); err != nil {
				t.Fatal(err)
			}
		}
		// A key's calls, as the faces record them.
		db, err := storage.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		s, err := access.New(db).StoreByDomain(context.Background(), store)
		if err != nil {
			t.Fatal(err)
		}
		list, err := access.New(db).ListKeys(context.Background(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		byPrefix := map[string]storage.APIKey{}
		for _, k := range list {
			byPrefix[k.Prefix] = k
		}
		ctx := storage.WithVia(context.Background(), storage.ViaMCP)
		for _, e := range []storage.AuditEntry{
			storage.AuditEntry{Action: "create_purchase_order", Arguments: `{"note":"rush"}`, Outcome: storage.OutcomeOK}.ByKey(byPrefix[w.Prefix]),
			storage.AuditEntry{Action: "send_purchase_order", Arguments: `{"number":"PO-1001"}`, Outcome: storage.OutcomeRefused, Detail: "the key is read-only"}.ByKey(byPrefix[r.Prefix]),
		} {
			if err := db.RecordAudit(ctx, nil, s.ID, e); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()

		// JSON: DESIGN.md's fields, newest first, actors told apart.
		out := mustRun(t, url, "audit", "--store", store, "--json")
		var entries []json.RawMessage
		if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 4 {
			t.Fatalf("audit --json: %s", out)
		}
		if got := strings.Join(jsonKeys(t, entries[0]), ","); got != "action,actor,arguments,at,detail,id,outcome,via" {
			t.Fatalf("audit --json fields: %s", got)
		}
		var parsed []auditJSON
		_ = json.Unmarshal([]byte(out), &parsed)
		want := []struct{ action, kind, prefix, outcome, via string }{
			{"send_purchase_order", "key", r.Prefix, "refused", "mcp"},
			{"create_purchase_order", "key", w.Prefix, "ok", "mcp"},
			{"key.create", "cli", r.Prefix, "ok", ""},
			{"key.create", "cli", w.Prefix, "ok", ""},
		}
		for i, x := range want {
			p := parsed[i]
			if p.Action != x.action || p.Actor.Kind != x.kind || p.Actor.KeyPrefix != x.prefix || p.Outcome != x.outcome || p.Via != x.via ||
				(i > 0 && p.ID >= parsed[i-1].ID) {
				t.Errorf("entry %d: %+v, want %+v", i, p, x)
			}
		}
		if parsed[2].Actor.Name != "Jane Doe" || parsed[2].Actor.Email != "jane@acme.com" {
			t.Errorf("key.create actor: %+v", parsed[2].Actor)
		}

		// --key keeps one key's entries; --limit cuts; --since filters.
		out = mustRun(t, url, "audit", "--store", store, "--key", w.Prefix, "--json")
		if err := json.Unmarshal([]byte(out), &parsed); err != nil || len(parsed) != 2 || parsed[0].Action != "create_purchase_order" {
			t.Fatalf("audit --key: %s", out)
		}
		out = mustRun(t, url, "audit", "--store", store, "--limit", "1", "--json")
		if err := json.Unmarshal([]byte(out), &parsed); err != nil || len(parsed) != 1 {
			t.Fatalf("audit --limit 1: %s", out)
		}
		out = mustRun(t, url, "audit", "--store", store, "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		if !strings.Contains(out, "No audit entries for acme.myshopify.com (since") {
			t.Fatalf("audit --since the future: %s", out)
		}

		// Text: a table a person reads.
		out = mustRun(t, url, "audit", "--store", store, "--since", "1d")
		for _, s := range []string{"TIME (UTC)", "ACTOR", "key via mcp", "send_purchase_order", "refused", `{"number":"PO-1001"}`, "Jane Doe <jane@acme.com>", "Claude Desktop"} {
			if !strings.Contains(out, s) {
				t.Errorf("audit table lacks %q:\n%s", s, out)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("audit table passes an escape sequence through:\n%q", out)
		}

		// Bad flags: one sentence, before any database work.
		for _, c := range []struct {
			args []string
			says string
		}{
			{[]string{"--limit", "0"}, "--limit 0 is out of range"},
			{[]string{"--since", "yesterday"}, `--since "yesterday" is not a time`},
			{[]string{"--key", "AbCd1234"}, "is not a key prefix"},
		} {
			_, _, err := runCmd(t, append([]string{"--database-url", url, "audit", "--store", store}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("audit %v: %v, want %q", c.args, err, c.says)
			}
		}
	})
}

func TestAuditRetentionSetting(t *testing.T) {
	for _, c := range []struct {
		value string
		want  time.Duration
		bad   bool
	}{
		{"", access.DefaultAuditRetention, false},
		{"0", 0, false},
		{"30", 30 * 24 * time.Hour, false},
		{"90d", 90 * 24 * time.Hour, false},
		{"720h", 30 * 24 * time.Hour, false},
		{"1h", 0, true},
		{"forever", 0, true},
		{"-5", 0, true},
	} {
		t.Setenv("LOGISTIFIED_AUDIT_RETENTION", c.value)
		got, err := auditRetention()
		if c.bad != (err != nil) || (!c.bad && got != c.want) {
			t.Errorf("LOGISTIFIED_AUDIT_RETENTION=%q: %v, %v", c.value, got, err)
		}
		if c.bad && !strings.Contains(err.Error(), "LOGISTIFIED_AUDIT_RETENTION") {
			t.Errorf("LOGISTIFIED_AUDIT_RETENTION=%q: %v does not name the setting", c.value, err)
		}
	}
	// serve refuses to start with a bad value, saying why.
	t.Setenv("LOGISTIFIED_AUDIT_RETENTION", "soon")
	_, _, err := runCmd(t, "--database-url", "sqlite:"+t.TempDir()+"/x.db", "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), `LOGISTIFIED_AUDIT_RETENTION="soon" is not a retention`) {
		t.Fatalf("serve with a bad retention: %v", err)
	}
}
