package faulttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// binDir holds the binary built once for the whole run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "logistified-faulttest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/logistified once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		bin := filepath.Join(binDir, "logistified")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/logistified/mcp-server/cmd/logistified").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// env is the environment for the binary: the test's database and home, and
// none of the caller's LOGISTIFIED_ settings, which could point elsewhere.
func env(home, dbURL string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOGISTIFIED_") {
			out = append(out, kv)
		}
	}
	return append(out, "LOGISTIFIED_HOME="+home, "LOGISTIFIED_DATABASE_URL="+dbURL, "LOGISTIFIED_LOG_LEVEL=warn")
}

// freePort returns a TCP port on 127.0.0.1 that nothing listened on a
// moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type demoStore struct {
	Store struct {
		Domain string `json:"domain"`
	} `json:"store"`
	WriteKey string `json:"write_key"`
}

// runDemo creates the demo store in dbURL and returns its domain and write key.
func runDemo(t *testing.T, dbURL string) demoStore {
	t.Helper()
	cmd := exec.Command(binary(t), "demo", "--json", "--variants", "200")
	cmd.Env = env(t.TempDir(), dbURL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("logistified demo: %v\n%s", err, stderr.String())
	}
	var d demoStore
	if err := json.Unmarshal(out, &d); err != nil || d.WriteKey == "" || d.Store.Domain == "" {
		t.Fatalf("logistified demo --json printed %q (%v)", out, err)
	}
	return d
}

// server is a running `logistified serve`.
type server struct {
	base string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startServer runs `logistified serve` on dbURL and waits for /healthz. It
// is killed at the end of the test if still running; its log is printed
// when the test failed.
func startServer(t *testing.T, dbURL string) *server {
	t.Helper()
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s := &server{base: "http://" + addr, log: filepath.Join(dir, "serve.log"), done: make(chan struct{})}
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	// The load is bounded by the test, not by the per-key rate limit,
	// which a fast machine would otherwise reach after a restart.
	s.cmd = exec.Command(binary(t), "serve", "--addr", addr, "--rate-limit", "0")
	s.cmd.Env = env(dir, dbURL)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting logistified serve: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.kill()
		if dir := os.Getenv("FAULTTEST_KEEP_LOGS"); dir != "" {
			if b, err := os.ReadFile(s.log); err == nil {
				_ = os.WriteFile(filepath.Join(dir, t.Name()+".serve.log"), b, 0o600)
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(s.log)
			t.Logf("serve log (%s):\n%s", addr, tail(b, 4000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, err := s.get("/healthz"); err == nil && code == http.StatusOK {
			return s
		}
		select {
		case <-s.done:
			b, _ := os.ReadFile(s.log)
			t.Fatalf("logistified serve exited before answering /healthz:\n%s", tail(b, 4000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("logistified serve did not answer /healthz on %s within 30s", addr)
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

var probe = &http.Client{Timeout: 5 * time.Second}

func (s *server) get(path string) (int, error) {
	resp, err := probe.Get(s.base + path)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// client calls tools over the streamable HTTP transport. The server is
// stateless, so a tools/call needs no initialize first.
type client struct {
	url, key string
	http     *http.Client
	ids      atomic.Int64
}

func newClient(s *server, key string) *client {
	return &client{url: s.base + "/mcp", key: key, http: &http.Client{Timeout: 60 * time.Second}}
}

// result is a tool result.
type result struct {
	Structured json.RawMessage
	Text       string
	IsError    bool
}

// call posts one tools/call. An error means no tool result arrived: the
// connection failed, the server answered other than 200, or it answered
// with a JSON-RPC error (an internal failure).
func (c *client) call(ctx context.Context, tool string, args any) (result, error) {
	body, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": c.ids.Add(1), "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args},
	})
	if err != nil {
		return result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, fmt.Errorf("reading the answer to %s: %w", tool, err)
	}
	if resp.StatusCode != http.StatusOK {
		return result{}, fmt.Errorf("%s: HTTP %d: %s", tool, resp.StatusCode, tail(raw, 300))
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		raw = lastEvent(raw)
	}
	var msg struct {
		Result *struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
			Structured json.RawMessage `json:"structuredContent"`
			IsError    bool            `json:"isError"`
		} `json:"result"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return result{}, fmt.Errorf("%s: decoding %q: %w", tool, tail(raw, 300), err)
	}
	if msg.Error != nil {
		return result{}, fmt.Errorf("%s: JSON-RPC error: %s", tool, msg.Error.Message)
	}
	if msg.Result == nil {
		return result{}, fmt.Errorf("%s: no result in %q", tool, tail(raw, 300))
	}
	r := result{Structured: msg.Result.Structured, IsError: msg.Result.IsError}
	for _, c := range msg.Result.Content {
		r.Text += c.Text
	}
	return r, nil
}

// lastEvent returns the data of the last event of a text/event-stream body.
func lastEvent(b []byte) []byte {
	var last []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if d, ok := bytes.CutPrefix(sc.Bytes(), []byte("data:")); ok {
			last = append([]byte(nil), bytes.TrimSpace(d)...)
		}
	}
	return last
}

// errRefused is a write the server refused with a reason: retrying it
// cannot help, and in these tests it is a defect.
type errRefused struct{ text string }

func (e errRefused) Error() string { return "refused: " + e.text }

// outcomeUnknown reports a tool error after which the client cannot know
// whether the write applied: the database failed under it, or the server
// hit an internal error. The client must retry with the same
// idempotency_key.
func outcomeUnknown(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "may or may not have been applied") || strings.Contains(t, "connection") ||
		strings.Contains(t, "database") || strings.Contains(t, "internal error")
}

// write calls a write tool with an idempotency_key and retries it with the
// same key, as a careful client does, while the outcome is unknown (no
// answer, an internal error, or a tool error saying the database failed),
// until it is acknowledged, refused, ctx ends or giveUp passes. It returns
// the acknowledged result and how many attempts it took.
func (c *client) write(ctx context.Context, tool, key string, args map[string]any, giveUp time.Duration) (result, int, error) {
	args["idempotency_key"] = key
	stop := time.Now().Add(giveUp)
	for attempt := 1; ; attempt++ {
		r, err := c.call(ctx, tool, args)
		switch {
		case err == nil && !r.IsError:
			return r, attempt, nil
		case err == nil && !outcomeUnknown(r.Text):
			return r, attempt, errRefused{r.Text}
		case err == nil:
			err = errors.New(r.Text)
		}
		if ctx.Err() != nil || time.Now().After(stop) {
			return result{}, attempt, fmt.Errorf("%s %s: no acknowledgement after %d attempts: %w", tool, key, attempt, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}
