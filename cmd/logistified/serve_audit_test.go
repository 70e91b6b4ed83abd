package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A refusal whose audit entry cannot be written still reaches the caller,
// and the failure is logged at error with the request id and counted in
// /metrics.
func TestServeReportsAuditFailures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		var logs syncBuffer
		rate, _ := auth.ParseRate("0")
		a := &app{stdout: io.Discard, stderr: io.Discard}
		h, err := a.httpHandler(db, zerolog.New(&logs), nil, rate, "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		if _, err := db.Backend().Exec(context.Background(), `DROP TABLE audit_log`); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/purchase-orders", strings.NewReader(`{"supplier":"Summit Gear","location":"WH","lines":[]}`))
		req.Header.Set("Authorization", "Bearer "+f.WriteKey.Secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("refused write: %d %s, want the refusal", resp.StatusCode, body)
		}
		reqID := resp.Header.Get("X-Request-Id")
		if line := logs.String(); !strings.Contains(line, `"level":"error"`) || !strings.Contains(line, "recording an audit entry failed") ||
			!strings.Contains(line, reqID) || !strings.Contains(line, "create_purchase_order") {
			t.Fatalf("log (request %s): %s", reqID, line)
		}
		resp, err = http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(metrics), "logistified_audit_failures_total 1") {
			t.Fatalf("/metrics lacks the audit failure: %s", grepLines(string(metrics), "audit"))
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
