package plan_test

import (
	"context"
	"testing"

	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// BenchmarkStoreOverview measures get_store_overview's storage call on the
// fixture store: what every call pays besides the planning rows.
//
//	go test ./storage/plan -run '^$' -bench BenchmarkStoreOverview
func BenchmarkStoreOverview(b *testing.B) {
	for _, name := range storagetest.Backends {
		b.Run(name, func(b *testing.B) {
			db := storagetest.Open(b, name)
			fx := storagetest.Seed(b, db)
			ctx := context.Background()
			for b.Loop() {
				if _, err := plan.New(db).StoreOverview(ctx, fx.Store.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
