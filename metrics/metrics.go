// Package metrics holds the server's Prometheus metrics: HTTP requests
// (counted by the HTTP assembly), operation calls and authentication
// failures (counted by each face), on one registry per process.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the server's Prometheus metrics, on a registry of their own
// (no package globals), so that tests and several servers in one process
// never share counters.
type Metrics struct {
	registry     *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
	toolCalls    *prometheus.CounterVec
	toolLatency  *prometheus.HistogramVec
	authFailures *prometheus.CounterVec
	auditFailed  prometheus.Counter
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

// New registers the metrics, with the Go runtime and process collectors, on
// a new registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logistified_http_requests_total",
			Help: "HTTP requests by path, method and status code.",
		}, []string{"path", "method", "code"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logistified_http_request_duration_seconds",
			Help:    "HTTP request latency by path.",
			Buckets: prometheus.DefBuckets,
		}, []string{"path"}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logistified_tool_calls_total",
			Help: "Tool calls by tool and outcome (ok, tool_error, refused, internal_error, panic).",
		}, []string{"tool", "outcome"}),
		toolLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logistified_tool_call_duration_seconds",
			Help:    "Tool call latency by tool.",
			Buckets: prometheus.DefBuckets,
		}, []string{"tool"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logistified_auth_failures_total",
			Help: "Refused API keys by reason (missing, malformed, unknown, revoked, expired, address_not_allowed, error).",
		}, []string{"reason"}),
		auditFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logistified_audit_failures_total",
			Help: "Audit entries (refused writes, dry runs, refused calls) that could not be recorded; each is also logged at error.",
		}),
	}
	reg.MustRegister(m.httpRequests, m.httpLatency, m.toolCalls, m.toolLatency, m.authFailures, m.auditFailed)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry is the registry the metrics live on, for collectors of other
// packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// ToolCall counts one tool call and its latency.
func (m *Metrics) ToolCall(tool, outcome string, d time.Duration) {
	m.toolCalls.WithLabelValues(tool, outcome).Inc()
	m.toolLatency.WithLabelValues(tool).Observe(d.Seconds())
}

// AuthFailure counts one refused credential.
func (m *Metrics) AuthFailure(reason string) { m.authFailures.WithLabelValues(reason).Inc() }

// AuditFailure counts one audit entry that could not be recorded.
func (m *Metrics) AuditFailure() { m.auditFailed.Inc() }

// AuditFailures is how many audit entries could not be recorded, for tests.
func (m *Metrics) AuditFailures() float64 { return counterValue(m.auditFailed) }

// HTTPRequest counts one HTTP request. path must come from a fixed set, so
// that scanners cannot grow the label space.
func (m *Metrics) HTTPRequest(path, method string, code int, d time.Duration) {
	m.httpRequests.WithLabelValues(path, method, strconv.Itoa(code)).Inc()
	m.httpLatency.WithLabelValues(path).Observe(d.Seconds())
}

// ToolCalls is how many calls of tool ended with outcome, for tests.
func (m *Metrics) ToolCalls(tool, outcome string) float64 {
	return counterValue(m.toolCalls.WithLabelValues(tool, outcome))
}

// AuthFailures is how many credentials were refused for reason, for tests.
func (m *Metrics) AuthFailures(reason string) float64 {
	return counterValue(m.authFailures.WithLabelValues(reason))
}

func counterValue(c prometheus.Counter) float64 {
	var out dto.Metric
	if err := c.Write(&out); err != nil {
		return -1
	}
	return out.GetCounter().GetValue()
}
