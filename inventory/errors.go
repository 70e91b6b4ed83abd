// Package inventory holds the domain rules: the documents' state machines
// and their quantity effects, the quantity names and ledger reasons, and the
// reorder maths. It does no I/O; package storage applies its rules.
package inventory

import (
	"encoding/json"
	"fmt"
)

// Kind classifies an error the caller (a person or a model) can act on.
type Kind string

const (
	// Invalid: an argument is wrong (bad value, duplicate, too many lines).
	Invalid Kind = "invalid"
	// NotFound: a named SKU, location, supplier or document does not exist
	// in this store.
	NotFound Kind = "not_found"
	// Conflict: the document's status does not allow the action, or an
	// idempotency key was reused with other arguments.
	Conflict Kind = "conflict"
	// Insufficient: not enough stock, or more than is open.
	Insufficient Kind = "insufficient"
	// Forbidden: the key may not do this (a read key calling a write tool).
	Forbidden Kind = "forbidden"
	// Unavailable: the database connection was lost while a write
	// committed, so whether it applied is unknown; a retry with the same
	// idempotency key settles it.
	Unavailable Kind = "unavailable"
	// ApprovalRequired: the key or app needs a person's approval for this
	// write (its approval setting) and the call carried none; the error's
	// Preview is what the write would do, with the preview_token that
	// applies it once the merchant agrees.
	ApprovalRequired Kind = "approval_required"
	// Declined: the merchant, asked in the client, declined the write;
	// nothing was applied.
	Declined Kind = "declined"
)

// Error is a refusal with one sentence that says what is wrong and what to
// do instead. Nothing was changed when an operation returns one.
type Error struct {
	Kind Kind
	Msg  string
	// Field names the argument at fault ("limit", "lines.quantity") when
	// one is; faces that report errors per field (REST) use it.
	Field string
	// Preview is the fresh preview (a dry run's result, with its own
	// preview_token) of a write refused because the preview it named is
	// stale, or because it needs approval: what the call would do now, to
	// show before calling again.
	Preview json.RawMessage
}

func (e *Error) Error() string { return e.Msg }

// Errorf builds an Error.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// FieldErrorf builds an Error about one argument.
func FieldErrorf(field string, kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Field: field}
}
