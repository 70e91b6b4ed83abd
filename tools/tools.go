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

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// Tool is one operation: its MCP definition (name, description, input
// schema, annotations), the scope a key needs to see and call it, and Call.
type Tool struct {
	Def   mcp.Tool
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
func (t Tool) InputSchema() json.RawMessage {
	if len(t.Def.RawInputSchema) > 0 {
		return t.Def.RawInputSchema
	}
	b, err := json.Marshal(t.Def.InputSchema)
	if err != nil {
		return json.RawMessage(`{"type":"object"}`)
	}
	return b
}

// Handler is the MCP face of the operation: the call's arguments in,
// Result or Fail out.
func (t Tool) Handler(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	raw, err := rawArguments(req)
	if err != nil {
		return Fail(err)
	}
	out, err := t.Call(ctx, raw)
	if err != nil {
		return Fail(err)
	}
	return Result(out)
}

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

// Result returns v as structuredContent and as the same compact JSON text.
func Result(v any) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return mcp.NewToolResultStructured(json.RawMessage(b), string(b)), nil
}

// Fail turns an error into what the model sees. Errors the model can act on
// (inventory.Error: bad argument, not found, wrong status, short stock)
// become a tool result with isError and their sentence; anything else is
// returned as a Go error, which the server logs and reports as internal.
func Fail(err error) (*mcp.CallToolResult, error) {
	var ie *inventory.Error
	if errors.As(err, &ie) {
		return mcp.NewToolResultError(ie.Error()), nil
	}
	return nil, err
}

// readOnly and the other annotation sets are the only ways tools set their
// hints, so every tool sets all four.
func readOnly(title string) mcp.ToolOption {
	return mcp.WithToolAnnotation(mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    mcp.ToBoolPtr(true),
		DestructiveHint: mcp.ToBoolPtr(false),
		IdempotentHint:  mcp.ToBoolPtr(true),
		OpenWorldHint:   mcp.ToBoolPtr(false),
	})
}

// write annotates a write tool. destructive marks tools that discard or
// irreversibly move stock (cancel, close, complete); idempotent marks tools
// whose repeat with the same arguments has no further effect.
func write(title string, destructive, idempotent bool) mcp.ToolOption {
	return mcp.WithToolAnnotation(mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    mcp.ToBoolPtr(false),
		DestructiveHint: mcp.ToBoolPtr(destructive),
		IdempotentHint:  mcp.ToBoolPtr(idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(false),
	})
}
