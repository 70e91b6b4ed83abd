package mcp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/httpkit"
	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/tools"
)

// The one request a connected assistant sends over and over is a
// tools/call of a read. mcp-go serves it through its general path, which
// decodes the message six times over and encodes the result twice; that
// was a third of the server's CPU per call. serveLeanRead answers exactly
// that request itself, with the bytes, headers and status mcp-go would
// send, and declines everything else (initialize, tools/list,
// notifications, writes, anything unusual), which mcp-go then serves as
// before. Writes stay on mcp-go's path whatever they look like.

// leanEnvelope is the whole of a plain tools/call message. Any other
// member (a response's result or error, params' _meta, task or
// multi-round-trip fields) sends the message to mcp-go: the decoder
// refuses unknown members. Members are matched without regard to case,
// as mcp-go's decoder matches them; strictjson has already refused a
// name given twice in any case.
type leanEnvelope struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  *struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"params"`
}

// serveLeanRead answers body (already read, and checked by strictjson) if
// it is a plain tools/call of a read tool, and reports whether it did.
// When it returns false it has written nothing.
func (s *Server) serveLeanRead(w http.ResponseWriter, r *http.Request, p storage.Principal, body []byte) bool {
	if s.noLean {
		return false
	}
	// mcp-go refuses an unknown protocol version, and serves the
	// 2026-07-28 protocol (no sessions, _meta on every request) on a path
	// of its own.
	if v := r.Header.Get(mcpgo.HeaderProtocolVersion); v != "" && (!mcpgo.IsValidProtocolVersion(v) || mcpgo.IsModernProtocol(v)) {
		return false
	}
	var env leanEnvelope
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if dec.Decode(&env) != nil || len(bytes.TrimSpace(body[dec.InputOffset():])) != 0 {
		return false
	}
	if env.JSONRPC != mcpgo.JSONRPC_VERSION || env.Method != string(mcpgo.MethodToolsCall) || env.Params == nil {
		return false
	}
	name := env.Params.Name
	if !s.lean[name] {
		return false
	}
	id, ok := leanID(env.ID)
	if !ok {
		return false
	}
	args := env.Params.Arguments
	if len(bytes.TrimSpace(args)) == 0 {
		args = json.RawMessage(`{}`)
	}
	ctx := tools.WithPrincipal(r.Context(), p)
	res := s.pipeline.Call(storage.WithVia(ctx, storage.ViaMCP), p, name, args)
	writeLeanResult(w, id, name, res)
	return true
}

// leanID is a request id as mcp-go answers it: decoded into an interface
// (a number becomes a float64) and encoded again. A missing or null id
// (a notification) and an id of another type are mcp-go's to answer.
func leanID(raw json.RawMessage) ([]byte, bool) {
	if plainInteger(raw) {
		// A float64 holds it exactly, and encodes it as written.
		return raw, true
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	switch v.(type) {
	case string, float64:
	default:
		return nil, false
	}
	b, err := json.Marshal(mcpgo.NewRequestId(v))
	return b, err == nil
}

// plainInteger: 0, or up to 15 digits without a leading zero.
func plainInteger(b []byte) bool {
	if len(b) == 0 || len(b) > 15 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writeLeanResult writes the JSON-RPC response to a tools/call as mcp-go
// writes it: its CallToolResult is encoded from a map (members in name
// order: content, isError, structuredContent) by a json.Encoder (HTML
// characters escaped, a newline at the end). A read's output was encoded
// by json.Marshal (pipeline.Call), which compacts and escapes it as the
// encoder would, so it is written as it is; only writes, which never come
// here, hand back JSON of their own.
func writeLeanResult(w http.ResponseWriter, id []byte, name string, res pipeline.Result) {
	structured, errText, isError := toolAnswer(name, res)
	text := structured
	if !isError && structured == nil {
		// A nil json.RawMessage encodes as null; its text is empty.
		structured = json.RawMessage("null")
	}
	// The text is JSON: quoting it escapes each quote and backslash (the
	// encoder has escaped everything else already), so counting them
	// sizes the answer once instead of growing it by half again.
	quoted := len(text) + bytes.Count(text, []byte{'"'}) + bytes.Count(text, []byte{'\\'}) + len(errText) + len(errText)/8
	b := make([]byte, 0, quoted+len(structured)+len(id)+96)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":{"content":[{"type":"text","text":`...)
	if isError {
		b = appendQuoted(b, []byte(errText))
		b = append(b, `}],"isError":true`...)
	} else {
		b = appendQuoted(b, text)
		b = append(b, `}],"structuredContent":`...)
		b = append(b, structured...)
	}
	b = append(b, "}}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	httpkit.WriteWhole(w, b)
}

// appendQuoted appends s as a JSON string the way encoding/json writes a
// Go string: HTML's <, > and & escaped, \b \f \n \r \t by name, other
// control characters as \u00XX, each invalid UTF-8 byte as \ufffd, and
// U+2028 and U+2029 escaped. (The text of a result is its JSON, so
// encoding it from the bytes spares a copy as a string.)
func appendQuoted(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	plain := 0 // s[plain:i] is still to be copied as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[plain:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			plain = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[plain:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[plain:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		plain = i
	}
	dst = append(dst, s[plain:]...)
	return append(dst, '"')
}
