package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// get_store_overview warns the assistant when its own key expires within
// 14 days, and says nothing before.
func TestOverviewWarnsOfTheKeysExpiry(t *testing.T) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			c := &testClock{t: time.Now().UTC().Truncate(time.Second)}
			db := storagetest.Open(t, name, storage.WithClock(c.Now))
			e := newWEnv(t, db)
			ctx := context.Background()
			k, err := access.New(db).CreateKey(ctx, e.Store.ID, access.NewKey{Scope: keys.ScopeRead, Label: "agent", Expires: "30d",
				CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			overview := func() (warnings []string) {
				t.Helper()
				p, err := access.New(db).Authenticate(ctx, k.Secret)
				if err != nil {
					t.Fatal(err)
				}
				text, isErr := e.callAs(t, tools.WithPrincipal(ctx, p), "get_store_overview", `{}`)
				if isErr {
					t.Fatal(text)
				}
				var out struct{ Warnings []string }
				if err := json.Unmarshal([]byte(text), &out); err != nil {
					t.Fatal(err)
				}
				return out.Warnings
			}
			if w := overview(); len(w) != 0 {
				t.Fatalf("30 days before expiry: warnings %q", w)
			}
			c.Advance(16*keys.Day + time.Hour) // 13 days 23 hours left
			w := overview()
			if len(w) != 1 || !strings.Contains(w[0], k.Prefix) || !strings.Contains(w[0], "expires in 14 days") || !strings.Contains(w[0], "keys roll") {
				t.Fatalf("13 days before expiry: warnings %q", w)
			}
		})
	}
}
