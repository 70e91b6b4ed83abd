package rest_test

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// BenchmarkRESTvsMCP measures the same read through both faces of one
// server (the real HTTP assembly, key check included, rate limit off):
// GET /api/v1/inventory-levels and MCP tools/call get_inventory_levels with
// the same arguments, side by side, reporting calls/s, p50 and p99.
//
//	LOGISTIFIED_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	  go test ./rest -run '^$' -bench BenchmarkRESTvsMCP -benchtime 3s
func BenchmarkRESTvsMCP(b *testing.B) {
	for _, backend := range storagetest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := storagetest.Open(b, backend)
			e := newEnv(b, db, envOptions{rate: auth.Rate{}})
			skus := []string{"TRS-40", "TRS-42", "TRS-44", "SHELL-M", "MUG-STEEL"}
			key := e.fx.ReadKey.Secret
			restURL := e.http.URL + rest.Base + "/inventory-levels?skus=" + strings.Join(skus, ",")
			mcpBody := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_inventory_levels","arguments":{"skus":["` +
				strings.Join(skus, `","`) + `"]}}}`)
			faces := []struct {
				name string
				req  func() *http.Request
				bad  func(status int, body []byte) bool
			}{
				{"rest", func() *http.Request {
					r, _ := http.NewRequest(http.MethodGet, restURL, nil)
					r.Header.Set("Authorization", "Bearer "+key)
					return r
				}, func(status int, body []byte) bool { return status != http.StatusOK }},
				{"mcp", func() *http.Request {
					r, _ := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", bytes.NewReader(mcpBody))
					r.Header.Set("Content-Type", "application/json")
					r.Header.Set("Accept", "application/json, text/event-stream")
					r.Header.Set("Authorization", "Bearer "+key)
					return r
				}, func(status int, body []byte) bool {
					return status != http.StatusOK || bytes.Contains(body, []byte(`"isError":true`))
				}},
			}
			for _, face := range faces {
				b.Run(face.name, func(b *testing.B) {
					client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
					defer client.CloseIdleConnections()
					var mu sync.Mutex
					var latencies []time.Duration
					b.ResetTimer()
					start := time.Now()
					b.RunParallel(func(pb *testing.PB) {
						var mine []time.Duration
						for pb.Next() {
							t0 := time.Now()
							resp, err := client.Do(face.req())
							if err != nil {
								b.Error(err)
								return
							}
							out, _ := io.ReadAll(resp.Body)
							resp.Body.Close()
							mine = append(mine, time.Since(t0))
							if face.bad(resp.StatusCode, out) {
								b.Errorf("status %d: %s", resp.StatusCode, out)
								return
							}
						}
						mu.Lock()
						latencies = append(latencies, mine...)
						mu.Unlock()
					})
					elapsed := time.Since(start)
					b.StopTimer()
					if len(latencies) == 0 {
						return
					}
					slices.Sort(latencies)
					rank := func(q float64) time.Duration { return latencies[int(math.Ceil(q*float64(len(latencies))))-1] }
					b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "calls/s")
					b.ReportMetric(float64(rank(0.50).Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(rank(0.99).Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}
