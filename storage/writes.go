package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/backend"
)

// IdempotencyRetention is how long a write's idempotency key is remembered:
// a repeat within it returns the first result; after it the key is free.
const IdempotencyRetention = 24 * time.Hour

// maxIdempotencyKeyLen bounds the keys callers choose, so one request cannot
// store megabytes in the index.
const maxIdempotencyKeyLen = 255

// WriteRequest describes one call of a write tool.
type WriteRequest struct {
	// Tool names the call in the audit log and scopes the idempotency key.
	Tool string
	// Arguments are the call's arguments without dry_run and
	// idempotency_key. RunWrite canonicalizes them (sorted keys, no
	// whitespace), so the same arguments in another order are the same
	// request.
	Arguments json.RawMessage
	// DryRun runs the write and rolls it back: the caller sees the result
	// and the inventory changes it would make, and nothing changes.
	DryRun bool
	// IdempotencyKey, when set, makes a repeat of the same call (same key,
	// tool and arguments within IdempotencyRetention) return the first
	// result without applying anything again.
	IdempotencyKey string
	// PreviewToken, when set, is a dry run's preview_token: the write is
	// applied only if it does exactly what that preview showed (see
	// previews.go).
	PreviewToken string
}

// WriteFunc makes a change inside tx on behalf of actor and returns what the
// caller sees. Its result must encode as a JSON object.
type WriteFunc func(tx backend.Tx, actor Actor) (any, error)

// audited is a write result that adds to its audit entry's detail what
// the arguments do not say (a deleted draft's lines, for instance). Its
// method is exported so that a subject package's results can have it.
type audited interface{ AuditDetail() string }

// errDryRun rolls back a dry run's transaction; RunWrite keeps the result.
var errDryRun = errors.New("dry run: rolled back")

// RunWrite is the one path every write tool takes. In one transaction it
// replays or refuses a reused idempotency key, runs fn, remembers the result
// under the idempotency key and writes the audit entry, so the change, its
// idempotency record and its audit entry commit together or not at all. A
// dry run rolls everything back and returns the result with "dry_run": true.
// A replayed result carries "replayed": true and applied nothing. A refusal
// (an *inventory.Error) or failure changes nothing and is audited on its own.
// The call pipeline refuses a read key's write before anything runs, for
// every face; RunWrite refuses it too, so that no other caller of storage
// can write with one.
func (db *DB) RunWrite(ctx context.Context, p Principal, w WriteRequest, fn WriteFunc) (result json.RawMessage, replayed bool, err error) {
	args, err := canonicalJSON(w.Arguments)
	if err != nil {
		return nil, false, db.RefuseWrite(ctx, p, w, fmt.Errorf("canonicalizing the arguments of %s: %w", w.Tool, err))
	}
	w.Arguments = args
	if !p.Key.Scope.CanWrite() {
		return nil, false, db.RefuseWrite(ctx, p, w, inventory.Errorf(inventory.Forbidden, "%s", p.ReadOnlyRefusal(w.Tool)))
	}
	if len(w.IdempotencyKey) > maxIdempotencyKeyLen {
		return nil, false, db.RefuseWrite(ctx, p, w, inventory.Errorf(inventory.Invalid,
			"idempotency_key is %d characters long; use at most %d (a UUID is fine)", len(w.IdempotencyKey), maxIdempotencyKeyLen))
	}
	hash := requestHash(w.Tool, args)
	actor := ActorFor(p)
	var provisional string // a dry run's new document number
	var outcome string     // what the write does, for sealed previews
	var approval string    // how an applied write was approved
	var sealed *seal
	if w.PreviewToken != "" {
		if w.DryRun {
			return nil, false, db.RefuseWrite(ctx, p, w, inventory.FieldErrorf("preview_token", inventory.Invalid,
				"preview_token goes with the call that applies a preview, not with dry_run: leave one of them out"))
		}
		if sealed, err = parseSeal(w.Tool, w.PreviewToken); err != nil {
			return nil, false, db.RefuseWrite(ctx, p, w, err)
		}
	}

	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		result, replayed = nil, false // InTx may run this again on PostgreSQL
		now := db.Now()
		if w.IdempotencyKey != "" {
			stored, found, err := db.replay(ctx, tx, p, w, hash, now)
			if err != nil {
				return err
			}
			if !found && !w.DryRun {
				// Claim the key before doing the work. A concurrent call
				// with the same key waits here on PostgreSQL until the
				// first commits, then finds its record and replays it.
				claimed, err := db.claimIdempotencyKey(ctx, tx, p, w, hash, now)
				if err != nil {
					return err
				}
				if !claimed {
					if stored, found, err = db.replay(ctx, tx, p, w, hash, now); err != nil {
						return err
					}
					if !found {
						return fmt.Errorf("idempotency key of %s is held but unreadable", w.Tool)
					}
				}
			}
			if found {
				result, replayed = stored, true
				return db.RecordAudit(ctx, tx, p.Store.ID, db.writeAudit(p, w, OutcomeOK,
					"replayed the first result of idempotency_key "+w.IdempotencyKey+"; nothing applied again"))
			}
		}
		if sealed != nil {
			if err := db.openSeal(ctx, tx, p, w.Tool, sealed, now); err != nil {
				return err
			}
			if sealed.request != hash {
				return errPreviewStale // other arguments than previewed
			}
		} else if !w.DryRun && p.Key.Approval.Mode == inventory.ApprovalAlways {
			return errApprovalRequired // whatever it would do
		}
		v, err := fn(tx, actor)
		if err != nil {
			return err
		}
		approval = ApprovedNotRequired
		if !w.DryRun && p.Key.Approval.Needs(WriteAmount(v)) {
			// Measured here, in the write's transaction, so the amount
			// judged is the amount applied.
			if sealed == nil {
				return errApprovalRequired
			}
			approval = approvedBy(ctx)
		}
		if w.DryRun || sealed != nil {
			// Only a preview and the write that applies one compare
			// outcomes.
			if outcome, err = outcomeHash(v); err != nil {
				return fmt.Errorf("encoding the result of %s: %w", w.Tool, err)
			}
		}
		if sealed != nil {
			if outcome != sealed.outcome {
				return errPreviewStale
			}
			if err := spendSeal(ctx, tx, p, sealed, now); err != nil {
				return err
			}
		}
		provisional = ""
		if p, ok := v.(previewed); ok && w.DryRun {
			v, provisional = p.AsPreview()
		}
		if result, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encoding the result of %s: %w", w.Tool, err)
		}
		if w.DryRun {
			return errDryRun
		}
		if w.IdempotencyKey != "" {
			if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET result = $1
				WHERE store_id = $2 AND key_id = $3 AND tool = $4 AND idempotency_key = $5`,
				string(result), p.Store.ID, p.Key.ID, w.Tool, w.IdempotencyKey); err != nil {
				return fmt.Errorf("remembering the idempotency key of %s: %w", w.Tool, err)
			}
			// Forget this key's expired records while its rows are at hand;
			// PruneIdempotencyKeys sweeps the rest.
			if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE store_id = $1 AND key_id = $2 AND created_at < $3`,
				p.Store.ID, p.Key.ID, now.Add(-IdempotencyRetention)); err != nil {
				return fmt.Errorf("forgetting expired idempotency keys: %w", err)
			}
		}
		detail := ""
		if w.IdempotencyKey != "" {
			detail = "idempotency_key " + w.IdempotencyKey
		}
		if sealed != nil {
			detail = strings.TrimPrefix(detail+"; applied as previewed (preview_token)", "; ")
		}
		if a, ok := v.(audited); ok {
			detail = strings.TrimSpace(detail + "; " + a.AuditDetail())
			detail = strings.TrimPrefix(detail, "; ")
		}
		entry := db.writeAudit(p, w, OutcomeOK, detail)
		entry.ApprovedBy = approval
		return db.RecordAudit(ctx, tx, p.Store.ID, entry)
	})
	switch {
	case errors.Is(err, errDryRun):
		if err := db.RecordAudit(context.WithoutCancel(ctx), nil, p.Store.ID, db.writeAudit(p, w, OutcomeDryRun, "nothing changed")); err != nil {
			return nil, false, err
		}
		token, err := db.issueSeal(ctx, p, w, hash, outcome)
		if err != nil {
			return nil, false, err
		}
		return markDryRun(result, provisional, token), false, nil
	case errors.Is(err, errPreviewStale):
		// Nothing was applied. What the call would do now, to show
		// instead, with a token of its own.
		fresh, _, ferr := db.RunWrite(ctx, p, WriteRequest{Tool: w.Tool, Arguments: w.Arguments, DryRun: true}, fn)
		if ferr != nil {
			return nil, false, ferr
		}
		return nil, false, db.RefuseWrite(ctx, p, w, &inventory.Error{Kind: inventory.Conflict, Field: "preview_token", Preview: fresh,
			Msg: "preview_stale: " + w.Tool + " would not do what the preview showed (stock, documents, terms or the arguments have changed since), so nothing was applied: " +
				"show the fresh preview to the merchant and, if they agree, call again with its preview_token"})
	case errors.Is(err, errApprovalRequired):
		// Nothing was applied. What the call would do, for the person to
		// approve, with the token that applies exactly that. The refusal
		// is audited by whoever settles it (the call pipeline: asked,
		// declined or refused), not here.
		preview, _, perr := db.RunWrite(ctx, p, WriteRequest{Tool: w.Tool, Arguments: w.Arguments, DryRun: true}, fn)
		if perr != nil {
			return nil, false, perr
		}
		return nil, false, approvalRefusal(p, w.Tool, preview)
	case errors.Is(err, backend.ErrCommitUnknown):
		// Not audited: the database is what failed, and the audit entry
		// of the write itself may have committed with it.
		advice := "retry with an idempotency_key"
		if w.IdempotencyKey != "" {
			advice = "retry with the same idempotency_key (" + w.IdempotencyKey + "): it applies at most once"
		}
		return nil, false, fmt.Errorf("%w: %w", inventory.Errorf(inventory.Unavailable,
			"the database connection was lost while %s was being committed, so it may or may not have been applied: %s, or read the document first", w.Tool, advice), err)
	case err != nil:
		return nil, false, db.RefuseWrite(ctx, p, w, err)
	case replayed:
		return markResult(result, "replayed"), true, nil
	}
	return result, false, nil
}

// RefuseWrite records a write that was refused (an *inventory.Error: a bad
// argument, a read key, a status that does not allow it, short stock) or
// that failed, and returns err. It writes on its own, since the refused
// write's transaction, if any, rolled back. Tools call it for arguments
// they reject before RunWrite; RunWrite calls it for everything else.
func (db *DB) RefuseWrite(ctx context.Context, p Principal, w WriteRequest, err error) error {
	outcome := OutcomeError
	var ie *inventory.Error
	if errors.As(err, &ie) {
		outcome = OutcomeRefused
	}
	if args, cerr := canonicalJSON(w.Arguments); cerr == nil {
		w.Arguments = args
	}
	// The caller may have gone; the record of what it tried must not. If
	// it cannot be written (the database is failing), RecordAudit tells
	// the hook, which logs and counts it, and the caller still hears the
	// refusal: nothing changed either way.
	_ = db.RecordAudit(context.WithoutCancel(ctx), nil, p.Store.ID, db.writeAudit(p, w, outcome, err.Error()))
	if outcome == OutcomeRefused {
		return err
	}
	return fmt.Errorf("%s: %w", w.Tool, err)
}

// PruneIdempotencyKeys forgets every store's idempotency records older than
// IdempotencyRetention and returns how many it deleted. RunWrite already
// forgets a key's expired records when that key writes again; this sweeps
// keys that stopped writing (run it now and then, e.g. hourly).
func (db *DB) PruneIdempotencyKeys(ctx context.Context) (int64, error) {
	n, err := db.b.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, db.Now().Add(-IdempotencyRetention))
	if err != nil {
		return 0, fmt.Errorf("forgetting expired idempotency keys: %w", err)
	}
	return n, nil
}

// replay looks up a live idempotency record of this key and tool: the same
// request returns its stored result; other arguments, or a dry run, are a
// Conflict. A dry run claims no key, so a real call after a preview with
// the same key applies (and claims it) as the first call.
func (db *DB) replay(ctx context.Context, tx backend.Tx, p Principal, w WriteRequest, hash string, now time.Time) (json.RawMessage, bool, error) {
	var storedHash, result string
	err := tx.QueryRow(ctx, `SELECT request_hash, result FROM idempotency_keys
		WHERE store_id = $1 AND key_id = $2 AND tool = $3 AND idempotency_key = $4 AND created_at >= $5`,
		p.Store.ID, p.Key.ID, w.Tool, w.IdempotencyKey, now.Add(-IdempotencyRetention)).Scan(&storedHash, &result)
	if errors.Is(err, backend.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("looking up the idempotency key of %s: %w", w.Tool, err)
	}
	if w.DryRun {
		// Refused rather than answered: replaying the applied write would
		// show a dry run the real document with "replayed", as if the
		// preview had been applied; previewing afresh would show a new
		// provisional document that a real call with this key would never
		// make (it replays). Either answer misleads, so the caller hears
		// what the key is and what to do.
		return nil, false, inventory.Errorf(inventory.Conflict,
			"idempotency_key %q belongs to a %s that was already applied, so a dry run with it would preview nothing: "+
				"use a new key (or none) for a preview; the same key without dry_run returns the applied result",
			w.IdempotencyKey, w.Tool)
	}
	if storedHash != hash {
		return nil, false, inventory.Errorf(inventory.Conflict,
			"idempotency_key %q was already used for %s with other arguments: use a new key for a different request, or repeat the first arguments exactly",
			w.IdempotencyKey, w.Tool)
	}
	return json.RawMessage(result), true, nil
}

// claimIdempotencyKey inserts this call's record (its result is filled in
// before commit), taking over an expired record of the same key. It reports
// false when a live record exists, which a concurrent call committed after
// replay looked.
func (db *DB) claimIdempotencyKey(ctx context.Context, tx backend.Tx, p Principal, w WriteRequest, hash string, now time.Time) (bool, error) {
	n, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (store_id, key_id, tool, idempotency_key, request_hash, result, created_at)
		VALUES ($1, $2, $3, $4, $5, '', $6)
		ON CONFLICT (store_id, key_id, tool, idempotency_key) DO UPDATE
		SET request_hash = excluded.request_hash, result = excluded.result, created_at = excluded.created_at
		WHERE idempotency_keys.created_at < $7`,
		p.Store.ID, p.Key.ID, w.Tool, w.IdempotencyKey, hash, now, now.Add(-IdempotencyRetention))
	if err != nil {
		return false, fmt.Errorf("claiming the idempotency key of %s: %w", w.Tool, err)
	}
	return n > 0, nil
}

// writeAudit is the audit entry of a write; RecordAudit bounds its texts.
func (db *DB) writeAudit(p Principal, w WriteRequest, outcome, detail string) AuditEntry {
	return AuditEntry{Action: w.Tool, Arguments: string(w.Arguments), Outcome: outcome, Detail: detail}.ByKey(p.Key)
}

// requestHash identifies a request for idempotency: the tool and its
// canonical arguments.
func requestHash(tool string, args json.RawMessage) string {
	h := sha256.New()
	h.Write([]byte(tool))
	h.Write([]byte{0})
	h.Write(args)
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes a JSON value with object keys sorted and no
// whitespace, keeping numbers exactly as written. Empty input is {}.
func canonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage(`{}`), nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one JSON value")
	}
	b, err := json.Marshal(v)
	return b, err
}

// markDryRun marks a dry run's result: "dry_run": true and a sentence
// saying nothing changed (and that a new document's number is provisional)
// come first, so a model cannot report the preview as done; then the
// preview's token, which applies exactly this (previews.go).
func markDryRun(result json.RawMessage, provisional, token string) json.RawMessage {
	preview := "Preview only: nothing was saved or changed. Call again without dry_run to apply it."
	if provisional != "" {
		preview = "Preview only: nothing was saved or changed, and " + provisional +
			" is a provisional number that the real call may not get. Call again without dry_run to create it."
	}
	b, err := json.Marshal(preview)
	if err != nil {
		return markResult(result, "dry_run")
	}
	marked := markResult(result, "dry_run")
	if !bytes.HasPrefix(marked, []byte(`{"dry_run":true`)) {
		return marked
	}
	rest := marked[len(`{"dry_run":true`):]
	out := append([]byte(`{"dry_run":true,"preview":`), b...)
	if token != "" {
		t, _ := json.Marshal(token)
		out = append(append(out, `,"preview_token":`...), t...)
	}
	return append(out, rest...)
}

// markResult adds "name": true to a JSON object result, first, so a caller
// reading it sees at once that it was a dry run or a replay.
func markResult(result json.RawMessage, name string) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(result, &fields) != nil || fields == nil {
		return result // not an object: nothing to mark
	}
	if _, ok := fields[name]; ok {
		// The result has the field already: replace it (keys come out sorted).
		fields[name] = json.RawMessage(`true`)
		if b, err := json.Marshal(fields); err == nil {
			return b
		}
		return result
	}
	body := bytes.TrimSpace(bytes.TrimSpace(result)[1:])
	sep := ","
	if len(fields) == 0 {
		sep = ""
	}
	out := make([]byte, 0, len(result)+len(name)+10)
	out = append(out, `{"`+name+`":true`+sep...)
	return append(out, body...)
}

// previewed is a write result that reads differently as a dry run: a
// result that made a new document marks its number provisional (the real
// call may get another) and returns it. Exported, as audited's.
type previewed interface{ AsPreview() (any, string) }
