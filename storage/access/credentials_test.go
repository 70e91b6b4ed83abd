package access_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A key accepted before is confirmed on its next request, with the
// request's first read, without reading its row again where the backend
// keeps row versions. Whatever changed since, in the key's row, its
// store's row, or by the clock or the client's address alone, the next
// request sees it: a refusal fails the read, a new principal is
// ErrPrincipalChanged with the fresh one.
func TestNextRequestSeesAChangedKeyOrStore(t *testing.T) {
	addr := "192.0.2.7"
	person := storage.Person{Name: "Owner", Email: "owner@example.com"}
	cases := []struct {
		name string
		// key is the key made for the case; change happens between its
		// first and its next request.
		key    access.NewKey
		change func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey)
		// refused is the refusal of the next request; nil: it is
		// accepted, with a principal that fresh checks (nil: unchanged).
		refused error
		fresh   func(p storage.Principal) bool
	}{
		{
			name: "nothing changed but the last use",
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				access.New(db).FlushLastUsed()
			},
		},
		{
			name: "revoked",
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				if _, err := access.New(db).RevokeKey(context.Background(), storeID, k.Prefix, access.Revoker{Name: "Owner", Email: "owner@example.com"}); err != nil {
					t.Fatal(err)
				}
			},
			refused: storage.ErrKeyRevoked,
		},
		{
			name: "expired by the clock alone",
			key:  access.NewKey{Expires: "30d"},
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				c.Advance(31 * 24 * time.Hour)
			},
			refused: storage.ErrKeyExpired,
		},
		{
			name: "an allow-list that leaves the client out",
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				list := "203.0.113.0/24"
				if _, err := access.New(db).UpdateKey(context.Background(), storeID, k.Prefix, access.KeyUpdate{AllowFrom: &list}, person); err != nil {
					t.Fatal(err)
				}
			},
			refused: storage.ErrAddressNotAllowed,
		},
		{
			name: "scope narrowed",
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				if _, err := db.Backend().Exec(context.Background(), `UPDATE api_keys SET scope = 'read' WHERE id = $1`, k.ID); err != nil {
					t.Fatal(err)
				}
			},
			fresh: func(p storage.Principal) bool { return p.Key.Scope == keys.ScopeRead },
		},
		{
			name: "approval required",
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				always, err := inventory.ParseApproval("always")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := access.New(db).SetKeyApproval(context.Background(), storeID, k.Prefix, always, person); err != nil {
					t.Fatal(err)
				}
			},
			fresh: func(p storage.Principal) bool { return p.Key.Approval.String() == "always" },
		},
		{
			name: "store currency changed",
			change: func(t *testing.T, db *storage.DB, c *storagetest.Clock, storeID int64, k access.CreatedKey) {
				if _, err := db.Backend().Exec(context.Background(), `UPDATE stores SET currency = 'EUR' WHERE id = $1`, storeID); err != nil {
					t.Fatal(err)
				}
			},
			fresh: func(p storage.Principal) bool { return p.Store.Currency == "EUR" },
		},
	}
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			c := storagetest.NewClock()
			var trips atomic.Int64
			db := storagetest.Open(t, name, storage.WithClock(c.Now), storage.CountRoundTrips(&trips))
			ctx := access.WithClientAddr(context.Background(), addr)
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					s := storagetest.MustStore(t, db, "next-"+string(rune('a'+i))+".myshopify.com")
					k := createKey(t, db, s.ID, tc.key)
					if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
						t.Fatalf("first request: %v", err)
					}
					access.New(db).FlushLastUsed()
					tc.change(t, db, c, s.ID, k)

					p, rc, err := access.New(db).AuthenticateLater(ctx, k.Secret)
					if err != nil {
						t.Fatalf("AuthenticateLater: %v", err)
					}
					trips.Store(0)
					_, readErr := access.New(db).ListKeys(rc, s.ID)
					fresh, err := storage.ConfirmCredential(rc)
					switch {
					case tc.refused != nil:
						if !errors.Is(readErr, tc.refused) || !errors.Is(err, tc.refused) {
							t.Errorf("read = %v, verdict = %v; want both %v", readErr, err, tc.refused)
						}
					case tc.fresh != nil:
						if readErr != nil {
							t.Errorf("a read when only the principal changed: %v", readErr)
						}
						if !errors.Is(err, storage.ErrPrincipalChanged) || !tc.fresh(fresh) {
							t.Errorf("verdict = %v with %+v; want ErrPrincipalChanged with the change", err, fresh)
						}
					default:
						if readErr != nil || err != nil {
							t.Errorf("read = %v, verdict = %v; want both accepted", readErr, err)
						}
						if p.Key.ID != k.ID {
							t.Errorf("predicted key %d, want %d", p.Key.ID, k.ID)
						}
						if db.Dialect() == "postgres" && trips.Load() != 1 {
							t.Errorf("%d round trips for the check and the read, want 1 (the last-used write must not force a full lookup)", trips.Load())
						}
					}
				})
			}
		})
	}
}
