package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want Prometheus' text format", ct)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// What a scraper reads: each series with its labels in name order, the
// histograms' buckets, and the runtime's and the process's metrics.
func TestExposition(t *testing.T) {
	m := New()
	m.ToolCall("get_store_overview", OutcomeOK, 30*time.Millisecond)
	m.ToolCall("get_store_overview", OutcomeOK, time.Millisecond)
	m.HTTPRequest("/mcp", "POST", 401, time.Millisecond)
	m.AuthFailure(ReasonRevoked)
	m.AuditFailure()
	body := scrape(t, m)
	for _, want := range []string{
		`logistified_tool_calls_total{outcome="ok",tool="get_store_overview"} 2`,
		`logistified_tool_call_duration_seconds_bucket{tool="get_store_overview",le="0.005"} 1`,
		`logistified_tool_call_duration_seconds_bucket{tool="get_store_overview",le="0.05"} 2`,
		`logistified_tool_call_duration_seconds_count{tool="get_store_overview"} 2`,
		`logistified_http_requests_total{code="401",method="POST",path="/mcp"} 1`,
		`logistified_http_request_duration_seconds_bucket{path="/mcp",le="+Inf"} 1`,
		`logistified_auth_failures_total{reason="revoked"} 1`,
		`logistified_audit_failures_total 1`,
		"\ngo_goroutines ",
		"\nprocess_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the exposition lacks %s", want)
		}
	}
	if m.ToolCalls("get_store_overview", OutcomeOK) != 2 || m.AuthFailures(ReasonRevoked) != 1 || m.AuditFailures() != 1 {
		t.Error("the test readers disagree with the exposition")
	}
}

// A label value is escaped as the text format says (backslash, quote,
// newline), and only so: any other escape would make the whole scrape
// unreadable.
func TestLabelValuesEscaped(t *testing.T) {
	m := New()
	m.HTTPRequest("/mcp", "G\"E\\T\né", 400, time.Millisecond)
	body := scrape(t, m)
	want := `logistified_http_requests_total{code="400",method="G\"E\\T\né",path="/mcp"} 1`
	if !strings.Contains(body, want) {
		t.Errorf("the exposition lacks %s:\n%s", want, body)
	}
}

// Counting a seen series formats no name: nothing is allocated per call.
func TestCountingDoesNotAllocate(t *testing.T) {
	m := New()
	m.ToolCall("get_inventory_levels", OutcomeOK, time.Millisecond)
	m.HTTPRequest("/mcp", "POST", 200, time.Millisecond)
	if n := testing.AllocsPerRun(100, func() {
		m.ToolCall("get_inventory_levels", OutcomeOK, time.Millisecond)
		m.HTTPRequest("/mcp", "POST", 200, time.Millisecond)
	}); n != 0 {
		t.Errorf("%v allocations per counted call, want 0", n)
	}
}
