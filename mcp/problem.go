package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// ProblemInstructions are the instructions of a session served by
// ServeProblem: they lead with the problem so that the assistant can tell
// the user what is wrong.
func ProblemInstructions(problem string) string {
	return "Logistified could not start, so it offers no tools until this is fixed: " + sentence(problem) +
		" Tell the user this; once it is fixed, restart or reconnect the Logistified server in the client."
}

// sentence ends s with a full stop, unless it ends a sentence already.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// ProblemCallText is what any tool call answers in a session served by
// ServeProblem.
func ProblemCallText(problem string) string {
	return "Logistified could not start, so no tool can run: " + problem
}

// ServeProblem serves MCP on in and out for a server that could not start
// (a revoked or unknown key, a database that is not there), until in ends
// or ctx is cancelled. A stdio client that sees its server exit shows only
// "failed to connect"; this session instead carries the problem where the
// assistant reads it: initialize succeeds with instructions that say it,
// tools/list is empty, and every tools/call answers with it as a tool
// error. Nothing else is touched: the caller has no database here.
func ServeProblem(ctx context.Context, version, problem string, in io.Reader, out io.Writer) error {
	if version == "" {
		version = "dev"
	}
	// mcp-go answers the handshake, ping and the empty listing; tools/call
	// is answered here, since mcp-go would call an unknown tool a
	// protocol error rather than a result the assistant reads.
	s := server.NewMCPServer(Name, version,
		server.WithToolCapabilities(false),
		server.WithInstructions(ProblemInstructions(problem)),
	)
	callResult := mcpgo.NewToolResultError(ProblemCallText(problem))

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReader(in)
		for {
			line, err := r.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	enc := json.NewEncoder(out)
	for {
		var line []byte
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		case line = <-lines:
		}
		var msg struct {
			Method string          `json:"method"`
			ID     json.RawMessage `json:"id"`
		}
		var reply any
		if json.Unmarshal(line, &msg) == nil && msg.Method == string(mcpgo.MethodToolsCall) && len(msg.ID) > 0 && string(msg.ID) != "null" {
			reply = struct {
				JSONRPC string                `json:"jsonrpc"`
				ID      json.RawMessage       `json:"id"`
				Result  *mcpgo.CallToolResult `json:"result"`
			}{mcpgo.JSONRPC_VERSION, msg.ID, callResult}
		} else if r := s.HandleMessage(ctx, line); r != nil {
			reply = r
		}
		if reply == nil {
			continue
		}
		if err := enc.Encode(reply); err != nil {
			return err
		}
	}
}
