package mcp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
}

// Tool call outcomes, as labelled in logistified_tool_calls_total.
const (
	outcomeOK        = "ok"
	outcomeToolError = "tool_error" // an isError result the model can act on
	outcomeRefused   = "refused"    // a write tool called with a read key
	outcomeInternal  = "internal_error"
	outcomePanic     = "panic"
)

// Authentication failure reasons, as labelled in
// logistified_auth_failures_total.
const (
	reasonMissing   = "missing"
	reasonMalformed = "malformed"
	reasonUnknown   = "unknown"
	reasonRevoked   = "revoked"
	reasonError     = "error" // the database could not be asked
)

// NewMetrics registers the metrics, with the Go runtime and process
// collectors, on a new registry.
func NewMetrics() *Metrics {
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
			Help: "MCP tool calls by tool and outcome (ok, tool_error, refused, internal_error, panic).",
		}, []string{"tool", "outcome"}),
		toolLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logistified_tool_call_duration_seconds",
			Help:    "MCP tool call latency by tool.",
			Buckets: prometheus.DefBuckets,
		}, []string{"tool"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logistified_auth_failures_total",
			Help: "Refused API keys by reason (missing, malformed, unknown, revoked, error).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.httpRequests, m.httpLatency, m.toolCalls, m.toolLatency, m.authFailures)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry is the registry the metrics live on, for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

func (m *Metrics) toolCall(tool, outcome string, d time.Duration) {
	m.toolCalls.WithLabelValues(tool, outcome).Inc()
	m.toolLatency.WithLabelValues(tool).Observe(d.Seconds())
}

func (m *Metrics) authFailure(reason string) { m.authFailures.WithLabelValues(reason).Inc() }

func (m *Metrics) httpRequest(path, method string, code int, d time.Duration) {
	m.httpRequests.WithLabelValues(path, method, strconv.Itoa(code)).Inc()
	m.httpLatency.WithLabelValues(path).Observe(d.Seconds())
}
