package main

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
)

func createKeyArgs(store, scope, label string) []string {
	args := []string{"keys", "create", "--store", store, "--created-by-name", "Jane Doe", "--created-by-email", "jane@acme.com", "--label", label}
	if scope != "" {
		args = append(args, "--scope", scope)
	}
	return args
}

// authenticate checks a key against the database as the server would.
func authenticate(t *testing.T, url, secret string) (storage.Principal, error) {
	t.Helper()
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return access.New(db).Authenticate(context.Background(), secret)
}

func TestKeysLifecycle(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")

		// Text: the key is printed once, with the warning.
		out := mustRun(t, url, createKeyArgs("acme.myshopify.com", "", "Claude Desktop")...)
		var readKey string
		for _, f := range strings.Fields(out) {
			if strings.HasPrefix(f, keys.Marker) && len(f) == keys.Len {
				readKey = f
			}
		}
		if readKey == "" || strings.Count(out, readKey) != 1 || !strings.Contains(out, "will not be shown again") || !strings.Contains(out, "read key") {
			t.Fatalf("keys create printed:\n%s", out)
		}

		// JSON: exactly DESIGN.md's fields; the warning goes to stderr.
		stdout, stderr, err := runCmd(t, append([]string{"--database-url", url}, append(createKeyArgs("acme.myshopify.com", "write", "ci"), "--json")...)...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr, "will not be shown again") {
			t.Errorf("keys create --json gave no warning on stderr: %q", stderr)
		}
		if got := strings.Join(jsonKeys(t, json.RawMessage(stdout)), ","); got != "allow_from,approval,created_at,created_by,expires_at,id,key,label,prefix,scope,store" {
			t.Fatalf("keys create --json fields: %s", got)
		}
		var created struct {
			ID        int64     `json:"id"`
			Key       string    `json:"key"`
			Prefix    string    `json:"prefix"`
			Scope     string    `json:"scope"`
			Label     string    `json:"label"`
			Store     string    `json:"store"`
			CreatedBy createdBy `json:"created_by"`
			CreatedAt time.Time `json:"created_at"`
		}
		if err := json.Unmarshal([]byte(stdout), &created); err != nil {
			t.Fatal(err)
		}
		if _, prefix, err := keys.Parse(created.Key); err != nil || prefix != created.Prefix || created.Scope != "write" ||
			created.Label != "ci" || created.Store != "acme.myshopify.com" || created.CreatedBy != (createdBy{"Jane Doe", "jane@acme.com"}) ||
			created.ID == 0 || created.CreatedAt.IsZero() {
			t.Fatalf("keys create --json = %+v (%v)", created, err)
		}
		p, err := authenticate(t, url, created.Key)
		if err != nil || p.Key.ID != created.ID || p.Key.Scope != keys.ScopeWrite || p.Store.Domain != "acme.myshopify.com" {
			t.Fatalf("the created key does not authenticate: %+v, %v", p, err)
		}
		readPrincipal, err := authenticate(t, url, readKey)
		if err != nil || readPrincipal.Key.Scope != keys.ScopeRead {
			t.Fatalf("the default scope is not read: %+v, %v", readPrincipal.Key, err)
		}

		// Revoke one by prefix, the other stays.
		out = mustRun(t, url, "keys", "revoke", "--store", "acme.myshopify.com", readPrincipal.Key.Prefix)
		if !strings.Contains(out, "Revoked key "+readPrincipal.Key.Prefix) {
			t.Fatalf("keys revoke printed %q", out)
		}
		if _, err := authenticate(t, url, readKey); !errors.Is(err, storage.ErrKeyRevoked) {
			t.Fatalf("after keys revoke: %v", err)
		}
		if out := mustRun(t, url, "keys", "revoke", "--store", "acme.myshopify.com", readPrincipal.Key.Prefix); !strings.Contains(out, "already revoked") {
			t.Fatalf("second revoke printed %q", out)
		}

		// Lists never show a key, and mark the revoked one.
		table := mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com")
		asJSON := mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com", "--json")
		for _, secret := range []string{readKey, created.Key} {
			random := secret[len(keys.Marker) : len(keys.Marker)+keys.RandomLen]
			if strings.Contains(table, random) || strings.Contains(asJSON, random) {
				t.Fatal("keys list shows a key")
			}
		}
		lines := strings.Split(strings.TrimSpace(table), "\n")
		if len(lines) != 3 {
			t.Fatalf("keys list:\n%s", table)
		}
		for _, col := range []string{"PREFIX", "LABEL", "SCOPE", "CREATED BY", "CREATED", "LAST USED", "STATUS"} {
			if !strings.Contains(lines[0], col) {
				t.Errorf("keys list has no %s column:\n%s", col, table)
			}
		}
		for i, want := range [][]string{
			{readPrincipal.Key.Prefix, "Claude Desktop", "read", "Jane Doe <jane@acme.com>", "revoked"},
			{created.Prefix, "ci", "write", "Jane Doe <jane@acme.com>", "active"},
		} {
			for _, w := range want {
				if !strings.Contains(lines[i+1], w) {
					t.Errorf("row %d lacks %q: %s", i+1, w, lines[i+1])
				}
			}
		}
		if strings.Contains(table, "\x1b[") {
			t.Error("keys list wrote ANSI codes to a non-terminal")
		}
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(asJSON), &list); err != nil || len(list) != 2 {
			t.Fatalf("keys list --json: %v: %s", err, asJSON)
		}
		for _, raw := range list {
			if got := strings.Join(jsonKeys(t, raw), ","); got != "allow_from,approval,created_at,created_by,expires_at,expiry_days,id,label,last_used_at,prefix,revoked_at,scope" {
				t.Fatalf("keys list --json fields: %s", got)
			}
		}
		var first struct {
			Prefix    string     `json:"prefix"`
			RevokedAt *time.Time `json:"revoked_at"`
			CreatedBy createdBy  `json:"created_by"`
		}
		if err := json.Unmarshal(list[0], &first); err != nil || first.Prefix != readPrincipal.Key.Prefix || first.RevokedAt == nil || first.CreatedBy.Email != "jane@acme.com" {
			t.Fatalf("keys list --json first key: %s", list[0])
		}

		// Revoke by id; the audit log names the person at the command line.
		mustRun(t, url, "keys", "revoke", "--store", "acme.myshopify.com", strconv.FormatInt(created.ID, 10))
		if _, err := authenticate(t, url, created.Key); !errors.Is(err, storage.ErrKeyRevoked) {
			t.Fatalf("after revoke by id: %v", err)
		}
		db, err := storage.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		log, err := db.AuditLog(context.Background(), p.Store.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action)
			if e.Action == "key.revoke" && e.ActorName != cliActor() {
				t.Errorf("revocation recorded by %q, want %q", e.ActorName, cliActor())
			}
		}
		if got := strings.Join(actions, ","); got != "key.revoke,key.revoke,key.create,key.create" {
			t.Fatalf("audit actions: %s", got)
		}
		if !strings.HasPrefix(cliActor(), "cli:") || !strings.Contains(cliActor(), "@") {
			t.Fatalf("cliActor() = %q, want cli:user@host", cliActor())
		}
	})
}

func TestKeysBadInputWritesNothing(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		mustRun(t, url, "stores", "create", "--domain", "other.myshopify.com", "--name", "Other")
		ours := mustRun(t, url, append(createKeyArgs("acme.myshopify.com", "read", "ours"), "--json")...)
		theirs := mustRun(t, url, append(createKeyArgs("other.myshopify.com", "write", "theirs"), "--json")...)
		var ourKey, theirKey struct {
			ID          int64
			Key, Prefix string
		}
		if json.Unmarshal([]byte(ours), &ourKey) != nil || json.Unmarshal([]byte(theirs), &theirKey) != nil {
			t.Fatal("keys create --json is not JSON")
		}
		before := rowCounts(t, url)
		for _, tc := range []struct {
			name    string
			args    []string
			mention string
		}{
			{"unknown store", createKeyArgs("nope.myshopify.com", "read", ""), "no store has the domain nope.myshopify.com"},
			{"admin scope", createKeyArgs("acme.myshopify.com", "admin", ""), "use read or write"},
			{"empty name", []string{"keys", "create", "--store", "acme.myshopify.com", "--created-by-name", "", "--created-by-email", "j@acme.com"}, "name is empty"},
			{"missing email", []string{"keys", "create", "--store", "acme.myshopify.com", "--created-by-name", "J"}, "created-by-email"},
			{"invalid email", []string{"keys", "create", "--store", "acme.myshopify.com", "--created-by-name", "J", "--created-by-email", "j@"}, "not a valid email"},
			{"list unknown store", []string{"keys", "list", "--store", "nope.myshopify.com"}, "no store has the domain"},
			{"revoke unknown prefix", []string{"keys", "revoke", "--store", "acme.myshopify.com", "lstk_ZZZZZZZZ"}, "no key of this store"},
			{"revoke unknown id", []string{"keys", "revoke", "--store", "acme.myshopify.com", "99999"}, "no key of this store"},
			{"revoke another store's key", []string{"keys", "revoke", "--store", "acme.myshopify.com", theirKey.Prefix}, "no key of this store"},
			{"revoke another store's key by id", []string{"keys", "revoke", "--store", "acme.myshopify.com", strconv.FormatInt(theirKey.ID, 10)}, "no key of this store"},
			{"revoke garbage", []string{"keys", "revoke", "--store", "acme.myshopify.com", "'; DROP TABLE api_keys;--"}, "neither a key prefix"},
			{"revoke a mistyped whole key", []string{"keys", "revoke", "--store", "acme.myshopify.com", ourKey.Key[:len(ourKey.Key)-1] + "?"}, "not a key prefix"},
			{"revoke without argument", []string{"keys", "revoke", "--store", "acme.myshopify.com"}, "give exactly one key prefix or id"},
			{"revoke in unknown store", []string{"keys", "revoke", "--store", "nope.myshopify.com", ourKey.Prefix}, "no store has the domain"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := runCmd(t, append([]string{"--database-url", url}, tc.args...)...)
				wantUserError(t, err, tc.mention, ourKey.Key[len(keys.Marker):len(keys.Marker)+keys.RandomLen])
				if after := rowCounts(t, url); !mapsEqual(after, before) {
					t.Fatalf("a refused command wrote: %v -> %v", before, after)
				}
				for _, k := range []string{ourKey.Key, theirKey.Key} {
					if _, err := authenticate(t, url, k); err != nil {
						t.Fatalf("a refused command disabled a key: %v", err)
					}
				}
			})
		}
	})
}

func TestDatabaseURLProblems(t *testing.T) {
	const password = "hunter2-secret"
	for _, tc := range []struct{ name, url, mention string }{
		{"malformed", "postgres://admin:" + password + "@db.internal:port/x", "malformed"},
		{"unreachable", "postgres://admin:" + password + "@127.0.0.1:1/x", "connecting to PostgreSQL at 127.0.0.1:1"},
		{"unsupported", "mysql://admin:" + password + "@db/x", "not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, "--database-url", tc.url, "stores", "list")
			wantUserError(t, err, tc.mention, password)
		})
	}
}

// A database migrated by a newer logistified is refused, and nothing is
// written to it.
func TestNewerDatabaseRefused(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		db, err := storage.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Backend().Exec(context.Background(), `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"migrate"},
			{"stores", "create", "--domain", "new.example.com", "--name", "New"},
			append(createKeyArgs("acme.myshopify.com", "read", ""), "--json"),
		} {
			_, _, err := runCmd(t, append([]string{"--database-url", url}, args...)...)
			wantUserError(t, err, "upgrade logistified")
			if !errors.Is(err, backend.ErrSchemaTooNew) {
				t.Fatalf("%v: got %v", args, err)
			}
		}
	})
}

func TestWriteKeyTableStrikesRevokedRowsOnTerminals(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	list := []storage.APIKey{
		{Prefix: "lstk_AAAAAAAA", Scope: keys.ScopeRead, Label: "Zoë's laptop", CreatedByName: "Zoë", CreatedByEmail: "z@x.io", CreatedAt: now, LastUsedAt: &now},
		{Prefix: "lstk_BBBBBBBB", Scope: keys.ScopeWrite, CreatedByName: "Jane Doe", CreatedByEmail: "jane@acme.com", CreatedAt: now, RevokedAt: &now},
	}
	for _, ansi := range []bool{false, true} {
		var b strings.Builder
		if err := writeKeyTable(&b, list, ansi, now); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("table:\n%s", b.String())
		}
		if !strings.Contains(lines[1], "2026-03-02 09:30 UTC") || !strings.Contains(lines[1], "active") {
			t.Errorf("active row: %q", lines[1])
		}
		if !strings.Contains(lines[2], "never") || !strings.Contains(lines[2], "revoked") {
			t.Errorf("revoked row: %q", lines[2])
		}
		struck := strings.HasPrefix(lines[2], "\x1b[9m") && strings.HasSuffix(lines[2], "\x1b[0m")
		if struck != ansi || strings.Contains(lines[1], "\x1b") {
			t.Errorf("ansi=%v: rows %q / %q", ansi, lines[1], lines[2])
		}
		// Columns line up whatever the characters: STATUS starts at the same
		// rune offset in every row.
		plain := strings.TrimPrefix(lines[2], "\x1b[9m")
		col := func(s, sub string) int { return len([]rune(s[:strings.Index(s, sub)])) }
		if h, a, r := col(lines[0], "STATUS"), col(lines[1], "active"), col(plain, "revoked"); h != a || a != r {
			t.Errorf("STATUS column at %d, %d, %d:\n%s", h, a, r, b.String())
		}
	}
}
