package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Write tools share one path: bind the arguments strictly, check their
// shape, then run the storage operation through storage.DB.RunWrite, which
// gives every write its transaction, dry run, idempotency key and audit
// entry. Business rules (statuses, stock, lines that repeat a SKU) live in
// storage; this file only turns JSON into the values storage takes.

// WriteOptions are the arguments every write tool takes.
type WriteOptions struct {
	DryRun         bool   `json:"dry_run,omitempty" jsonschema:"Preview: validate, warn, change nothing"`
	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema:"Same key and arguments apply once"`
}

func (o WriteOptions) writeOptions() WriteOptions { return o }

// writeArgs is what a write tool's input struct provides: the options, by
// embedding WriteOptions.
type writeArgs interface {
	writeOptions() WriteOptions
}

// writeSpec declares a write tool.
type writeSpec struct {
	name, title, description string
	// destructive: the tool ends or discards a document or a rule (cancel,
	// close, complete, delete), as tools.go's write() describes.
	// idempotent: repeating the call with the same arguments has no
	// further effect even without idempotency_key.
	destructive, idempotent bool
}

// writeRun performs the change inside tx for the caller's store.
type writeRun[T any] func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *T) (any, error)

// writeTool declares a write tool whose arguments bind into T. The schema
// comes from T's json and jsonschema tags, so the declaration and the
// binding cannot disagree.
func writeTool[T any, PT interface {
	*T
	writeArgs
}](d Deps, s writeSpec, run writeRun[T]) Tool {
	return Tool{
		Scope: keys.ScopeWrite,
		Def:   writeDef(s.name, s.title, s.description, schemaOf[T](), s.destructive, s.idempotent),
		Call: func(ctx context.Context, raw json.RawMessage) (any, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			w := storage.WriteRequest{Tool: s.name, Arguments: raw}
			var in T
			err := storage.CheckWriteScope(p, s.name)
			if err == nil {
				err = bindStrict(raw, &in)
			}
			if err != nil {
				return nil, d.DB.RefuseWrite(ctx, p, w, err)
			}
			opts := PT(&in).writeOptions()
			w.DryRun, w.IdempotencyKey = opts.DryRun, strings.TrimSpace(opts.IdempotencyKey)
			if w.Arguments, err = withoutOptions(&in); err != nil {
				return nil, fmt.Errorf("encoding the arguments of %s: %w", s.name, err)
			}
			res, _, err := d.DB.RunWrite(ctx, p, w, func(tx backend.Tx, actor storage.Actor) (any, error) {
				return run(ctx, d.DB, tx, p.Store.ID, actor, &in)
			})
			if err != nil {
				return nil, err
			}
			return res, nil
		},
	}
}

// withoutOptions is the request's arguments for idempotency and the audit
// log: everything bound except dry_run and idempotency_key, so a preview
// and the real call, or two retries, are the same request.
func withoutOptions(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "dry_run")
	delete(m, "idempotency_key")
	return json.Marshal(m)
}
