package access

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
)

// AuditFilter narrows AuditEntries. Zero values do not filter.
type AuditFilter struct {
	// KeyPrefix keeps the entries of one key (lstk_ and 8 characters, as
	// keys list shows it): its calls and what was done to it.
	KeyPrefix string
	// Since keeps entries at or after it.
	Since time.Time
	// Limit is how many entries to return (default 50, at most
	// MaxAuditLimit).
	Limit int
	// Cursor continues after the last entry of a previous page.
	Cursor string
}

// Audit page sizes.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 10000
)

// AuditEntries returns a store's audit entries matching f, newest first,
// and the cursor of the next page ("" on the last).
func (db *DB) AuditEntries(ctx context.Context, storeID int64, f AuditFilter) ([]storage.AuditEntry, string, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultAuditLimit
	case limit > MaxAuditLimit:
		return nil, "", inventory.FieldErrorf("limit", inventory.Invalid, "limit %d is more than %d: ask for fewer entries, or page with the cursor", limit, MaxAuditLimit)
	}
	before, err := storage.DecodeIDCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	args := []any{storeID}
	where := "store_id = $1"
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)))
	}
	if p := strings.TrimSpace(f.KeyPrefix); p != "" {
		add("key_prefix = ?", p)
	}
	if !f.Since.IsZero() {
		add("at >= ?", f.Since.UTC())
	}
	if before > 0 {
		add("id < ?", before)
	}
	args = append(args, limit+1)
	rows, err := db.b.Query(ctx, `SELECT id, at, key_id, key_prefix, key_label, actor_name, actor_email, member_id, action, arguments, outcome, detail, via, approved_by
		FROM audit_log WHERE `+where+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("reading the audit log: %w", err)
	}
	defer rows.Close()
	out := []storage.AuditEntry{}
	for rows.Next() {
		var e storage.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.KeyID, &e.KeyPrefix, &e.KeyLabel, &e.ActorName, &e.ActorEmail, &e.MemberID, &e.Action, &e.Arguments, &e.Outcome, &e.Detail, &e.Via, &e.ApprovedBy); err != nil {
			return nil, "", fmt.Errorf("reading the audit log: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("reading the audit log: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = storage.EncodeCursor(strconv.FormatInt(out[limit-1].ID, 10))
	}
	return out, next, nil
}

// DefaultAuditRetention is how long audit entries are kept unless
// LOGISTIFIED_AUDIT_RETENTION says otherwise.
const DefaultAuditRetention = 400 * 24 * time.Hour

// auditPruneBatch bounds one delete, so pruning a long backlog never holds
// a large transaction or lock.
const auditPruneBatch = 5000

// PruneAuditLog deletes every store's audit entries older than retention,
// in batches, and returns how many it deleted. Every replica may run it:
// a batch another replica deleted first is simply not found again.
func (db *DB) PruneAuditLog(ctx context.Context, retention time.Duration) (int64, error) {
	if retention <= 0 {
		return 0, nil
	}
	cutoff := db.Now().Add(-retention)
	var total int64
	for {
		n, err := db.b.Exec(ctx, `DELETE FROM audit_log WHERE (store_id, id) IN (
			SELECT store_id, id FROM audit_log WHERE at < $1 LIMIT $2)`, cutoff, auditPruneBatch)
		if err != nil {
			return total, fmt.Errorf("pruning audit entries older than %s: %w", cutoff.Format(time.DateOnly), err)
		}
		total += n
		if n < auditPruneBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}
