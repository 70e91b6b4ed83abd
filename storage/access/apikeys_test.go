package access_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestAuthenticate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "acme.myshopify.com", Name: "Acme", Currency: "CAD", Timezone: "America/Toronto"})
		if err != nil {
			t.Fatal(err)
		}
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		w := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "ci")
		r := storagetest.MustKey(t, db, other.ID, keys.ScopeRead, "")
		for _, tc := range []struct {
			key   access.CreatedKey
			store storage.Store
			scope keys.Scope
		}{{w, s, keys.ScopeWrite}, {r, other, keys.ScopeRead}} {
			p, err := access.New(db).Authenticate(ctx, tc.key.Secret)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Store.CreatedAt.Equal(tc.store.CreatedAt) {
				t.Errorf("store created_at %v, want %v", p.Store.CreatedAt, tc.store.CreatedAt)
			}
			p.Store.CreatedAt = tc.store.CreatedAt
			if p.Store != tc.store {
				t.Errorf("principal store %+v, want %+v", p.Store, tc.store)
			}
			if p.Key.ID != tc.key.ID || p.Key.StoreID != tc.store.ID || p.Key.Prefix != tc.key.Prefix ||
				p.Key.Scope != tc.scope || p.Key.Label != tc.key.Label || p.Key.Revoked() {
				t.Errorf("principal key %+v, want %+v", p.Key, tc.key.APIKey)
			}
		}
	})
}

func TestCreateKeyNormalizes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		for _, tc := range []struct {
			in         access.NewKey
			scope      keys.Scope
			label      string
			name, mail string
		}{
			{access.NewKey{CreatedByName: "Jane", CreatedByEmail: "jane@example.com"}, keys.ScopeRead, "", "Jane", "jane@example.com"},
			{access.NewKey{Scope: " WRITE ", Label: "  bot ", CreatedByName: " Jane Doe ", CreatedByEmail: " jane@example.com "}, keys.ScopeWrite, "bot", "Jane Doe", "jane@example.com"},
			{access.NewKey{Scope: keys.ScopeRead, Label: "x'); DROP TABLE api_keys;--", CreatedByName: "Zoë", CreatedByEmail: "zoe+ops@mail.example.co.uk"}, keys.ScopeRead, "x'); DROP TABLE api_keys;--", "Zoë", "zoe+ops@mail.example.co.uk"},
		} {
			k, err := access.New(db).CreateKey(ctx, s.ID, tc.in)
			if err != nil {
				t.Fatalf("CreateKey(%+v): %v", tc.in, err)
			}
			list, err := access.New(db).ListKeys(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := list[len(list)-1]
			if got.ID != k.ID || got.Scope != tc.scope || got.Label != tc.label || got.CreatedByName != tc.name || got.CreatedByEmail != tc.mail {
				t.Errorf("stored %+v, want scope %s label %q by %s <%s>", got, tc.scope, tc.label, tc.name, tc.mail)
			}
		}
	})
}

func TestCreateKeyRefusesBadInputAndWritesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		ok := access.NewKey{CreatedByName: "Jane", CreatedByEmail: "jane@example.com"}
		with := func(f func(*access.NewKey)) access.NewKey { n := ok; f(&n); return n }
		for _, tc := range []struct {
			name string
			in   access.NewKey
			want string
		}{
			{"admin scope", with(func(n *access.NewKey) { n.Scope = "admin" }), "use read or write"},
			{"two scopes", with(func(n *access.NewKey) { n.Scope = "read,write" }), "use read or write"},
			{"empty name", with(func(n *access.NewKey) { n.CreatedByName = "" }), "name is empty"},
			{"blank name", with(func(n *access.NewKey) { n.CreatedByName = "  " }), "name is empty"},
			{"huge name", with(func(n *access.NewKey) { n.CreatedByName = strings.Repeat("J", 10000) }), "longer than 200"},
			{"escape in name", with(func(n *access.NewKey) { n.CreatedByName = "Jane\x1b[31m" }), "control character"},
			{"newline in label", with(func(n *access.NewKey) { n.Label = "a\nb" }), "control character"},
			{"huge label", with(func(n *access.NewKey) { n.Label = strings.Repeat("l", 101) }), "longer than 100"},
			{"empty email", with(func(n *access.NewKey) { n.CreatedByEmail = "" }), "not a valid email"},
			{"no at", with(func(n *access.NewKey) { n.CreatedByEmail = "jane.example.com" }), "not a valid email"},
			{"no domain dot", with(func(n *access.NewKey) { n.CreatedByEmail = "jane@localhost" }), "not a valid email"},
			{"display name", with(func(n *access.NewKey) { n.CreatedByEmail = "Jane <jane@example.com>" }), "not a valid email"},
			{"two addresses", with(func(n *access.NewKey) { n.CreatedByEmail = "a@example.com, b@example.com" }), "not a valid email"},
			{"SQL as email", with(func(n *access.NewKey) { n.CreatedByEmail = "x'); DROP TABLE api_keys;--" }), "not a valid email"},
			{"huge email", with(func(n *access.NewKey) { n.CreatedByEmail = strings.Repeat("a", 300) + "@example.com" }), "longer than 254"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := access.New(db).CreateKey(ctx, s.ID, tc.in)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error saying %q", err, tc.want)
				}
				if n, a := storagetest.Count(t, db, "api_keys"), storagetest.Count(t, db, "audit_log"); n != 0 || a != 0 {
					t.Fatalf("a refused key left %d keys and %d audit rows", n, a)
				}
			})
		}
		t.Run("unknown store", func(t *testing.T) {
			if _, err := access.New(db).CreateKey(ctx, s.ID+1000, ok); err == nil {
				t.Fatal("a key was issued for a store that does not exist")
			}
			if n, a := storagetest.Count(t, db, "api_keys"), storagetest.Count(t, db, "audit_log"); n != 0 || a != 0 {
				t.Fatalf("a refused key left %d keys and %d audit rows", n, a)
			}
		})
	})
}

// columnsOf lists every column of every table, from the catalog, so that a
// table added later is scanned too.
func columnsOf(t *testing.T, db *storage.DB) [][2]string {
	t.Helper()
	q := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2`
	if db.Dialect() == "sqlite" {
		q = `SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type = 'table' ORDER BY 1, 2`
	}
	rows, err := db.Backend().Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// findInTables returns "table.column" for every column holding needle.
func findInTables(t *testing.T, db *storage.DB, needle string) []string {
	t.Helper()
	var found []string
	for _, c := range columnsOf(t, db) {
		rows, err := db.Backend().Query(context.Background(),
			fmt.Sprintf(`SELECT coalesce(CAST("%s" AS TEXT), '') FROM "%s"`, c[1], c[0]))
		if err != nil {
			t.Fatalf("reading %s.%s: %v", c[0], c[1], err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatalf("reading %s.%s: %v", c[0], c[1], err)
			}
			if strings.Contains(v, needle) {
				found = append(found, c[0]+"."+c[1])
				break
			}
		}
		rows.Close()
	}
	return found
}

// A key's secret is shown once and kept nowhere: after its whole life
// (create, use, list, revoke, audit) no column of any table holds the key,
// its random part, or its random part with the checksum; on SQLite not even
// the database files' bytes do.
func TestKeyIsNeverStored(t *testing.T) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			url := storagetest.URL(t, name)
			db, err := storage.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s := storagetest.MustStore(t, db, "acme.myshopify.com")
			var created []access.CreatedKey
			for i, scope := range []keys.Scope{keys.ScopeRead, keys.ScopeWrite, keys.ScopeRead} {
				created = append(created, storagetest.MustKey(t, db, s.ID, scope, fmt.Sprintf("key %d", i)))
			}
			for _, k := range created {
				if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
					t.Fatal(err)
				}
			}
			access.New(db).FlushLastUsed()
			if _, err := access.New(db).RevokeKey(ctx, s.ID, created[1].Prefix, access.Revoker{Name: "cli:root@host"}); err != nil {
				t.Fatal(err)
			}
			if _, err := access.New(db).Authenticate(ctx, created[1].Secret); !errors.Is(err, storage.ErrKeyRevoked) {
				t.Fatalf("revoked key: %v", err)
			}

			// The scan finds what is meant to be there, so an empty result
			// below means something.
			if found := findInTables(t, db, created[0].Prefix); len(found) < 2 {
				t.Fatalf("the prefix should be in api_keys and audit_log, found in %v", found)
			}
			var files [][]byte
			if name == "sqlite" {
				path := strings.TrimPrefix(url, "sqlite:")
				for _, suffix := range []string{"", "-wal"} {
					b, err := os.ReadFile(path + suffix)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					files = append(files, b)
				}
				if !bytes.Contains(bytes.Join(files, nil), []byte(created[0].Prefix)) {
					t.Fatal("the prefix should be in the SQLite files")
				}
			}
			for _, k := range created {
				random := k.Secret[len(keys.Marker) : len(keys.Marker)+keys.RandomLen]
				for what, needle := range map[string]string{
					"key": k.Secret, "random part": random, "random part and checksum": k.Secret[len(keys.Marker):],
				} {
					if found := findInTables(t, db, needle); len(found) > 0 {
						t.Errorf("the %s of %s is stored in %v", what, k.Prefix, found)
					}
					for _, f := range files {
						if bytes.Contains(f, []byte(needle)) {
							t.Errorf("the %s of %s is in the SQLite file", what, k.Prefix)
						}
					}
				}
			}
		})
	}
}

// A mistyped key is refused by its checksum before any database call: on a
// closed database, where any query fails, it still gets ErrMalformed, while
// a well-formed key gets the closed database's error.
func TestMistypedKeyTouchesNoStorage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		flip := func(i int) string {
			c := byte('a')
			if k.Secret[i] == 'a' {
				c = 'b'
			}
			return k.Secret[:i] + string(c) + k.Secret[i+1:]
		}
		for name, typo := range map[string]string{
			"marker":          flip(0),
			"random part":     flip(len(keys.Marker) + 3),
			"last random":     flip(len(keys.Marker) + keys.RandomLen - 1),
			"checksum":        flip(len(k.Secret) - 1),
			"truncated":       k.Secret[:len(k.Secret)-1],
			"extra character": k.Secret + "x",
			"upper-cased":     strings.ToUpper(k.Secret),
			"empty":           "",
			"prefix only":     k.Prefix,
		} {
			if _, err := access.New(db).Authenticate(ctx, typo); !errors.Is(err, keys.ErrMalformed) {
				t.Errorf("%s typo: got %v, want keys.ErrMalformed without a database call", name, err)
			}
		}
		_, err := access.New(db).Authenticate(ctx, k.Secret)
		if err == nil || errors.Is(err, keys.ErrMalformed) || errors.Is(err, storage.ErrKeyUnknown) {
			t.Fatalf("the well-formed key on a closed database: got %v, want the database's error", err)
		}
	})
}

// An unknown and a revoked key are told apart inside (errors.Is) but both
// refused with the same message, so a caller learns nothing from it.
func TestUnknownAndRevokedKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "")
		never, err := keys.Generate()
		if err != nil {
			t.Fatal(err)
		}
		p, unknownErr := access.New(db).Authenticate(ctx, never.Secret)
		if !errors.Is(unknownErr, storage.ErrKeyUnknown) || errors.Is(unknownErr, storage.ErrKeyRevoked) || p.Key.ID != 0 {
			t.Fatalf("unknown key: got %+v, %v", p, unknownErr)
		}
		if _, err := access.New(db).RevokeKey(ctx, s.ID, k.Prefix, access.Revoker{Name: "cli:root@host"}); err != nil {
			t.Fatal(err)
		}
		p, revokedErr := access.New(db).Authenticate(ctx, k.Secret)
		if !errors.Is(revokedErr, storage.ErrKeyRevoked) || errors.Is(revokedErr, storage.ErrKeyUnknown) || p.Key.ID != 0 {
			t.Fatalf("revoked key: got %+v, %v", p, revokedErr)
		}
		if unknownErr.Error() != revokedErr.Error() {
			t.Fatalf("the messages tell unknown (%q) from revoked (%q)", unknownErr, revokedErr)
		}
		for _, e := range []error{unknownErr, revokedErr} {
			if strings.Contains(e.Error(), "lstk_") {
				t.Fatalf("error %q repeats a key or prefix", e)
			}
		}
	})
}

// The holder of a revoked key learns which key it was, when and by whom it
// was revoked; a live or unknown key is ErrKeyUnknown.
func TestRevocationOf(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		live := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "live")
		doomed := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "Claude Desktop")
		never, err := keys.Generate()
		if err != nil {
			t.Fatal(err)
		}
		revoked, err := access.New(db).RevokeKey(ctx, s.ID, doomed.Prefix, access.Revoker{Name: "Jane Doe", Email: "jane@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string]string{"live": live.Secret, "unknown": never.Secret} {
			if r, err := access.New(db).RevocationOf(ctx, k); !errors.Is(err, storage.ErrKeyUnknown) {
				t.Errorf("%s key: got %+v, %v, want ErrKeyUnknown", name, r, err)
			}
		}
		if _, err := access.New(db).RevocationOf(ctx, "lstk_nonsense"); !errors.Is(err, keys.ErrMalformed) {
			t.Errorf("malformed key: %v", err)
		}
		r, err := access.New(db).RevocationOf(ctx, doomed.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if r.Key.Prefix != doomed.Prefix || r.Key.Label != "Claude Desktop" || r.Key.RevokedAt == nil || !r.Key.RevokedAt.Equal(*revoked.RevokedAt) ||
			r.Store.Domain != "acme.myshopify.com" || r.Store.ID != s.ID || r.By.Name != "Jane Doe" || r.By.Email != "jane@acme.com" || r.By.MemberID != nil {
			t.Errorf("RevocationOf = %+v", r)
		}
	})
}

func TestRevocationHoldsOnTheNextRequest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		doomed := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "doomed")
		kept := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "kept")
		for i := 0; i < 3; i++ {
			if _, err := access.New(db).Authenticate(ctx, doomed.Secret); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := access.New(db).RevokeKey(ctx, s.ID, doomed.Prefix, access.Revoker{Name: "cli:root@host"}); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).Authenticate(ctx, doomed.Secret); !errors.Is(err, storage.ErrKeyRevoked) {
			t.Fatalf("the request right after revocation: got %v, want ErrKeyRevoked", err)
		}
		if _, err := access.New(db).Authenticate(ctx, kept.Secret); err != nil {
			t.Fatalf("revoking one key refused another: %v", err)
		}
	})
}

func TestRevokeKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		byPrefix := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "a")
		byID := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "b")
		byKey := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "c")
		theirs := storagetest.MustKey(t, db, other.ID, keys.ScopeWrite, "theirs")
		by := access.Revoker{Name: "cli:root@host"}
		auditRows := func() int { return storagetest.Count(t, db, "audit_log") }
		startAudit := auditRows()

		// Refused: nothing changes, nothing is audited.
		for _, tc := range []struct {
			name, ref string
			notFound  bool
		}{
			{"another store's key by prefix", theirs.Prefix, true},
			{"another store's key by id", strconv.FormatInt(theirs.ID, 10), true},
			{"unknown prefix", "lstk_ZZZZZZZZ", true},
			{"unknown id", "987654", true},
			{"negative id", "-1", true},
			{"another store's full key", theirs.Secret, true},
			{"mistyped full key", byPrefix.Secret[:len(byPrefix.Secret)-1] + "!", false},
			{"SQL", "1 OR 1=1", false},
			{"SQL prefix", "lstk_' OR '1'='1", false},
			{"empty", "", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := access.New(db).RevokeKey(ctx, s.ID, tc.ref, by)
				if err == nil || errors.Is(err, access.ErrKeyNotFound) != tc.notFound {
					t.Fatalf("RevokeKey(%q) = %v (want not-found: %v)", tc.ref, err, tc.notFound)
				}
				if strings.Contains(err.Error(), byPrefix.Secret[:len(byPrefix.Secret)-1]) || strings.Contains(err.Error(), theirs.Secret) {
					t.Fatalf("the error repeats the full key: %v", err)
				}
				for _, k := range []access.CreatedKey{byPrefix, byID, byKey, theirs} {
					if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
						t.Fatalf("a refused revoke disabled %s: %v", k.Prefix, err)
					}
				}
				if n := auditRows(); n != startAudit {
					t.Fatalf("a refused revoke wrote %d audit rows", n-startAudit)
				}
			})
		}

		for _, tc := range []struct {
			key access.CreatedKey
			ref string
		}{{byPrefix, " " + byPrefix.Prefix + " "}, {byID, strconv.FormatInt(byID.ID, 10)}, {byKey, byKey.Secret}} {
			got, err := access.New(db).RevokeKey(ctx, s.ID, tc.ref, by)
			if err != nil {
				t.Fatalf("RevokeKey(%q): %v", tc.ref, err)
			}
			if got.ID != tc.key.ID || got.RevokedAt == nil {
				t.Fatalf("RevokeKey(%q) = %+v", tc.ref, got)
			}
			if _, err := access.New(db).Authenticate(ctx, tc.key.Secret); !errors.Is(err, storage.ErrKeyRevoked) {
				t.Fatalf("after revoking %q: %v", tc.ref, err)
			}
		}
		if n := auditRows(); n != startAudit+3 {
			t.Fatalf("three revocations wrote %d audit rows", n-startAudit)
		}

		// Revoking again is not an error, keeps the first time and audits nothing.
		first, _ := access.New(db).ListKeys(ctx, s.ID)
		again, err := access.New(db).RevokeKey(ctx, s.ID, byPrefix.Prefix, by)
		if err != nil || again.RevokedAt == nil || !again.RevokedAt.Equal(*first[0].RevokedAt) {
			t.Fatalf("second revoke = %+v, %v; want the first revocation time %v", again, err, first[0].RevokedAt)
		}
		if n := auditRows(); n != startAudit+3 {
			t.Fatal("revoking a revoked key was audited again")
		}
		if _, err := access.New(db).Authenticate(ctx, theirs.Secret); err != nil {
			t.Fatalf("the other store's key: %v", err)
		}
	})
}

func TestListKeys(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		if list, err := access.New(db).ListKeys(ctx, s.ID); err != nil || list == nil || len(list) != 0 {
			t.Fatalf("no keys: got %#v, %v; want an empty list", list, err)
		}
		a := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "first")
		c.Advance(time.Minute)
		b := storagetest.MustKey(t, db, s.ID, keys.ScopeWrite, "second")
		storagetest.MustKey(t, db, other.ID, keys.ScopeWrite, "theirs")
		c.Advance(time.Minute)
		if _, err := access.New(db).RevokeKey(ctx, s.ID, a.Prefix, access.Revoker{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		list, err := access.New(db).ListKeys(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Fatalf("ListKeys = %+v; want this store's two keys, oldest first", list)
		}
		if !list[0].Revoked() || !list[0].RevokedAt.Equal(c.Now()) || list[1].Revoked() {
			t.Fatalf("revocation not listed right: %+v", list)
		}
		if !list[1].CreatedAt.Equal(b.CreatedAt) || list[1].Scope != keys.ScopeWrite || list[1].Label != "second" ||
			list[1].CreatedByName != "Jane Doe" || list[1].CreatedByEmail != "jane@example.com" || list[1].LastUsedAt != nil {
			t.Fatalf("listed %+v, created %+v", list[1], b.APIKey)
		}
	}, storage.WithClock(c.Now))
}

// 50 keys issued at once are 50 distinct, valid, working keys.
func TestConcurrentCreateKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		const n = 50
		created := make([]access.CreatedKey, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				created[i], errs[i] = access.New(db).CreateKey(ctx, s.ID, access.NewKey{
					Scope: keys.ScopeWrite, Label: fmt.Sprint("agent ", i), CreatedByName: "Jane", CreatedByEmail: "jane@example.com",
				})
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, k := range created {
			if errs[i] != nil {
				t.Fatalf("CreateKey %d: %v", i, errs[i])
			}
			if _, prefix, err := keys.Parse(k.Secret); err != nil || prefix != k.Prefix {
				t.Fatalf("key %d is not valid: %v", i, err)
			}
			id := strconv.FormatInt(k.ID, 10)
			if seen[k.Secret] || seen[k.Prefix] || seen[id] {
				t.Fatalf("key %d repeats a secret, prefix or id", i)
			}
			seen[k.Secret], seen[k.Prefix], seen[id] = true, true, true
			p, err := access.New(db).Authenticate(ctx, k.Secret)
			if err != nil || p.Key.ID != k.ID {
				t.Fatalf("key %d does not authenticate as itself: %+v, %v", i, p.Key, err)
			}
		}
		if got := storagetest.Count(t, db, "api_keys"); got != n {
			t.Fatalf("%d keys stored, want %d", got, n)
		}
		if got := storagetest.Count(t, db, "audit_log"); got != n {
			t.Fatalf("%d audit rows, want %d", got, n)
		}
	})
}

func lastUsed(t *testing.T, db *storage.DB, storeID, keyID int64) *time.Time {
	t.Helper()
	access.New(db).FlushLastUsed()
	list, err := access.New(db).ListKeys(context.Background(), storeID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list {
		if k.ID == keyID {
			return k.LastUsedAt
		}
	}
	t.Fatalf("key %d not listed", keyID)
	return nil
}

// last_used_at is written at most about once a minute per key.
func TestLastUsedAtMostOncePerMinute(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "")
		idle := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "idle")
		auth := func(n int) {
			for range n {
				if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := func(step string, at time.Time) {
			t.Helper()
			got := lastUsed(t, db, s.ID, k.ID)
			if got == nil || !got.Equal(at) {
				t.Fatalf("%s: last_used_at = %v, want %v", step, got, at)
			}
		}
		if got := lastUsed(t, db, s.ID, k.ID); got != nil {
			t.Fatalf("an unused key has last_used_at %v", got)
		}
		first := c.Now()
		auth(20)
		want("first use", first)

		// Uses within the minute, with the write still queued or already
		// done, change nothing.
		c.Advance(10 * time.Second)
		auth(5)
		access.New(db).FlushLastUsed()
		c.Advance(49 * time.Second)
		auth(5)
		want("within a minute", first)

		c.Advance(2 * time.Second) // 61 s after the first write
		second := c.Now()
		auth(5)
		want("after a minute", second)

		if got := lastUsed(t, db, s.ID, idle.ID); got != nil {
			t.Fatalf("a key never used got last_used_at %v", got)
		}
	}, storage.WithClock(c.Now))
}

// Authenticate does not wait for the last_used_at write: with the key's
// row (SQLite: the whole database) locked by a writer, it still returns,
// and the write lands after the lock is gone.
func TestLastUsedIsOffTheRequestPath(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "")
		c.Advance(time.Hour)
		locked, release, txDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			txDone <- db.Backend().InTx(ctx, func(tx backend.Tx) error {
				var id int64
				if err := tx.QueryRow(ctx, `SELECT id FROM api_keys WHERE store_id = $1 AND id = $2`+db.Backend().Dialect().ForUpdate,
					s.ID, k.ID).Scan(&id); err != nil {
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		authDone := make(chan error, 1)
		go func() { _, err := access.New(db).Authenticate(ctx, k.Secret); authDone <- err }()
		select {
		case err := <-authDone:
			close(release)
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			close(release)
			t.Fatal("Authenticate waited for the last_used_at write")
		}
		if err := <-txDone; err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(t, db, s.ID, k.ID); got == nil || !got.Equal(c.Now()) {
			t.Fatalf("last_used_at = %v after the lock was released, want %v", got, c.Now())
		}
	}, storage.WithClock(c.Now))
}

// Close waits for queued last_used_at writes and later uses do not panic.
func TestAuthenticateAfterClose(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "")
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					_, _ = access.New(db).Authenticate(ctx, k.Secret)
				}
			}()
		}
		db.Close()
		wg.Wait()
	})
}
