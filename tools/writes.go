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
	DryRun         bool   `json:"dry_run,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

func (o *WriteOptions) writeOptions() *WriteOptions { return o }

// writeArgs is what a write tool's input struct provides: the options, by
// embedding WriteOptions.
type writeArgs interface {
	writeOptions() *WriteOptions
}

// writeSpec declares a write tool.
type writeSpec struct {
	name, title, description string
	// destructive: the tool ends or discards a document or a rule (cancel,
	// close, complete, delete), as def.go's writeDef describes.
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
			// The key's scope was checked by the call pipeline.
			w := storage.WriteRequest{Tool: s.name, Arguments: raw}
			var in T
			if err := bindStrict(raw, &in); err != nil {
				return nil, d.DB.RefuseWrite(ctx, p, w, err)
			}
			// The request, for idempotency and the audit log, is what was
			// bound except dry_run and idempotency_key (both omitted when
			// zero), so a preview and the real call, or two retries, are
			// the same request.
			opts := PT(&in).writeOptions()
			w.DryRun, w.IdempotencyKey = opts.DryRun, strings.TrimSpace(opts.IdempotencyKey)
			*opts = WriteOptions{}
			var err error
			if w.Arguments, err = json.Marshal(&in); err != nil {
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
