// Package rest serves the operations of package tools as REST API v1 at
// /api/v1 (DESIGN.md §9): the same keys, the same argument binding and
// sentences, the same write path and output shapes as MCP. A route is a
// declaration in Routes; one handler serves them all, so no argument or
// business rule is written here a second time. What this package owns is
// HTTP: where arguments come from, status codes, problem details, paging
// metadata, ETags and the OpenAPI document.
package rest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/httpkit"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/strictjson"
	"github.com/logistified/mcp-server/tools"
)

// Base is where the API is mounted.
const Base = "/api/v1"

// APIVersion is reported in every answer's meta.
const APIVersion = "1.0"

// DefaultMaxBodyBytes caps a request body: the same cap as /mcp.
const DefaultMaxBodyBytes = 1 << 20

// Options configure New.
type Options struct {
	DB  *storage.DB
	Log zerolog.Logger
	// Metrics count operation calls (by operation and outcome, as MCP's)
	// and refused keys; nil makes a fresh set.
	Metrics *metrics.Metrics
	// Auth checks keys; nil makes one on DB and Metrics. Share the HTTP
	// assembly's one.
	Auth *auth.Authenticator
	// Limiter is the per-key rate limit shared with /mcp; nil limits
	// nothing.
	Limiter *auth.Limiter
	// Tools replaces tools.All, for tests.
	Tools []tools.Tool
	// MaxBodyBytes caps request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Version is the server version in the OpenAPI document.
	Version string
	// Pipeline runs the calls; nil makes one from the options above. The
	// HTTP assembly passes the one it shares with /mcp.
	Pipeline *pipeline.Pipeline
}

// API is the assembled REST face.
type API struct {
	log      zerolog.Logger
	pipeline *pipeline.Pipeline
	maxBody  int64
	ops      map[string]operation
	openapi  []byte
	mux      *http.ServeMux
}

// operation is a route bound to its tool.
type operation struct {
	Route
	tool     tools.Tool
	params   params
	pathArgs []string
	isList   bool
}

// New assembles the REST face. It panics if a route names an operation
// that does not exist: the route table and the operations are both code.
func New(o Options) *API {
	pl := o.Pipeline
	if pl == nil {
		pl = pipeline.New(pipeline.Options{DB: o.DB, Log: o.Log, Metrics: o.Metrics, Auth: o.Auth, Limiter: o.Limiter, Tools: o.Tools})
	}
	a := &API{log: o.Log, pipeline: pl, maxBody: o.MaxBodyBytes}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	list := pl.Tools()
	byName := map[string]tools.Tool{}
	for _, t := range list {
		byName[t.Name()] = t
	}
	// The operations on the caller's own key, which MCP does not list.
	for _, r := range Routes {
		if _, ok := byName[r.Op]; !ok {
			if t, ok := pl.Tool(r.Op); ok {
				byName[r.Op] = t
			}
		}
	}
	// One handler per path; it dispatches on the method, so an unknown
	// method gets a problem with Allow rather than ServeMux's plain text.
	byPath := map[string][]operation{}
	var paths []string
	for _, r := range Routes {
		t, ok := byName[r.Op]
		if !ok {
			panic(fmt.Sprintf("rest: route %s %s names no operation %s", r.Method, r.Path, r.Op))
		}
		op := operation{Route: r, tool: t, params: paramsOf(t.InputSchema())}
		op.pathArgs = pathArgs(r.Path)
		_, op.isList = op.params["cursor"]
		if _, seen := byPath[r.Path]; !seen {
			paths = append(paths, r.Path)
		}
		byPath[r.Path] = append(byPath[r.Path], op)
	}
	a.ops = map[string]operation{}
	a.mux = http.NewServeMux()
	for _, p := range paths {
		ops := byPath[p]
		for _, op := range ops {
			a.ops[op.Method+" "+op.Path] = op
		}
		a.mux.Handle(Base+p, a.path(ops))
	}
	doc, err := openAPI(a.routesInOrder(), o.Version)
	if err != nil {
		panic(fmt.Sprintf("rest: building the OpenAPI document: %v", err))
	}
	a.openapi = doc
	a.mux.HandleFunc(Base+"/openapi.json", a.serveOpenAPI)
	a.mux.HandleFunc(Base+"/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, probNoRoute.problem(fmt.Sprintf("there is no endpoint %s: see %s/openapi.json for the API", truncate(r.URL.Path, 200), Base), logging.RequestID(r.Context())))
	})
	return a
}

func (a *API) routesInOrder() []operation {
	out := make([]operation, 0, len(Routes))
	for _, r := range Routes {
		out = append(out, a.ops[r.Method+" "+r.Path])
	}
	return out
}

// pathArgs are the {names} in a path pattern.
func pathArgs(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// ServeHTTP serves /api/v1/. The routes are matched on a shallow copy of
// the request, so the pattern the HTTP assembly matched (its metrics
// label) stays on the request it logs.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// An API client gets a problem, not ServeMux's redirect, for a path
	// with empty, "." or ".." segments: no endpoint has one.
	if p := r.URL.Path; p != Base+"/" && path.Clean(p) != p {
		writeProblem(w, probNoRoute.problem("there is no endpoint at "+strconv.Quote(p)+": see "+Base+"/openapi.json for the endpoints", logging.RequestID(r.Context())))
		return
	}
	// A copy of the request: the inner mux records its own pattern on the
	// request it gets, and the assembly labels metrics by the outer one.
	a.mux.ServeHTTP(w, r.WithContext(r.Context()))
}

// OpenAPI is the OpenAPI 3.1 document of the API.
func (a *API) OpenAPI() []byte { return a.openapi }

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeProblem(w, probMethod.problem(r.Method+" is not allowed here: GET the document", logging.RequestID(r.Context())))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.openapi)
}

// path serves one path for its methods.
func (a *API) path(ops []operation) http.Handler {
	allow := make([]string, 0, len(ops))
	for _, op := range ops {
		allow = append(allow, op.Method)
	}
	allowed := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, op := range ops {
			if op.Method == r.Method || (r.Method == http.MethodHead && op.Method == http.MethodGet) {
				a.serve(w, r, op)
				return
			}
		}
		w.Header().Set("Allow", allowed)
		writeProblem(w, probMethod.problem(fmt.Sprintf("%s is not allowed on %s: use %s", safeMethod(r.Method), Base+ops[0].Path, allowed), logging.RequestID(r.Context())))
	})
}

func safeMethod(m string) string {
	if len(m) > 16 {
		return m[:16] + "…"
	}
	return m
}

// serve is the one handler every route shares: the request is admitted
// (key, rate limit) and its call run by the pipeline; what is REST's own is
// where the arguments come from (path, query, headers, body) and how the
// answer is written.
func (a *API) serve(w http.ResponseWriter, r *http.Request, op operation) {
	reqID := logging.RequestID(r.Context())
	if r.ContentLength > a.maxBody {
		writeProblem(w, probTooLarge.problem(fmt.Sprintf("the request body is larger than %d bytes: send fewer lines per call", a.maxBody), reqID))
		return
	}
	// The logger is made only when a refusal is logged, not on every call.
	log := func() zerolog.Logger { return logging.For(r.Context(), a.log).With().Str("operation", op.Op).Logger() }
	// The key first: nothing is read, not even the body, without one.
	p, ctx, refused := a.pipeline.Admit(r, w.Header())
	switch {
	case refused == nil:
	case refused.Auth != nil:
		a.unauthorized(w, r, log, refused.Auth)
		return
	default:
		writeProblem(w, probTooMany.problem(refused.Limited, reqID))
		return
	}
	// The key's database check may travel with the operation's first
	// read: the answer, whatever it is, is held until it is confirmed.
	body := httpkit.NewReplayable(r.Body)
	r.Body = body
	a.pipeline.Serve(w, r, p, ctx, func(w http.ResponseWriter, r *http.Request, p storage.Principal) {
		a.call(w, r, op, p)
	}, body.Rewind, func(ae *auth.Error) { a.unauthorized(w, r, log, ae) })
}

// call gathers the operation's arguments, runs it through the pipeline and
// writes its answer.
func (a *API) call(w http.ResponseWriter, r *http.Request, op operation, p storage.Principal) {
	// Every page of a list says its total (meta.total_count).
	ctx := tools.WithTotals(storage.WithVia(r.Context(), storage.ViaREST))
	reqID := logging.RequestID(ctx)
	args, body, prob := a.arguments(w, r, op)
	if args == nil {
		args = body
	}
	if prob != nil && tools.Allowed(p.Key.Scope, op.tool.Scope) {
		writeProblem(w, *prob)
		return
	}
	// A read key's call of a write is refused (and audited) by the
	// pipeline whatever its body held.
	res := a.pipeline.Call(ctx, p, op.Op, args)
	switch {
	case res.Refusal != nil:
		if res.Refusal.Kind == inventory.Forbidden {
			w.Header().Set("WWW-Authenticate", `Bearer realm="logistified", error="insufficient_scope", scope="write"`)
		}
		writeProblem(w, refusal(res.Refusal, reqID))
		return
	case res.Failed:
		writeProblem(w, probInternal.problem(internalDetail(op.Op, reqID), reqID))
		return
	}
	m := meta{RequestID: reqID, APIVersion: APIVersion}
	if op.isList {
		if pg, ok := res.Value.(tools.Paged); ok {
			m.NextCursor = &listCursor{pg.NextPage()}
			if n, ok := pg.TotalCount(); ok {
				m.TotalCount = &n
			}
		} else {
			// A list with a result shape of its own: its next_cursor.
			var page struct {
				NextCursor string `json:"next_cursor"`
			}
			_ = json.Unmarshal(res.Data, &page)
			m.NextCursor = &listCursor{page.NextCursor}
		}
	}
	a.answer(w, r, op, res.Data, m)
}

func internalDetail(op, reqID string) string {
	return fmt.Sprintf("Logistified hit an internal error while running %s. It has been logged; try again, and if it keeps failing, tell the store's administrator and quote request id %s.", op, reqID)
}

// arguments gathers the operation's arguments: path parameters, then the
// query string (reads) or the JSON body, the Idempotency-Key header and
// ?dry_run (writes). body is the raw body, for the audit log of a refusal.
func (a *API) arguments(w http.ResponseWriter, r *http.Request, op operation) (args json.RawMessage, body []byte, prob *Problem) {
	reqID := logging.RequestID(r.Context())
	fail := func(err error) (json.RawMessage, []byte, *Problem) {
		if ie, ok := asRefusal(err); ok {
			p := refusal(ie, reqID)
			return nil, body, &p
		}
		p := probBadRequest.problem(err.Error(), reqID)
		return nil, body, &p
	}
	var m map[string]json.RawMessage
	var err error
	if op.Method == http.MethodGet {
		m, err = op.params.fromQuery(r.URL.Query(), pathSet(op.pathArgs))
		if err != nil {
			return fail(err)
		}
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			p := probTooLarge.problem(fmt.Sprintf("the request body is larger than %d bytes: send fewer lines per call", a.maxBody), reqID)
			return nil, nil, &p
		}
		if err != nil {
			p := probBadRequest.problem("the request body could not be read", reqID)
			return nil, nil, &p
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				p := probUnsupportedMedia.problem("the request body must be JSON: send Content-Type: application/json", reqID)
				return nil, body, &p
			}
			if err := strictjson.Charset(r.Header.Get("Content-Type")); err != nil {
				p := probUnsupportedMedia.problem(err.Error(), reqID)
				return nil, body, &p
			}
		}
		if m, err = fromBody(body); err != nil {
			return fail(err)
		}
		q := r.URL.Query()
		for name := range q {
			if name != "dry_run" {
				return fail(unknownParam(name, params{"dry_run": {}}, nil))
			}
		}
		if v, ok := q["dry_run"]; ok {
			if len(v) > 1 {
				return fail(errors.New("dry_run is given more than once: give it once"))
			}
			dry, err := scalar("dry_run", "boolean", v[0])
			if err != nil {
				return fail(err)
			}
			if err := setArgJSON(m, "dry_run", dry, "dry_run="+truncate(v[0], 16), "query string"); err != nil {
				return fail(err)
			}
		}
		if k := r.Header.Values("Idempotency-Key"); len(k) > 0 {
			if len(k) > 1 {
				return fail(errors.New("Idempotency-Key is given more than once: give it once"))
			}
			if err := setArg(m, "idempotency_key", k[0], "Idempotency-Key header"); err != nil {
				return fail(err)
			}
		}
	}
	for _, name := range op.pathArgs {
		if err := setArg(m, name, r.PathValue(name), "path"); err != nil {
			return fail(err)
		}
	}
	args, err = json.Marshal(m)
	if err != nil {
		return fail(err)
	}
	return args, body, nil
}

func pathSet(names []string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// Every successful answer is {"data": the operation's result, "meta": meta}.
type meta struct {
	RequestID  string `json:"request_id"`
	APIVersion string `json:"api_version"`
	// NextCursor and TotalCount are set on lists only.
	NextCursor *listCursor `json:"next_cursor,omitempty"`
	TotalCount *int64      `json:"total_count,omitempty"`
}

// listCursor encodes as the next page's cursor, or null on the last page.
type listCursor struct{ next string }

func (c *listCursor) MarshalJSON() ([]byte, error) {
	if c.next == "" {
		return []byte("null"), nil
	}
	return json.Marshal(c.next)
}

// answer writes data in the envelope: 201 and Location for a creation,
// ETag and 304 for reads.
func (a *API) answer(w http.ResponseWriter, r *http.Request, op operation, data json.RawMessage, m meta) {
	h := w.Header()
	status := http.StatusOK
	if op.Method == http.MethodGet {
		// A strong validator of the data: polling integrations pay nothing
		// when nothing changed.
		sum := sha256.Sum256(data)
		etag := `"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, no-cache")
		if etagMatch(r.Header.Values("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		h.Set("Cache-Control", "no-store")
	}
	if op.Created != "" {
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(data, &fields)
		var doc struct {
			Number string `json:"number"`
		}
		if string(fields["dry_run"]) != "true" && json.Unmarshal(fields[op.Created], &doc) == nil && doc.Number != "" {
			h.Set("Location", Base+op.Collection+"/"+url.PathEscape(doc.Number))
			status = http.StatusCreated
		}
	}
	mb, err := json.Marshal(m)
	if err != nil {
		writeProblem(w, probInternal.problem(internalDetail(op.Op, m.RequestID), m.RequestID))
		return
	}
	// The envelope by hand: data is already the operation's JSON, and
	// re-encoding it would only parse it again.
	b := make([]byte, 0, len(data)+len(mb)+20)
	b = append(b, `{"data":`...)
	b = append(b, data...)
	b = append(b, `,"meta":`...)
	b = append(b, mb...)
	b = append(b, "}\n"...)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		httpkit.WriteWhole(w, b)
	}
}

// etagMatch reports whether If-None-Match names etag (or is *).
func etagMatch(values []string, etag string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}

func (a *API) unauthorized(w http.ResponseWriter, r *http.Request, logger func() zerolog.Logger, ae *auth.Error) {
	reqID := logging.RequestID(r.Context())
	log := logger()
	if ae.Unavailable() {
		log.Error().Err(ae.Err).Msg("checking an API key")
		w.Header().Set("Retry-After", "5")
		writeProblem(w, probUnavailable.problem(ae.Msg, reqID))
		return
	}
	log.Info().Str("reason", ae.Reason).Str("remote", r.RemoteAddr).Msg("API key refused")
	if ae.Forbidden() {
		p := probAddress.problem(ae.Msg, reqID)
		p.Errors = []FieldError{{Field: "Authorization", Message: ae.Label()}}
		writeProblem(w, p)
		return
	}
	w.Header().Set("WWW-Authenticate", auth.Challenge)
	p := probUnauthorized.problem(ae.Msg, reqID)
	p.Errors = []FieldError{{Field: "Authorization", Message: ae.Label()}}
	writeProblem(w, p)
}
