package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

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

	// mcp-go writes each message with one Write; so does screenLines, and
	// the lock keeps the two from interleaving.
	out = &lockedWriter{w: out}
	in, stop := s.screenLines(in, out)
	defer stop()

	stdio := server.NewStdioServer(s.mcp)
	stdio.SetErrorLogger(slog.NewLogLogger(zerolog.NewSlogHandler(s.log), slog.LevelError))
	stdio.SetContextFunc(func(ctx context.Context) context.Context {
		ctx = withPush(tools.WithPrincipal(ctx, p))
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

// screenLines passes in's messages (one per line) on to the returned
// reader, except those that repeat a member name: a request among them is
// answered on out with the same error as over HTTP (refuseRepeats), and
// anything else is dropped. stop ends the copying once serving is over.
func (s *Server) screenLines(in io.Reader, out io.Writer) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go func() {
		r := bufio.NewReader(in)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				if rr := refuseRepeats(line); rr != nil {
					s.log.Info().Str("field", rr.field).Msg("JSON-RPC message with a repeated member name refused")
					if rr.request {
						b, merr := json.Marshal(rr.msg)
						if merr == nil {
							_, _ = out.Write(append(b, '\n'))
						}
					}
				} else if _, werr := pw.Write(line); werr != nil {
					return // serving is over
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr, func() { pr.Close() }
}

// lockedWriter serialises whole writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
