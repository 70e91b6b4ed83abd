package storage_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
)

func TestZZExplain(t *testing.T) {
	url := os.Getenv("ZZ_DB")
	if url == "" {
		t.Skip()
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.StoreByDomain(ctx, "bench-100000.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		start := time.Now()
		if _, err := db.StoreOverview(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		t.Logf("overview %v", time.Since(start))
	}
	for i := 0; i < 3; i++ {
		start := time.Now()
		if _, err := db.StockRisks(ctx, st.ID, storage.RiskFilter{}); err != nil {
			t.Fatal(err)
		}
		t.Logf("risks %v", time.Since(start))
		start = time.Now()
		if _, err := db.ReorderSuggestions(ctx, st.ID, storage.SuggestionFilter{}); err != nil {
			t.Fatal(err)
		}
		t.Logf("suggestions %v", time.Since(start))
	}
}
