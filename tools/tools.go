// Package tools defines the MCP tools: one file per domain area, each tool
// with the scope a key needs to see and call it and all four annotations.
// Handlers are thin: they bind arguments, call storage, and shape results.
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

// Tool is one MCP tool and the scope a key needs to see and call it.
type Tool struct {
	Def     mcp.Tool
	Scope   keys.Scope
	Handler Handler
}

// Handler answers a call. The caller's key and store come from the context
// (PrincipalFrom), never from the arguments: no tool takes a store.
type Handler func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error)

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
