package storage_test

import (
	"context"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// BenchmarkAuthenticate measures the check every MCP request makes: the
// checksum, one indexed lookup by hash, and the (usually skipped) note for
// the last-used writer.
//
//	go test -run '^$' -bench Authenticate ./storage/
func BenchmarkAuthenticate(b *testing.B) {
	for _, name := range storagetest.Backends {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := storagetest.Open(b, name)
			s := storagetest.MustStore(b, db, "acme.myshopify.com")
			for range 100 { // a realistic index, not a one-row table
				storagetest.MustKey(b, db, s.ID, keys.ScopeRead, "")
			}
			k := storagetest.MustKey(b, db, s.ID, keys.ScopeWrite, "bench")
			a := access.New(db)
			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					if _, err := a.Authenticate(ctx, k.Secret); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := a.Authenticate(ctx, k.Secret); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
