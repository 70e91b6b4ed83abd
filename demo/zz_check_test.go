package demo_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/storage"
)

func TestTmpLook(t *testing.T) {
	url := os.Getenv("DEMO_LOOK_URL")
	if url == "" {
		t.Skip()
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := demo.Ensure(ctx, db, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("ensure", time.Since(start))
	sid := res.Store.ID
	show := func(name string, v any, err error) {
		if err != nil {
			t.Fatal(name, err)
		}
		b, _ := json.MarshalIndent(v, "", " ")
		if len(b) > 3000 {
			b = b[:3000]
		}
		t.Logf("%s: %s", name, b)
	}
	ov, err := db.StoreOverview(ctx, sid)
	show("overview", ov, err)
	for _, k := range []string{"out_of_stock", "below_reorder_point", "low_cover"} {
		start := time.Now()
		r, _, err := db.StockRisks(ctx, sid, storage.RiskFilter{Kind: k, Page: storage.Page{Limit: 3}})
		show(k+" "+time.Since(start).String(), r, err)
	}
	start = time.Now()
	ds, err := db.DeadStock(ctx, sid, storage.DeadStockFilter{Days: 90, Page: storage.Page{Limit: 3}})
	show("dead "+time.Since(start).String(), ds, err)
	start = time.Now()
	sg, _, err := db.ReorderSuggestions(ctx, sid, storage.SuggestionFilter{Page: storage.Page{Limit: 2}})
	show("suggest "+time.Since(start).String(), sg, err)
}

func TestTmpDead(t *testing.T) {
	url := os.Getenv("DEMO_LOOK_URL")
	if url == "" {
		t.Skip()
	}
	ctx := context.Background()
	db, _ := storage.Open(ctx, url)
	today := db.Now().Truncate(24 * time.Hour)
	rows, err := db.Backend().Query(ctx, `SELECT p.product_type, count(*), sum(CASE WHEN (SELECT coalesce(sum(units),0) FROM daily_sales s WHERE s.store_id=l.store_id AND s.variant_id=l.variant_id AND s.location_id=l.location_id) = 0 THEN 1 ELSE 0 END),
	sum(CASE WHEN l.location_id = 1 THEN 1 ELSE 0 END)
	FROM inventory_levels l JOIN variants v ON v.store_id=l.store_id AND v.id=l.variant_id JOIN products p ON p.store_id=v.store_id AND p.id=v.product_id
	WHERE l.store_id=1 AND l.on_hand > 0 AND NOT EXISTS (SELECT 1 FROM daily_sales s WHERE s.store_id=l.store_id AND s.variant_id=l.variant_id AND s.location_id=l.location_id AND s.day >= $1)
	GROUP BY p.product_type ORDER BY 2 DESC`, today.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ty string
		var n, never, wh int
		rows.Scan(&ty, &n, &never, &wh)
		t.Log(ty, n, never, wh)
	}
}
