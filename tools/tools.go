// Package tools defines the operations every face serves: one file per
// domain area, each operation with its name, the scope a key needs, its
// input type (the MCP tool definition and its JSON Schema derive from it)
// and a transport-free Call that binds the arguments strictly, calls
// storage and shapes the result. The MCP face (Tool.Handler) and the REST
// face are thin adapters around Call, so an argument rule, a business rule
// or an output shape is written once.
package tools

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// Tool is one operation: its definition (name, description, input schema,
// hints), the scope a key needs to see and call it, and Call.
type Tool struct {
	Def   Def
	Scope keys.Scope
	Call  Call
}

// Call runs an operation with its arguments as a JSON object. The caller's
// key and store come from the context (PrincipalFrom), never from the
// arguments: no operation takes a store. Errors the caller can act on are
// *inventory.Error (wrapped); anything else is internal. The result encodes
// as the operation's output: MCP's structuredContent, REST's data.
type Call func(ctx context.Context, args json.RawMessage) (any, error)

// Name is the operation's name (the MCP tool name).
func (t Tool) Name() string { return t.Def.Name }

// InputSchema is the JSON Schema of the operation's arguments.
func (t Tool) InputSchema() json.RawMessage { return t.Def.InputSchema }

// Deps are what the handlers need.
type Deps struct {
	DB  *storage.DB
	Log zerolog.Logger
}

// All returns every tool, read tools first.
func All(d Deps) []Tool {
	var out []Tool
	for _, group := range []func(Deps) []Tool{
		storeTools,
		catalogTools,
		planningTools,
		valueTools,
		supplierTools,
		purchaseOrderTools,
		transferTools,
		stockTakeTools,
		supplierReturnTools,
		purchaseOrderWriteTools,
		purchaseOrderLifecycleTools,
		transferWriteTools,
		stockTakeWriteTools,
		supplierReturnWriteTools,
		reorderRuleWriteTools,
	} {
		out = append(out, group(d)...)
	}
	return out
}

type principalKey struct{}

// WithPrincipal returns a context that carries the authenticated caller.
func WithPrincipal(ctx context.Context, p storage.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller that the server authenticated.
func PrincipalFrom(ctx context.Context) (storage.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(storage.Principal)
	return p, ok
}

// errNoPrincipal means a handler ran without authentication: a server bug.
var errNoPrincipal = errors.New("no authenticated key in the request context")
