package mcp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/httpkit"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/strictjson"
	"github.com/logistified/mcp-server/tools"
)

// DefaultMaxBodyBytes caps an MCP request body. The largest legitimate
// request (a stock count of a few thousand lines) is well under it.
const DefaultMaxBodyBytes = 1 << 20

// HTTPOptions configure the HTTP handler.
type HTTPOptions struct {
	// MaxBodyBytes caps request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ResourceMetadata is the URL of this endpoint's OAuth protected
	// resource metadata (RFC 9728). When set, every 401 names it in
	// WWW-Authenticate, so that web-chat apps can find the authorization
	// server and connect.
	ResourceMetadata string
}

// Handler serves /mcp: stateless streamable HTTP behind the method, size
// and key checks. The HTTP assembly (package server) mounts it and checks
// Host and Origin before it.
func (s *Server) Handler(o HTTPOptions) http.Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	// Stateless: no session ids are issued or trusted, so replicas share
	// nothing but the database. Without sessions the standalone GET stream
	// has nothing to carry, so GET answers 405.
	streamable := server.NewStreamableHTTPServer(s.mcp,
		server.WithStateLess(true),
		server.WithDisableStreaming(true),
		// The HTTP assembly checks Host for every face, accepting the
		// public address behind a reverse proxy as well.
		server.WithDisableLocalhostProtection(true),
		server.WithStreamableHTTPLogger(slog.New(zerolog.NewSlogHandler(s.log))),
	)
	return s.guard(streamable, o.MaxBodyBytes, auth.ChallengeWith(o.ResourceMetadata))
}

// guard checks, in order, the method (405), the declared body size (413),
// the key (401) and the actual body size (413), then passes the request on
// with the principal in its context. The key is checked before the body is
// read, so an unauthenticated client cannot make the server read a body.
func (s *Server) guard(next http.Handler, maxBody int64, challenge string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodGet && r.Method != http.MethodDelete {
			// PUT, PATCH, OPTIONS, HEAD and the rest mean nothing here;
			// answered before the key, as they read and change nothing.
			methodNotAllowed(w, r.Method)
			return
		}
		if r.ContentLength > maxBody {
			tooLarge(w, maxBody)
			return
		}
		p, ctx, refused := s.pipeline.Admit(r, w.Header())
		switch {
		case refused == nil:
		case refused.Auth != nil:
			s.unauthorized(w, r, refused.Auth, challenge)
			return
		default:
			httpkit.WriteJSON(w, http.StatusTooManyRequests, jsonrpcError(rateLimitedCode, refused.Limited))
			return
		}
		// The key's database check may still be travelling with the
		// call's first read: every answer, even a refusal of the body, is
		// held until it is confirmed.
		var body []byte
		s.pipeline.Serve(w, r, p, ctx, func(w http.ResponseWriter, r *http.Request, p storage.Principal) {
			if body != nil {
				// Served again with a fresh principal: the body was read,
				// and is checked again below before either path answers it.
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			if r.Method == http.MethodPost {
				// mcp-go answers a wrong type in plain text; clients expect JSON-RPC.
				if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
					httpkit.WriteJSON(w, http.StatusUnsupportedMediaType, jsonrpcError(mcpgo.INVALID_REQUEST, "Content-Type must be application/json"))
					return
				}
				if err := strictjson.Charset(r.Header.Get("Content-Type")); err != nil {
					httpkit.WriteJSON(w, http.StatusUnsupportedMediaType, jsonrpcError(mcpgo.INVALID_REQUEST, err.Error()))
					return
				}
				var err error
				body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					tooLarge(w, maxBody)
					return
				}
				if err != nil {
					httpkit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_request", "message": "the request body could not be read"})
					return
				}
				if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
					httpkit.WriteJSON(w, http.StatusBadRequest, jsonrpcError(mcpgo.INVALID_REQUEST,
						"batches are not supported (removed from MCP in 2025-06-18): send one request per POST"))
					return
				}
				if rr := refuseRepeats(body); rr != nil {
					logging.For(r.Context(), s.log).Info().Str("key_prefix", p.Key.Prefix).Str("field", rr.field).Msg("JSON-RPC message with a repeated member name refused")
					httpkit.WriteJSON(w, rr.status, rr.msg)
					return
				}
				if s.serveLeanRead(w, r, p, body) {
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			if r.Method == http.MethodGet {
				// Stateless: there is no standalone stream to open (the key is
				// still checked first, as for every MCP request).
				methodNotAllowed(w, r.Method)
				return
			}
			next.ServeHTTP(w, r.WithContext(tools.WithPrincipal(r.Context(), p)))
		}, func() {}, func(ae *auth.Error) { s.unauthorized(w, r, ae, challenge) })
	})
}

// rateLimitedCode is the JSON-RPC error code of a request over the key's
// rate limit (an implementation-defined server error).
const rateLimitedCode = -32029

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, ae *auth.Error, challenge string) {
	if ae.Unavailable() {
		s.log.Error().Err(ae.Err).Msg("checking an API key")
		httpkit.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unavailable", "message": ae.Msg})
		return
	}
	logging.For(r.Context(), s.log).Info().Str("reason", ae.Reason).Str("remote", r.RemoteAddr).Msg("API key refused")
	if ae.Forbidden() {
		httpkit.WriteJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "reason": ae.Label(), "message": ae.Msg})
		return
	}
	w.Header().Set("WWW-Authenticate", challenge)
	httpkit.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "reason": ae.Label(), "message": ae.Msg})
}

// allowedMethods are what /mcp serves: POST carries every JSON-RPC
// request; DELETE ends a session, which a stateless server accepts and
// ignores. GET (the standalone stream) is not offered.
const allowedMethods = "POST, DELETE"

func methodNotAllowed(w http.ResponseWriter, method string) {
	if len(method) > 16 {
		method = method[:16] + "…"
	}
	w.Header().Set("Allow", allowedMethods)
	httpkit.WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{
		"error":   "method_not_allowed",
		"message": fmt.Sprintf("%s is not allowed on /mcp: send JSON-RPC requests with POST (this server is stateless and offers no GET stream)", method),
	})
}

func tooLarge(w http.ResponseWriter, maxBody int64) {
	httpkit.WriteJSON(w, http.StatusRequestEntityTooLarge, map[string]string{
		"error":   "request_too_large",
		"message": fmt.Sprintf("the request body is larger than %d bytes: send fewer lines per call", maxBody),
	})
}

// jsonrpcError is a JSON-RPC error response to a request whose id is unknown.
func jsonrpcError(code int, msg string) mcpgo.JSONRPCError {
	return mcpgo.JSONRPCError{JSONRPC: mcpgo.JSONRPC_VERSION, ID: mcpgo.NewRequestId(nil),
		Error: mcpgo.JSONRPCErrorDetails{Code: code, Message: msg}}
}
