package access_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// eachClocked is storagetest.Each with a fresh clock per backend.
func eachClocked(t *testing.T, fn func(t *testing.T, db *storage.DB, c *storagetest.Clock)) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			c := storagetest.NewClock()
			fn(t, storagetest.Open(t, name, storage.WithClock(c.Now)), c)
		})
	}
}

func createKey(t *testing.T, db *storage.DB, storeID int64, n access.NewKey) access.CreatedKey {
	t.Helper()
	if n.Scope == "" {
		n.Scope = keys.ScopeWrite
	}
	n.CreatedByName, n.CreatedByEmail = "Jane Doe", "jane@example.com"
	k, err := access.New(db).CreateKey(context.Background(), storeID, n)
	if err != nil {
		t.Fatalf("creating key: %v", err)
	}
	return k
}

// auditOf is the store's audit entries of one action, oldest first.
func auditOf(t *testing.T, db *storage.DB, storeID int64, action string) []storage.AuditEntry {
	t.Helper()
	all, _, err := access.New(db).AuditEntries(context.Background(), storeID, access.AuditFilter{Limit: access.MaxAuditLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []storage.AuditEntry
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Action == action {
			out = append(out, all[i])
		}
	}
	return out
}

// An expiring key works up to the instant it expires and is refused from
// then on, with reason expired and the date, and every refusal is audited.
func TestKeyExpiresAtTheBoundary(t *testing.T) {
	for _, tc := range []struct {
		expires string
		life    time.Duration // from creation; 0: never
	}{
		{"", 365 * keys.Day}, // the store's default
		{"30d", 30 * keys.Day},
		{"90d", 90 * keys.Day},
		{"365d", 365 * keys.Day},
		// The last day the key works, in the store's zone (UTC here):
		// from 2026-03-02 09:30 to the end of 2026-04-01.
		{"2026-04-01", 30*keys.Day + 14*time.Hour + 30*time.Minute},
		{"never", 0},
	} {
		t.Run("expires="+tc.expires, func(t *testing.T) {
			eachClocked(t, func(t *testing.T, db *storage.DB, c *storagetest.Clock) {
				ctx := context.Background()
				s := storagetest.MustStore(t, db, "acme.myshopify.com")
				created := c.Now()
				k := createKey(t, db, s.ID, access.NewKey{Expires: tc.expires})
				if tc.life == 0 {
					if k.ExpiresAt != nil {
						t.Fatalf("never: expires_at %v", k.ExpiresAt)
					}
					c.Advance(20 * 365 * keys.Day)
					if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
						t.Fatalf("a key that never expires, 20 years on: %v", err)
					}
					return
				}
				end := created.Add(tc.life)
				if k.ExpiresAt == nil || !k.ExpiresAt.Equal(end) {
					t.Fatalf("expires_at %v, want %v", k.ExpiresAt, end)
				}
				c.Advance(tc.life - time.Microsecond)
				if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
					t.Fatalf("a microsecond before expiry: %v", err)
				}
				c.Advance(time.Microsecond)
				_, err := access.New(db).Authenticate(ctx, k.Secret)
				var ee *storage.KeyExpiredError
				if !errors.As(err, &ee) || !errors.Is(err, storage.ErrKeyExpired) || !ee.At.Equal(end) {
					t.Fatalf("at expiry: got %v, want KeyExpiredError at %v", err, end)
				}
				if !strings.Contains(err.Error(), end.UTC().Format("2006-01-02")) {
					t.Errorf("the refusal does not name the date: %q", err)
				}
				refused := auditOf(t, db, s.ID, "key.refused")
				if len(refused) != 1 || refused[0].Outcome != storage.OutcomeRefused || !strings.HasPrefix(refused[0].Detail, "expired") ||
					refused[0].KeyPrefix != k.Prefix {
					t.Fatalf("audited refusals %+v, want one expired refusal of %s", refused, k.Prefix)
				}
				if _, live, _ := access.New(db).LiveKey(ctx, s.ID, k.Secret); live {
					t.Error("LiveKey calls an expired key live")
				}
			})
		})
	}
}

// The store's default applies to new keys only; existing keys keep theirs.
func TestStoreKeyExpiryDefault(t *testing.T) {
	eachClocked(t, func(t *testing.T, db *storage.DB, c *storagetest.Clock) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		if s.KeyExpiryDays != 365 {
			t.Fatalf("a new store's key expiry is %d days, want 365", s.KeyExpiryDays)
		}
		before := createKey(t, db, s.ID, access.NewKey{})
		thirty := 30
		if _, err := access.New(db).UpdateStore(ctx, s.ID, access.StoreSettings{KeyExpiryDays: &thirty}); err != nil {
			t.Fatal(err)
		}
		after := createKey(t, db, s.ID, access.NewKey{})
		if want := c.Now().Add(30 * keys.Day); after.ExpiresAt == nil || !after.ExpiresAt.Equal(want) {
			t.Errorf("new key expires %v, want %v", after.ExpiresAt, want)
		}
		list, err := access.New(db).ListKeys(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.Now().Add(365 * keys.Day); list[0].ID != before.ID || list[0].ExpiresAt == nil || !list[0].ExpiresAt.Equal(want) {
			t.Errorf("the earlier key's expiry changed: %+v", list[0])
		}
		never := 0
		if _, err := access.New(db).UpdateStore(ctx, s.ID, access.StoreSettings{KeyExpiryDays: &never}); err != nil {
			t.Fatal(err)
		}
		if k := createKey(t, db, s.ID, access.NewKey{}); k.ExpiresAt != nil {
			t.Errorf("with the default never, a new key expires %v", k.ExpiresAt)
		}
		bad := -3
		if _, err := access.New(db).UpdateStore(ctx, s.ID, access.StoreSettings{KeyExpiryDays: &bad}); err == nil {
			t.Error("a negative key expiry was accepted")
		}
		if _, err := access.New(db).CreateKey(ctx, s.ID, access.NewKey{Scope: keys.ScopeRead, CreatedByName: "J", CreatedByEmail: "j@example.com", Expires: "2020-01-01"}); err == nil {
			t.Error("an expiry date in the past was accepted")
		}
	})
}

// A roll: inside the grace period both keys work; after it only the new
// one. The rows are linked and the roll is audited with who did it.
func TestRollKeyGracePeriods(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Hour, 24 * time.Hour, 7 * keys.Day} {
		t.Run(keys.GraceName(grace), func(t *testing.T) {
			eachClocked(t, func(t *testing.T, db *storage.DB, c *storagetest.Clock) {
				ctx := context.Background()
				s := storagetest.MustStore(t, db, "acme.myshopify.com")
				old := createKey(t, db, s.ID, access.NewKey{Label: "CI", Expires: "90d", AllowFrom: "203.0.113.0/24, 2001:db8::/32"})
				c.Advance(10 * keys.Day)
				by := access.Roller{Person: storage.Person{Name: "Sam Roe", Email: "sam@example.com"}}
				r, err := access.New(db).RollKey(ctx, s.ID, old.Prefix, grace, by)
				if err != nil {
					t.Fatal(err)
				}
				nk := r.New
				if nk.Label != "CI" || nk.Scope != keys.ScopeWrite || nk.AllowFrom != "203.0.113.0/24,2001:db8::/32" || nk.ExpiryDays != 90 ||
					nk.ExpiresAt == nil || !nk.ExpiresAt.Equal(c.Now().Add(90*keys.Day)) || nk.CreatedByName != "Sam Roe" {
					t.Fatalf("successor %+v does not keep the label, scope, allow-list and expiry rule", nk.APIKey)
				}
				works := func(step string, secret string, want bool) {
					t.Helper()
					ctx := access.WithClientAddr(ctx, "203.0.113.9")
					_, err := access.New(db).Authenticate(ctx, secret)
					if want && err != nil {
						t.Fatalf("%s: refused: %v", step, err)
					}
					if !want && !errors.Is(err, storage.ErrKeyExpired) {
						t.Fatalf("%s: got %v, want expired", step, err)
					}
				}
				if grace > 0 {
					works("old key inside the grace period", old.Secret, true)
					c.Advance(grace - time.Microsecond)
					works("old key at the last instant of the grace period", old.Secret, true)
					works("new key inside the grace period", nk.Secret, true)
					c.Advance(time.Microsecond)
				}
				works("old key after the grace period", old.Secret, false)
				works("new key after the grace period", nk.Secret, true)

				_, err = access.New(db).Authenticate(ctx, old.Secret)
				if err == nil || !strings.Contains(err.Error(), nk.Prefix) {
					t.Errorf("the old key's refusal does not name its successor: %v", err)
				}
				list, err := access.New(db).ListKeys(ctx, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(list) != 2 || list[0].ReplacedBy != nk.Prefix || list[1].Replaces != old.Prefix {
					t.Fatalf("rows not linked: %+v", list)
				}
				rolls := auditOf(t, db, s.ID, "key.roll")
				if len(rolls) != 1 || rolls[0].ActorName != "Sam Roe" || rolls[0].KeyPrefix != old.Prefix || !strings.Contains(rolls[0].Detail, nk.Prefix) {
					t.Fatalf("roll audit %+v", rolls)
				}
				if _, err := access.New(db).RollKey(ctx, s.ID, old.Prefix, grace, by); err == nil {
					t.Error("a key rolled (or expired) once was rolled again")
				}
			})
		})
	}
}

// A key rolling itself keeps its creator and is audited as the key.
func TestRollKeySelf(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		old := createKey(t, db, s.ID, access.NewKey{Label: "agent", Expires: "never"})
		r, err := access.New(db).RollKey(ctx, s.ID, old.Prefix, time.Hour, access.Roller{Self: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.New.CreatedByEmail != "jane@example.com" || r.New.ExpiresAt != nil {
			t.Errorf("self-rolled successor %+v", r.New.APIKey)
		}
		rolls := auditOf(t, db, s.ID, "key.roll")
		if len(rolls) != 1 || rolls[0].ActorName != "" || rolls[0].KeyPrefix != old.Prefix {
			t.Errorf("self roll audit %+v", rolls)
		}
		if _, err := access.New(db).RollKey(ctx, s.ID, old.Prefix, 5*time.Minute, access.Roller{Self: true}); err == nil {
			t.Error("a grace period of 5 minutes was accepted")
		}
	})
}

// A leaked key is revoked at once, on every replica; a repeated alert and
// a token that matches nothing change nothing.
func TestRevokeLeaked(t *testing.T) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			u := storagetest.URL(t, name)
			a, err := storage.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := storage.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			s := storagetest.MustStore(t, a, "acme.myshopify.com")
			leaked := createKey(t, a, s.ID, access.NewKey{Label: "pasted"})
			kept := createKey(t, a, s.ID, access.NewKey{Label: "kept"})
			for _, db := range []*storage.DB{a, b} {
				if _, err := access.New(db).Authenticate(ctx, leaked.Secret); err != nil {
					t.Fatal(err)
				}
			}
			stranger, err := keys.Generate()
			if err != nil {
				t.Fatal(err)
			}
			reports := []access.LeakReport{
				{Token: leaked.Secret, URL: "https://github.com/octo/repo/blob/main/.env", Source: "content"},
				{Token: stranger.Secret, URL: "https://github.com/octo/repo/blob/main/x"},
				{Token: "lstk_not-a-key", URL: "https://example.com"},
			}
			got, err := access.New(a).RevokeLeaked(ctx, reports)
			if err != nil {
				t.Fatal(err)
			}
			if want := []bool{true, false, false}; len(got) != 3 || got[0] != want[0] || got[1] || got[2] {
				t.Fatalf("labels %v, want %v", got, want)
			}
			for i, db := range []*storage.DB{a, b} {
				if _, err := access.New(db).Authenticate(ctx, leaked.Secret); !errors.Is(err, storage.ErrKeyRevoked) {
					t.Fatalf("replica %d: the leaked key's next request: %v", i, err)
				}
				if _, err := access.New(db).Authenticate(ctx, kept.Secret); err != nil {
					t.Fatalf("replica %d: another key was refused: %v", i, err)
				}
			}
			if refused := auditOf(t, a, s.ID, "key.refused"); len(refused) != 2 || refused[0].Detail != "revoked: leaked" {
				t.Errorf("the leaked key's refused requests: audited %+v, want two revoked: leaked", refused)
			}
			list, _ := access.New(a).ListKeys(ctx, s.ID)
			if list[0].RevokedReason != access.RevokedLeaked || list[0].LeakURL != reports[0].URL {
				t.Fatalf("leaked key row %+v", list[0])
			}
			revocations := auditOf(t, a, s.ID, "key.revoke")
			if len(revocations) != 1 || !strings.Contains(revocations[0].Detail, "revoked: leaked") || !strings.Contains(revocations[0].Detail, reports[0].URL) {
				t.Fatalf("leak audit %+v", revocations)
			}
			// The same alert again: still a true positive, nothing changes.
			revokedAt := *list[0].RevokedAt
			got, err = access.New(b).RevokeLeaked(ctx, reports)
			if err != nil || !got[0] || got[1] {
				t.Fatalf("repeat: %v %v", got, err)
			}
			list, _ = access.New(a).ListKeys(ctx, s.ID)
			if !list[0].RevokedAt.Equal(revokedAt) || len(auditOf(t, a, s.ID, "key.revoke")) != 1 {
				t.Error("a repeated alert changed the key or the audit log")
			}
			if where := findInTables(t, a, stranger.Secret[len(keys.Marker):]); len(where) > 0 {
				t.Errorf("an unmatched token was stored in %v", where)
			}
		})
	}
}

// An allow-list admits the addresses and ranges it names, IPv4 and IPv6,
// and refuses others, audited; without an address (stdio) it does not
// apply. The last address used is recorded.
func TestAllowList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := createKey(t, db, s.ID, access.NewKey{AllowFrom: "198.51.100.7 203.0.113.0/24,2001:db8:1::/48"})
		if k.AllowFrom != "198.51.100.7,203.0.113.0/24,2001:db8:1::/48" {
			t.Fatalf("stored allow-list %q", k.AllowFrom)
		}
		for _, tc := range []struct {
			addr string
			ok   bool
		}{
			{"198.51.100.7", true},
			{"198.51.100.8", false},
			{"203.0.113.200", true},
			{"::ffff:203.0.113.5", true},
			{"2001:db8:1:ff::1", true},
			{"2001:db8:2::1", false},
			{"", false},
			{"garbage", false},
		} {
			_, err := access.New(db).Authenticate(access.WithClientAddr(ctx, tc.addr), k.Secret)
			if tc.ok && err != nil {
				t.Errorf("from %q: refused: %v", tc.addr, err)
			}
			if !tc.ok && !errors.Is(err, storage.ErrAddressNotAllowed) {
				t.Errorf("from %q: got %v, want ErrAddressNotAllowed", tc.addr, err)
			}
		}
		if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
			t.Errorf("without an address (stdio): %v", err)
		}
		if refused := auditOf(t, db, s.ID, "key.refused"); len(refused) != 4 || refused[0].Detail != "address_not_allowed: 198.51.100.8" {
			t.Errorf("audited refusals %+v, want 4 address_not_allowed", refused)
		}
		access.New(db).FlushLastUsed()
		list, _ := access.New(db).ListKeys(ctx, s.ID)
		if list[0].LastUsedAddr != "2001:db8:1:ff::1" && list[0].LastUsedAddr != "198.51.100.7" {
			t.Errorf("last address %q", list[0].LastUsedAddr)
		}
		// Cleared, the key works from anywhere.
		anywhere := ""
		if _, err := access.New(db).UpdateKey(ctx, s.ID, k.Prefix, access.KeyUpdate{AllowFrom: &anywhere}, storage.Person{Name: "cli"}); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).Authenticate(access.WithClientAddr(ctx, "192.0.2.1"), k.Secret); err != nil {
			t.Errorf("after clearing the allow-list: %v", err)
		}
		bad := "10.0.0.0/33"
		if _, err := access.New(db).UpdateKey(ctx, s.ID, k.Prefix, access.KeyUpdate{AllowFrom: &bad}, storage.Person{Name: "cli"}); err == nil {
			t.Error("a bad CIDR range was accepted")
		}
	})
}

// A use from a new address is recorded without waiting for the minute.
func TestLastUsedAddressChanges(t *testing.T) {
	eachClocked(t, func(t *testing.T, db *storage.DB, c *storagetest.Clock) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		k := createKey(t, db, s.ID, access.NewKey{})
		for _, addr := range []string{"192.0.2.1", "2001:db8::5"} {
			if _, err := access.New(db).Authenticate(access.WithClientAddr(ctx, addr), k.Secret); err != nil {
				t.Fatal(err)
			}
			access.New(db).FlushLastUsed()
			c.Advance(time.Second)
			list, _ := access.New(db).ListKeys(ctx, s.ID)
			if list[0].LastUsedAddr != addr {
				t.Fatalf("last address %q, want %q", list[0].LastUsedAddr, addr)
			}
		}
	})
}
