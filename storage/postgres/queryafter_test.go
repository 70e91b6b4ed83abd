package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/postgres"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// QueryAfter answers a credential check and a read with one statement:
// the read's rows must come back as the read alone would give them, in
// its order, each parameter bound where it was written, and the check's
// row (or its absence, or its refusal) must reach first.Scan before any.
func TestQueryAfterIsTheQueryAfterTheStatement(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, storagetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	refused := errors.New("refused by the first statement")
	const (
		// first's row, with names that repeat the query's, and its own $1.
		firstSQL = `SELECT $1::text AS n, 7 AS x`
		// 40 rows in an order no index gives, a parameter used twice.
		query = `SELECT n, n * $2::int AS x, $1::text AS label FROM generate_series(1, 40) AS n WHERE n % $2::int = 0 OR n > $3::int ORDER BY (n * 37) % 41 DESC`
		none  = `SELECT n FROM generate_series(1, 3) AS n WHERE n > $1::int`
	)
	var want []int
	for n := 1; n <= 40; n++ {
		if n%3 == 0 || n > 30 {
			want = append(want, n)
		}
	}
	slices.SortStableFunc(want, func(a, b int) int { return (b*37)%41 - (a*37)%41 })

	for _, tc := range []struct {
		name      string
		firstSQL  string
		firstArgs []any
		scanErr   error // first.Scan's answer
		sql       string
		args      []any
		wantFirst string // what first.Scan read; "none" for ErrNoRows
		wantRows  []int
		wantErr   error
	}{
		{name: "rows", firstSQL: firstSQL, firstArgs: []any{"checked"}, sql: query, args: []any{"L", 3, 30}, wantFirst: "checked", wantRows: want},
		{name: "the query has no rows", firstSQL: firstSQL, firstArgs: []any{"checked"}, sql: none, args: []any{5}, wantFirst: "checked"},
		{name: "first has no row", firstSQL: `SELECT $1::text WHERE false`, firstArgs: []any{"x"}, sql: query, args: []any{"L", 3, 30}, wantFirst: "none", wantErr: backend.ErrNoRows},
		{name: "first refuses", firstSQL: firstSQL, firstArgs: []any{"checked"}, scanErr: refused, sql: query, args: []any{"L", 3, 30}, wantFirst: "checked", wantErr: refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gotFirst string
			first := backend.Statement{SQL: tc.firstSQL, Args: tc.firstArgs, Scan: func(r backend.Row) error {
				var n string
				var x int
				err := r.Scan(&n, &x)
				if errors.Is(err, backend.ErrNoRows) {
					gotFirst = "none"
					return err
				}
				if err != nil {
					t.Fatalf("scanning first: %v", err)
				}
				if x != 7 {
					t.Errorf("first's x = %d", x)
				}
				gotFirst = n
				return tc.scanErr
			}}
			rows, err := db.QueryAfter(ctx, first, tc.sql, tc.args...)
			if gotFirst != tc.wantFirst {
				t.Errorf("first read %q, want %q", gotFirst, tc.wantFirst)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("QueryAfter: %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			defer rows.Close()
			var got []int
			for rows.Next() {
				var n, x int
				var label string
				var err error
				if tc.sql == none {
					err = rows.Scan(&n)
				} else {
					err = rows.Scan(&n, &x, &label)
					if x != n*3 || label != "L" {
						t.Errorf("row %d: x %d label %q", n, x, label)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, n)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.wantRows) {
				t.Errorf("rows %v, want %v", got, tc.wantRows)
			}
		})
	}
}
