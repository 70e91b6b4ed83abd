package mcp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// rpc posts one JSON-RPC request to /mcp with key and decodes its result,
// failing the test on any error.
func (e *env) rpc(t *testing.T, key, method, params string, result any) {
	t.Helper()
	if err := e.call(key, method, params, result); err != nil {
		t.Fatal(err)
	}
}

// call is rpc for any goroutine: it returns what went wrong.
func (e *env) call(key, method, params string, result any) error {
	body := `{"jsonrpc":"2.0","id":1,"method":"` + method + `","params":` + params + `}`
	req, err := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Result json.RawMessage `json:"result"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || len(out.Result) == 0 {
		return fmt.Errorf("%s: %d %.300s", method, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(out.Result, result); err != nil {
		return fmt.Errorf("%s: %v: %.300s", method, err, out.Result)
	}
	return nil
}

// What a connector directory reads: the server's icon in initialize, and
// every tool's title and hints in tools/list, as a client receives them.
func TestListedInDirectories(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		var init struct {
			ServerInfo struct {
				Name  string `json:"name"`
				Icons []struct {
					Src      string   `json:"src"`
					MIMEType string   `json:"mimeType"`
					Sizes    []string `json:"sizes"`
				} `json:"icons"`
			} `json:"serverInfo"`
		}
		e.rpc(t, e.fx.ReadKey.Secret, "initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}`, &init)
		if len(init.ServerInfo.Icons) == 0 {
			t.Fatal("initialize announces no icon")
		}
		icon := init.ServerInfo.Icons[0]
		svg, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(icon.Src, "data:image/svg+xml;base64,"))
		if icon.MIMEType != "image/svg+xml" || !strings.HasPrefix(icon.Src, "data:image/svg+xml;base64,") || err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("the icon is not a self-contained SVG: %+v", icon)
		}

		type listed struct {
			Tools []struct {
				Name        string `json:"name"`
				Annotations struct {
					Title           string `json:"title"`
					ReadOnlyHint    *bool  `json:"readOnlyHint"`
					DestructiveHint *bool  `json:"destructiveHint"`
					IdempotentHint  *bool  `json:"idempotentHint"`
					OpenWorldHint   *bool  `json:"openWorldHint"`
				} `json:"annotations"`
			} `json:"tools"`
		}
		var read, write listed
		e.rpc(t, e.fx.ReadKey.Secret, "tools/list", `{}`, &read)
		e.rpc(t, e.fx.WriteKey.Secret, "tools/list", `{}`, &write)
		readable := map[string]bool{}
		for _, tl := range read.Tools {
			readable[tl.Name] = true
		}
		if len(write.Tools) <= len(read.Tools) {
			t.Fatalf("a write key lists %d tools, a read key %d", len(write.Tools), len(read.Tools))
		}
		for _, tl := range write.Tools {
			a := tl.Annotations
			switch {
			case strings.HasPrefix(tl.Name, "test_"):
				continue // the test's own tools
			case a.Title == "":
				t.Errorf("%s has no title", tl.Name)
			case a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil:
				t.Errorf("%s leaves a hint unset: %+v", tl.Name, a)
			case *a.ReadOnlyHint != readable[tl.Name]:
				t.Errorf("%s: readOnlyHint %v, but a read key may call it: %v", tl.Name, *a.ReadOnlyHint, readable[tl.Name])
			case *a.ReadOnlyHint && *a.DestructiveHint:
				t.Errorf("%s reads only but says it is destructive", tl.Name)
			case *a.OpenWorldHint:
				t.Errorf("%s says it reaches outside the store", tl.Name)
			}
		}
	})
}
