// Package mcp assembles the MCP server: the tools of package tools behind a
// per-request key check, a scope guard and panic recovery, served over stdio
// or stateless streamable HTTP.
//
// Every request is authenticated against storage (HTTP: every POST, GET and
// DELETE; stdio: every request), so a key revoked anywhere fails on its next
// request. The store and scope come only from the key.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/logistified/mcp-server/brand"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/apps"
	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/tools"
)

// Name is the server name reported in initialize.
const Name = "logistified"

// Options configure New.
type Options struct {
	DB  *storage.DB
	Log zerolog.Logger
	// Metrics receive the server's counters; nil makes a fresh set.
	Metrics *metrics.Metrics
	// Tools replaces tools.All, for tests that register extra tools.
	Tools []tools.Tool
	// Version is reported in initialize.
	Version string
	// Auth checks credentials; nil makes one on DB and Metrics. The HTTP
	// assembly passes the one it shares between faces.
	Auth *auth.Authenticator
	// Limiter limits each key's HTTP requests; nil limits nothing. Share
	// it with the REST face so a key has one budget.
	Limiter *auth.Limiter
	// Pipeline runs the calls; nil makes one from the options above. The
	// HTTP assembly passes the one it shares between faces.
	Pipeline *pipeline.Pipeline
}

// Server is one assembled MCP server, shared by all requests of a process.
type Server struct {
	log     zerolog.Logger
	metrics *metrics.Metrics
	mcp     *server.MCPServer
	scopes  map[string]keys.Scope
	// lean are the tools serveLeanRead answers: reads not shown by an app.
	lean     map[string]bool
	auth     *auth.Authenticator
	pipeline *pipeline.Pipeline
	// noLean sends every HTTP request through mcp-go, for the tests that
	// compare serveLeanRead's answers with mcp-go's.
	noLean bool
}

// New assembles the server from the tools.
func New(o Options) *Server {
	pl := o.Pipeline
	if pl == nil {
		pl = pipeline.New(pipeline.Options{DB: o.DB, Log: o.Log, Metrics: o.Metrics, Auth: o.Auth, Limiter: o.Limiter, Tools: o.Tools})
	}
	s := &Server{log: o.Log, metrics: pl.Metrics(), scopes: map[string]keys.Scope{}, lean: map[string]bool{}, auth: pl.Auth(), pipeline: pl}
	list := pl.Tools()
	version := o.Version
	if version == "" {
		version = "dev"
	}

	hooks := &server.Hooks{}
	// A request without a principal never reaches a handler. On stdio this
	// is also where the key is checked again before every request.
	hooks.AddOnRequestInitialization(s.checkRequest)
	// Instructions depend on the key, so they are filled in per request:
	// initialize for the handshake era, server/discover for the stateless
	// protocol that replaced it.
	hooks.AddAfterInitialize(func(ctx context.Context, _ any, _ *mcpgo.InitializeRequest, res *mcpgo.InitializeResult) {
		res.Instructions = instructions(ctx)
	})
	hooks.AddAfterDiscover(func(ctx context.Context, _ any, _ *mcpgo.DiscoverRequest, res *mcpgo.DiscoverResult) {
		res.Instructions = instructions(ctx)
	})
	// The listing is filtered here and not with server.WithToolFilter, which
	// would also turn a read key's call of a write tool into "tool not
	// found" before the guard in wrap could say why and audit it.
	hooks.AddAfterListTools(func(ctx context.Context, _ any, _ *mcpgo.ListToolsRequest, res *mcpgo.ListToolsResult) {
		res.Tools = s.visible(ctx, res.Tools)
	})

	s.mcp = server.NewMCPServer(Name, version,
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithLogging(),
		server.WithHooks(hooks),
		server.WithInstructions(instructions(context.Background())),
		server.WithIcons(mcpgo.Icon{Src: brand.IconDataURI(), MIMEType: "image/svg+xml", Sizes: []string{"any"}}),
	)
	for _, t := range list {
		s.scopes[t.Def.Name] = t.Scope
		// A tool an app shows carries _meta in its result: mcp-go writes it.
		s.lean[t.Def.Name] = t.Scope == keys.ScopeRead && t.Def.App == ""
		s.mcp.AddTool(toolOf(t.Def), s.wrap(t.Def.Name, t.Def.App != ""))
	}
	for _, a := range apps.All() {
		s.mcp.AddResource(resourceOf(a), readApp(a))
	}
	return s
}

// resourceOf is an app as resources/list shows it.
func resourceOf(a apps.App) mcpgo.Resource {
	return mcpgo.Resource{URI: a.URI, Name: a.Name, Title: a.Title, Description: a.Description, MIMEType: apps.MIMEType,
		Meta: &mcpgo.Meta{AdditionalFields: apps.Meta()}}
}

// readApp answers resources/read with the app's document. The request has
// passed the same key check as any other; the document is the same for
// every store.
func readApp(a apps.App) server.ResourceHandlerFunc {
	return func(context.Context, mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
		return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: a.URI, MIMEType: apps.MIMEType, Text: a.HTML, Meta: apps.Meta()}}, nil
	}
}

// toolOf is an operation's definition as MCP lists it.
func toolOf(d tools.Def) mcpgo.Tool {
	t := mcpgo.NewToolWithRawSchema(d.Name, d.Description, d.InputSchema)
	if d.App != "" {
		t.Meta = &mcpgo.Meta{AdditionalFields: map[string]any{"ui": map[string]string{"resourceUri": d.App}}}
	}
	t.Annotations = mcpgo.ToolAnnotation{
		Title:           d.Title,
		ReadOnlyHint:    mcpgo.ToBoolPtr(d.ReadOnly),
		DestructiveHint: mcpgo.ToBoolPtr(d.Destructive),
		IdempotentHint:  mcpgo.ToBoolPtr(d.Idempotent),
		OpenWorldHint:   mcpgo.ToBoolPtr(d.OpenWorld),
	}
	return t
}

// MCPServer exposes the assembled mcp-go server, for in-process clients.
func (s *Server) MCPServer() *server.MCPServer { return s.mcp }

// Metrics are the server's metrics.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

var errNotAuthenticated = errors.New("the request carries no authenticated API key")

type recheckKey struct{}

// withRecheck makes checkRequest call fn before every request: stdio keeps
// one context for the whole process, so the key is checked there again.
func withRecheck(ctx context.Context, fn func(context.Context) error) context.Context {
	return context.WithValue(ctx, recheckKey{}, fn)
}

func (s *Server) checkRequest(ctx context.Context, _ any, _ any) error {
	if fn, ok := ctx.Value(recheckKey{}).(func(context.Context) error); ok {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	if _, ok := tools.PrincipalFrom(ctx); !ok {
		return errNotAuthenticated
	}
	return nil
}

// visible keeps the tools the caller's key may call.
func (s *Server) visible(ctx context.Context, list []mcpgo.Tool) []mcpgo.Tool {
	p, ok := tools.PrincipalFrom(ctx)
	if !ok {
		return []mcpgo.Tool{}
	}
	out := make([]mcpgo.Tool, 0, len(list))
	for _, t := range list {
		if tools.Allowed(p.Key.Scope, s.scopes[t.Name]) {
			out = append(out, t)
		}
	}
	return out
}

// wrap is the MCP face of the call pipeline: the call's arguments in,
// its output as structuredContent and the same JSON as text, or its
// refusal as a tool error. A tool shown by an app also carries the store's
// currency in the result's _meta, where the app reads it and the model
// does not.
func (s *Server) wrap(name string, shownByApp bool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		p, ok := tools.PrincipalFrom(ctx)
		if !ok {
			logging.For(ctx, s.log).Error().Err(errNotAuthenticated).Str("tool", name).Msg("tool called without a principal")
			return internalError(name), nil
		}
		args, err := rawArguments(req)
		if err != nil {
			return mcpgo.NewToolResultError(err.Error()), nil
		}
		res := s.pipeline.CallAsking(storage.WithVia(ctx, storage.ViaMCP), p, name, args, askerFor(ctx, req))
		if res.Question != nil {
			return inputRequired(res.Question), nil
		}
		structured, errText, isError := toolAnswer(name, res)
		if isError {
			return mcpgo.NewToolResultError(errText), nil
		}
		out := mcpgo.NewToolResultStructured(structured, string(structured))
		if shownByApp {
			out.Meta = &mcpgo.Meta{AdditionalFields: map[string]any{apps.CurrencyMeta: p.Store.Currency}}
		}
		return out, nil
	}
}

// toolAnswer is what a call's result says to the assistant: its output as
// structured content, and the same JSON as text; or the refusal or failure
// as a tool error's text. Both HTTP paths (mcp-go's and serveLeanRead's)
// answer with it.
func toolAnswer(name string, res pipeline.Result) (structured json.RawMessage, errText string, isError bool) {
	switch {
	case res.Refusal != nil && res.Refusal.Preview != nil:
		label := "\nFresh preview: "
		if res.Refusal.Kind == inventory.ApprovalRequired {
			label = "\nPreview to show the merchant: "
		}
		return nil, res.Refusal.Error() + label + string(res.Refusal.Preview), true
	case res.Refusal != nil:
		return nil, res.Refusal.Error(), true
	case res.Failed:
		return nil, internalErrorText(name), true
	}
	return res.Data, "", false
}

func internalError(tool string) *mcpgo.CallToolResult {
	return mcpgo.NewToolResultError(internalErrorText(tool))
}

func internalErrorText(tool string) string {
	return fmt.Sprintf("Logistified hit an internal error while running %s. It has been logged; "+
		"try again, and if it keeps failing, tell the store's administrator.", tool)
}

// instructions tell the model what this server is and what the key or app
// calling may do.
func instructions(ctx context.Context) string {
	var b strings.Builder
	p, ok := tools.PrincipalFrom(ctx)
	if ok {
		fmt.Fprintf(&b, "Logistified inventory and purchasing for the Shopify store %s (%s); amounts are in %s, dates in %s. ",
			p.Store.Name, p.Store.Domain, p.Store.Currency, p.Store.Timezone)
		if p.Key.Scope.CanWrite() {
			fmt.Fprintf(&b, "%s has write scope: it reads the store and can also create and operate purchase orders, transfers, stock takes, supplier returns and reorder rules. ", p.Subject())
			if a := p.Key.Approval; !a.Never() {
				fmt.Fprintf(&b, "Its writes need the merchant's approval (%s): the client asks them when it can; otherwise the write is refused with its preview, to show the merchant and apply by calling again with its preview_token. ",
					strings.ToLower(a.Describe(p.Store.Currency)))
			}
		} else {
			fmt.Fprintf(&b, "%s has read scope: it reads inventory, products, suppliers, documents and reorder rules and cannot change anything; changes need %s. ", p.Subject(), p.WriteNeeds())
		}
	} else {
		b.WriteString("Logistified inventory and purchasing for a Shopify store. ")
	}
	b.WriteString("Start with get_store_overview. Name variants by sku (or variant_id), locations by name, code or id, suppliers by name or id, " +
		"documents by number (PO-1001, TO-1001, ST-1001, RMA-1001). A name that matches nothing or several things is answered with the closest candidates and their ids: pick one and call again. " +
		"Lists return next_cursor: pass it back as cursor for more. Documents lead with totals and show up to 50 lines; lines_shown.lines_next_cursor, passed as lines_cursor, shows more. ")
	if !ok || p.Key.Scope.CanWrite() {
		b.WriteString("Write tools take dry_run (shows the planned inventory changes, changes nothing; a new document's number is provisional) and idempotency_key (a retry applies nothing twice); " +
			"do a dry run and confirm with the user before large changes. Writes act only on exact names, and return warnings (never refusals) the user should hear before confirming. " +
			"A call takes at most 500 lines and 10000000 units a line. Every write result has reversible_by: the one call (tool and arguments) that undoes it, or null and not_reversible saying why. " +
			"A dry run returns preview_token: pass it with the same call (without dry_run) to apply exactly what was previewed, once, within 15 minutes; if anything changed since, nothing is applied and the refusal (preview_stale) carries a fresh preview to show. ")
	}
	b.WriteString("Dates are YYYY-MM-DD. available = on_hand - committed - reserved - damaged - safety_stock - quality_control.")
	return b.String()
}

// rawArguments returns the call's arguments as JSON ({} when absent).
func rawArguments(req mcpgo.CallToolRequest) (json.RawMessage, error) {
	switch a := req.GetRawArguments().(type) {
	case json.RawMessage:
		if len(bytes.TrimSpace(a)) == 0 {
			return json.RawMessage(`{}`), nil
		}
		return a, nil
	case nil:
		return json.RawMessage(`{}`), nil
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return json.RawMessage(`{}`), inventory.Errorf(inventory.Invalid, "the arguments are not a JSON object: %v", err)
		}
		return b, nil
	}
}
