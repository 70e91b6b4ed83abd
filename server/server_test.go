package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/metrics"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func newTestServer(t *testing.T, db Pinger, token string) (*httptest.Server, *metrics.Metrics) {
	t.Helper()
	m := metrics.New()
	face := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if logging.RequestID(r.Context()) == "" {
			t.Errorf("the face got no request id")
		}
		m.ToolCall("get_store_overview", metrics.OutcomeOK, time.Millisecond)
		w.WriteHeader(http.StatusUnauthorized)
	})
	h := New(Options{DB: db, Log: zerolog.Nop(), Metrics: m, MetricsToken: token,
		Mounts: []Mount{{Patterns: []string{"/mcp"}, Label: "/mcp", Handler: face}}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, m
}

func get(t *testing.T, url, auth string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHealthReadyMetrics(t *testing.T) {
	srv, _ := newTestServer(t, pinger{}, "")
	if resp, _ := get(t, srv.URL+"/mcp", ""); resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("X-Request-Id"), "req_") {
		t.Fatalf("/mcp: %d, X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, srv.URL+path, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := get(t, srv.URL+"/no/such/path", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	resp, body := get(t, srv.URL+"/metrics", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`logistified_tool_calls_total{outcome="ok",tool="get_store_overview"} 1`,
		`logistified_http_requests_total{code="401",method="GET",path="/mcp"} 1`,
		`logistified_http_requests_total{code="404",method="GET",path="other"} 1`,
		`logistified_http_requests_total{code="200",method="GET",path="/healthz"} 1`,
		`logistified_http_request_duration_seconds_bucket{path="/mcp"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestReadyzFailsWithoutTheDatabase(t *testing.T) {
	srv, _ := newTestServer(t, pinger{errors.New("connection refused")}, "")
	resp, body := get(t, srv.URL+"/readyz", "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database") || strings.Contains(body, "refused") {
		t.Errorf("/readyz with the database down: %d %s", resp.StatusCode, body)
	}
}

func TestMetricsToken(t *testing.T) {
	srv, _ := newTestServer(t, pinger{}, "s3cret-token")
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer s3cret-token", http.StatusOK},
	} {
		if resp, _ := get(t, srv.URL+"/metrics", tc.auth); resp.StatusCode != tc.want {
			t.Errorf("/metrics with %q: %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
	}
}

func TestListenAndServeShutsDownGracefully(t *testing.T) {
	h := New(Options{DB: pinger{}, Log: zerolog.Nop()})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- ListenAndServe(ctx, "127.0.0.1:0", h, zerolog.Nop(), func(a net.Addr) { addrc <- a.String() })
	}()
	addr := <-addrc
	if resp, _ := get(t, "http://"+addr+"/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz over a real listener: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ListenAndServe did not stop")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}
}

func TestHostAndOriginChecks(t *testing.T) {
	m := metrics.New()
	face := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	// The local proxy is trusted: the checks must hold all the same.
	trusted, err := ParseTrustedProxies("127.0.0.1,::1")
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{DB: pinger{}, Log: zerolog.Nop(), Metrics: m, TrustedProxies: trusted,
		PublicURL: "https://inventory.example.com", AllowedOrigins: []string{"https://app.example.org/"},
		Mounts: []Mount{{Patterns: []string{"/mcp"}, Label: "/mcp", Handler: face, CheckOrigin: true},
			{Patterns: []string{"/open"}, Label: "/open", Handler: face}}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct {
		name, path, host, origin string
		want                     int
	}{
		{"loopback host", "/mcp", "", "", http.StatusNoContent},
		{"localhost", "/mcp", "localhost:8080", "", http.StatusNoContent},
		{"public host behind a local proxy", "/mcp", "inventory.example.com", "", http.StatusNoContent},
		{"rebound domain", "/mcp", "evil.example", "", http.StatusForbidden},
		{"rebound domain on metrics", "/metrics", "evil.example:8080", "", http.StatusForbidden},
		{"rebound domain on health", "/healthz", "attacker.test", "", http.StatusForbidden},
		// A rebound page may write X-Forwarded-For itself.
		{"rebound domain claiming to be forwarded", "/mcp", "evil.example", "", http.StatusForbidden},
		{"local page", "/mcp", "", "http://localhost:3000", http.StatusNoContent},
		{"public origin", "/mcp", "", "https://inventory.example.com", http.StatusNoContent},
		{"configured origin", "/mcp", "", "https://app.example.org", http.StatusNoContent},
		{"foreign page", "/mcp", "", "https://evil.example", http.StatusForbidden},
		{"foreign page on metrics", "/metrics", "", "https://evil.example", http.StatusForbidden},
		{"foreign page where origins are not checked", "/open", "", "https://evil.example", http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if strings.Contains(tc.name, "forwarded") {
				req.Header.Set("X-Forwarded-For", "203.0.113.7")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := tc.want
			if want == http.StatusNoContent && tc.path == "/metrics" {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, want, body)
			}
			if resp.StatusCode == http.StatusForbidden && !strings.Contains(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("a refusal in %q, want JSON", resp.Header.Get("Content-Type"))
			}
		})
	}
}
