package faulttest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// TestSQLiteKill kills a SQLite-backed server with SIGKILL while it writes
// and checks that the file holds exactly the committed writes, each whole.
func TestSQLiteKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fault.db")
	dbURL := "sqlite:" + path
	demo := runDemo(t, dbURL)
	srv := startServer(t, dbURL)
	c := newClient(srv, demo.WriteKey)
	cat := discover(t, c)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := &load{c: c, cat: cat, tag: "sqlite", giveUp: 10 * time.Second, max: 200,
		stop: make(chan struct{}), ctx: ctx}
	l.start(4, 0)
	l.waitAcked(t, 20, 30*time.Second)
	// Kill while writes are in flight, as they nearly always are with four
	// writers; wait a little for one if not.
	eventually(2*time.Second, func() bool { return l.inFlight.Load() > 0 })
	inFlight := l.inFlight.Load()
	srv.kill()
	cancel()
	l.wg.Wait()
	chains, acked, _ := l.summary()
	t.Logf("killed the server with %d writes in flight; %d purchase orders started, %d writes acknowledged", inFlight, chains, acked)
	if len(l.refusals) > 0 {
		t.Errorf("writes refused before the kill: %v", l.refusals)
	}

	// The file as the crash left it, before anything of ours opens it
	// through storage (which would apply migrations).
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []struct{ pragma, want string }{
		{"PRAGMA integrity_check", "ok"},
		{"PRAGMA foreign_key_check", ""},
	} {
		rows, err := raw.Query(check.pragma)
		if err != nil {
			t.Fatalf("%s: %v", check.pragma, err)
		}
		var got []string
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmtRow(vals))
		}
		rows.Close()
		want := []string{}
		if check.want != "" {
			want = []string{check.want}
		}
		if len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
			t.Errorf("%s after the kill: %q, want %q", check.pragma, got, want)
		}
	}
	raw.Close()

	db, err := storage.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	store, err := access.New(db).StoreByDomain(context.Background(), demo.Store.Domain)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, db, store.ID, l)
	db.Close()

	// The server comes back on the same file, and repeating an
	// acknowledged write with its key applies nothing again.
	srv = startServer(t, dbURL)
	replayAll(t, newClient(srv, demo.WriteKey), l)
}

func fmtRow(vals []any) string {
	s := ""
	for i, v := range vals {
		if i > 0 {
			s += " "
		}
		switch v := v.(type) {
		case []byte:
			s += string(v)
		case string:
			s += v
		default:
			s += fmt.Sprint(v)
		}
	}
	return s
}
