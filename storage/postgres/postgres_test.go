package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/postgres"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// When PostgreSQL restarts or an operator terminates connections, the
// pool's connections die (57P01). Reads and transactions that had not
// committed must succeed on a fresh connection instead of failing the
// caller's request.
func TestLostConnectionsAreRetried(t *testing.T) {
	base := storagetest.PostgresURL(t)
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	app := "logistified_retry_" + hex.EncodeToString(b[:])
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)

	// terminate ends every connection the pool holds, as a restart would.
	terminate := func(t *testing.T) {
		t.Helper()
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("the pool held no connection to terminate")
		}
	}
	warm := func(t *testing.T) {
		t.Helper()
		var one int
		if err := db.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
			t.Fatal(err)
		}
	}
	query := func() error {
		rows, err := db.Query(ctx, `SELECT generate_series(1, 3)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 3 {
			return fmt.Errorf("read %d rows, want 3", n)
		}
		return nil
	}
	for _, tc := range []struct {
		name string
		// before runs on the connection before it is terminated.
		before func() error
		run    func() error
	}{
		{"QueryRow", nil, func() error {
			var one int
			return db.QueryRow(ctx, `SELECT 1`).Scan(&one)
		}},
		{"Query", nil, func() error {
			rows, err := db.Query(ctx, `SELECT generate_series(1, 3)`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}},
		// pgx reports the dead connection only when the rows of a
		// statement it had already prepared are read, not from Query.
		{"Query of a prepared statement", query, query},
		{"InTx", nil, func() error {
			return db.InTx(ctx, func(tx backend.Tx) error {
				var one int
				return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			warm(t)
			if tc.before != nil {
				if err := tc.before(); err != nil {
					t.Fatal(err)
				}
			}
			terminate(t)
			if err := tc.run(); err != nil {
				t.Fatalf("after the connection was terminated: %v", err)
			}
		})
	}
}

// On loopback a URL without sslmode connects in plain text, and an explicit
// sslmode=prefer still encrypts when the server offers TLS.
func TestLoopbackTLSOnlyWhenAsked(t *testing.T) {
	base := storagetest.PostgresURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() || u.Query().Has("sslmode") || os.Getenv("PGSSLMODE") != "" {
		t.Skipf("%s is not a loopback address without sslmode: nothing to compare", storagetest.EnvPostgresURL)
	}
	ctx := context.Background()
	encrypted := func(t *testing.T, dbURL string) bool {
		t.Helper()
		db, err := postgres.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var ssl bool
		if err := db.Pool().QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl); err != nil {
			t.Fatal(err)
		}
		return ssl
	}
	if encrypted(t, base) {
		t.Errorf("a loopback URL without sslmode connected with TLS")
	}
	db, err := postgres.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	var offered string
	err = db.Pool().QueryRow(ctx, `SHOW ssl`).Scan(&offered)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sslmode", "prefer")
	u.RawQuery = q.Encode()
	if got := encrypted(t, u.String()); got != (offered == "on") {
		t.Errorf("sslmode=prefer with the server's ssl %s: encrypted %v", offered, got)
	}
}
