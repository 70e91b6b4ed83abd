package storage_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A key seen before is checked on the request's first read, in the same
// round trip where the backend pipelines (PostgreSQL), and the verdict
// holds whatever the read returned.
func TestAuthenticateLater(t *testing.T) {
	var trips atomic.Int64
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := storagetest.Seed(t, db)
		secret := f.ReadKey.Secret
		pipelined := db.Dialect() == "postgres"

		// later starts a request: the principal, and its context.
		later := func(t *testing.T) (storage.Principal, context.Context) {
			t.Helper()
			p, c, err := access.New(db).AuthenticateLater(ctx, secret)
			if err != nil {
				t.Fatalf("AuthenticateLater: %v", err)
			}
			return p, c
		}

		t.Run("a key not seen before is checked at once", func(t *testing.T) {
			other := storagetest.SeedStore(t, db, "later-unseen.myshopify.com")
			trips.Store(0)
			p, c, err := access.New(db).AuthenticateLater(ctx, other.WriteKey.Secret)
			if err != nil || p.Key.ID != other.WriteKey.ID {
				t.Fatalf("AuthenticateLater = %+v, %v", p.Key, err)
			}
			if trips.Load() != 1 {
				t.Errorf("%d round trips for the first sight of a key, want 1", trips.Load())
			}
			if _, err := storage.ConfirmCredential(c); err != nil {
				t.Errorf("ConfirmCredential after an immediate check: %v", err)
			}
		})

		if _, err := access.New(db).Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}

		t.Run("the check rides on the first read", func(t *testing.T) {
			p, c := later(t)
			if p.Key.ID != f.ReadKey.ID || p.Store.ID != f.Store.ID {
				t.Fatalf("predicted principal %+v, want the read key of %s", p, f.Store.Domain)
			}
			trips.Store(0)
			locs, err := catalog.New(db).ListLocations(c, p.Store.ID)
			if err != nil || len(locs) == 0 {
				t.Fatalf("ListLocations = %d, %v", len(locs), err)
			}
			want := int64(2)
			if pipelined {
				want = 1
			}
			if got := trips.Load(); got != want {
				t.Errorf("%d round trips for the check and the read, want %d", got, want)
			}
			if _, err := storage.ConfirmCredential(c); err != nil {
				t.Errorf("ConfirmCredential: %v", err)
			}
			if got := trips.Load(); got != want {
				t.Errorf("confirming after the read cost another round trip (%d)", got)
			}
		})

		t.Run("without a read, confirming checks", func(t *testing.T) {
			_, c := later(t)
			trips.Store(0)
			if _, err := storage.ConfirmCredential(c); err != nil {
				t.Errorf("ConfirmCredential: %v", err)
			}
			if trips.Load() != 1 {
				t.Errorf("%d round trips to confirm alone, want 1", trips.Load())
			}
		})

		t.Run("a change of store settings is seen", func(t *testing.T) {
			_, c := later(t)
			level := 97.5
			if _, err := access.New(db).UpdateStore(ctx, f.Store.ID, access.StoreSettings{ServiceLevel: &level}); err != nil {
				t.Fatal(err)
			}
			if _, err := catalog.New(db).ListLocations(c, f.Store.ID); err != nil {
				t.Fatalf("a read is not refused when only settings changed: %v", err)
			}
			if err := db.Backend().InTx(c, func(backend.Tx) error { return nil }); !errors.Is(err, storage.ErrPrincipalChanged) {
				t.Errorf("a write after the change = %v, want ErrPrincipalChanged (never written with the old principal)", err)
			}
			fresh, err := storage.ConfirmCredential(c)
			if !errors.Is(err, storage.ErrPrincipalChanged) || fresh.Store.ServiceLevel != level {
				t.Fatalf("ConfirmCredential = %v, service level %v; want ErrPrincipalChanged with %v", err, fresh.Store.ServiceLevel, level)
			}
			// The fresh principal is what the next request predicts.
			p, c := later(t)
			if p.Store.ServiceLevel != level {
				t.Errorf("next prediction has service level %v, want %v", p.Store.ServiceLevel, level)
			}
			if _, err := storage.ConfirmCredential(c); err != nil {
				t.Errorf("ConfirmCredential after the change: %v", err)
			}
		})

		t.Run("a revoked key: the read fails and the verdict is the refusal", func(t *testing.T) {
			_, c := later(t)
			if _, err := access.New(db).RevokeKey(ctx, f.Store.ID, f.ReadKey.Prefix, access.Revoker{Name: "Owner", Email: "owner@example.com"}); err != nil {
				t.Fatal(err)
			}
			if locs, err := catalog.New(db).ListLocations(c, f.Store.ID); !errors.Is(err, storage.ErrKeyRevoked) {
				t.Errorf("a read with a revoked key = %d locations, %v; want ErrKeyRevoked", len(locs), err)
			}
			if _, err := storage.ConfirmCredential(c); !errors.Is(err, storage.ErrKeyRevoked) {
				t.Errorf("ConfirmCredential = %v, want ErrKeyRevoked", err)
			}
			// It is forgotten: the next request is checked at once.
			if _, _, err := access.New(db).AuthenticateLater(ctx, secret); !errors.Is(err, storage.ErrKeyRevoked) {
				t.Errorf("AuthenticateLater after revocation = %v, want ErrKeyRevoked", err)
			}
		})

		t.Run("a write waits for the verdict", func(t *testing.T) {
			w := f.WriteKey.Secret
			if _, err := access.New(db).Authenticate(ctx, w); err != nil {
				t.Fatal(err)
			}
			_, c, err := access.New(db).AuthenticateLater(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := access.New(db).RevokeKey(ctx, f.Store.ID, f.WriteKey.Prefix, access.Revoker{Name: "Owner", Email: "owner@example.com"}); err != nil {
				t.Fatal(err)
			}
			ran := false
			err = db.Backend().InTx(c, func(tx backend.Tx) error { ran = true; return nil })
			if !errors.Is(err, storage.ErrKeyRevoked) || ran {
				t.Errorf("a transaction under a revoked key: ran %v, err %v; want refused before it begins", ran, err)
			}
			if _, err := db.Backend().Exec(c, `UPDATE stores SET name = name WHERE id = $1`, f.Store.ID); !errors.Is(err, storage.ErrKeyRevoked) {
				t.Errorf("a statement that writes under a revoked key: %v, want ErrKeyRevoked", err)
			}
		})
	}, storage.CountRoundTrips(&trips))
}
