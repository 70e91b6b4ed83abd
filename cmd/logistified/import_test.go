package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func example(name string) string { return filepath.Join("..", "..", "testdata", "import", name) }

func TestImportCommands(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		imp := func(args ...string) []string {
			return append([]string{"import"}, append(args[:1:1], append([]string{"--store", "acme.myshopify.com"}, args[1:]...)...)...)
		}

		out := mustRun(t, url, imp("products", example("products_export.csv"), "--dry-run")...)
		if !strings.Contains(out, "Dry run, nothing changed. Importing products_export.csv into acme.myshopify.com would create 9, update 0 and leave 0 unchanged") {
			t.Fatalf("dry run: %s", out)
		}
		out = mustRun(t, url, imp("products", example("products_export.csv"))...)
		if !strings.Contains(out, "Imported products_export.csv into acme.myshopify.com: 9 created, 0 updated, 0 unchanged") ||
			!strings.Contains(out, "variants:       6 created") {
			t.Fatalf("import: %s", out)
		}

		// JSON, the contract's fields.
		out = mustRun(t, url, imp("inventory", example("inventory_export.csv"), "--json")...)
		var sum map[string]any
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for _, k := range []string{"created", "updated", "unchanged", "errors"} {
			if _, ok := sum[k]; !ok {
				t.Fatalf("--json lacks %q: %s", k, out)
			}
		}
		if sum["created"].(float64) != 11 || len(sum["errors"].([]any)) != 0 {
			t.Fatalf("summary %s", out)
		}

		// Standard input, and --location for orders without one.
		orders, err := os.ReadFile(example("orders_export.csv"))
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		root := newRootCmd(&stdout, &stderr)
		root.SetIn(bytes.NewReader(orders))
		root.SetArgs(append([]string{"--database-url", url}, imp("orders", "-", "--location", "main warehouse")...))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v: %s", err, stderr.String())
		}
		if !strings.Contains(stdout.String(), "Imported stdin into acme.myshopify.com: 4 created") ||
			!strings.Contains(stdout.String(), "skipped:        1 cancelled, 1 no SKU, 1 refunded") {
			t.Fatalf("orders: %s", stdout.String())
		}

		// A bad file: every bad row on stderr with its line, one sentence
		// as the error, nothing applied; --json lists the rows.
		bad := filepath.Join(t.TempDir(), "terms.csv")
		if err := os.WriteFile(bad, []byte("sku,supplier,unit_cost\nTRS-42,Nobody,1\nNOPE,Nobody,x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := runCmd(t, append([]string{"--database-url", url}, imp("supplier-terms", bad)...)...)
		if err == nil || userMessage(err) != "the file has errors, so nothing was imported: fix the rows listed and import it again" {
			t.Fatalf("err %v", err)
		}
		if out != "" || !strings.Contains(errOut, `line 2, column "supplier": no supplier "Nobody" in this store`) ||
			!strings.Contains(errOut, `line 3, column "unit_cost": "x" is not an amount`) {
			t.Fatalf("stdout %q stderr %q", out, errOut)
		}
		out, _, err = runCmd(t, append([]string{"--database-url", url}, imp("supplier-terms", bad, "--json")...)...)
		var refused struct {
			Created int64
			Errors  []struct {
				Line    int
				Message string
			}
		}
		if err == nil || json.Unmarshal([]byte(out), &refused) != nil || len(refused.Errors) != 2 || refused.Errors[1].Line != 3 {
			t.Fatalf("--json of a bad file: %v %s", err, out)
		}

		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"import", "products", "--store", "acme.myshopify.com"}, "give one file to import (or - for standard input)"},
			{[]string{"import", "products", "--store", "nobody.myshopify.com", example("products_export.csv")}, "store not found"},
			{[]string{"import", "products", "--store", "acme.myshopify.com", "/no/such/file.csv"}, "opening the file to import"},
		} {
			_, _, err := runCmd(t, append([]string{"--database-url", url}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: %v; want %q", tt.args, err, tt.want)
			}
		}
	})
}
