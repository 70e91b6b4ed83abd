package access_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// clock is a settable time source for storage.WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustStore(t testing.TB, db *storage.DB, domain string) storage.Store {
	t.Helper()
	s, err := access.New(db).CreateStore(context.Background(), access.NewStore{Domain: domain, Name: "Shop " + domain})
	if err != nil {
		t.Fatalf("creating store %s: %v", domain, err)
	}
	return s
}

func mustKey(t testing.TB, db *storage.DB, storeID int64, scope keys.Scope, label string) access.CreatedKey {
	t.Helper()
	k, err := access.New(db).CreateKey(context.Background(), storeID, access.NewKey{
		Scope: scope, Label: label, CreatedByName: "Jane Doe", CreatedByEmail: "jane@example.com",
	})
	if err != nil {
		t.Fatalf("creating key: %v", err)
	}
	return k
}

// count returns the number of rows in table.
func count(t testing.TB, db *storage.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Backend().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}
