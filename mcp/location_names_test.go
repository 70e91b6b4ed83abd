package mcp

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A level read shows each location by its name as it is now, on every
// replica, though the names are remembered between requests (PostgreSQL):
// a location renamed, or added with stock, shows in the next read.
func TestLevelsNameLocationsAsTheyAreNow(t *testing.T) {
	ctx := context.Background()
	for _, backend := range storagetest.Backends {
		t.Run(backend, func(t *testing.T) {
			u := storagetest.URL(t, backend)
			if backend == "postgres" {
				// A small pool, so that a request holding one
				// connection while it waits for another would stall
				// the concurrent reads below.
				u += "&pool_max_conns=2"
			}
			open := func() *storage.DB {
				db, err := storage.Open(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			first := newEnv(t, open())
			replicas := []*env{first, serveEnv(t, open(), first.fx)}
			names := func(e *env) []string {
				t.Helper()
				var out levelsAnswer
				e.rpcStructured(t, e.fx.ReadKey.Secret, "get_inventory_levels", levelsOfTRS40, &out)
				return out.locations()
			}
			expect := func(when string, want ...string) {
				t.Helper()
				for i, e := range replicas {
					// Twice: the first request of a key, and the ones
					// after it, read the names differently.
					for range 2 {
						if got := names(e); !slices.Equal(got, want) {
							t.Fatalf("%s, replica %d: locations %q, want %q", when, i+1, got, want)
						}
					}
				}
			}
			expect("at first", storagetest.Warehouse, storagetest.DowntownShop, storagetest.HarbourShop)

			exec := func(sql string, args ...any) {
				t.Helper()
				if _, err := first.db.Backend().Exec(ctx, sql, args...); err != nil {
					t.Fatal(err)
				}
			}
			exec(`UPDATE locations SET name = 'Main Warehouse' WHERE store_id = $1 AND name = $2`, first.fx.Store.ID, storagetest.Warehouse)
			expect("renamed", "Main Warehouse", storagetest.DowntownShop, storagetest.HarbourShop)

			// Many requests at once on a replica that knows the key but
			// not yet the names, so that each reads them, after the read
			// that carried the key's check: more requests than the
			// database pool has connections, and none may hold one
			// connection while it waits for another.
			exec(`UPDATE locations SET name = 'Central Warehouse' WHERE store_id = $1 AND name = 'Main Warehouse'`, first.fx.Store.ID)
			fresh := serveEnv(t, open(), first.fx)
			var overview any
			fresh.rpcStructured(t, fresh.fx.ReadKey.Secret, "get_store_overview", `{}`, &overview)
			var wg sync.WaitGroup
			failures := make(chan string, 32)
			for range 32 {
				wg.Go(func() {
					var out levelsAnswer
					var res struct {
						StructuredContent json.RawMessage `json:"structuredContent"`
					}
					if err := fresh.call(fresh.fx.ReadKey.Secret, "tools/call", `{"name":"get_inventory_levels","arguments":`+levelsOfTRS40+`}`, &res); err != nil {
						failures <- err.Error()
					} else if json.Unmarshal(res.StructuredContent, &out) != nil || !slices.Equal(out.locations(), []string{"Central Warehouse", storagetest.DowntownShop, storagetest.HarbourShop}) {
						failures <- string(res.StructuredContent)
					}
				})
			}
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
			select {
			case <-finished:
			case <-time.After(time.Minute):
				// Not t.Fatal: the stalled requests would hold the
				// test servers' cleanup until the test binary's
				// timeout.
				panic("32 concurrent reads did not finish within a minute: requests wait on each other for connections")
			}
			close(failures)
			for f := range failures {
				t.Errorf("a concurrent read: %s", f)
			}
			expect("renamed again", "Central Warehouse", storagetest.DowntownShop, storagetest.HarbourShop)

			exec(`INSERT INTO locations (store_id, name, code, kind, created_at) VALUES ($1, 'Airport Kiosk', 'AK', 'shop', $2)`,
				first.fx.Store.ID, first.db.Now())
			exec(`INSERT INTO inventory_levels (store_id, variant_id, location_id, on_hand, updated_at)
				SELECT v.store_id, v.id, l.id, 2, $2 FROM variants v JOIN locations l ON l.store_id = v.store_id AND l.code = 'AK'
				WHERE v.store_id = $1 AND v.sku = 'TRS-40'`, first.fx.Store.ID, first.db.Now())
			expect("added", "Central Warehouse", storagetest.DowntownShop, storagetest.HarbourShop, "Airport Kiosk")
		})
	}
}

const levelsOfTRS40 = `{"skus":["TRS-40"]}`

// levelsAnswer is what get_inventory_levels answers, as far as the
// locations' names.
type levelsAnswer struct {
	Variants []struct {
		Locations []struct {
			Location string `json:"location"`
		} `json:"locations"`
	} `json:"variants"`
}

// locations names the first variant's locations, in order.
func (a levelsAnswer) locations() []string {
	var out []string
	for _, v := range a.Variants[:min(1, len(a.Variants))] {
		for _, l := range v.Locations {
			out = append(out, l.Location)
		}
	}
	return out
}
