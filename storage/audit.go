package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/backend"
)

// Audit outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeDryRun  = "dry_run"
	OutcomeRefused = "refused"
	OutcomeError   = "error"
)

// AuditEntry is one line of a store's audit log: who (a key, or a person at
// the command line) did what, with which arguments, and how it ended.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	KeyID      *int64    `json:"key_id,omitempty"`
	KeyPrefix  string    `json:"key_prefix,omitempty"`
	KeyLabel   string    `json:"key_label,omitempty"`
	ActorName  string    `json:"actor_name,omitempty"`
	ActorEmail string    `json:"actor_email,omitempty"`
	// MemberID is set when a member of the store acted (signed in on the
	// keys page): the actor kind "member".
	MemberID  *int64 `json:"member_id,omitempty"`
	Action    string `json:"action"`
	Arguments string `json:"arguments,omitempty"`
	Outcome   string `json:"outcome"`
	Detail    string `json:"detail,omitempty"`
	// Via is the face a call came through (ViaMCP, ViaREST); empty for
	// the command line.
	Via string `json:"via,omitempty"`
	// ApprovedBy says how an applied write was approved (ApprovedHuman,
	// ApprovedPreviewToken, ApprovedNotRequired); empty for the rest.
	ApprovedBy string `json:"approved_by,omitempty"`
}

// The faces an audited call can come through.
const (
	ViaMCP  = "mcp"
	ViaREST = "rest"
)

type viaKey struct{}

// WithVia returns a context whose audit entries record that the call came
// through face via. Each face sets it once per request.
func WithVia(ctx context.Context, via string) context.Context {
	return context.WithValue(ctx, viaKey{}, via)
}

// ViaFrom is the face set by WithVia ("" when none was).
func ViaFrom(ctx context.Context) string {
	v, _ := ctx.Value(viaKey{}).(string)
	return v
}

// ByKey fills the entry's actor from an API key.
func (e AuditEntry) ByKey(k APIKey) AuditEntry {
	id := k.ID
	e.KeyID, e.KeyPrefix, e.KeyLabel = &id, k.Prefix, k.Label
	return e
}

// By fills the entry's actor from a, a member or a person at the command
// line.
func (e AuditEntry) By(a Person) AuditEntry {
	e.ActorName, e.ActorEmail = a.Name, a.Email
	if a.MemberID != nil {
		id := *a.MemberID
		e.MemberID = &id
	}
	return e
}

// SetAuditFailureHook makes RecordAudit call fn when an entry recorded on
// its own (a refused write, a dry run, a read key's refused call) could not
// be written, so that the server can log it with the request and count it:
// such an entry has no transaction to fail with it. Set it before the
// database serves requests.
func (db *DB) SetAuditFailureHook(fn func(ctx context.Context, action string, err error)) {
	db.auditFailed = fn
}

// MaxAuditArguments bounds the arguments kept in one audit entry, and
// maxAuditDetail its detail, so a hostile call cannot store megabytes
// there; longer ones are cut (AuditText) and marked.
const (
	MaxAuditArguments = 64 << 10
	maxAuditDetail    = 4 << 10
)

// AuditText is s as an audit entry stores it: valid UTF-8 without NUL
// (which PostgreSQL cannot store in text), and at most max bytes, cut on a
// character boundary and marked "…(truncated)" when it was longer. Every
// text of an entry goes through it in RecordAudit, so no argument a caller
// sends can make recording fail.
func AuditText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= max {
		return s
	}
	const mark = "…(truncated)"
	cut := max - len(mark)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// RecordAudit appends e to the store's audit log. Pass the transaction that
// makes the change, so the record and the change commit together; pass nil
// to record on its own (a refused write, which changes nothing else): a
// failure then also goes to the hook of SetAuditFailureHook.
func (db *DB) RecordAudit(ctx context.Context, tx backend.Querier, storeID int64, e AuditEntry) error {
	err := db.recordAudit(ctx, tx, storeID, e)
	if err != nil && tx == nil && db.auditFailed != nil {
		db.auditFailed(ctx, e.Action, err)
	}
	return err
}

func (db *DB) recordAudit(ctx context.Context, tx backend.Querier, storeID int64, e AuditEntry) error {
	if tx == nil {
		tx = db.b
	}
	e.Arguments = AuditText(e.Arguments, MaxAuditArguments)
	e.Detail = AuditText(e.Detail, maxAuditDetail)
	e.Action, e.KeyPrefix, e.KeyLabel = AuditText(e.Action, 200), AuditText(e.KeyPrefix, 200), AuditText(e.KeyLabel, 1000)
	e.ActorName, e.ActorEmail = AuditText(e.ActorName, 1000), AuditText(e.ActorEmail, 1000)
	if e.At.IsZero() {
		e.At = db.Now()
	}
	if e.Via == "" {
		e.Via = ViaFrom(ctx)
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log
		(store_id, at, key_id, key_prefix, key_label, actor_name, actor_email, member_id, action, arguments, outcome, detail, via, approved_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		storeID, e.At, e.KeyID, e.KeyPrefix, e.KeyLabel, e.ActorName, e.ActorEmail, e.MemberID, e.Action, e.Arguments, e.Outcome, e.Detail, e.Via, e.ApprovedBy)
	if err != nil {
		return fmt.Errorf("recording %s in the audit log: %w", e.Action, err)
	}
	return nil
}

// AuditLog returns a store's newest audit entries first, at most limit.
func (db *DB) AuditLog(ctx context.Context, storeID int64, limit int) ([]AuditEntry, error) {
	rows, err := db.b.Query(ctx, `SELECT id, at, key_id, key_prefix, key_label, actor_name, actor_email, member_id, action, arguments, outcome, detail, via, approved_by
		FROM audit_log WHERE store_id = $1 ORDER BY id DESC LIMIT $2`, storeID, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.KeyID, &e.KeyPrefix, &e.KeyLabel, &e.ActorName, &e.ActorEmail, &e.MemberID, &e.Action, &e.Arguments, &e.Outcome, &e.Detail, &e.Via, &e.ApprovedBy); err != nil {
			return nil, fmt.Errorf("reading the audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Actor kinds of an audit entry, as `logistified audit` shows them.
const (
	ActorKey    = "key"    // an API key, through MCP or REST
	ActorMember = "member" // a signed-in member, on the keys page
	ActorCLI    = "cli"    // a person at the command line
	ActorApp    = "app"    // a web-chat app connected with OAuth
)

// ActorKind says who acted in an entry. A key's own calls carry the key and
// no person; an entry about a key (created, revoked) names the person who
// acted, at the command line or on the keys page.
func (e AuditEntry) ActorKind() string {
	switch {
	case e.MemberID != nil:
		return ActorMember
	case e.ActorName == "" && e.ActorEmail == "" && strings.HasPrefix(e.KeyPrefix, keys.AccessToken.Marker):
		// A connected app's grant acts under its own lsto_ prefix.
		return ActorApp
	case e.KeyID != nil && e.ActorName == "" && e.ActorEmail == "":
		return ActorKey
	}
	return ActorCLI
}
