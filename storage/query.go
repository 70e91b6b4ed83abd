package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// Query helpers every subject's reads and writes share.

// Collect runs a query and scans every row with scan.
func Collect[T any](ctx context.Context, q backend.Querier, what string, scan func(backend.Rows) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Querier is q, or the read pool when q is nil (a read outside a transaction).
func (db *DB) Querier(q backend.Querier) backend.Querier {
	if q == nil {
		return db.b
	}
	return q
}

// Count fills p.Total, when asked for, with the rows that from and where
// (a list's filter without its cursor) match.
func Count(ctx context.Context, q backend.Querier, p Page, what, from, where string, args []any) error {
	if p.Total == nil {
		return nil
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM `+from+where, args...).Scan(p.Total); err != nil {
		return fmt.Errorf("counting %s: %w", what, err)
	}
	return nil
}

// EqFilter adds "AND col = $n" when v is set.
func EqFilter(args *[]any, col string, v int64) string {
	if v == 0 {
		return ""
	}
	*args = append(*args, v)
	return " AND " + col + " = $" + strconv.Itoa(len(*args))
}

// DateString writes a DATE as YYYY-MM-DD, or "" when unset.
func DateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// IDNames maps ids to names with one query: selectFrom is "SELECT id, name
// FROM table".
func IDNames(ctx context.Context, q backend.Querier, selectFrom string, storeID int64, ids []int64) (map[int64]string, error) {
	args := []any{storeID}
	in := Placeholders(&args, ids)
	rows, err := q.Query(ctx, selectFrom+` WHERE store_id = $1 AND id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("looking up names: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("looking up names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}

// POLineExpected is what a purchase order line still expects in total: the
// confirmed quantity once the supplier confirmed one, else the ordered.
// Columns unqualified: only purchase_order_lines has them. The kernel keeps
// it because the documents and the planning data both read it.
const POLineExpected = "COALESCE(quantity_confirmed, quantity_ordered)"
