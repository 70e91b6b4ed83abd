package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// Allowed reports whether a key of scope key may see and call an operation
// of scope op. It fails closed: anything but a read operation needs a
// write key.
func Allowed(key, op keys.Scope) bool {
	return op == keys.ScopeRead || key.CanWrite()
}

// Refuse answers a read key's call of a write operation, before the
// operation runs: it records the refusal in the store's audit log and
// returns the sentence the caller sees (an *inventory.Error of kind
// Forbidden). Every face calls it, so the refusal reads and is audited the
// same whichever face was used.
func Refuse(ctx context.Context, db *storage.DB, p storage.Principal, op string, args json.RawMessage) error {
	// RecordAudit bounds the arguments (storage.AuditText).
	entry := storage.AuditEntry{
		Action: op, Arguments: string(args), Outcome: storage.OutcomeRefused,
		Detail: "the key is read-only",
	}.ByKey(p.Key)
	var auditErr error
	if err := db.RecordAudit(context.WithoutCancel(ctx), nil, p.Store.ID, entry); err != nil {
		auditErr = fmt.Errorf("recording a refused call of %s: %w", op, err)
	}
	refusal := inventory.Errorf(inventory.Forbidden, "%s", p.ReadOnlyRefusal(op))
	if auditErr != nil {
		return &RefusalError{Refusal: refusal, Audit: auditErr}
	}
	return refusal
}

// RefusalError is a refusal whose audit record could not be written: the
// caller still sees the refusal, and the face logs the audit failure.
type RefusalError struct {
	Refusal *inventory.Error
	Audit   error
}

func (e *RefusalError) Error() string { return e.Refusal.Error() }

// Unwrap lets errors.As find the refusal.
func (e *RefusalError) Unwrap() error { return e.Refusal }
