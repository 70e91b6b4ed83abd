package postgres

import (
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// A URL that leaves TLS to the default on loopback tries plain text first
// and TLS after it (a server that accepts only TLS still connects); any TLS wish of the user's, or a host
// that is not a loopback address, keeps pgx's attempts as parsed.
func TestPlainOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		name, url, env string
		want           []string // host:port tls|plain, in the order tried
	}{
		{name: "IPv4 loopback, no sslmode", url: "postgres://u@127.0.0.1:5432/db",
			want: []string{"127.0.0.1:5432 plain", "127.0.0.1:5432 tls"}},
		{name: "IPv6 loopback, no sslmode", url: "postgres://u@[::1]:5432/db",
			want: []string{"::1:5432 plain", "::1:5432 tls"}},
		{name: "two loopback hosts", url: "postgres://u@127.0.0.1:5432,127.0.0.2:5433/db",
			want: []string{"127.0.0.1:5432 plain", "127.0.0.2:5433 plain", "127.0.0.1:5432 tls", "127.0.0.2:5433 tls"}},
		{name: "remote host keeps TLS first", url: "postgres://u@db.example.com:5432/db",
			want: []string{"db.example.com:5432 tls", "db.example.com:5432 plain"}},
		{name: "localhost is a name, not an address: kept", url: "postgres://u@localhost:5432/db",
			want: []string{"localhost:5432 tls", "localhost:5432 plain"}},
		{name: "one remote host of two keeps TLS", url: "postgres://u@127.0.0.1:5432,db.example.com:5432/db",
			want: []string{"127.0.0.1:5432 tls", "127.0.0.1:5432 plain", "db.example.com:5432 tls", "db.example.com:5432 plain"}},
		{name: "explicit prefer kept", url: "postgres://u@127.0.0.1:5432/db?sslmode=prefer",
			want: []string{"127.0.0.1:5432 tls", "127.0.0.1:5432 plain"}},
		{name: "explicit require kept", url: "postgres://u@127.0.0.1:5432/db?sslmode=require",
			want: []string{"127.0.0.1:5432 tls"}},
		{name: "keyword form with sslmode kept", url: "host=127.0.0.1 port=5432 user=u sslmode=prefer",
			want: []string{"127.0.0.1:5432 tls", "127.0.0.1:5432 plain"}},
		{name: "PGSSLMODE kept", url: "postgres://u@127.0.0.1:5432/db", env: "prefer",
			want: []string{"127.0.0.1:5432 tls", "127.0.0.1:5432 plain"}},
		{name: "Unix socket unchanged", url: "postgres://u@/db?host=/var/run/postgresql",
			want: []string{"/var/run/postgresql:5432 plain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PGSSLMODE", tc.env)
			cfg, err := pgxpool.ParseConfig(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			cc := &cfg.ConnConfig.Config
			plainOnLoopback(tc.url, cc, os.Getenv)
			mode := func(tls bool) string {
				if tls {
					return "tls"
				}
				return "plain"
			}
			got := []string{fmt.Sprintf("%s:%d %s", cc.Host, cc.Port, mode(cc.TLSConfig != nil))}
			for _, f := range cc.Fallbacks {
				got = append(got, fmt.Sprintf("%s:%d %s", f.Host, f.Port, mode(f.TLSConfig != nil)))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("attempts %v, want %v", got, tc.want)
			}
		})
	}
}
