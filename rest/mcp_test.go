package rest_test

import (
	"encoding/json"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

func mcpRequest(op string, args json.RawMessage) mcpgo.CallToolRequest {
	var r mcpgo.CallToolRequest
	r.Params.Name = op
	r.Params.Arguments = args
	return r
}
