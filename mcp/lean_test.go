package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// TestLeanReadAnswersAsMCPGo sends the same requests to the server and to
// the same server with every request left to mcp-go, and compares the
// answers byte for byte: status, headers and body. Each case also says
// whether the lean path takes it, so that the comparison covers it.
func TestLeanReadAnswersAsMCPGo(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ref := New(Options{DB: db, Log: testLog, Tools: append(tools.All(tools.Deps{DB: db, Log: testLog}), e.testTools()...)})
		ref.noLean = true
		mux := http.NewServeMux()
		mux.Handle("/mcp", ref.Handler(HTTPOptions{}))
		refHTTP := httptest.NewServer(mux)
		t.Cleanup(refHTTP.Close)

		read, write := e.fx.ReadKey.Secret, e.fx.WriteKey.Secret
		revoked := e.newKey(t, "read")
		e.revoke(t, revoked)
		skus := e.fx.SKUs()
		call := func(id, name, args string) string {
			return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`
		}
		levels := `{"skus":["` + skus[0] + `","` + skus[1] + `"]}`
		const version = "MCP-Protocol-Version"
		for _, tc := range []struct {
			name, key, body string
			headers         []string
			// lean: the lean path answers it; guard: the guard answers it
			// before either path.
			lean, guard bool
		}{
			{name: "read", key: read, body: call("1", "get_inventory_levels", levels), lean: true},
			{name: "read with a write key", key: write, body: call("1", "get_inventory_levels", levels), lean: true},
			{name: "read with the protocol version", key: read, body: call("1", "get_inventory_levels", levels), headers: []string{version, "2025-06-18"}, lean: true},
			{name: "read with a session id", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{"Mcp-Session-Id", "abc"}, lean: true},
			{name: "no accept header", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{"Accept", ""}, lean: true},
			{name: "accept html", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{"Accept", "text/html"}, lean: true},
			{name: "last event id", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{"Last-Event-ID", "7"}, lean: true},
			{name: "levels at a location", key: read, body: call("1", "get_inventory_levels", `{"skus":["`+skus[0]+`"],"location":"harbour"}`), lean: true},
			{name: "levels at no such location", key: read, body: call("1", "get_inventory_levels", `{"skus":["`+skus[0]+`"],"location":"nowhere"}`), lean: true},
			{name: "byte order mark", key: read, body: "\xef\xbb\xbf" + call("1", "get_store_overview", `{}`)},
			{name: "null params", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}`},
			{name: "overview", key: read, body: call("1", "get_store_overview", `{}`), lean: true},
			{name: "no arguments", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview"}}`, lean: true},
			{name: "null arguments", key: read, body: call("1", "get_store_overview", `null`), lean: true},
			{name: "array arguments", key: read, body: call("1", "get_store_overview", `[1]`), lean: true},
			{name: "string arguments", key: read, body: call("1", "get_store_overview", `"x"`), lean: true},
			{name: "unknown argument", key: read, body: call("1", "get_inventory_levels", `{"skus":["x"],"colour":"red"}`), lean: true},
			{name: "argument of the wrong type", key: read, body: call("1", "get_inventory_levels", `{"skus":"x"}`), lean: true},
			{name: "html in a refusal", key: read, body: call("1", "get_inventory_levels", `{"skus":["<b>&amp;\u2028é"]}`), lean: true},
			{name: "invalid utf-8 in an argument", key: read, body: call("1", "get_inventory_levels", "{\"skus\":[\"\xff\xfe\"]}"), lean: true},
			{name: "whitespace around", key: read, body: " \n" + call("1", "get_store_overview", ` { } `) + "\n\t", lean: true},
			{name: "members in another order", key: read, body: `{"params":{"arguments":{},"name":"get_store_overview"},"method":"tools/call","id":3,"jsonrpc":"2.0"}`, lean: true},
			{name: "members in another case", key: read, body: `{"JSONRPC":"2.0","Id":3,"METHOD":"tools/call","Params":{"NAME":"get_store_overview","Arguments":{}}}`, lean: true},
			{name: "escaped member name", key: read, body: `{"jsonrpc":"2.0","id":3,"m\u0065thod":"tools/call","params":{"name":"get_store_overview"}}`, lean: true},
			{name: "a read that panics", key: read, body: call("1", "test_panic", `{}`), lean: true},
			{name: "a read that fails", key: read, body: call("1", "test_fail", `{}`), lean: true},
			{name: "id 0", key: read, body: call("0", "get_store_overview", `{}`), lean: true},
			{name: "negative id", key: read, body: call("-3", "get_store_overview", `{}`), lean: true},
			{name: "fractional id", key: read, body: call("1.50", "get_store_overview", `{}`), lean: true},
			{name: "exponent id", key: read, body: call("1e3", "get_store_overview", `{}`), lean: true},
			{name: "huge id", key: read, body: call("123456789012345678901234567890", "get_store_overview", `{}`), lean: true},
			{name: "15-digit id", key: read, body: call("999999999999999", "get_store_overview", `{}`), lean: true},
			{name: "16-digit id", key: read, body: call("9999999999999999", "get_store_overview", `{}`), lean: true},
			{name: "string id", key: read, body: call(`"abc-1"`, "get_store_overview", `{}`), lean: true},
			{name: "string id with html and escapes", key: read, body: call(`"<a>&\u00e9\n\u2028"`, "get_store_overview", `{}`), lean: true},
			{name: "null id", key: read, body: call("null", "get_store_overview", `{}`)},
			{name: "object id", key: read, body: call(`{"a":1}`, "get_store_overview", `{}`)},
			{name: "boolean id", key: read, body: call("true", "get_store_overview", `{}`)},
			{name: "no id", key: read, body: `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"get_store_overview"}}`},
			{name: "write tool, read key", key: read, body: call("1", "test_write", `{}`)},
			{name: "write tool, write key", key: write, body: call("1", "test_write", `{}`)},
			{name: "real write tool, read key", key: read, body: call("1", "create_reorder_rule", `{}`)},
			{name: "unknown tool", key: read, body: call("1", "no_such_tool", `{}`)},
			// An app's tool carries the store's currency in its result's _meta.
			{name: "a read an app shows", key: read, body: call("1", "list_stock_risks", `{}`)},
			{name: "tool name of the wrong type", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}`},
			{name: "params of the wrong type", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"}`},
			{name: "no params", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`},
			{name: "jsonrpc 1.0", key: read, body: `{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"get_store_overview"}}`},
			{name: "no jsonrpc", key: read, body: `{"id":1,"method":"tools/call","params":{"name":"get_store_overview"}}`},
			{name: "extra member", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview"},"extra":1}`},
			{name: "a response's result", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview"},"result":{}}`},
			{name: "params _meta", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","_meta":{"progressToken":1}}}`},
			{name: "params task", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","task":{}}}`},
			{name: "modern protocol", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{version, "2026-07-28"}},
			{name: "unknown protocol version", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{version, "1999-01-01"}},
			{name: "trailing data", key: read, body: call("1", "get_store_overview", `{}`) + ` {}`},
			{name: "not json", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview"`},
			{name: "other method", key: read, body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
			{name: "initialize", key: read, body: initializeBody},
			{name: "notification", key: read, body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`},
			{name: "repeated argument", key: read, body: call("1", "get_inventory_levels", `{"skus":["a"],"SKUS":["b"]}`), guard: true},
			{name: "repeated member", key: read, body: `{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"get_store_overview"}}`, guard: true},
			{name: "batch", key: read, body: `[` + call("1", "get_store_overview", `{}`) + `]`, guard: true},
			{name: "wrong content type", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{"Content-Type", "text/plain"}, guard: true},
			{name: "utf-16", key: read, body: call("1", "get_store_overview", `{}`), headers: []string{"Content-Type", "application/json; charset=utf-16"}, guard: true},
			{name: "huge body", key: read, body: call("1", "get_inventory_levels", `{"skus":["`+strings.Repeat("x", DefaultMaxBodyBytes)+`"]}`), guard: true},
			{name: "revoked key", key: revoked.Secret, body: call("1", "get_store_overview", `{}`), guard: true},
			{name: "no key", body: call("1", "get_store_overview", `{}`), guard: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := !tc.guard && e.takesLean(t, tc.key, tc.body, tc.headers...); got != tc.lean {
					t.Errorf("the lean path takes it: %v, want %v", got, tc.lean)
				}
				want, wantBody := post(t, refHTTP.URL+"/mcp", tc.key, tc.body, tc.headers...)
				got, gotBody := post(t, e.http.URL+"/mcp", tc.key, tc.body, tc.headers...)
				if got.StatusCode != want.StatusCode || gotBody != wantBody {
					t.Errorf("answer:\n%d %q\nmcp-go answers:\n%d %q", got.StatusCode, gotBody, want.StatusCode, wantBody)
				}
				want.Header.Del("Date")
				got.Header.Del("Date")
				for k, v := range want.Header {
					if !slices.Equal(got.Header[k], v) {
						t.Errorf("header %s: %q, mcp-go sends %q", k, got.Header[k], v)
					}
				}
				for k := range got.Header {
					if _, ok := want.Header[k]; !ok {
						t.Errorf("header %s: %q, which mcp-go does not send", k, got.Header[k])
					}
				}
			})
		}
	})
}

// takesLean reports whether serveLeanRead answers the request itself.
func (e *env) takesLean(t *testing.T, key, body string, headers ...string) bool {
	t.Helper()
	p, err := access.New(e.db).Authenticate(context.Background(), key)
	if err != nil {
		return false
	}
	r := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	took := e.srv.serveLeanRead(w, r, p, []byte(body))
	if !took && (w.Body.Len() > 0 || len(w.Header()) > 0) {
		t.Errorf("the lean path declined but wrote %q", w.Body.Bytes())
	}
	if took && !bytes.HasSuffix(w.Body.Bytes(), []byte("}\n")) {
		t.Errorf("the lean path answered %q", w.Body.Bytes())
	}
	return took
}

// appendQuoted must write a result's text exactly as encoding/json (and so
// mcp-go) writes the same string.
func TestAppendQuotedIsEncodingJSONs(t *testing.T) {
	for _, s := range quotedCases {
		checkQuoted(t, []byte(s))
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range quotedCases {
		f.Add([]byte(s))
	}
	f.Fuzz(checkQuoted)
}

var quotedCases = []string{
	"", "plain", `{"a":"b","c":[1,2.5,null,true]}`, `quote " and backslash \ and slash /`,
	"<script>&amp;</script>", "\b\f\n\r\t\x00\x01\x1f\x7f", "é ü 中文 🚀", "\u2028\u2029\u2027\u202a",
	"\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80", "ends in \\",
}

func checkQuoted(t *testing.T, s []byte) {
	want, err := json.Marshal(string(s))
	if err != nil {
		t.Fatal(err)
	}
	if got := appendQuoted([]byte("x"), s); string(got) != "x"+string(want) {
		t.Errorf("appendQuoted(%q) = %s, encoding/json writes %s", s, got[1:], want)
	}
}
