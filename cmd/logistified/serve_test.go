package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
)

func testKey(t *testing.T) string {
	t.Helper()
	k, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// mcpPost sends one JSON-RPC request and returns the decoded response.
func mcpPost(t *testing.T, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&msg)
	return resp.StatusCode, msg
}

var keyPattern = regexp.MustCompile(`lstk_[0-9A-Za-z]{38}`)

func TestServeDemoPrintsWorkingKeysAndStopsGracefully(t *testing.T) {
	t.Setenv("LOGISTIFIED_HOME", t.TempDir()) // for the demo's keys file
	eachBackendURL(t, func(t *testing.T, url string) {
		addr := freeAddr(t)
		stdout, stderr := &syncBuffer{}, &syncBuffer{}
		root := newRootCmd(stdout, stderr)
		root.SetArgs([]string{"--database-url", url, "serve", "--demo", "--addr", addr})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(ctx) }()

		deadline := time.Now().Add(60 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				break
			}
			select {
			case err := <-done:
				t.Fatalf("serve --demo ended: %v\n%s", err, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve --demo did not start:\n%s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}

		out := stdout.String()
		found := keyPattern.FindAllString(out, -1)
		var readKey, writeKey string
		for _, line := range strings.Split(out, "\n") {
			if k := keyPattern.FindString(line); k != "" && strings.HasPrefix(line, "Read key:") {
				readKey = k
			} else if k != "" && strings.HasPrefix(line, "Write key:") {
				writeKey = k
			}
		}
		if readKey == "" || writeKey == "" {
			t.Fatalf("serve --demo printed no keys:\n%s", out)
		}
		mcpURL := "http://" + addr + "/mcp"
		for _, client := range connectClients {
			if !strings.Contains(out, "logistified connect "+client) {
				t.Errorf("serve --demo prints no %s configuration", client)
			}
		}
		if !strings.Contains(out, mcpURL) || len(found) < 6 {
			t.Errorf("the snippets do not carry this server's URL %s and the key:\n%s", mcpURL, out)
		}
		for _, k := range []string{readKey, writeKey} {
			if strings.Contains(stderr.String(), k) {
				t.Errorf("a key reached the logs")
			}
		}

		code, msg := mcpPost(t, mcpURL, readKey, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`)
		result, _ := msg["result"].(map[string]any)
		sc, _ := result["structuredContent"].(map[string]any)
		key, _ := sc["key"].(map[string]any)
		if code != http.StatusOK || key["scope"] != "read" {
			t.Errorf("get_store_overview with the demo read key: %d %v", code, msg)
		}
		count := func(key string) int {
			_, msg := mcpPost(t, mcpURL, key, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
			result, _ := msg["result"].(map[string]any)
			list, _ := result["tools"].([]any)
			return len(list)
		}
		if r, w := count(readKey), count(writeKey); r == 0 || w <= r {
			t.Errorf("the read key lists %d tools and the write key %d: want the write key to see more", r, w)
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz: %v %v", resp, err)
		}

		cancel() // as SIGTERM does through main's signal-aware context
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve after shutdown: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not shut down")
		}
	})
}

func TestMCPURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/mcp",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/mcp",
		":8080":          "http://127.0.0.1:8080/mcp",
		"[::1]:8080":     "http://[::1]:8080/mcp",
	} {
		if got := mcpURL(addr); got != want {
			t.Errorf("mcpURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestStdioCommand(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		key := keyPattern.FindString(mustRun(t, url, createKeyArgs("acme.myshopify.com", "read", "stdio test")...))
		revoked := keyPattern.FindString(mustRun(t, url, createKeyArgs("acme.myshopify.com", "read", "revoked")...))
		mustRun(t, url, "keys", "revoke", "--store", "acme.myshopify.com", revoked[:13])

		for _, tc := range []struct{ name, key, says string }{
			{"missing", "", "LOGISTIFIED_API_KEY is not set"},
			{"malformed", key[:20], "malformed"},
			{"revoked", revoked, `the key ` + revoked[:13] + ` ("revoked") of acme.myshopify.com, revoked on`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Setenv("LOGISTIFIED_API_KEY", tc.key)
				stdout, stderr, err := runCmd(t, "--database-url", url, "stdio")
				if err == nil || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("stdio with a %s key: %v, want %q", tc.name, err, tc.says)
				}
				if stdout != "" || (tc.key != "" && (strings.Contains(stderr, tc.key) || strings.Contains(err.Error(), tc.key))) {
					t.Errorf("stdout %q; the key must appear nowhere", stdout)
				}
			})
		}

		t.Run("valid", func(t *testing.T) {
			t.Setenv("LOGISTIFIED_API_KEY", key)
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			stderr := &syncBuffer{}
			root := newRootCmd(outW, stderr)
			root.SetIn(inR)
			root.SetArgs([]string{"--database-url", url, "stdio"})
			done := make(chan error, 1)
			go func() { done <- root.ExecuteContext(context.Background()); outW.Close() }()
			lines := bufio.NewScanner(outR)
			lines.Buffer(nil, 1<<20)
			for i, req := range []string{
				`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
				`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`,
			} {
				if _, err := io.WriteString(inW, req+"\n"); err != nil {
					t.Fatal(err)
				}
				if !lines.Scan() {
					t.Fatalf("no answer to request %d: %v\n%s", i+1, lines.Err(), stderr.String())
				}
				var msg struct {
					ID     int
					Result map[string]any
				}
				if err := json.Unmarshal(lines.Bytes(), &msg); err != nil || msg.ID != i+1 || msg.Result == nil {
					t.Fatalf("stdout line %q is not the answer to request %d", lines.Text(), i+1)
				}
				if i == 0 && !strings.Contains(lines.Text(), "acme.myshopify.com") {
					t.Errorf("initialize does not name the store: %s", lines.Text())
				}
			}
			inW.Close()
			if err := <-done; err != nil {
				t.Errorf("stdio after stdin closed: %v", err)
			}
			if !strings.Contains(stderr.String(), "serving MCP over stdio") || strings.Contains(stderr.String(), key) {
				t.Errorf("stderr should log the start and never the key:\n%s", stderr.String())
			}
		})
	})
}
