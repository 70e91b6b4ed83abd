package mcp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/apps"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The apps as a host finds them: tools/list links the three tools to their
// ui:// resources, resources/list and resources/read serve those with the
// MCP Apps MIME type and an empty CSP, for read keys as for write keys,
// and the linked tools' results keep their text and structuredContent and
// add the store's currency in _meta.
func TestAppsAsResources(t *testing.T) {
	linked := map[string]string{
		"get_reorder_suggestions": apps.ReorderPlan,
		"list_stock_risks":        apps.StockRisks,
		"get_purchase_order":      apps.PurchaseOrder,
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, key := range []string{e.fx.ReadKey.Secret, e.fx.WriteKey.Secret} {
			var init struct {
				Capabilities map[string]json.RawMessage `json:"capabilities"`
			}
			e.rpc(t, key, "initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}`, &init)
			if _, ok := init.Capabilities["resources"]; !ok {
				t.Errorf("initialize announces no resources capability: %v", init.Capabilities)
			}

			var list struct {
				Tools []struct {
					Name string `json:"name"`
					Meta *struct {
						UI struct {
							ResourceURI string `json:"resourceUri"`
						} `json:"ui"`
					} `json:"_meta"`
				} `json:"tools"`
			}
			e.rpc(t, key, "tools/list", `{}`, &list)
			seen := 0
			for _, tool := range list.Tools {
				want, isLinked := linked[tool.Name]
				switch {
				case isLinked && (tool.Meta == nil || tool.Meta.UI.ResourceURI != want):
					t.Errorf("%s links %+v, want _meta.ui.resourceUri %s", tool.Name, tool.Meta, want)
				case !isLinked && tool.Meta != nil:
					t.Errorf("%s has _meta %+v, but no app shows it", tool.Name, tool.Meta)
				}
				if isLinked {
					seen++
				}
			}
			if seen != len(linked) {
				t.Errorf("tools/list shows %d of the %d tools with apps", seen, len(linked))
			}

			type uiMeta struct {
				UI struct {
					CSP           map[string][]string `json:"csp"`
					PrefersBorder bool                `json:"prefersBorder"`
				} `json:"ui"`
			}
			var resources struct {
				Resources []struct {
					URI      string `json:"uri"`
					Name     string `json:"name"`
					MIMEType string `json:"mimeType"`
					Meta     uiMeta `json:"_meta"`
				} `json:"resources"`
			}
			e.rpc(t, key, "resources/list", `{}`, &resources)
			if len(resources.Resources) != len(linked) {
				t.Fatalf("resources/list shows %d resources, want %d", len(resources.Resources), len(linked))
			}
			for _, r := range resources.Resources {
				if r.MIMEType != "text/html;profile=mcp-app" || !strings.HasPrefix(r.URI, "ui://logistified/") {
					t.Errorf("resources/list shows %s as %q", r.URI, r.MIMEType)
				}
				var read struct {
					Contents []struct {
						URI      string `json:"uri"`
						MIMEType string `json:"mimeType"`
						Text     string `json:"text"`
						Meta     uiMeta `json:"_meta"`
					} `json:"contents"`
				}
				e.rpc(t, key, "resources/read", `{"uri":"`+r.URI+`"}`, &read)
				if len(read.Contents) != 1 {
					t.Fatalf("resources/read %s returned %d contents", r.URI, len(read.Contents))
				}
				c := read.Contents[0]
				if c.URI != r.URI || c.MIMEType != r.MIMEType || !strings.HasPrefix(c.Text, "<!doctype html>") {
					t.Errorf("resources/read %s returned %s %q %.30q", r.URI, c.URI, c.MIMEType, c.Text)
				}
				for _, m := range []uiMeta{r.Meta, c.Meta} {
					if len(m.UI.CSP) != 4 || !m.UI.PrefersBorder {
						t.Errorf("%s declares _meta.ui %+v, want a CSP of four empty lists and prefersBorder", r.URI, m.UI)
					}
					for k, domains := range m.UI.CSP {
						if len(domains) != 0 {
							t.Errorf("%s allows %s %v: the apps load nothing", r.URI, k, domains)
						}
					}
				}
			}
		}

		// Results: the same JSON as text and structuredContent, and the
		// currency beside them where an app shows them.
		var created struct {
			PurchaseOrder struct {
				Number string `json:"number"`
			} `json:"purchase_order"`
		}
		e.rpcStructured(t, e.fx.WriteKey.Secret, "create_purchase_order",
			`{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":12}]}`, &created)
		for _, c := range []struct {
			tool, args string
			currency   bool
		}{
			{"get_purchase_order", `{"number":"` + created.PurchaseOrder.Number + `"}`, true},
			{"list_stock_risks", `{}`, true},
			{"get_reorder_suggestions", `{}`, true},
			{"list_locations", `{}`, false},
		} {
			var res struct {
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
				StructuredContent json.RawMessage `json:"structuredContent"`
				IsError           bool            `json:"isError"`
				Meta              map[string]any  `json:"_meta"`
			}
			e.rpc(t, e.fx.ReadKey.Secret, "tools/call", `{"name":"`+c.tool+`","arguments":`+c.args+`}`, &res)
			if res.IsError || len(res.Content) != 1 {
				t.Fatalf("%s: %+v", c.tool, res)
			}
			var text, structured any
			if json.Unmarshal([]byte(res.Content[0].Text), &text) != nil || json.Unmarshal(res.StructuredContent, &structured) != nil {
				t.Fatalf("%s: text or structuredContent is not JSON", c.tool)
			}
			if a, b := mustJSON(t, text), mustJSON(t, structured); a != b {
				t.Errorf("%s: text and structuredContent differ", c.tool)
			}
			got, _ := res.Meta[apps.CurrencyMeta].(string)
			if c.currency && got != e.fx.Store.Currency {
				t.Errorf("%s: _meta %v, want %s %q", c.tool, res.Meta, apps.CurrencyMeta, e.fx.Store.Currency)
			}
			if !c.currency && res.Meta != nil {
				t.Errorf("%s: _meta %v on a result no app shows", c.tool, res.Meta)
			}
		}

		// Without a key, no app either.
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"`+apps.ReorderPlan+`"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("resources/read without a key answered %d, want 401", resp.StatusCode)
		}
	})
}

// rpcStructured calls tool and decodes its structuredContent.
func (e *env) rpcStructured(t *testing.T, key, tool, args string, out any) {
	t.Helper()
	var res struct {
		StructuredContent json.RawMessage `json:"structuredContent"`
		IsError           bool            `json:"isError"`
	}
	e.rpc(t, key, "tools/call", `{"name":"`+tool+`","arguments":`+args+`}`, &res)
	if res.IsError || json.Unmarshal(res.StructuredContent, out) != nil {
		t.Fatalf("%s: %+v", tool, res)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
