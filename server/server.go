// Package server assembles the HTTP server: the faces (MCP at /mcp, and
// whatever else is mounted beside it) on one mux, with the middleware every
// request gets (request id, metrics, access log), /healthz, /readyz and
// /metrics, and a listener that shuts down gracefully. It knows no face:
// the command that serves builds each face and mounts it here.
package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/logistified/mcp-server/httpkit"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/metrics"
)

// Pinger reports whether the database answers; *storage.DB is one.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Mount is one face on the mux.
type Mount struct {
	// Patterns are net/http.ServeMux patterns ("/mcp", "/api/v1/").
	Patterns []string
	// Label names the face in metrics and in the access log ("/mcp").
	Label   string
	Handler http.Handler
	// CheckOrigin refuses browser requests from origins that are not
	// allowed (see Options.AllowedOrigins), before the face runs.
	CheckOrigin bool
}

// Options configure New.
type Options struct {
	DB      Pinger
	Log     zerolog.Logger
	Metrics *metrics.Metrics
	Mounts  []Mount
	// MetricsToken, when set, must be presented as a Bearer token to read
	// /metrics.
	MetricsToken string
	// PublicURL is the address users and clients reach the server at
	// (LOGISTIFIED_PUBLIC_URL); its host is accepted beside loopback
	// names, and its origin beside local pages.
	PublicURL string
	// AllowedOrigins are further browser origins allowed to call the
	// mounts that check origins, and /metrics.
	AllowedOrigins []string
	// TrustedProxies are the reverse proxies in front of the server
	// (LOGISTIFIED_TRUSTED_PROXIES): a request from one of them is taken
	// to come from the address it forwards (X-Forwarded-For).
	TrustedProxies []netip.Prefix
}

// New returns the assembled handler.
func New(o Options) http.Handler {
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	allowed := map[string]bool{}
	for _, origin := range o.AllowedOrigins {
		if origin = NormalizeOrigin(origin); origin != "" {
			allowed[origin] = true
		}
	}
	var publicHost string
	if u, err := url.Parse(o.PublicURL); err == nil && u.Host != "" {
		publicHost = u.Hostname()
		allowed[NormalizeOrigin(u.Scheme+"://"+u.Host)] = true
	}
	mux := http.NewServeMux()
	labels := map[string]string{}
	for _, m := range o.Mounts {
		h := m.Handler
		if m.CheckOrigin {
			h = originGuard(allowed, h)
		}
		for _, p := range m.Patterns {
			mux.Handle(p, h)
			labels[p] = m.Label
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := o.DB.Ping(ctx); err != nil {
			logging.For(r.Context(), o.Log).Warn().Err(err).Msg("readiness check: database unreachable")
			httpkit.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "message": "the database is unreachable"})
			return
		}
		httpkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", originGuard(allowed, metricsAuth(o.MetricsToken, o.Metrics.Handler())))
	for _, p := range []string{"GET /healthz", "GET /readyz", "GET /metrics"} {
		labels[p] = p[len("GET "):]
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpkit.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "message": "nothing here: the MCP endpoint is /mcp"})
	})
	// The forwarded address reaches the faces only; the Host check looks
	// at the connection itself (a page rebound to 127.0.0.1 may write any
	// X-Forwarded-For it likes).
	return observe(o.Log, o.Metrics, labels, hostGuard(publicHost, realClient(o.TrustedProxies, mux)))
}

// observe gives every request an id (X-Request-Id, and a logger in its
// context that carries it), then counts and logs it. Requests outside the
// known routes share one label, so scanners cannot grow the metrics
// without bound.
func observe(log zerolog.Logger, m *metrics.Metrics, labels map[string]string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := logging.NewRequestID()
		w.Header().Set("X-Request-Id", id)
		rlog := log.With().Str("request_id", id).Logger()
		ctx := logging.WithRequestID(rlog.WithContext(r.Context()), id)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			d := time.Since(start)
			// ServeMux recorded the pattern it matched on r.
			label, known := labels[r.Pattern]
			if !known {
				label = "other"
			}
			method := r.Method
			switch method {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
			default:
				method = "other"
			}
			m.HTTPRequest(label, method, rec.code, d)
			ev := rlog.Debug()
			if known && label[0] == '/' && label != "/healthz" && label != "/readyz" && label != "/metrics" {
				ev = rlog.Info()
			}
			// Never the headers, the query or the full path: they can carry
			// keys, tokens and sign-in links.
			ev.Str("method", r.Method).Str("path", label).Int("status", rec.code).Dur("duration", d).Msg("http request")
		}()
		next.ServeHTTP(rec, r)
	})
}

// metricsAuth requires the operator's token for /metrics when one is set.
func metricsAuth(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := "Bearer " + token
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !constantTimeEqual(r.Header.Get("Authorization"), want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="logistified-metrics"`)
			httpkit.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token",
				"message": "/metrics needs Authorization: Bearer with the value of LOGISTIFIED_METRICS_TOKEN"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush keeps server-sent events streaming through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// ListenAndServe serves h on addr until ctx ends (SIGTERM, SIGINT), then
// stops accepting connections and gives requests in flight up to 15 seconds
// to finish. listening, if not nil, is told the bound address.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, log zerolog.Logger, listening func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	return Serve(ctx, ln, h, log, listening)
}

// Serve is ListenAndServe on a listener already bound, for a caller that
// binds first so that a busy address fails before anything else is done.
// It closes ln.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log zerolog.Logger, listening func(net.Addr)) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(zerolog.NewSlogHandler(log), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if listening != nil {
		listening(ln.Addr())
	}
	log.Info().Str("addr", ln.Addr().String()).Msg("serving HTTP")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down the HTTP server: %w", err)
	}
	return nil
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
