// Package metrics holds the server's Prometheus metrics: HTTP requests
// (counted by the HTTP assembly), operation calls and authentication
// failures (counted by each face), on one set per process, served in the
// Prometheus text format with the Go runtime's and the process's own.
//
// They are kept with VictoriaMetrics/metrics, which writes the text
// format itself: Prometheus' client library links protobuf and its
// exposition stack (about 1 MB of the binary) for features this server
// does not use.
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
)

// Metrics are the server's metrics, on a set of their own (no package
// globals), so that tests and several servers in one process never share
// counters.
type Metrics struct {
	set          *vm.Set
	httpRequests family[httpKey, *vm.Counter]
	httpLatency  family[string, *vm.PrometheusHistogram]
	toolCalls    family[toolKey, *vm.Counter]
	toolLatency  family[string, *vm.PrometheusHistogram]
	authFailures family[string, *vm.Counter]
	auditFailed  *vm.Counter
}

// Tool call outcomes, as labelled in logistified_tool_calls_total.
const (
	OutcomeOK        = "ok"
	OutcomeToolError = "tool_error" // an error the caller can act on
	OutcomeRefused   = "refused"    // a write called with a read key
	OutcomeInternal  = "internal_error"
	OutcomePanic     = "panic"
)

// Authentication failure reasons, as labelled in
// logistified_auth_failures_total.
const (
	ReasonMissing   = "missing"
	ReasonMalformed = "malformed"
	ReasonUnknown   = "unknown"
	ReasonRevoked   = "revoked"
	ReasonExpired   = "expired"             // past its expiry, or a roll's grace end
	ReasonAddress   = "address_not_allowed" // outside the key's allow-list
	ReasonError     = "error"               // the database could not be asked
)

type httpKey struct {
	path, method string
	code         int
}

type toolKey struct{ tool, outcome string }

// family is one metric's series by label values. A series is named once,
// when first seen, so that counting on the hot path is a map read: no
// name is formatted per request.
type family[K comparable, M any] struct {
	mu     sync.RWMutex
	series map[K]M
}

func (f *family[K, M]) get(k K, create func() M) M {
	f.mu.RLock()
	m, ok := f.series[k]
	f.mu.RUnlock()
	if ok {
		return m
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.series[k]; ok {
		return m
	}
	if f.series == nil {
		f.series = map[K]M{}
	}
	m = create()
	f.series[k] = m
	return m
}

// New makes the metrics on a new set.
func New() *Metrics {
	s := vm.NewSet()
	return &Metrics{set: s, auditFailed: s.NewCounter("logistified_audit_failures_total")}
}

// Handler serves the metrics in the Prometheus text format: the server's,
// then the Go runtime's and the process's (go_*, process_*).
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.set.WritePrometheus(w)
		vm.WriteProcessMetrics(w)
	})
}

// labelEscaper escapes a label value as the text format wants it: a
// backslash, a double quote and a newline, nothing else.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label is a label value, quoted.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// ToolCall counts one tool call and its latency.
func (m *Metrics) ToolCall(tool, outcome string, d time.Duration) {
	m.toolCall(tool, outcome).Inc()
	m.toolLatency.get(tool, func() *vm.PrometheusHistogram {
		return m.set.GetOrCreatePrometheusHistogram(`logistified_tool_call_duration_seconds{tool=` + label(tool) + `}`)
	}).Update(d.Seconds())
}

func (m *Metrics) toolCall(tool, outcome string) *vm.Counter {
	return m.toolCalls.get(toolKey{tool, outcome}, func() *vm.Counter {
		return m.set.GetOrCreateCounter(`logistified_tool_calls_total{outcome=` + label(outcome) + `,tool=` + label(tool) + `}`)
	})
}

// AuthFailure counts one refused credential.
func (m *Metrics) AuthFailure(reason string) { m.authFailure(reason).Inc() }

func (m *Metrics) authFailure(reason string) *vm.Counter {
	return m.authFailures.get(reason, func() *vm.Counter {
		return m.set.GetOrCreateCounter(`logistified_auth_failures_total{reason=` + label(reason) + `}`)
	})
}

// AuditFailure counts one audit entry that could not be recorded.
func (m *Metrics) AuditFailure() { m.auditFailed.Inc() }

// AuditFailures is how many audit entries could not be recorded, for tests.
func (m *Metrics) AuditFailures() float64 { return float64(m.auditFailed.Get()) }

// HTTPRequest counts one HTTP request. path must come from a fixed set, so
// that scanners cannot grow the label space.
func (m *Metrics) HTTPRequest(path, method string, code int, d time.Duration) {
	m.httpRequests.get(httpKey{path, method, code}, func() *vm.Counter {
		return m.set.GetOrCreateCounter(`logistified_http_requests_total{code="` + strconv.Itoa(code) + `",method=` + label(method) + `,path=` + label(path) + `}`)
	}).Inc()
	m.httpLatency.get(path, func() *vm.PrometheusHistogram {
		return m.set.GetOrCreatePrometheusHistogram(`logistified_http_request_duration_seconds{path=` + label(path) + `}`)
	}).Update(d.Seconds())
}

// ToolCalls is how many calls of tool ended with outcome, for tests.
func (m *Metrics) ToolCalls(tool, outcome string) float64 {
	return float64(m.toolCall(tool, outcome).Get())
}

// AuthFailures is how many credentials were refused for reason, for tests.
func (m *Metrics) AuthFailures(reason string) float64 {
	return float64(m.authFailure(reason).Get())
}
