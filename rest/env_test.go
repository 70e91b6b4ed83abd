package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/server"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// fixedNow pins the clock, so a write's result through one face equals
// the same write's result through the other.
var fixedNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// env is a seeded store behind the real HTTP assembly (/mcp and /api/v1
// on one handler, as serve builds it), with a client that validates every
// answer against the OpenAPI document.
type env struct {
	db      *storage.DB
	fx      storagetest.Fixture
	http    *httptest.Server
	metrics *metrics.Metrics
	client  *http.Client
	ops     map[string]tools.Tool
	checked *validated
}

type envOptions struct {
	rate auth.Rate
}

// assemble builds the HTTP handler the way serve does.
func assemble(db *storage.DB, m *metrics.Metrics, rate auth.Rate) http.Handler {
	log := zerolog.Nop()
	a := auth.New(access.New(db), m)
	lim := auth.NewLimiter(rate)
	mcpSrv := mcp.New(mcp.Options{DB: db, Log: log, Metrics: m, Auth: a, Limiter: lim})
	api := rest.New(rest.Options{DB: db, Log: log, Metrics: m, Auth: a, Limiter: lim})
	return server.New(server.Options{DB: db, Log: log, Metrics: m, Mounts: []server.Mount{
		{Patterns: []string{"/mcp"}, Label: "/mcp", Handler: mcpSrv.Handler(mcp.HTTPOptions{})},
		{Patterns: []string{rest.Base + "/"}, Label: rest.Base, Handler: api},
	}})
}

func newEnv(t testing.TB, db *storage.DB, opts ...envOptions) *env {
	t.Helper()
	var o envOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	e := &env{db: db, fx: storagetest.Seed(t, db), metrics: metrics.New(), ops: map[string]tools.Tool{}}
	e.http = httptest.NewServer(assemble(db, e.metrics, o.rate))
	t.Cleanup(e.http.Close)
	e.checked = newValidated(t)
	e.client = &http.Client{Transport: &validatingTransport{t: t, v: e.checked, next: http.DefaultTransport}}
	for _, op := range tools.All(tools.Deps{DB: db, Log: zerolog.Nop()}) {
		e.ops[op.Name()] = op
	}
	return e
}

// response is one answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// envelope and problem as clients decode them.
type envelope struct {
	Data json.RawMessage `json:"data"`
	Meta struct {
		RequestID  string  `json:"request_id"`
		APIVersion string  `json:"api_version"`
		NextCursor *string `json:"next_cursor"`
		TotalCount *int64  `json:"total_count"`
	} `json:"meta"`
}

type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (r response) envelope(t testing.TB) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("decoding the envelope %s: %v", r.body, err)
	}
	if e.Meta.RequestID == "" || e.Meta.RequestID != r.header.Get("X-Request-Id") || e.Meta.APIVersion != "1.0" {
		t.Fatalf("meta %+v does not carry the request id %q and api_version 1.0", e.Meta, r.header.Get("X-Request-Id"))
	}
	return e
}

func (r response) problem(t testing.TB) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.status, ct, r.body)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decoding the problem %s: %v", r.body, err)
	}
	if p.Status != r.status || p.Title == "" || p.Detail == "" || p.Type == "" {
		t.Fatalf("problem %+v is incomplete for status %d", p, r.status)
	}
	if p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
		t.Fatalf("problem request_id %q differs from X-Request-Id %q", p.RequestID, r.header.Get("X-Request-Id"))
	}
	for _, leak := range []string{"goroutine ", "SELECT ", "INSERT ", "pq:", "SQLSTATE", "panic", ".go:"} {
		if strings.Contains(string(r.body), leak) {
			t.Fatalf("problem leaks %q: %s", leak, r.body)
		}
	}
	return p
}

// req is one request.
type req struct {
	method, path, key string
	body              any // string: sent as is; else encoded as JSON
	header            map[string]string
}

func (e *env) do(t testing.TB, r req) response {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(r.method, e.http.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.key != "" {
		hr.Header.Set("Authorization", "Bearer "+r.key)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	res, err := e.client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{e.fx.ReadKey.Secret, e.fx.WriteKey.Secret, r.key} {
		if k != "" && (bytes.Contains(b, []byte(k)) || strings.Contains(fmt.Sprint(res.Header), k)) {
			t.Fatalf("%s %s: the answer contains a key", r.method, r.path)
		}
	}
	if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("%s %s: status %d: %s", r.method, r.path, res.StatusCode, b)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// get is a GET that must answer 200; it returns the data.
func (e *env) get(t testing.TB, key, path string) envelope {
	t.Helper()
	r := e.do(t, req{method: http.MethodGet, path: path, key: key})
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
	}
	return r.envelope(t)
}

// mcpCall runs the operation's MCP face directly, with the principal of
// key, and returns structuredContent (or the error text).
func (e *env) mcpCall(t testing.TB, p storage.Principal, op string, args any) (json.RawMessage, bool) {
	t.Helper()
	tl, ok := e.ops[op]
	if !ok {
		t.Fatalf("no operation %s", op)
	}
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	res := pipeline.New(pipeline.Options{DB: e.db, Log: zerolog.Nop(), Tools: []tools.Tool{tl}}).
		Call(storage.WithVia(context.Background(), storage.ViaMCP), p, op, raw)
	if res.Failed {
		t.Fatalf("%s: failed inside the server (%s)", op, res.Outcome)
	}
	if res.Refusal != nil {
		t.Logf("MCP %s: %v", op, res.Refusal)
		return nil, true
	}
	return res.Data, false
}

// --- validation against the OpenAPI document ---

// validated checks answers against the OpenAPI document the server serves
// and counts what it checked.
type validated struct {
	doc    *openapi3.T
	router routers.Router
	mu     sync.Mutex
	count  int
}

func newValidated(t testing.TB) *validated {
	t.Helper()
	api := rest.New(rest.Options{Log: zerolog.Nop(), Tools: tools.All(tools.Deps{})})
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	// Route by path only: the test server's address is not the document's.
	doc.Servers = nil
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("routing the OpenAPI document: %v", err)
	}
	return &validated{doc: doc, router: r}
}

type validatingTransport struct {
	t    testing.TB
	v    *validated
	next http.RoundTripper
}

func (tr *validatingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := tr.next.RoundTrip(r)
	if err != nil || !strings.HasPrefix(r.URL.Path, rest.Base+"/") {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	if verr := tr.v.check(r, res, body); verr != nil {
		tr.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\n%s", r.Method, r.URL.Path, res.StatusCode, verr, body)
	}
	return res, nil
}

// check validates one answer. An answer on a path or method the document
// does not describe (a 404 for an unknown path, a 405) must still be a
// problem.
func (v *validated) check(r *http.Request, res *http.Response, body []byte) error {
	route, pathParams, err := v.router.FindRoute(r)
	if err != nil {
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
			return fmt.Errorf("the document has no route for it: %v", err)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			return fmt.Errorf("an undocumented route answered %q, not a problem", ct)
		}
		return nil
	}
	v.mu.Lock()
	v.count++
	v.mu.Unlock()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.StatusCode,
		Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()}},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}
