package logging

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/rs/zerolog"
)

type requestIDKey struct{}

// NewRequestID returns a fresh request id ("req_" and 20 hex digits): what a
// user quotes when they report a failed call, and what every log line of
// that request carries.
func NewRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

// WithRequestID returns a context that carries the request's id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// For returns base with the request id of ctx, when ctx belongs to a request.
func For(ctx context.Context, base zerolog.Logger) *zerolog.Logger {
	if id := RequestID(ctx); id != "" {
		base = base.With().Str("request_id", id).Logger()
	}
	return &base
}
