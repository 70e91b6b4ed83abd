package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestDemoJSON(t *testing.T) {
	t.Setenv("LOGISTIFIED_HOME", t.TempDir()) // for the demo's keys file
	eachBackendURL(t, func(t *testing.T, url string) {
		run := func() map[string]any {
			t.Helper()
			out := mustRun(t, url, "demo", "--variants", "300", "--json")
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("demo --json printed %q: %v", out, err)
			}
			return doc
		}
		first := run()
		store, _ := first["store"].(map[string]any)
		if store["domain"] != "demo-store.myshopify.com" || store["name"] == "" || store["name"] == nil {
			t.Errorf("store = %v", first["store"])
		}
		for _, k := range []string{"read_key", "write_key"} {
			if s, _ := first[k].(string); !strings.HasPrefix(s, "lstk_") {
				t.Errorf("%s = %v, want a full lstk_ key", k, first[k])
			}
		}
		counts, _ := first["counts"].(map[string]any)
		for field, atLeast := range map[string]float64{
			"locations": 3, "suppliers": 12, "products": 1, "variants": 300, "purchase_orders": 10,
			"transfers": 3, "stock_takes": 2, "supplier_returns": 2, "reorder_rules": 50,
		} {
			n, ok := counts[field].(float64)
			if !ok || n < atLeast {
				t.Errorf("counts.%s = %v, want a number of at least %v", field, counts[field], atLeast)
			}
		}

		second := run()
		if !reflect.DeepEqual(first["counts"], second["counts"]) {
			t.Errorf("a second run reports other counts:\n%v\n%v", first["counts"], second["counts"])
		}
		if first["read_key"] == second["read_key"] || first["write_key"] == second["write_key"] {
			t.Errorf("a second run printed the same keys; want fresh ones")
		}
	})
}

func TestDemoTextShowsKeysOnce(t *testing.T) {
	home := t.TempDir()
	t.Setenv("LOGISTIFIED_HOME", home)
	url := storagetest.URL(t, "sqlite")
	out := mustRun(t, url, "demo", "--variants", "200", "--domain", "text-demo.myshopify.com")
	for _, want := range []string{"text-demo.myshopify.com", "Read key:", "Write key:", "keys list shows only their prefixes", filepath.Join(home, "demo-keys.json"), "purchase orders"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "lstk_"); n != 2 {
		t.Errorf("output shows %d keys, want 2:\n%s", n, out)
	}
}

func TestDemoRefusesBadFlags(t *testing.T) {
	url := storagetest.URL(t, "sqlite")
	for _, c := range []struct {
		args    []string
		mention string
	}{
		{[]string{"demo", "--variants", "5"}, "variants"},
		{[]string{"demo", "--domain", "not a domain"}, "not a valid host name"},
	} {
		_, _, err := runCmd(t, append([]string{"--database-url", url}, c.args...)...)
		wantUserError(t, err, c.mention)
	}
	if n := rowCounts(t, url)["stores"]; n != 0 {
		t.Errorf("refused runs left %d stores", n)
	}
}
