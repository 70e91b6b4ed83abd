package rest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// repeat is one way to repeat a member name in a write's body or
// arguments, and the field the refusal must name.
type repeat struct {
	name, body, field string
}

var firstLineSKU = regexp.MustCompile(`"(\w+)":\[\{"sku":`)

// repeatsOf are the repeated-name variants of a valid body: dry_run given
// as true and then false (the body a gateway reads as a preview), supplier
// given twice where the operation takes one, and sku given twice in the
// first line of a list of lines.
func repeatsOf(body string, schema json.RawMessage) []repeat {
	inner := strings.TrimSpace(body)
	inner = strings.TrimSpace(inner[1 : len(inner)-1])
	sep := ""
	if inner != "" {
		sep = ","
	}
	out := []repeat{{"dry_run", `{"dry_run":true,` + inner + sep + `"dry_run":false}`, "dry_run"}}
	if strings.Contains(string(schema), `"supplier"`) {
		out = append(out, repeat{"supplier", `{"supplier":"Alpine Supply Co",` + inner + sep + `"supplier":"Summit Gear"}`, "supplier"})
	}
	if m := firstLineSKU.FindStringSubmatchIndex(body); m != nil {
		list := body[m[2]:m[3]]
		nested := body[:m[1]] + `"TRS-40","sku":` + body[m[1]:]
		out = append(out, repeat{list + "[0].sku", nested, list + "[0].sku"})
	}
	return out
}

// withFirst puts member first in the JSON object body.
func withFirst(body, member string) string {
	inner := strings.TrimSpace(body)
	inner = strings.TrimSpace(inner[1 : len(inner)-1])
	if inner == "" {
		return "{" + member + "}"
	}
	return "{" + member + "," + inner + "}"
}

// documentOf is the number of the document the fixture's writes below
// create, by the path's collection.
var documentOf = map[string]string{"purchase-orders": "PO-1001", "transfers": "TO-1001", "stock-takes": "ST-1001", "supplier-returns": "RMA-1001"}

// withDocuments creates one document of each kind (in the state its
// first operations need) and a reorder rule.
func withDocuments(t *testing.T, e *env) {
	t.Helper()
	ctx := tools.WithPrincipal(context.Background(), e.fx.WritePrincipal())
	for _, c := range []struct{ op, args string }{
		{"create_purchase_order", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":24}]}`},
		{"create_transfer", `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":1}]}`},
		{"start_stock_take", `{"location":"Warehouse","skus":["TRS-40","TRS-42"]}`},
		{"create_supplier_return", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":1}]}`},
		{"set_reorder_rules", `{"rules":[{"sku":"TRS-40","location":"Warehouse","min":3}]}`},
	} {
		if _, err := e.ops[c.op].Call(ctx, json.RawMessage(c.args)); err != nil {
			t.Fatalf("seeding %s: %v", c.op, err)
		}
	}
}

// writeRoute is a write route with a valid body: its example (or none),
// its path with the fixture's document, and the same call as MCP
// arguments.
type writeRoute struct {
	rest.Route
	path, body, args string
}

// writeRoutes enumerates the write routes from the route table, and
// checks that they are every write tool.
func writeRoutes(t *testing.T, e *env) []writeRoute {
	t.Helper()
	var out []writeRoute
	routed := map[string]bool{}
	for _, r := range rest.Routes {
		if r.Method == http.MethodGet {
			continue
		}
		w := writeRoute{Route: r, path: r.Path, body: r.Example}
		if w.body == "" {
			w.body = `{}`
		}
		w.args = w.body
		if strings.Contains(r.Path, "{number}") {
			number := documentOf[strings.Split(r.Path, "/")[1]]
			w.path = strings.Replace(r.Path, "{number}", number, 1)
			w.args = withFirst(w.body, `"number":"`+number+`"`)
		}
		if !json.Valid([]byte(w.args)) {
			t.Fatalf("arguments of %s are not JSON: %s", r.Op, w.args)
		}
		routed[r.Op] = true
		out = append(out, w)
	}
	for _, tl := range e.ops {
		if tl.Scope == keys.ScopeWrite && !routed[tl.Name()] {
			t.Errorf("write tool %s has no write route", tl.Name())
		}
	}
	return out
}

// Every write route and every write tool refuses a body that repeats a
// member name (dry_run true then false, supplier twice, sku twice in a
// line), naming it, and writes nothing: over REST, MCP over HTTP and MCP
// over stdio.
func TestRepeatedNamesAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		withDocuments(t, e)
		routes := writeRoutes(t, e)
		before := e.counts(t, e.fx.Store.ID)
		unchanged := func(t *testing.T, what string) {
			t.Helper()
			if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
				t.Fatalf("%s changed the store: before %v, after %v", what, before, after)
			}
		}

		t.Run("rest", func(t *testing.T) {
			for _, w := range routes {
				for _, rp := range repeatsOf(w.body, e.ops[w.Op].InputSchema()) {
					t.Run(w.Op+" "+rp.name, func(t *testing.T) {
						r := e.do(t, req{method: w.Method, path: rest.Base + w.path, key: e.fx.WriteKey.Secret, body: rp.body})
						if r.status != http.StatusBadRequest {
							t.Fatalf("%s %s with %s: status %d: %s", w.Method, w.path, rp.body, r.status, r.body)
						}
						p := r.problem(t)
						if len(p.Errors) != 1 || p.Errors[0].Field != rp.field || !strings.Contains(p.Detail, rp.field+" is given twice") {
							t.Fatalf("the problem does not name %s: %s", rp.field, r.body)
						}
						unchanged(t, "a refused "+w.Op)
					})
				}
			}
		})

		t.Run("mcp http", func(t *testing.T) {
			for _, w := range routes {
				for _, rp := range repeatsOf(w.args, e.ops[w.Op].InputSchema()) {
					t.Run(w.Op+" "+rp.name, func(t *testing.T) {
						body := fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, w.Op, rp.body)
						status, msg := e.postMCP(t, body, "application/json")
						if status != http.StatusOK {
							t.Fatalf("status %d: %+v", status, msg)
						}
						checkInvalidParams(t, msg, rp.field)
						unchanged(t, "a refused "+w.Op)
					})
				}
			}
		})

		t.Run("mcp envelope", func(t *testing.T) {
			args := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":1}]}`
			for _, c := range []struct {
				name, body string
				status     int
				code       int
				field      string
				id         any
			}{
				{"tool name", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_store_overview","arguments":` + args + `,"name":"create_purchase_order"}}`,
					http.StatusOK, mcpgo.INVALID_PARAMS, "params.name", float64(7)},
				{"method", `{"jsonrpc":"2.0","id":7,"method":"ping","params":{"name":"create_purchase_order","arguments":` + args + `},"method":"tools/call"}`,
					http.StatusBadRequest, mcpgo.INVALID_REQUEST, "method", float64(7)},
				{"method in another case", `{"jsonrpc":"2.0","id":7,"method":"ping","params":{"name":"create_purchase_order","arguments":` + args + `},"METHOD":"tools/call"}`,
					http.StatusBadRequest, mcpgo.INVALID_REQUEST, "method", float64(7)},
				{"id", `{"jsonrpc":"2.0","id":7,"method":"tools/call","id":8,"params":{"name":"create_purchase_order","arguments":` + args + `}}`,
					http.StatusBadRequest, mcpgo.INVALID_REQUEST, "id", nil},
				{"arguments", `{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"create_purchase_order","arguments":{"dry_run":true},"arguments":` + args + `}}`,
					http.StatusOK, mcpgo.INVALID_PARAMS, "params.arguments", "a"},
			} {
				t.Run(c.name, func(t *testing.T) {
					status, msg := e.postMCP(t, c.body, "application/json")
					if status != c.status || msg.Error == nil || msg.Error.Code != c.code || msg.ID != c.id ||
						msg.Error.Data.Field != c.field || !strings.Contains(msg.Error.Message, c.field+" is given twice") {
						t.Fatalf("status %d, %+v; want %d, code %d, id %v, naming %s", status, msg, c.status, c.code, c.id, c.field)
					}
					unchanged(t, "a refused message")
				})
			}
		})

		t.Run("mcp stdio", func(t *testing.T) {
			s := mcp.New(mcp.Options{DB: db, Log: zerolog.Nop()})
			c := startStdio(t, s, e.fx.WriteKey.Secret)
			c.send(t, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
			if msg := c.receive(t); msg.Error != nil {
				t.Fatalf("initialize: %+v", msg.Error)
			}
			c.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			// A notification that repeats a name gets no answer.
			c.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized","method":"x"}`)
			id := 0
			for _, w := range routes {
				for _, rp := range repeatsOf(w.args, e.ops[w.Op].InputSchema()) {
					id++
					c.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, w.Op, rp.body))
					msg := c.receive(t)
					if msg.ID != float64(id) {
						t.Fatalf("%s %s: answered id %v, want %d", w.Op, rp.name, msg.ID, id)
					}
					checkInvalidParams(t, msg, rp.field)
				}
			}
			// The session still serves well-formed calls.
			c.send(t, `{"jsonrpc":"2.0","id":"last","method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`)
			if msg := c.receive(t); msg.Error != nil || msg.ID != "last" {
				t.Fatalf("a call after the refusals: %+v", msg)
			}
			unchanged(t, "refused stdio calls")
		})
	})
}

// rpcAnswer is a JSON-RPC answer as a client reads it.
type rpcAnswer struct {
	ID     any             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Field string `json:"field"`
		} `json:"data"`
	} `json:"error"`
}

func checkInvalidParams(t *testing.T, msg rpcAnswer, field string) {
	t.Helper()
	if msg.Error == nil {
		t.Fatalf("answered %s, want an invalid-params error naming %s", msg.Result, field)
	}
	if msg.Error.Code != mcpgo.INVALID_PARAMS || msg.Error.Data.Field != field || !strings.Contains(msg.Error.Message, field+" is given twice") {
		t.Fatalf("error %+v does not name %s as invalid params", msg.Error, field)
	}
}

// postMCP posts one JSON-RPC message to /mcp with the write key.
func (e *env) postMCP(t *testing.T, body, contentType string) (int, rpcAnswer) {
	t.Helper()
	hr, err := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", contentType)
	hr.Header.Set("Accept", "application/json, text/event-stream")
	hr.Header.Set("Authorization", "Bearer "+e.fx.WriteKey.Secret)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var msg rpcAnswer
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("status %d, not JSON-RPC: %s", res.StatusCode, raw)
	}
	return res.StatusCode, msg
}

// stdioConn is a raw stdio session: lines in, lines out.
type stdioConn struct {
	in  *io.PipeWriter
	out *bufio.Reader
}

func startStdio(t *testing.T, s *mcp.Server, key string) *stdioConn {
	t.Helper()
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.ServeStdio(ctx, key, serverIn, serverOut)
		serverOut.Close()
	}()
	t.Cleanup(func() {
		clientOut.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stdio ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("stdio did not end when its input closed")
		}
		cancel()
	})
	return &stdioConn{in: clientOut, out: bufio.NewReader(clientIn)}
}

func (c *stdioConn) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		t.Fatalf("writing to stdio: %v", err)
	}
}

func (c *stdioConn) receive(t *testing.T) rpcAnswer {
	t.Helper()
	type read struct {
		line string
		err  error
	}
	got := make(chan read, 1)
	go func() {
		line, err := c.out.ReadString('\n')
		got <- read{line, err}
	}()
	select {
	case r := <-got:
		var msg rpcAnswer
		if r.err != nil || json.Unmarshal([]byte(r.line), &msg) != nil {
			t.Fatalf("reading stdio: %q %v", r.line, r.err)
		}
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("no answer on stdio")
	}
	return rpcAnswer{}
}

// A body declared in a charset other than UTF-8 gets 415 saying to send
// UTF-8, on /api/v1 and /mcp; utf-8 in any case, or no charset, is read.
func TestCharsetOtherThanUTF8Refused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		body := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":1}]}`
		initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
		before := e.counts(t, e.fx.Store.ID)
		for _, c := range []struct {
			contentType string
			refused     bool
		}{
			{"application/json; charset=utf-16", true},
			{"application/json; charset=UTF-16LE", true},
			{"application/json; charset=latin1", true},
			{"application/json; charset=ISO-8859-1", true},
			{"application/json;charset=us-ascii", true},
			{"application/json; charset=utf-8", false},
			{"application/json; charset=UTF-8", false},
			{"application/json", false},
		} {
			t.Run(c.contentType, func(t *testing.T) {
				r := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders?dry_run=true", key: e.fx.WriteKey.Secret, body: body,
					header: map[string]string{"Content-Type": c.contentType}})
				status, msg := e.postMCP(t, initialize, c.contentType)
				if !c.refused {
					if r.status != http.StatusOK || status != http.StatusOK || msg.Error != nil {
						t.Fatalf("REST %d %s; MCP %d %+v", r.status, r.body, status, msg.Error)
					}
					return
				}
				if p := r.problem(t); r.status != http.StatusUnsupportedMediaType || !strings.Contains(p.Detail, "UTF-8") {
					t.Fatalf("REST: status %d: %s", r.status, r.body)
				}
				if status != http.StatusUnsupportedMediaType || msg.Error == nil || !strings.Contains(msg.Error.Message, "UTF-8") {
					t.Fatalf("MCP: status %d: %+v", status, msg)
				}
			})
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
			t.Fatalf("the store changed: before %v, after %v", before, after)
		}
	})
}

// ?dry_run and a body's dry_run that disagree are refused, whichever says
// true: the server and a reader of either would disagree about whether
// it writes.
func TestDryRunInQueryAndBodyMustAgree(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		body := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":1}]`
		before := e.counts(t, e.fx.Store.ID)
		for _, c := range []struct{ query, member string }{
			{"false", `"dry_run":true`},
			{"true", `"dry_run":false`},
			{"0", `"DRY_RUN":true`},
		} {
			r := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders?dry_run=" + c.query, key: e.fx.WriteKey.Secret, body: body + "," + c.member + "}"})
			if p := r.problem(t); r.status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "dry_run" {
				t.Fatalf("?dry_run=%s with %s: status %d: %s", c.query, c.member, r.status, r.body)
			}
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
			t.Fatalf("the store changed: before %v, after %v", before, after)
		}
		// The same value in both places is a dry run.
		r := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders?dry_run=true", key: e.fx.WriteKey.Secret, body: body + `,"dry_run":true}`})
		if r.status != http.StatusOK || !strings.Contains(string(r.envelope(t).Data), `"dry_run":true`) {
			t.Fatalf("agreeing dry runs: status %d: %s", r.status, r.body)
		}
	})
}

// A dry run that reuses the Idempotency-Key of an applied write is told
// (409) that the key belongs to that write, not answered as its replay; a
// real write that reuses a dry run's key applies, once.
func TestDryRunWithAnAppliedIdempotencyKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		wk := e.fx.WriteKey.Secret
		body := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":5}]}`
		post := func(t *testing.T, query, key, body string) response {
			t.Helper()
			return e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders" + query, key: wk, body: body,
				header: map[string]string{"Idempotency-Key": key}})
		}

		applied := post(t, "", "order-1", body)
		if applied.status != http.StatusCreated {
			t.Fatalf("the write: status %d: %s", applied.status, applied.body)
		}
		afterApplied := e.counts(t, e.fx.Store.ID)
		for _, b := range []string{body, strings.Replace(body, `"quantity":5`, `"quantity":7`, 1)} {
			dry := post(t, "?dry_run=true", "order-1", b)
			p := dry.problem(t)
			if dry.status != http.StatusConflict || !strings.Contains(p.Detail, "already applied") || !strings.Contains(p.Detail, "new key") ||
				strings.Contains(string(dry.body), "replayed") || dry.header.Get("Location") != "" {
				t.Fatalf("a dry run with the applied key: status %d: %s", dry.status, dry.body)
			}
			// The same through the body's dry_run, as MCP sends it.
			dry = post(t, "", "order-1", strings.Replace(b, "{", `{"dry_run":true,`, 1))
			if dry.status != http.StatusConflict || !strings.Contains(dry.problem(t).Detail, "already applied") {
				t.Fatalf("a body dry run with the applied key: status %d: %s", dry.status, dry.body)
			}
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(afterApplied, after) {
			t.Fatalf("refused dry runs changed the store: %v, then %v", afterApplied, after)
		}
		// The real retry still replays.
		retry := post(t, "", "order-1", body)
		if retry.status != http.StatusCreated || retry.header.Get("Location") != applied.header.Get("Location") ||
			!strings.Contains(string(retry.envelope(t).Data), `"replayed":true`) {
			t.Fatalf("the real retry: status %d: %s", retry.status, retry.body)
		}

		// The reverse: a preview, then the real write with the preview's
		// key applies once, and a retry replays it.
		preview := post(t, "?dry_run=true", "order-2", body)
		if preview.status != http.StatusOK || !strings.Contains(string(preview.envelope(t).Data), `"dry_run":true`) {
			t.Fatalf("the preview: status %d: %s", preview.status, preview.body)
		}
		real := post(t, "", "order-2", body)
		if real.status != http.StatusCreated || strings.Contains(string(real.envelope(t).Data), `"replayed":true`) ||
			real.header.Get("Location") == applied.header.Get("Location") {
			t.Fatalf("the real write after its preview: status %d: %s", real.status, real.body)
		}
		again := post(t, "", "order-2", body)
		if again.header.Get("Location") != real.header.Get("Location") || !strings.Contains(string(again.envelope(t).Data), `"replayed":true`) {
			t.Fatalf("the retry of the real write: status %d: %s", again.status, again.body)
		}
		if after := e.counts(t, e.fx.Store.ID); after["purchase_orders"] != afterApplied["purchase_orders"]+1 {
			t.Fatalf("purchase orders went from %d to %d, want one more", afterApplied["purchase_orders"], after["purchase_orders"])
		}
	})
}
