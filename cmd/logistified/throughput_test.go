package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage"
)

// BenchmarkThroughput compares the production HTTP assembly (every face,
// the key checked against the database on every request) with its floor:
// a bare stateless mcp-go server that checks a bearer token in memory and
// answers get_inventory_levels with the same bytes the real server
// answers. Both are served over loopback HTTP in the same run, by
// LOGISTIFIED_THROUGHPUT_CLIENTS (default 16) concurrent clients for
// LOGISTIFIED_THROUGHPUT_SECONDS (default 5) each, on a demo store of
// 20,000 variants (LOGISTIFIED_BENCH_VARIANTS). It reports both rates,
// their ratio, and REST's rate for the same read:
//
//	LOGISTIFIED_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/bench20k \
//	  go test ./cmd/logistified -run '^$' -bench BenchmarkThroughput -benchtime 1x
func BenchmarkThroughput(b *testing.B) {
	url := os.Getenv("LOGISTIFIED_BENCH_POSTGRES_URL")
	if path := os.Getenv("LOGISTIFIED_BENCH_SQLITE_PATH"); path != "" {
		url = "sqlite:" + path
	}
	if url == "" {
		b.Skip("set LOGISTIFIED_BENCH_POSTGRES_URL (or LOGISTIFIED_BENCH_SQLITE_PATH) to measure throughput against the mcp-go floor")
	}
	variants := envInt("LOGISTIFIED_BENCH_VARIANTS", 20000)
	clients := envInt("LOGISTIFIED_THROUGHPUT_CLIENTS", 16)
	seconds := envInt("LOGISTIFIED_THROUGHPUT_SECONDS", 5)

	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	res, err := demo.Ensure(ctx, db, demo.Options{Domain: fmt.Sprintf("bench-%d.myshopify.com", variants), Variants: variants})
	if err != nil {
		b.Fatal(err)
	}
	log, err := logging.New(io.Discard, "info")
	if err != nil {
		b.Fatal(err)
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, databaseURL: url}
	h, err := a.httpHandler(db, log, nil, auth.Rate{}, "http://127.0.0.1:8080")
	if err != nil {
		b.Fatal(err)
	}
	real := httptest.NewServer(h)
	defer real.Close()

	skus, err := firstSKUs(ctx, db, res.Store.ID, 5)
	if err != nil {
		b.Fatal(err)
	}
	key := res.ReadKey.Secret
	mcpBody := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_inventory_levels","arguments":{"skus":["` +
		strings.Join(skus, `","`) + `"]}}}`)
	mcpCall := func(base string) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/mcp", bytes.NewReader(mcpBody))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Accept", "application/json, text/event-stream")
			r.Header.Set("Authorization", "Bearer "+key)
			return r
		}
	}
	restCall := func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, real.URL+"/api/v1/inventory-levels?skus="+strings.Join(skus, ","), nil)
		r.Header.Set("Authorization", "Bearer "+key)
		return r
	}

	// The floor answers with exactly what the real server answers.
	answer, err := structuredAnswer(mcpCall(real.URL)())
	if err != nil {
		b.Fatal(err)
	}
	floor := httptest.NewServer(floorServer(key, answer))
	defer floor.Close()

	if only := os.Getenv("LOGISTIFIED_THROUGHPUT_ONLY"); only != "" {
		// One face alone, for a CPU profile of it.
		req := map[string]func() *http.Request{"floor": mcpCall(floor.URL), "mcp": mcpCall(real.URL), "rest": restCall}[only]
		if req == nil {
			b.Fatalf("LOGISTIFIED_THROUGHPUT_ONLY=%s: give floor, mcp or rest", only)
		}
		b.ResetTimer()
		rate, cpu := drive(b, clients, time.Duration(seconds)*time.Second, req)
		b.ReportMetric(rate, only+"-calls/s")
		b.ReportMetric(cpu, only+"-cpu-µs/call")
		return
	}
	b.ResetTimer()
	for range b.N {
		d := time.Duration(seconds) * time.Second
		floorRate, floorCPU := drive(b, clients, d, mcpCall(floor.URL))
		serveRate, serveCPU := drive(b, clients, d, mcpCall(real.URL))
		restRate, restCPU := drive(b, clients, d, restCall)
		b.ReportMetric(floorRate, "floor-calls/s")
		b.ReportMetric(serveRate, "mcp-calls/s")
		b.ReportMetric(restRate, "rest-calls/s")
		b.ReportMetric(serveRate/floorRate, "ratio")
		b.ReportMetric(serveCPU-floorCPU, "mcp-extra-cpu-µs/call")
		b.ReportMetric(restCPU-floorCPU, "rest-extra-cpu-µs/call")
		b.Logf("%s, %d variants, %d clients, %ds each: floor %.0f calls/s, MCP %.0f calls/s (%.2f× the floor), REST %.0f calls/s; "+
			"this process's CPU per call (server and clients): floor %.0f µs, MCP %.0f µs, REST %.0f µs",
			db.Dialect(), variants, clients, seconds, floorRate, serveRate, serveRate/floorRate, restRate, floorCPU, serveCPU, restCPU)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// firstSKUs names n of the store's variants, spread over the catalogue.
func firstSKUs(ctx context.Context, db *storage.DB, storeID int64, n int) ([]string, error) {
	rows, err := db.Backend().Query(ctx, `SELECT sku FROM variants WHERE store_id = $1 ORDER BY id LIMIT $2`, storeID, n*997)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		all = append(all, s)
	}
	var out []string
	for i := 0; i < len(all) && len(out) < n; i += 997 {
		out = append(out, all[i])
	}
	return out, rows.Err()
}

// structuredAnswer calls the real server once and returns the tool
// result's structured content.
func structuredAnswer(r *http.Request) (json.RawMessage, error) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Result struct {
			StructuredContent json.RawMessage `json:"structuredContent"`
			IsError           bool            `json:"isError"`
		} `json:"result"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &out); err != nil || out.Result.IsError || len(out.Result.StructuredContent) == 0 {
		return nil, fmt.Errorf("the real server answered %d: %s", resp.StatusCode, body)
	}
	return out.Result.StructuredContent, nil
}

// floorServer is the least an MCP server over HTTP can do for this call:
// mcp-go's stateless streamable handler, a bearer token compared in
// memory, and a tool that returns a fixed result.
func floorServer(key string, answer json.RawMessage) http.Handler {
	s := mcpserver.NewMCPServer("floor", "1", mcpserver.WithToolCapabilities(false))
	s.AddTool(mcpgo.NewTool("get_inventory_levels"), func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		return mcpgo.NewToolResultStructured(answer, string(answer)), nil
	})
	h := mcpserver.NewStreamableHTTPServer(s, mcpserver.WithStateLess(true), mcpserver.WithDisableStreaming(true))
	want := []byte("Bearer " + key)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// drive sends requests from clients goroutines for d and returns the rate
// of successful calls and this process's CPU time per call in µs (the
// server's and the clients'; the database's is not counted).
func drive(b *testing.B, clients int, d time.Duration, req func() *http.Request) (rate, cpuPerCall float64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}
	defer client.CloseIdleConnections()
	var done atomic.Int64
	var failed sync.Once
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), processCPU()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Do(req())
				if err != nil {
					failed.Do(func() { b.Error(err) })
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"isError":true`)) {
					failed.Do(func() { b.Errorf("status %d: %.300s", resp.StatusCode, body) })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	n := float64(done.Load())
	return n / time.Since(start).Seconds(), float64((processCPU() - cpu0).Microseconds()) / n
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
