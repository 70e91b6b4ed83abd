package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// env is a seeded store served over HTTP (and, on demand, stdio) with the
// real tools plus three test tools: test_write (a write tool that counts its
// runs), test_panic and test_fail (read tools that panic and fail).
type env struct {
	db         *storage.DB
	fx         storagetest.Fixture
	srv        *Server
	http       *httptest.Server
	writeCalls atomic.Int32
}

func newEnv(t testing.TB, db *storage.DB) *env {
	t.Helper()
	return serveEnv(t, db, storagetest.Seed(t, db))
}

// serveEnv serves fx's store from db: with another handle on the same
// database, another replica.
func serveEnv(t testing.TB, db *storage.DB, fx storagetest.Fixture) *env {
	t.Helper()
	e := &env{db: db, fx: fx}
	remember(e.fx.ReadKey.Secret, e.fx.WriteKey.Secret)
	list := append(tools.All(tools.Deps{DB: db, Log: testLog}), e.testTools()...)
	e.srv = New(Options{DB: db, Log: testLog, Tools: list})
	mux := http.NewServeMux()
	mux.Handle("/mcp", e.srv.Handler(HTTPOptions{}))
	e.http = httptest.NewServer(mux)
	t.Cleanup(e.http.Close)
	return e
}

func (e *env) testTools() []tools.Tool {
	def := func(name, description string) tools.Def {
		return tools.Def{Name: name, Title: name, Description: description, InputSchema: json.RawMessage(`{"type":"object"}`)}
	}
	return []tools.Tool{
		{Scope: keys.ScopeWrite, Def: def("test_write", "test write tool"),
			Call: func(ctx context.Context, _ json.RawMessage) (any, error) {
				e.writeCalls.Add(1)
				return map[string]any{"written": true}, nil
			}},
		{Scope: keys.ScopeRead, Def: def("test_panic", "panics"),
			Call: func(ctx context.Context, _ json.RawMessage) (any, error) {
				panic("test panic")
			}},
		{Scope: keys.ScopeRead, Def: def("test_fail", "fails"),
			Call: func(ctx context.Context, _ json.RawMessage) (any, error) {
				return nil, errors.New("database detail the model must not see")
			}},
	}
}

// newKey issues a fresh key, for tests that revoke it.
func (e *env) newKey(t testing.TB, scope keys.Scope) access.CreatedKey {
	t.Helper()
	k, err := access.New(e.db).CreateKey(context.Background(), e.fx.Store.ID, access.NewKey{Scope: scope, Label: "test " + string(scope),
		CreatedByName: "Test", CreatedByEmail: "test@example.com"})
	if err != nil {
		t.Fatalf("creating a key: %v", err)
	}
	remember(k.Secret)
	return k
}

func (e *env) revoke(t testing.TB, k access.CreatedKey) {
	t.Helper()
	if _, err := access.New(e.db).RevokeKey(context.Background(), e.fx.Store.ID, k.Prefix, access.Revoker{Name: "Test", Email: "test@example.com"}); err != nil {
		t.Fatalf("revoking a key: %v", err)
	}
}

// transports are the two ways a client connects; connect returns a started,
// not yet initialized client.
var transports = []struct {
	name    string
	connect func(e *env, t *testing.T, key string, opts ...client.ClientOption) *client.Client
}{
	{"http", (*env).httpClient},
	{"stdio", (*env).stdioClient},
}

func (e *env) httpClient(t *testing.T, key string, opts ...client.ClientOption) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(e.http.URL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + key}))
	if err != nil {
		t.Fatalf("creating the HTTP transport: %v", err)
	}
	c := client.NewClient(tr, opts...)
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("starting the HTTP client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stdioClient serves stdio in process over pipes, as `logistified stdio`
// does over the process's stdin and stdout.
func (e *env) stdioClient(t *testing.T, key string, opts ...client.ClientOption) *client.Client {
	t.Helper()
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.srv.ServeStdio(ctx, key, serverIn, serverOut)
		serverOut.Close()
	}()
	c := client.NewClient(transport.NewIO(clientIn, clientOut, io.NopCloser(strings.NewReader(""))), opts...)
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting the stdio client: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		cancel()
		clientOut.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stdio server ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("stdio server did not stop")
		}
	})
	return c
}

func initialize(t *testing.T, c *client.Client) *mcpgo.InitializeResult {
	t.Helper()
	res, err := c.Initialize(ctxT(t), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ClientInfo: mcpgo.Implementation{Name: "logistified-test", Version: "1.0.0"}}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return res
}

func call(t *testing.T, c *client.Client, tool string, args map[string]any) (*mcpgo.CallToolResult, error) {
	t.Helper()
	return c.CallTool(ctxT(t), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: tool, Arguments: args}})
}

func mustCall(t *testing.T, c *client.Client, tool string, args map[string]any) *mcpgo.CallToolResult {
	t.Helper()
	res, err := call(t, c, tool, args)
	if err != nil {
		t.Fatalf("calling %s: %v", tool, err)
	}
	return res
}

// text is a result's first text content.
func text(res *mcpgo.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(mcpgo.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}

// decode unmarshals a result's structured content into v.
func decode(t *testing.T, res *mcpgo.CallToolResult, v any) {
	t.Helper()
	raw := res.RawStructuredContent
	if len(raw) == 0 {
		var err error
		if raw, err = json.Marshal(res.StructuredContent); err != nil {
			t.Fatal(err)
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func itoa(n int) string { return strconv.Itoa(n) }

// counterValue reads a counter without the testutil package (and its
// extra dependency).
