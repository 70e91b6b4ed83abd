package mcp

import (
	"encoding/json"
	"net/http"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/strictjson"
)

// argumentsPath is where tools/call carries a tool's arguments.
const argumentsPath = "params.arguments"

// repeatRefusal is the answer to a JSON-RPC message that repeats a member
// name somewhere.
type repeatRefusal struct {
	// status is the HTTP status: 200 for a request whose params repeat a
	// name (an ordinary JSON-RPC error response to it), 400 when the
	// message itself is at fault or its id is unknown.
	status int
	msg    mcpgo.JSONRPCError
	// request is true when the message is a request (it has an id and a
	// method), which on stdio gets the error; anything else is dropped
	// there, as JSON-RPC answers no notification.
	request bool
	field   string
}

// refuseRepeats checks one JSON-RPC message for repeated member names
// before mcp-go decodes it, since its decoding keeps the last of them: a
// tools/call whose arguments say "dry_run":true and then "dry_run":false
// would write. Both transports call it, on every message. It returns nil
// when nothing is repeated.
func refuseRepeats(raw []byte) *repeatRefusal {
	d := strictjson.Duplicate(raw)
	if d == nil {
		return nil
	}
	var env struct {
		ID     *mcpgo.RequestId `json:"id"`
		Method string           `json:"method"`
	}
	id := mcpgo.NewRequestId(nil)
	idKnown := false
	// A repeated id is no id at all: answering either would be a guess.
	if !(d.Path == "" && strings.EqualFold(d.Name, "id")) && json.Unmarshal(raw, &env) == nil && env.ID != nil {
		id, idKnown = *env.ID, true
	}
	r := &repeatRefusal{status: http.StatusBadRequest, request: idKnown && env.Method != "", field: d.Field()}
	code, text := mcpgo.INVALID_REQUEST, "Invalid request: "+d.Describe("")+" in the JSON-RPC message: give each member once and send it again"
	switch member := d.Member(argumentsPath); {
	case member != d.Field():
		r.field = member
		code, text = mcpgo.INVALID_PARAMS, "Invalid arguments: "+d.Describe(argumentsPath)+
			": give each argument once and call again (a repeated name could be read as either value, so nothing was run)"
	case strings.HasPrefix(d.Field(), "params.") || strings.HasPrefix(d.Field(), "params["):
		code, text = mcpgo.INVALID_PARAMS, "Invalid params: "+d.Describe("")+": give each member once and send it again"
	}
	if code == mcpgo.INVALID_PARAMS && idKnown {
		r.status = http.StatusOK
	}
	r.msg = mcpgo.JSONRPCError{JSONRPC: mcpgo.JSONRPC_VERSION, ID: id,
		Error: mcpgo.JSONRPCErrorDetails{Code: code, Message: text, Data: map[string]string{"field": r.field}}}
	return r
}
