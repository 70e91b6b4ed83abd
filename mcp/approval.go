package mcp

import (
	"context"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/logistified/mcp-server/pipeline"
)

// The MCP face of approval (pipeline/approval.go decides): a client that
// declared elicitation is asked, through mcp-go's multi round-trip
// requests. The tool answers input_required with one elicitation and the
// preview's token as the request's state; a 2026-07-28 client asks the
// person and calls again with the answer (this works over stateless
// HTTP), and for an older client on stdio mcp-go sends elicitation/create
// itself and calls the handler again with the answer. Either way the
// answer reaches the pipeline on the second call, which applies exactly
// the preview that was shown, or nothing.

// approveInput names the question in inputRequests.
const approveInput = "approve"

type pushKey struct{}

// withPush marks a transport that can carry requests from the server to
// the client (stdio), which an older client's elicitation needs; stateless
// HTTP cannot.
func withPush(ctx context.Context) context.Context { return context.WithValue(ctx, pushKey{}, true) }

// canElicit reports whether the client of this request can ask the person.
func canElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities != nil && info.ClientCapabilities.Elicitation != nil
	}
	if push, _ := ctx.Value(pushKey{}).(bool); !push {
		return false
	}
	session := server.ClientSessionFromContext(ctx)
	if _, ok := session.(server.SessionWithElicitation); !ok {
		return false
	}
	withInfo, ok := session.(server.SessionWithClientInfo)
	return ok && withInfo.GetClientCapabilities().Elicitation != nil
}

// elicitAsker is a call's Asker: the answer its retry carries, and a
// question left for the client to ask.
type elicitAsker struct {
	req mcpgo.CallToolRequest
}

// askerFor is the Asker of a call, nil when the client cannot be asked
// and carries no answer.
func askerFor(ctx context.Context, req mcpgo.CallToolRequest) pipeline.Asker {
	a := elicitAsker{req: req}
	if _, ok := a.Answer(); ok || canElicit(ctx) {
		return a
	}
	return nil
}

func (a elicitAsker) Answer() (pipeline.Answer, bool) {
	state := a.req.Params.RequestState
	if state == "" {
		return pipeline.Answer{}, false
	}
	r := server.ElicitationResponse(a.req.Params.InputResponses, approveInput)
	if r == nil {
		return pipeline.Answer{}, false
	}
	// Decline and cancel (the person closed the question) both apply
	// nothing.
	return pipeline.Answer{Approved: r.Action == mcpgo.ElicitationResponseActionAccept, Token: state}, true
}

// Ask leaves the question to the client: the answer comes with its retry.
func (elicitAsker) Ask(context.Context, pipeline.Question) (pipeline.Answer, bool, error) {
	return pipeline.Answer{}, false, nil
}

// inputRequired is the tool's answer that has the client ask q.
func inputRequired(q *pipeline.Question) *mcpgo.CallToolResult {
	return server.NewInputRequestBuilder(q.Token).Elicit(approveInput, mcpgo.ElicitationParams{
		Message: q.Message,
		// Nothing to fill in: the client's Accept is Approve, Decline is
		// Decline.
		RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{}},
	}).ToolResult()
}
