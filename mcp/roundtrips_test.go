package mcp

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

var firstNumber = regexp.MustCompile(`"number":"([^"]+)"`)

var updateRoundTrips = flag.Bool("update-roundtrips", false, "rewrite testdata/roundtrips-<dialect>.txt with the round trips counted")

// TestRoundTripsPerToolCall counts the database round trips of one
// tools/call over HTTP, key check included, for every tool: each
// statement is one, a transaction's BEGIN and COMMIT two more. The counts
// are kept in testdata/roundtrips-<dialect>.txt, so that a change that adds a trip
// to a call shows in review; rewrite the file with
//
//	go test ./mcp -run TestRoundTripsPerToolCall -update-roundtrips
//
// Reads are counted on their second call (the first may fold in the
// fixture's changes to the planning table); writes on their only one.
func TestRoundTripsPerToolCall(t *testing.T) {
	var trips atomic.Int64
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		numbers := map[string]string{} // {po} and the like: the documents created so far
		created := map[string]string{"create_purchase_order": "{po}", "create_transfer": "{to}", "start_stock_take": "{st}",
			"create_supplier_return": "{rma}"}
		var got strings.Builder
		call := func(write bool, name, args string) {
			t.Helper()
			key := e.fx.ReadKey.Secret
			if write {
				key = e.fx.WriteKey.Secret
			}
			args = regexp.MustCompile(`\{(po|to|st|rma)\}`).ReplaceAllStringFunc(args, func(m string) string { return numbers[m] })
			if !write {
				e.postTool(t, key, name, args)
			}
			before := trips.Load()
			text := e.postTool(t, key, name, args)
			fmt.Fprintf(&got, "%-24s %-3d %s\n", name, trips.Load()-before, args)
			if placeholder, ok := created[name]; ok {
				// The document comes first in the answer, its number first in it.
				numbers[placeholder] = firstNumber.FindStringSubmatch(text)[1]
			}
		}
		const sku, loc, sup = `"TRS-40"`, `"Warehouse"`, `"Summit Gear"`
		for _, c := range []struct {
			write      bool
			name, args string
		}{
			{false, "get_store_overview", `{}`},
			{false, "list_locations", `{}`},
			{false, "search_products", `{"query":"shoe"}`},
			{false, "get_inventory_levels", `{"skus":[` + sku + `]}`},
			{false, "get_inventory_levels", `{"skus":[` + sku + `],"location":` + loc + `}`},
			{false, "get_inventory_history", `{"sku":` + sku + `}`},
			{false, "list_stock_risks", `{}`},
			{false, "list_stock_risks", `{"location":` + loc + `,"supplier":` + sup + `}`},
			{false, "get_reorder_suggestions", `{}`},
			{false, "get_reorder_suggestions", `{"supplier":` + sup + `}`},
			{false, "get_demand", `{"sku":` + sku + `}`},
			{false, "get_inventory_value", `{}`},
			{false, "get_inventory_value", `{"group_by":"supplier"}`},
			{false, "list_dead_stock", `{}`},
			{false, "list_suppliers", `{}`},
			{false, "get_supplier", `{"supplier":` + sup + `}`},
			{true, "create_purchase_order", `{"supplier":` + sup + `,"location":` + loc + `,"lines":[{"sku":` + sku + `,"quantity":10}]}`},
			{true, "update_purchase_order", `{"number":"{po}","note":"rush"}`},
			{true, "send_purchase_order", `{"number":"{po}"}`},
			{true, "receive_purchase_order", `{"number":"{po}","lines":[{"sku":` + sku + `,"accepted":10}]}`},
			{true, "close_purchase_order", `{"number":"{po}"}`},
			{false, "list_purchase_orders", `{}`},
			{false, "get_purchase_order", `{"number":"{po}"}`},
			{true, "create_transfer", `{"from_location":` + loc + `,"to_location":"Downtown Shop","lines":[{"sku":` + sku + `,"quantity":2}]}`},
			{true, "ship_transfer", `{"number":"{to}"}`},
			{true, "receive_transfer", `{"number":"{to}","lines":[{"sku":` + sku + `,"quantity":2}]}`},
			{false, "list_transfers", `{}`},
			{false, "get_transfer", `{"number":"{to}"}`},
			{true, "start_stock_take", `{"location":` + loc + `,"skus":[` + sku + `]}`},
			{true, "record_stock_counts", `{"number":"{st}","counts":[{"sku":` + sku + `,"counted":30}]}`},
			{true, "complete_stock_take", `{"number":"{st}"}`},
			{false, "list_stock_takes", `{}`},
			{false, "get_stock_take", `{"number":"{st}"}`},
			{true, "create_supplier_return", `{"supplier":` + sup + `,"location":` + loc + `,"lines":[{"sku":` + sku + `,"quantity":1,"reason":"damaged"}]}`},
			{true, "ship_supplier_return", `{"number":"{rma}"}`},
			{true, "close_supplier_return", `{"number":"{rma}","credit_amount":49.5}`},
			{false, "list_supplier_returns", `{}`},
			{false, "get_supplier_return", `{"number":"{rma}"}`},
			{true, "set_reorder_rules", `{"rules":[{"sku":` + sku + `,"location":` + loc + `,"min":5,"max":20}]}`},
			{false, "list_reorder_rules", `{}`},
			{true, "delete_reorder_rules", `{"rules":[{"sku":` + sku + `,"location":` + loc + `}]}`},
			{true, "create_purchase_order", `{"supplier":` + sup + `,"location":` + loc + `,"lines":[{"sku":` + sku + `,"quantity":1}],"dry_run":true}`},
			{true, "create_purchase_order", `{"supplier":` + sup + `,"location":` + loc + `,"lines":[{"sku":` + sku + `,"quantity":1}]}`},
			{true, "cancel_purchase_order", `{"number":"{po}"}`},
			{true, "create_transfer", `{"from_location":` + loc + `,"to_location":"Downtown Shop","lines":[{"sku":` + sku + `,"quantity":1}]}`},
			{true, "cancel_transfer", `{"number":"{to}"}`},
			{true, "start_stock_take", `{"location":` + loc + `,"skus":[` + sku + `]}`},
			{true, "cancel_stock_take", `{"number":"{st}"}`},
			{true, "create_supplier_return", `{"supplier":` + sup + `,"location":"WH","lines":[{"sku":` + sku + `,"quantity":1}]}`},
			{true, "cancel_supplier_return", `{"number":"{rma}"}`},
		} {
			call(c.write, c.name, c.args)
		}
		// PostgreSQL pipelines the key's check with the call's first
		// read, one round trip for both; SQLite runs them one after the
		// other.
		path := filepath.Join("testdata", "roundtrips-"+db.Dialect()+".txt")
		if *updateRoundTrips {
			if err := os.WriteFile(path, []byte(roundTripsHeader+got.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (create it with -update-roundtrips)", err)
		}
		if string(want) != roundTripsHeader+got.String() {
			t.Errorf("round trips per tool call changed on %s; if that is intended, rewrite %s with -update-roundtrips.\ngot:\n%s\nwant:\n%s",
				db.Dialect(), path, got.String(), strings.TrimPrefix(string(want), roundTripsHeader))
		}
	}, storage.CountRoundTrips(&trips))
}

const roundTripsHeader = "# Database round trips of one tools/call over HTTP, key check included\n" +
	"# (a statement is one; a transaction's BEGIN and COMMIT are two more).\n" +
	"# Written by: go test ./mcp -run TestRoundTripsPerToolCall -update-roundtrips\n" +
	"# tool                   trips arguments\n"

// postTool calls a tool over HTTP with key and returns its text, failing
// the test on any error.
func (e *env) postTool(t *testing.T, key, name, args string) string {
	t.Helper()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, name, args)
	req, err := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Result struct {
			IsError bool `json:"isError"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode != http.StatusOK || out.Result.IsError || len(out.Result.Content) == 0 {
		t.Fatalf("%s %s: status %d: %s", name, args, resp.StatusCode, raw)
	}
	return out.Result.Content[0].Text
}
