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
	"os/exec"
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
	mcpCall := func(base string) load {
		return load{Method: http.MethodPost, URL: base + "/mcp", Body: mcpBody, Clients: clients, Seconds: seconds, Header: map[string]string{
			"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Authorization": "Bearer " + key}}
	}
	restCall := load{Method: http.MethodGet, URL: real.URL + "/api/v1/inventory-levels?skus=" + strings.Join(skus, ","),
		Clients: clients, Seconds: seconds, Header: map[string]string{"Authorization": "Bearer " + key}}

	// The floor answers with exactly what the real server answers.
	answer, err := structuredAnswer(mcpCall(real.URL))
	if err != nil {
		b.Fatal(err)
	}
	floor := httptest.NewServer(floorServer(key, answer))
	defer floor.Close()

	if only := os.Getenv("LOGISTIFIED_THROUGHPUT_ONLY"); only != "" {
		// One face alone, for a CPU profile of it.
		l, ok := map[string]load{"floor": mcpCall(floor.URL), "mcp": mcpCall(real.URL), "rest": restCall}[only]
		if !ok {
			b.Fatalf("LOGISTIFIED_THROUGHPUT_ONLY=%s: give floor, mcp or rest", only)
		}
		b.ResetTimer()
		c := drive(b, l)
		b.ReportMetric(c.rate, only+"-calls/s")
		b.ReportMetric(c.serve, only+"-serve-cpu-µs/call")
		return
	}
	b.ResetTimer()
	for range b.N {
		floorCost := drive(b, mcpCall(floor.URL))
		mcpCost := drive(b, mcpCall(real.URL))
		restCost := drive(b, restCall)
		b.ReportMetric(floorCost.rate, "floor-calls/s")
		b.ReportMetric(mcpCost.rate, "mcp-calls/s")
		b.ReportMetric(restCost.rate, "rest-calls/s")
		b.ReportMetric(mcpCost.rate/floorCost.rate, "ratio")
		b.ReportMetric(mcpCost.serve, "mcp-serve-cpu-µs/call")
		b.ReportMetric(restCost.serve, "rest-serve-cpu-µs/call")
		b.Logf("%s, %d variants, %d clients, %ds each: floor %.0f calls/s, MCP %.0f calls/s (%.2f× the floor), REST %.0f calls/s",
			db.Dialect(), variants, clients, seconds, floorCost.rate, mcpCost.rate, mcpCost.rate/floorCost.rate, restCost.rate)
		b.Logf("CPU per call, µs: server / clients / rest of the machine (mostly the database): floor %.0f / %.0f / %.0f, MCP %.0f / %.0f / %.0f, REST %.0f / %.0f / %.0f",
			floorCost.serve, floorCost.clients, floorCost.other, mcpCost.serve, mcpCost.clients, mcpCost.other, restCost.serve, restCost.clients, restCost.other)
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
func structuredAnswer(l load) (json.RawMessage, error) {
	r, err := http.NewRequest(l.Method, l.URL, bytes.NewReader(l.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range l.Header {
		r.Header.Set(k, v)
	}
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

// A load is what the benchmark's clients send to one server. The clients
// run in a child process (this test binary again, see TestMain), so that
// this process's CPU time is the servers' alone.
type load struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Header  map[string]string `json:"header"`
	Body    []byte            `json:"body,omitempty"`
	Clients int               `json:"clients"`
	Seconds int               `json:"seconds"`
}

// driven is what the child reports: the calls answered, the first
// failure, and its own CPU time.
type driven struct {
	Calls   int64         `json:"calls"`
	Elapsed time.Duration `json:"elapsed"`
	CPU     time.Duration `json:"cpu"`
	Failure string        `json:"failure,omitempty"`
}

// A cost is where one server's calls went: its rate and the CPU per call
// of the server (this process), of the clients (the child) and of the
// rest of the machine, which is mostly the database.
type cost struct {
	rate                  float64
	serve, clients, other float64 // µs per call
}

const driveEnv = "LOGISTIFIED_THROUGHPUT_DRIVE"

// drive runs l's clients in a child process and measures the cost of
// their calls.
func drive(b *testing.B, l load) cost {
	spec, err := json.Marshal(l)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), driveEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	busy0, cpu0 := machineBusy(), processCPU()
	out, err := cmd.Output()
	busy, cpu := machineBusy()-busy0, processCPU()-cpu0
	if err != nil {
		b.Fatalf("the clients' process: %v", err)
	}
	var d driven
	if err := json.Unmarshal(out, &d); err != nil {
		b.Fatalf("the clients' process answered %q: %v", out, err)
	}
	if d.Failure != "" {
		b.Fatal(d.Failure)
	}
	if d.Calls == 0 {
		b.Fatal("no call was answered")
	}
	n := float64(d.Calls)
	perCall := func(t time.Duration) float64 { return float64(t.Microseconds()) / n }
	return cost{
		rate:    n / d.Elapsed.Seconds(),
		serve:   perCall(cpu),
		clients: perCall(d.CPU),
		other:   max(0, perCall(busy-cpu-d.CPU)),
	}
}

// runClients is the child's side of drive: it sends the load from its
// clients until the time is up and writes what it measured to stdout.
func runClients(spec string) int {
	var l load
	if err := json.Unmarshal([]byte(spec), &l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: l.Clients * 2}}
	var (
		done     atomic.Int64
		failure  atomic.Pointer[string]
		wg       sync.WaitGroup
		deadline = time.Now().Add(time.Duration(l.Seconds) * time.Second)
	)
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		failure.CompareAndSwap(nil, &msg)
	}
	start, cpu0 := time.Now(), processCPU()
	for range l.Clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				r, err := http.NewRequest(l.Method, l.URL, bytes.NewReader(l.Body))
				if err != nil {
					fail("%v", err)
					return
				}
				for k, v := range l.Header {
					r.Header.Set(k, v)
				}
				resp, err := client.Do(r)
				if err != nil {
					fail("%v", err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"isError":true`)) {
					fail("status %d: %.300s", resp.StatusCode, body)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	d := driven{Calls: done.Load(), Elapsed: time.Since(start), CPU: processCPU() - cpu0}
	if f := failure.Load(); f != nil {
		d.Failure = *f
	}
	json.NewEncoder(os.Stdout).Encode(d)
	return 0
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy is the CPU time every process on the machine has used, from
// /proc/stat (0 where there is none: other is then not measured).
func machineBusy() time.Duration {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	fields := strings.Fields(line)
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system irq softirq steal
		if i < len(fields) {
			n, _ := strconv.ParseInt(fields[i], 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}
