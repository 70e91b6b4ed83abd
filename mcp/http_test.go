package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// post sends body to url with the key (none if empty) and extra headers.
func post(t testing.TB, url, key, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestHTTPRefusesBadKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		cases := badKeys(t, e)
		cases = append(cases, struct{ name, key, reason, says string }{"basic scheme", "", reasonMalformed, "malformed"})
		for _, bk := range cases {
			for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
				t.Run(bk.name+"/"+method, func(t *testing.T) {
					req, _ := http.NewRequest(method, e.http.URL+"/mcp", strings.NewReader(initializeBody))
					req.Header.Set("Content-Type", "application/json")
					switch {
					case bk.name == "basic scheme":
						req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
					case bk.key != "":
						req.Header.Set("Authorization", "Bearer "+bk.key)
					}
					resp, body := do(t, req)
					if resp.StatusCode != http.StatusUnauthorized {
						t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
					}
					if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="logistified", error="invalid_token"` {
						t.Errorf("WWW-Authenticate = %q", got)
					}
					var msg struct{ Error, Reason, Message string }
					if err := json.Unmarshal([]byte(body), &msg); err != nil {
						t.Fatalf("body is not JSON: %s", body)
					}
					if msg.Error != "invalid_token" || msg.Reason != bk.reason || !strings.Contains(msg.Message, bk.says) {
						t.Errorf("body = %+v, want reason %s saying %q", msg, bk.reason, bk.says)
					}
					if bk.key != "" && strings.Contains(body, bk.key) {
						t.Errorf("the response repeats the key")
					}
				})
			}
		}
		// The refusals were logged (so the suite's no-key check sees real lines).
		if logs := suiteLog.String(); !strings.Contains(logs, `"reason":"revoked"`) || !strings.Contains(logs, "API key refused") {
			t.Errorf("refusals are not in the captured logs")
		}
		for _, reason := range []string{reasonMissing, reasonMalformed, reasonUnknown, reasonRevoked} {
			if e.srv.Metrics().AuthFailures(reason) == 0 {
				t.Errorf("no auth failure counted for %s", reason)
			}
		}
	})
}

func TestHTTPClientWithBadKeyFailsToInitialize(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, bk := range badKeys(t, e) {
			t.Run(bk.name, func(t *testing.T) {
				c := e.httpClient(t, bk.key)
				_, err := c.Initialize(ctxT(t), mcpgo.InitializeRequest{})
				if !errors.Is(err, transport.ErrAuthorizationRequired) {
					t.Errorf("initialize with a %s key: %v, want a 401", bk.name, err)
				}
			})
		}
	})
}

func TestHTTPBodyCap(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		huge := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","arguments":{"pad":"` +
			strings.Repeat("x", DefaultMaxBodyBytes) + `"}}}`
		resp, body := post(t, e.http.URL+"/mcp", e.fx.ReadKey.Secret, huge)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("declared oversize body: %d, want 413: %.200s", resp.StatusCode, body)
		}
		// Without a declared length (chunked), the cap holds while reading.
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", io.MultiReader(strings.NewReader(huge)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.fx.ReadKey.Secret)
		resp, body = do(t, req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked oversize body: %d, want 413: %.200s", resp.StatusCode, body)
		}
	})
}

func TestHTTPProtocolErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tc := range []struct {
			name, body, contentType string
			status, code            int
		}{
			{"not json", `{"jsonrpc":`, "application/json", http.StatusBadRequest, mcpgo.PARSE_ERROR},
			{"wrong content type", initializeBody, "text/plain", http.StatusUnsupportedMediaType, mcpgo.INVALID_REQUEST},
			{"no content type", initializeBody, "", http.StatusUnsupportedMediaType, mcpgo.INVALID_REQUEST},
			{"unknown method", `{"jsonrpc":"2.0","id":7,"method":"no/such/method"}`, "application/json", http.StatusOK, mcpgo.METHOD_NOT_FOUND},
			{"wrong jsonrpc version", `{"jsonrpc":"1.0","id":7,"method":"ping"}`, "application/json", http.StatusOK, mcpgo.INVALID_REQUEST},
			{"unknown tool", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"no_such_tool"}}`, "application/json", http.StatusOK, mcpgo.INVALID_PARAMS},
			{"params of the wrong type", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"x"}`, "application/json", http.StatusOK, mcpgo.INVALID_REQUEST},
			{"repeated argument", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_store_overview","arguments":{"limit":1,"limit":2}}}`, "application/json", http.StatusOK, mcpgo.INVALID_PARAMS},
			{"repeated member", `{"jsonrpc":"2.0","id":7,"method":"ping","method":"tools/list"}`, "application/json", http.StatusBadRequest, mcpgo.INVALID_REQUEST},
			{"charset utf-16", initializeBody, "application/json; charset=utf-16", http.StatusUnsupportedMediaType, mcpgo.INVALID_REQUEST},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", strings.NewReader(tc.body))
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Authorization", "Bearer "+e.fx.ReadKey.Secret)
				resp, body := do(t, req)
				var msg struct {
					JSONRPC string
					Error   *struct {
						Code    int
						Message string
					}
				}
				if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.JSONRPC != "2.0" || msg.Error == nil {
					t.Fatalf("status %d, body %q: want a JSON-RPC error", resp.StatusCode, body)
				}
				if resp.StatusCode != tc.status || msg.Error.Code != tc.code {
					t.Errorf("status %d code %d (%s), want %d and %d", resp.StatusCode, msg.Error.Code, msg.Error.Message, tc.status, tc.code)
				}
			})
		}
	})
}

func TestHTTPWithoutTheDatabase(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	e := newEnv(t, db)
	db.Close()
	// A key cannot be checked: 503, not 401.
	resp, body := post(t, e.http.URL+"/mcp", e.fx.ReadKey.Secret, initializeBody)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/mcp with a closed database: %d %s", resp.StatusCode, body)
	}
}

func mustRequest(t testing.TB, method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// FuzzHTTPHandler throws request bodies at /mcp with a valid read key: every
// answer must be a well-formed HTTP response with a known status, JSON-RPC
// where it is JSON, and no panic may escape the handler.
func FuzzHTTPHandler(f *testing.F) {
	for _, seed := range []string{
		initializeBody,
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_write","arguments":{"x":1}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"debug"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":null,"result":{}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":{"a":[1,2]},"method":"ping","params":null}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_write","arguments":{"dry_run":true,"x":1,"dry_run":false}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_write","arguments":{"lines":[{"sku":"a","SKU":"b"}]}}}`,
		`{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`,
		``, `null`, `"\u0000"`, `{`,
	} {
		f.Add(seed)
	}
	db := storagetest.Open(f, "sqlite")
	e := newEnv(f, db)
	h := e.srv.Handler(HTTPOptions{})
	key := e.fx.ReadKey.Secret
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !slices.Contains([]int{http.StatusOK, http.StatusAccepted, http.StatusBadRequest, http.StatusNotFound,
			http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}, rec.Code) {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON answer for %q: %s", body, rec.Body.String())
		}
		if e.writeCalls.Load() != 0 {
			t.Fatalf("a read key ran the write tool with %q", body)
		}
	})
}

// BenchmarkHTTPToolCall measures authenticated tools/call of
// get_store_overview over real HTTP, key check included, and reports
// calls/s and the 99th percentile latency.
func BenchmarkHTTPToolCall(b *testing.B) {
	for _, backend := range storagetest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := storagetest.Open(b, backend)
			e := newEnv(b, db)
			body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`)
			url := e.http.URL + "/mcp"
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var mu sync.Mutex
			var latencies []time.Duration
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", "application/json, text/event-stream")
					req.Header.Set("Authorization", "Bearer "+e.fx.ReadKey.Secret)
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					out, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(t0))
					if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"isError":true`)) {
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
			// Nearest-rank percentiles.
			rank := func(q float64) time.Duration { return latencies[int(math.Ceil(q*float64(len(latencies))))-1] }
			p99 := rank(0.99)
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "calls/s")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(rank(0.50).Microseconds())/1000, "p50-ms")
		})
	}
}

// Stateless: GET has no stream to open (405), DELETE has no session to end.
func TestHTTPGetAndDeleteWithAValidKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for method, want := range map[string]int{http.MethodGet: http.StatusMethodNotAllowed, http.MethodDelete: http.StatusOK} {
			req := mustRequest(t, method, e.http.URL+"/mcp")
			req.Header.Set("Authorization", "Bearer "+e.fx.ReadKey.Secret)
			req.Header.Set("Mcp-Session-Id", "mcp-session-4f1c2a3e-0000-4000-8000-000000000000")
			resp, body := do(t, req)
			if resp.StatusCode != want {
				t.Errorf("%s /mcp: %d, want %d: %s", method, resp.StatusCode, want, body)
			}
		}
		// A session id is never proof of identity.
		req := mustRequest(t, http.MethodDelete, e.http.URL+"/mcp")
		req.Header.Set("Mcp-Session-Id", "mcp-session-4f1c2a3e-0000-4000-8000-000000000000")
		if resp, _ := do(t, req); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("DELETE with a session id and no key: %d, want 401", resp.StatusCode)
		}
	})
}

// Methods /mcp does not serve answer 405 with Allow and a JSON body, with
// or without a key; GET (no standalone stream on a stateless server) too,
// after the key check.
func TestHTTPOtherMethods(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodOptions, http.MethodHead, http.MethodGet, "PROPFIND"} {
			for _, key := range []string{e.fx.ReadKey.Secret, ""} {
				if method == http.MethodGet && key == "" {
					continue // a key is checked first: 401
				}
				req := mustRequest(t, method, e.http.URL+"/mcp")
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, body := do(t, req)
				if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST, DELETE" {
					t.Errorf("%s /mcp (key %v): %d, Allow %q", method, key != "", resp.StatusCode, resp.Header.Get("Allow"))
				}
				if method == http.MethodHead {
					continue // no body by definition
				}
				var msg struct{ Error, Message string }
				if resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &msg) != nil ||
					msg.Error != "method_not_allowed" || !strings.Contains(msg.Message, "POST") {
					t.Errorf("%s /mcp: body %q", method, body)
				}
			}
		}
	})
}

// A JSON-RPC batch gets a JSON-RPC error that says batches are not
// supported, not "not valid json".
func TestHTTPBatchRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, body := range []string{"[" + initializeBody + "]", "  \n[]", `[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]`} {
			resp, got := post(t, e.http.URL+"/mcp", e.fx.ReadKey.Secret, body)
			var msg struct {
				JSONRPC string
				Error   *struct {
					Code    int
					Message string
				}
			}
			if err := json.Unmarshal([]byte(got), &msg); err != nil || msg.Error == nil || resp.StatusCode != http.StatusBadRequest ||
				msg.Error.Code != mcpgo.INVALID_REQUEST || !strings.Contains(msg.Error.Message, "batches are not supported") {
				t.Errorf("batch %.40s: %d %s", body, resp.StatusCode, got)
			}
		}
	})
}
