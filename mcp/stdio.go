package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/tools"
)

// ServeStdio serves MCP on in and out (nothing else is ever written to out)
// until in ends or ctx is cancelled. The key is checked before anything is
// served, and again before every request, so a key revoked while the client
// is connected fails on its next request.
//
// mcp-go keeps one stdio session per process, so a process runs at most one
// ServeStdio at a time.
func (s *Server) ServeStdio(ctx context.Context, key string, in io.Reader, out io.Writer) error {
	p, err := s.auth.Authenticate(ctx, key)
	if err != nil {
		var ae *auth.Error
		if errors.As(err, &ae) && !ae.Unavailable() {
			// Wrapped, so that the command can say which database it checked.
			return fmt.Errorf("LOGISTIFIED_API_KEY: %w", ae)
		}
		return fmt.Errorf("checking LOGISTIFIED_API_KEY: %w", err)
	}
	s.log.Info().Str("store", p.Store.Domain).Str("key_prefix", p.Key.Prefix).Str("scope", string(p.Key.Scope)).Msg("serving MCP over stdio")

	stdio := server.NewStdioServer(s.mcp)
	stdio.SetErrorLogger(slog.NewLogLogger(zerolog.NewSlogHandler(s.log), slog.LevelError))
	stdio.SetContextFunc(func(ctx context.Context) context.Context {
		ctx = tools.WithPrincipal(ctx, p)
		return withRecheck(ctx, func(ctx context.Context) error {
			_, err := s.auth.Authenticate(ctx, key)
			var ae *auth.Error
			if errors.As(err, &ae) {
				if ae.Unavailable() {
					s.log.Error().Err(ae.Err).Msg("checking the API key")
				} else {
					s.log.Warn().Str("reason", ae.Reason).Str("key_prefix", p.Key.Prefix).Msg("API key refused")
				}
			}
			return err
		})
	})
	err = stdio.Listen(ctx, in, out)
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	return err
}
