package mcp

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging/logtest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// protocols are the two eras a client may speak: the stateless protocol
// mcp-go's client prefers (server/discover) and the initialize handshake
// that Claude Desktop and most clients use today.
var protocols = []struct {
	name string
	opts []client.ClientOption
}{
	{"discover", nil},
	{"initialize", []client.ClientOption{client.WithProtocolVersion(mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)}},
}

type overview struct {
	Store  struct{ Name, Domain, Currency, Timezone string }
	Key    struct{ Label, Prefix, Scope string }
	Counts struct {
		Locations, Products, Variants int64
	}
	OpenDocuments map[string]map[string]int64 `json:"open_documents"`
	StockRisks    map[string]int64            `json:"stock_risks"`
}

func TestReadKeyInitializesAndReadsTheOverview(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tr := range transports {
			for _, proto := range protocols {
				t.Run(tr.name+"/"+proto.name, func(t *testing.T) {
					c := tr.connect(e, t, e.fx.ReadKey.Secret, proto.opts...)
					init := initialize(t, c)
					for _, want := range []string{e.fx.Store.Domain, e.fx.Store.Name, "read scope", e.fx.ReadKey.Prefix, "get_store_overview"} {
						if !strings.Contains(init.Instructions, want) {
							t.Errorf("instructions lack %q: %s", want, init.Instructions)
						}
					}
					if strings.Contains(init.Instructions, "dry_run") {
						t.Errorf("a read key's instructions explain write tools: %s", init.Instructions)
					}
					if init.Capabilities.Logging == nil {
						t.Errorf("the logging capability is not declared")
					}

					res := mustCall(t, c, "get_store_overview", nil)
					if res.IsError {
						t.Fatalf("get_store_overview failed: %s", text(res))
					}
					var o overview
					decode(t, res, &o)
					if o.Store.Domain != e.fx.Store.Domain || o.Store.Currency != e.fx.Store.Currency || o.Store.Timezone != e.fx.Store.Timezone {
						t.Errorf("store = %+v, want %+v", o.Store, e.fx.Store)
					}
					if o.Key.Prefix != e.fx.ReadKey.Prefix || o.Key.Scope != "read" || o.Key.Label != e.fx.ReadKey.Label {
						t.Errorf("key = %+v, want the read key %s", o.Key, e.fx.ReadKey.Prefix)
					}
					if o.Counts.Locations != int64(len(e.fx.Locations)) || o.Counts.Variants != int64(len(e.fx.Variants)) {
						t.Errorf("counts = %+v, want %d locations and %d variants", o.Counts, len(e.fx.Locations), len(e.fx.Variants))
					}
					if text(res) == "" || !strings.Contains(text(res), e.fx.Store.Domain) {
						t.Errorf("the text content does not repeat the structured content: %q", text(res))
					}
				})
			}
		}
	})
}

func TestWriteKeyInstructionsAndListing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				c := tr.connect(e, t, e.fx.WriteKey.Secret)
				init := initialize(t, c)
				if !strings.Contains(init.Instructions, "write scope") || !strings.Contains(init.Instructions, "dry_run") {
					t.Errorf("write key instructions: %s", init.Instructions)
				}
				list, err := c.ListTools(ctxT(t), mcpgo.ListToolsRequest{})
				if err != nil {
					t.Fatal(err)
				}
				if len(list.Tools) != len(e.srv.scopes) {
					t.Errorf("a write key sees %d tools, want all %d", len(list.Tools), len(e.srv.scopes))
				}
				res := mustCall(t, c, "test_write", nil)
				if res.IsError {
					t.Fatalf("a write key's write call failed: %s", text(res))
				}
			})
		}
	})
}

func TestReadKeyCannotSeeOrCallWriteTools(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				c := tr.connect(e, t, e.fx.ReadKey.Secret)
				initialize(t, c)
				list, err := c.ListTools(ctxT(t), mcpgo.ListToolsRequest{})
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, tool := range list.Tools {
					seen[tool.Name] = true
					if e.srv.scopes[tool.Name] != keys.ScopeRead {
						t.Errorf("a read key lists %s, a %q tool", tool.Name, e.srv.scopes[tool.Name])
					}
				}
				if !seen["get_store_overview"] {
					t.Errorf("a read key does not list get_store_overview: %v", seen)
				}

				before := e.writeCalls.Load()
				res := mustCall(t, c, "test_write", map[string]any{"note": "'; DROP TABLE stores; --"})
				if !res.IsError {
					t.Fatalf("a read key's call of a write tool succeeded: %s", text(res))
				}
				for _, want := range []string{"read-only", "write key", e.fx.ReadKey.Prefix, "nothing changed"} {
					if !strings.Contains(text(res), want) {
						t.Errorf("refusal %q does not say %q", text(res), want)
					}
				}
				if e.writeCalls.Load() != before {
					t.Errorf("the write tool's handler ran for a read key")
				}
				log, err := db.AuditLog(context.Background(), e.fx.Store.ID, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(log) != 1 || log[0].Action != "test_write" || log[0].Outcome != storage.OutcomeRefused ||
					log[0].KeyPrefix != e.fx.ReadKey.Prefix || !strings.Contains(log[0].Arguments, "DROP TABLE") || log[0].Via != storage.ViaMCP {
					t.Errorf("newest audit entry = %+v, want the refused test_write by %s via mcp with its arguments", log, e.fx.ReadKey.Prefix)
				}
			})
		}
		if got := e.srv.Metrics().ToolCalls("test_write", outcomeRefused); got != float64(len(transports)) {
			t.Errorf("refused test_write calls counted = %v, want %d", got, len(transports))
		}
	})
}

func TestKeyRevokedMidSessionFailsOnItsNextRequest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tr := range transports {
			for _, proto := range protocols {
				t.Run(tr.name+"/"+proto.name, func(t *testing.T) {
					k := e.newKey(t, keys.ScopeRead)
					c := tr.connect(e, t, k.Secret, proto.opts...)
					initialize(t, c)
					if res := mustCall(t, c, "get_store_overview", nil); res.IsError {
						t.Fatalf("before revocation: %s", text(res))
					}
					e.revoke(t, k)
					res, err := call(t, c, "get_store_overview", nil)
					if err == nil {
						t.Fatalf("the call after revocation succeeded (isError %v): %s", res.IsError, text(res))
					}
					// HTTP says 401; stdio carries the server's sentence.
					if !errors.Is(err, transport.ErrAuthorizationRequired) && !strings.Contains(err.Error(), "unknown or revoked") {
						t.Errorf("error after revocation = %v, want a 401 or the revoked-key message", err)
					}
					if strings.Contains(err.Error(), k.Secret) {
						t.Errorf("the error repeats the key")
					}
					if _, err := c.ListTools(ctxT(t), mcpgo.ListToolsRequest{}); err == nil {
						t.Errorf("tools/list after revocation succeeded")
					}
				})
			}
		}
	})
}

func TestPanicsAndErrorsBecomeToolErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				c := tr.connect(e, t, e.fx.ReadKey.Secret)
				initialize(t, c)
				for _, tool := range []string{"test_panic", "test_fail"} {
					res := mustCall(t, c, tool, nil)
					if !res.IsError || !strings.Contains(text(res), "internal error") || !strings.Contains(text(res), tool) {
						t.Errorf("%s: result %v %q, want a tool error naming the internal error", tool, res.IsError, text(res))
					}
					if strings.Contains(text(res), "database detail") || strings.Contains(text(res), "test panic") {
						t.Errorf("%s: the model sees the internal detail: %q", tool, text(res))
					}
				}
				// The server lives on.
				if res := mustCall(t, c, "get_store_overview", nil); res.IsError {
					t.Errorf("after a panic: %s", text(res))
				}
			})
		}
		if got := e.srv.Metrics().ToolCalls("test_panic", outcomePanic); got != float64(len(transports)) {
			t.Errorf("panics counted = %v, want %d", got, len(transports))
		}
		if !strings.Contains(suiteLog.String(), "database detail the model must not see") {
			t.Errorf("the handler's error was not logged")
		}
	})
}

func TestSetLevel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				c := tr.connect(e, t, e.fx.ReadKey.Secret, protocols[1].opts...)
				initialize(t, c)
				if err := c.SetLevel(ctxT(t), mcpgo.SetLevelRequest{Params: mcpgo.SetLevelParams{Level: mcpgo.LoggingLevelWarning}}); err != nil {
					t.Errorf("logging/setLevel: %v", err)
				}
				if err := c.SetLevel(ctxT(t), mcpgo.SetLevelRequest{Params: mcpgo.SetLevelParams{Level: "loud"}}); err == nil {
					t.Errorf("logging/setLevel accepted an unknown level")
				}
			})
		}
	})
}

// badKeys are presented keys that must be refused, with the reason the
// caller is told.
func badKeys(t *testing.T, e *env) []struct{ name, key, reason, says string } {
	valid := e.fx.ReadKey.Secret
	mistyped := []byte(valid)
	if mistyped[10] == 'a' {
		mistyped[10] = 'b'
	} else {
		mistyped[10] = 'a'
	}
	unknown, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	revoked := e.newKey(t, keys.ScopeWrite)
	e.revoke(t, revoked)
	remember(string(mistyped), unknown.Secret)
	return []struct{ name, key, reason, says string }{
		{"missing", "", reasonMissing, "no API key"},
		{"mistyped", string(mistyped), reasonMalformed, "malformed"},
		{"truncated", valid[:len(valid)-1], reasonMalformed, "malformed"},
		{"sql", "lstk_' OR '1'='1", reasonMalformed, "malformed"},
		{"unknown", unknown.Secret, "unknown_or_revoked", "unknown or revoked"},
		{"revoked", revoked.Secret, "unknown_or_revoked", "unknown or revoked"},
	}
}

func TestStdioRefusesBadKeysAtStart(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, bk := range badKeys(t, e) {
			t.Run(bk.name, func(t *testing.T) {
				out := &strings.Builder{}
				err := e.srv.ServeStdio(ctxT(t), bk.key, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`+"\n"), out)
				if err == nil || !strings.Contains(err.Error(), bk.says) || !strings.Contains(err.Error(), "LOGISTIFIED_API_KEY") {
					t.Fatalf("ServeStdio = %v, want a refusal saying %q", err, bk.says)
				}
				if bk.key != "" && strings.Contains(err.Error(), bk.key) {
					t.Errorf("the refusal repeats the key")
				}
				if out.Len() != 0 {
					t.Errorf("a refused stdio server wrote to stdout: %q", out.String())
				}
			})
		}
	})
}

func TestStdioWritesOnlyProtocolToStdout(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		in := strings.Join([]string{
			`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
			`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
			`not json at all`,
			`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_panic","arguments":{}}}`,
			`{"jsonrpc":"2.0","id":3,"method":"no/such/method"}`,
		}, "\n") + "\n"
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte(in))
			// Leave stdin open until the answers are in, as a client does.
		}()
		out := &logtest.Capture{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.srv.ServeStdio(ctx, e.fx.ReadKey.Secret, pr, out) }()
		waitFor(t, func() bool { return strings.Count(out.String(), "\n") >= 4 })
		cancel()
		pw.Close()
		if err := <-done; err != nil {
			t.Fatalf("ServeStdio: %v", err)
		}
		codes := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var msg struct {
				JSONRPC string
				ID      any
				Error   *struct{ Code int }
			}
			if err := jsonUnmarshal(line, &msg); err != nil || msg.JSONRPC != "2.0" {
				t.Fatalf("stdout holds a line that is not JSON-RPC: %q", line)
			}
			if msg.Error != nil {
				codes[itoa(msg.Error.Code)] = true
			}
		}
		for _, want := range []int{mcpgo.PARSE_ERROR, mcpgo.METHOD_NOT_FOUND} {
			if !codes[itoa(want)] {
				t.Errorf("stdout lacks a JSON-RPC error %d: %s", want, out.String())
			}
		}
	})
}

// The store comes only from the key: arguments naming another store change
// nothing, and a second tenant's key sees its own store.
func TestStoreComesOnlyFromTheKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		remember(other.ReadKey.Secret, other.WriteKey.Secret)
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				c := tr.connect(e, t, other.ReadKey.Secret)
				initialize(t, c)
				res := mustCall(t, c, "get_store_overview", map[string]any{
					"store": e.fx.Store.Domain, "store_id": e.fx.Store.ID, "domain": e.fx.Store.Domain})
				var o overview
				decode(t, res, &o)
				if o.Store.Domain != other.Store.Domain || o.Key.Prefix != other.ReadKey.Prefix {
					t.Errorf("the other store's key read %s with key %s", o.Store.Domain, o.Key.Prefix)
				}
			})
		}
	})
}

// A call of a tool the server does not have is refused and counted under
// the tool "unknown", so that names a caller makes up never become series.
func TestAnUnknownToolIsCountedAsUnknown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		p, err := e.srv.auth.Authenticate(context.Background(), e.fx.ReadKey.Secret)
		if err != nil {
			t.Fatal(err)
		}
		res := e.srv.pipeline.Call(context.Background(), p, "no_such_tool", nil)
		if res.Refusal == nil || res.Outcome != outcomeToolError {
			t.Fatalf("the call = %+v, want a tool error", res)
		}
		m := e.srv.Metrics()
		if got := m.ToolCalls("unknown", outcomeToolError); got != 1 {
			t.Errorf("calls counted as unknown = %v, want 1", got)
		}
		if got := m.ToolCalls("no_such_tool", outcomeToolError); got != 0 {
			t.Errorf("calls counted under the made-up name = %v, want 0", got)
		}
	})
}
