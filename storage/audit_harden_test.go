package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestAuditText(t *testing.T) {
	const mark = "…(truncated)"
	for _, c := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "héllo", 100, "héllo"},
		{"exactly the cap", "abcdef", 6, "abcdef"},
		{"cut between characters", strings.Repeat("é", 20), 20 + len(mark), strings.Repeat("é", 10) + mark},
		{"cut inside a character", strings.Repeat("é", 20), 21 + len(mark), strings.Repeat("é", 10) + mark},
		{"cut inside a 4-byte character", "a" + strings.Repeat("😀", 10), 7 + len(mark), "a😀" + mark},
		{"invalid UTF-8", "a\xffb", 100, "a\uFFFDb"},
		{"NUL", "a\x00b", 100, "a\uFFFDb"},
	} {
		got := storage.AuditText(c.in, c.max)
		if got != c.want || !utf8.ValidString(got) || len(got) > max(c.max, len(c.in)) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A refused write is recorded whatever its arguments hold: multi-byte
// characters across the cap, bytes that are not UTF-8, NUL. (PostgreSQL
// refuses to store the last two as text, and used to lose the record.)
func TestRefusalIsAuditedWhateverTheArguments(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		refusal := inventory.Errorf(inventory.Invalid, "the note is too long")
		for _, c := range []struct {
			name string
			args string
		}{
			// Each é is two bytes; an odd prefix puts the cap inside one.
			{"multi-byte across the cap", `{"note":"` + strings.Repeat("é", storage.MaxAuditArguments/2+10) + `"}`},
			{"multi-byte across the cap, odd", `{"note":"x` + strings.Repeat("é", storage.MaxAuditArguments/2+10) + `"}`},
			{"four-byte characters", `{"note":"` + strings.Repeat("😀", storage.MaxAuditArguments/4+10) + `"}`},
			{"not UTF-8, not JSON", "{\"note\":\"\xff\xfe"},
			{"NUL byte, not JSON", "{\"note\":\"a\x00b\"}"},
		} {
			err := db.RefuseWrite(ctx, e.write, storage.WriteRequest{Tool: "create_purchase_order", Arguments: json.RawMessage(c.args)}, refusal)
			var ie *inventory.Error
			if !errors.As(err, &ie) || ie != refusal {
				t.Fatalf("%s: the caller hears %v, want the refusal", c.name, err)
			}
			a := e.lastAudit(t)
			if a.Outcome != storage.OutcomeRefused || a.Detail != refusal.Msg || !utf8.ValidString(a.Arguments) ||
				len(a.Arguments) > storage.MaxAuditArguments || strings.ContainsRune(a.Arguments, 0) {
				t.Fatalf("%s: audited as %q/%q with %d bytes of arguments (valid UTF-8: %v)", c.name, a.Outcome, a.Detail, len(a.Arguments), utf8.ValidString(a.Arguments))
			}
			if len(c.args) > storage.MaxAuditArguments && !strings.HasSuffix(a.Arguments, "…(truncated)") {
				t.Fatalf("%s: cut arguments are not marked: …%q", c.name, a.Arguments[len(a.Arguments)-20:])
			}
		}
	})
}

// When the audit log cannot be written at all, the refusal still reaches
// the caller, and the failure reaches the hook (which logs and counts it)
// with the request's context.
func TestAuditFailureIsReported(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		type ctxKey struct{}
		var mu sync.Mutex
		var got []string
		db.SetAuditFailureHook(func(ctx context.Context, action string, err error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, action+" "+ctx.Value(ctxKey{}).(string))
		})
		if _, err := db.Backend().Exec(context.Background(), `DROP TABLE audit_log`); err != nil {
			t.Fatal(err)
		}
		ctx := context.WithValue(context.Background(), ctxKey{}, "req_1")
		refusal := inventory.Errorf(inventory.Conflict, "PO-1001 is sent")
		err := db.RefuseWrite(ctx, e.write, storage.WriteRequest{Tool: "update_purchase_order", Arguments: json.RawMessage(`{}`)}, refusal)
		var ie *inventory.Error
		if !errors.As(err, &ie) || ie != refusal {
			t.Fatalf("the caller hears %v, want the refusal", err)
		}
		if len(got) != 1 || got[0] != "update_purchase_order req_1" {
			t.Fatalf("hook calls: %q", got)
		}
	})
}

// audit --key and --since: one key's entries, newest first, from a time
// on, paged by cursor; entries past the retention are pruned, others kept.
func TestAuditEntriesAndRetention(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		k1 := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "agent one")
		k2 := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "agent two")
		storagetest.MustKey(t, db, other.ID, keys.ScopeWrite, "theirs")
		start := c.Now()
		for i := range 6 {
			k := k1.APIKey
			if i%2 == 1 {
				k = k2.APIKey
			}
			e := storage.AuditEntry{At: start.Add(time.Duration(i) * time.Hour), Action: "create_purchase_order", Outcome: storage.OutcomeOK}.ByKey(k)
			if err := db.RecordAudit(ctx, nil, s.ID, e); err != nil {
				t.Fatal(err)
			}
		}
		all, _, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{})
		if err != nil || len(all) != 8 { // 2 key creations + 6 calls
			t.Fatalf("all entries: %d %v", len(all), err)
		}
		mine, _, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{KeyPrefix: k1.Prefix})
		if err != nil || len(mine) != 4 {
			t.Fatalf("k1's entries: %+v %v", mine, err)
		}
		for i, e := range mine {
			if e.KeyPrefix != k1.Prefix || (i > 0 && e.ID >= mine[i-1].ID) {
				t.Fatalf("k1's entries out of order or foreign: %+v", mine)
			}
		}
		if mine[0].ActorKind() != storage.ActorKey || mine[3].Action != "key.create" || mine[3].ActorKind() != storage.ActorCLI {
			t.Fatalf("actor kinds: %s %s %s", mine[0].ActorKind(), mine[3].Action, mine[3].ActorKind())
		}
		since, _, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{KeyPrefix: k1.Prefix, Since: start.Add(2 * time.Hour)})
		if err != nil || len(since) != 2 {
			t.Fatalf("k1 since +2h: %+v %v", since, err)
		}
		page1, next, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{Limit: 5})
		if err != nil || len(page1) != 5 || next == "" {
			t.Fatalf("page 1: %d %q %v", len(page1), next, err)
		}
		page2, next, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{Limit: 5, Cursor: next})
		if err != nil || len(page2) != 3 || next != "" || page2[0].ID >= page1[4].ID {
			t.Fatalf("page 2: %d %q %v", len(page2), next, err)
		}
		if _, _, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{Limit: access.MaxAuditLimit + 1}); err == nil {
			t.Fatal("a limit past the maximum was accepted")
		}

		// Retention: an entry 401 days old goes, one 399 days old stays,
		// in every store.
		for _, id := range []int64{s.ID, other.ID} {
			for _, age := range []int{401, 399} {
				e := storage.AuditEntry{At: db.Now().Add(-time.Duration(age) * 24 * time.Hour), Action: "old", Outcome: storage.OutcomeOK}
				if err := db.RecordAudit(ctx, nil, id, e); err != nil {
					t.Fatal(err)
				}
			}
		}
		n, err := access.New(db).PruneAuditLog(ctx, access.DefaultAuditRetention)
		if err != nil || n != 2 {
			t.Fatalf("pruned %d, %v; want the 2 entries past 400 days", n, err)
		}
		if n, err := access.New(db).PruneAuditLog(ctx, 0); err != nil || n != 0 {
			t.Fatalf("retention 0 pruned %d, %v", n, err)
		}
		left, _, _ := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{Limit: 100})
		if len(left) != 9 {
			t.Fatalf("%d entries left, want 9", len(left))
		}
	}, storage.WithClock(c.Now))
}

// Who acted is told from the entry: a member on the keys page, a connected
// app under its lsto_ grant, a key on its own, or a person at the shell.
func TestAuditActorKind(t *testing.T) {
	id, member := int64(7), int64(3)
	for _, tc := range []struct {
		name string
		e    storage.AuditEntry
		want string
	}{
		{"a key's call", storage.AuditEntry{KeyID: &id, KeyPrefix: "lstk_abcdefgh"}, storage.ActorKey},
		{"an app's call", storage.AuditEntry{KeyID: &id, KeyPrefix: "lsto_abcdefgh", KeyLabel: "Claude"}, storage.ActorApp},
		{"a member creating a key", storage.AuditEntry{KeyID: &id, KeyPrefix: "lstk_abcdefgh", ActorName: "Maya", ActorEmail: "maya@x.example", MemberID: &member}, storage.ActorMember},
		{"a member revoking an app", storage.AuditEntry{KeyID: &id, KeyPrefix: "lsto_abcdefgh", ActorName: "Maya", MemberID: &member}, storage.ActorMember},
		{"a member signing in", storage.AuditEntry{ActorName: "Maya", MemberID: &member}, storage.ActorMember},
		{"keys create at the shell", storage.AuditEntry{KeyID: &id, KeyPrefix: "lstk_abcdefgh", ActorName: "Jane", ActorEmail: "jane@x.example"}, storage.ActorCLI},
		{"an import", storage.AuditEntry{ActorName: "cli:root@host"}, storage.ActorCLI},
	} {
		if got := tc.e.ActorKind(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// The audit query reads who acted: a key created on the keys page is the
// member's action, one created at the shell the command line's.
func TestAuditEntriesNameTheMember(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := storagetest.Seed(t, db)
		m, err := access.New(db).AddMember(ctx, f.Store.ID, access.NewMember{Name: "Maya Ortiz", Email: "maya@x.example"}, storage.Person{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).CreateKey(ctx, f.Store.ID, access.NewKey{Scope: "read", Label: "page", CreatedByName: m.Name, CreatedByEmail: m.Email, MemberID: &m.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).CreateKey(ctx, f.Store.ID, access.NewKey{Scope: "read", Label: "shell", CreatedByName: "Jane", CreatedByEmail: "jane@x.example"}); err != nil {
			t.Fatal(err)
		}
		entries, _, err := access.New(db).AuditEntries(ctx, f.Store.ID, access.AuditFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].ActorKind() != storage.ActorCLI || entries[1].ActorKind() != storage.ActorMember {
			kinds := []string{}
			for _, e := range entries {
				kinds = append(kinds, e.Action+":"+e.ActorKind())
			}
			t.Fatalf("newest first, want the shell's key then the member's: %v", kinds)
		}
	})
}
