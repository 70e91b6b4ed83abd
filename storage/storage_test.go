package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestSmoke(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, err := db.CreateStore(ctx, storage.NewStore{Domain: "Acme.myshopify.com", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		k, err := db.CreateKey(ctx, s.ID, storage.NewKey{Scope: keys.ScopeWrite, CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := db.Authenticate(ctx, k.Secret)
		if err != nil || p.Store.Domain != "acme.myshopify.com" || p.Key.Scope != keys.ScopeWrite {
			t.Fatalf("auth: %+v %v", p, err)
		}
		if _, err := db.RevokeKey(ctx, s.ID, k.Prefix, storage.Revoker{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, k.Secret); !errors.Is(err, storage.ErrKeyRevoked) {
			t.Fatalf("want revoked, got %v", err)
		}
	})
}
