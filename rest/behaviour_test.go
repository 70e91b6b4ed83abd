package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// other is a second tenant with names, SKUs and documents of its own.
type other struct {
	fx                           storagetest.Fixture
	sku, location, supplier      string
	variantID, locID, supplierID int64
}

func seedOther(t *testing.T, e *env) other {
	t.Helper()
	o := other{fx: storagetest.SeedStore(t, e.db, "bravo.myshopify.com"), sku: "BRAVO-ONLY-1", location: "Bravo Depot", supplier: "Bravo Supplies"}
	ctx := context.Background()
	db := e.db
	err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
		loc, err := catalog.New(db).CreateLocation(ctx, tx, o.fx.Store.ID, catalog.NewLocation{Name: o.location, Code: "BRV", Kind: "warehouse"})
		if err != nil {
			return err
		}
		sup, err := catalog.New(db).CreateSupplier(ctx, tx, o.fx.Store.ID, catalog.NewSupplier{Name: o.supplier, Email: "b@bravo.example", LeadTimeDays: 3})
		if err != nil {
			return err
		}
		p, err := catalog.New(db).CreateProduct(ctx, tx, o.fx.Store.ID, catalog.NewProduct{Title: "Bravo Thing", Vendor: o.supplier,
			Variants: []catalog.NewVariant{{SKU: o.sku, PriceCents: 1000, CostCents: 500}}})
		if err != nil {
			return err
		}
		o.locID, o.supplierID, o.variantID = loc.ID, sup.ID, p.Variants[0].ID
		return nil
	})
	if err != nil {
		t.Fatalf("seeding the other store: %v", err)
	}
	// One document of each kind, numbered as store A's would be.
	ctxB := tools.WithPrincipal(ctx, o.fx.WritePrincipal())
	for _, c := range []struct{ op, args string }{
		{"create_purchase_order", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":2}]}`},
		{"create_transfer", `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":1}]}`},
		{"start_stock_take", `{"location":"Warehouse","skus":["TRS-40"]}`},
		{"create_supplier_return", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`},
		{"set_reorder_rules", `{"rules":[{"sku":"TRS-40","min":3}]}`},
	} {
		if _, err := e.ops[c.op].Call(ctxB, json.RawMessage(c.args)); err != nil {
			t.Fatalf("seeding the other store's %s: %v", c.op, err)
		}
	}
	return o
}

// Tenant isolation over every route: store B's numbers, SKUs, ids and names
// through store A's keys find nothing and change nothing.
func TestTenantIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		b := seedOther(t, e)
		id := func(n int64) string { return strconv.FormatInt(n, 10) }
		q := url.QueryEscape
		reads := []string{
			"/inventory-levels?skus=" + b.sku, "/inventory-levels?variant_ids=" + id(b.variantID),
			"/inventory-levels?skus=TRS-40&location=" + q(b.location), "/inventory-levels?skus=TRS-40&location=" + id(b.locID),
			"/inventory-history?sku=" + b.sku, "/inventory-history?variant_id=" + id(b.variantID), "/inventory-history?location=" + q(b.location),
			"/stock-risks?supplier=" + q(b.supplier), "/stock-risks?location=" + id(b.locID),
			"/reorder-suggestions?supplier=" + id(b.supplierID), "/reorder-suggestions?location=" + q(b.location),
			"/demand?sku=" + b.sku, "/demand?variant_id=" + id(b.variantID), "/dead-stock?location=" + q(b.location),
			"/suppliers/" + q(b.supplier), "/suppliers/" + id(b.supplierID),
			"/purchase-orders/PO-1001", "/purchase-orders?supplier=" + q(b.supplier), "/purchase-orders?sku=" + b.sku, "/purchase-orders?location=" + id(b.locID),
			"/transfers/TO-1001", "/transfers?from_location=" + q(b.location),
			"/stock-takes/ST-1001", "/stock-takes?location=" + q(b.location),
			"/supplier-returns/RMA-1001", "/supplier-returns?supplier=" + id(b.supplierID),
			"/reorder-rules?sku=" + b.sku, "/reorder-rules?supplier=" + q(b.supplier),
		}
		for _, path := range reads {
			for _, key := range []string{e.fx.ReadKey.Secret, e.fx.WriteKey.Secret} {
				r := e.do(t, req{method: "GET", path: rest.Base + path, key: key})
				if r.status != http.StatusNotFound {
					t.Errorf("GET %s through store A's key: status %d, want 404: %s", path, r.status, r.body)
					continue
				}
				r.problem(t)
			}
		}
		// Lists and searches that take free text find nothing of B's.
		for _, path := range []string{"/products?query=" + b.sku, "/products?sku=BRAVO", "/products?vendor=Bravo", "/suppliers?query=Bravo",
			"/locations", "/store", "/purchase-orders", "/transfers", "/stock-takes", "/supplier-returns", "/reorder-rules", "/inventory-value", "/dead-stock", "/stock-risks"} {
			got := e.get(t, e.fx.ReadKey.Secret, rest.Base+path)
			for _, leak := range []string{b.sku, b.location, b.supplier, "bravo.myshopify.com", "PO-1001", "TO-1001", "ST-1001", "RMA-1001"} {
				if strings.Contains(string(got.Data), leak) {
					t.Errorf("GET %s through store A's key shows store B's %s: %s", path, leak, got.Data)
				}
			}
		}
		beforeB := e.counts(t, b.fx.Store.ID)
		beforeA := e.counts(t, e.fx.Store.ID)
		writes := []struct{ method, path, body string }{
			{"POST", "/purchase-orders", `{"supplier":"` + b.supplier + `","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"POST", "/purchase-orders", `{"supplier":"Summit Gear","location":"` + b.location + `","lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"POST", "/purchase-orders", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"` + b.sku + `","quantity":1}]}`},
			{"POST", "/purchase-orders", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"variant_id":` + id(b.variantID) + `,"quantity":1}]}`},
			{"PATCH", "/purchase-orders/PO-1001", `{"note":"x"}`},
			{"POST", "/purchase-orders/PO-1001/send", ``},
			{"POST", "/purchase-orders/PO-1001/receive", `{"lines":[{"sku":"TRS-40","accepted":1}]}`},
			{"POST", "/purchase-orders/PO-1001/close", ``},
			{"POST", "/purchase-orders/PO-1001/cancel", ``},
			{"POST", "/transfers", `{"from_location":"Warehouse","to_location":"` + id(b.locID) + `","lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"POST", "/transfers/TO-1001/ship", ``},
			{"POST", "/transfers/TO-1001/receive", `{"lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"POST", "/transfers/TO-1001/cancel", ``},
			{"POST", "/stock-takes", `{"location":"` + b.location + `"}`},
			{"POST", "/stock-takes/ST-1001/counts", `{"counts":[{"sku":"TRS-40","counted":1}]}`},
			{"POST", "/stock-takes/ST-1001/complete", ``},
			{"POST", "/stock-takes/ST-1001/cancel", ``},
			{"POST", "/supplier-returns", `{"supplier":"` + id(b.supplierID) + `","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"POST", "/supplier-returns/RMA-1001/ship", ``},
			{"POST", "/supplier-returns/RMA-1001/close", `{"credit_amount":1}`},
			{"POST", "/supplier-returns/RMA-1001/cancel", ``},
			{"PUT", "/reorder-rules", `{"rules":[{"sku":"` + b.sku + `","min":1}]}`},
			{"DELETE", "/reorder-rules", `{"rules":[{"sku":"` + b.sku + `"}]}`},
		}
		for _, w := range writes {
			r := e.do(t, req{method: w.method, path: rest.Base + w.path, key: e.fx.WriteKey.Secret, body: w.body})
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s %s through store A's write key: status %d, want 404: %s", w.method, w.path, w.body, r.status, r.body)
				continue
			}
			r.problem(t)
		}
		if after := e.counts(t, b.fx.Store.ID); !sameCounts(beforeB, after) {
			t.Errorf("store A's key changed store B: before %v, after %v", beforeB, after)
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(beforeA, after) {
			t.Errorf("refused writes changed store A: before %v, after %v", beforeA, after)
		}
	})
}

// A retry with the same Idempotency-Key applies once and answers the same;
// the same key with another body is refused; a dry run changes nothing.
func TestIdempotencyAndDryRun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		key := e.fx.WriteKey.Secret
		body := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":5}]}`

		before := e.counts(t, e.fx.Store.ID)
		dry := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders?dry_run=true", key: key, body: body})
		if dry.status != http.StatusOK || dry.header.Get("Location") != "" || !strings.Contains(string(dry.envelope(t).Data), `"dry_run":true`) {
			t.Fatalf("dry run: status %d, Location %q: %s", dry.status, dry.header.Get("Location"), dry.body)
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
			t.Fatalf("a dry run changed the store: before %v, after %v", before, after)
		}

		h := map[string]string{"Idempotency-Key": "order-42"}
		first := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders", key: key, body: body, header: h})
		if first.status != http.StatusCreated {
			t.Fatalf("first: status %d: %s", first.status, first.body)
		}
		afterFirst := e.counts(t, e.fx.Store.ID)
		// Same arguments in another order, with a body that repeats the key.
		again := `{"idempotency_key":"order-42","lines":[{"quantity":5,"sku":"TRS-42"}],"location":"Warehouse","supplier":"Summit Gear"}`
		second := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders", key: key, body: again, header: h})
		if second.status != http.StatusCreated || second.header.Get("Location") != first.header.Get("Location") {
			t.Fatalf("retry: status %d, Location %q (first %q): %s", second.status, second.header.Get("Location"), first.header.Get("Location"), second.body)
		}
		if !strings.Contains(string(second.envelope(t).Data), `"replayed":true`) {
			t.Fatalf("the retry does not say it was replayed: %s", second.body)
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(afterFirst, after) {
			t.Fatalf("the retry applied again: after the first %v, after the retry %v", afterFirst, after)
		}
		other := strings.Replace(body, `"quantity":5`, `"quantity":6`, 1)
		conflict := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders", key: key, body: other, header: h})
		if conflict.status != http.StatusConflict || !strings.Contains(conflict.problem(t).Detail, "order-42") {
			t.Fatalf("the same key with another body: status %d: %s", conflict.status, conflict.body)
		}
		// A header and a body that disagree are refused before anything runs.
		mismatch := e.do(t, req{method: "POST", path: rest.Base + "/purchase-orders", key: key,
			body: strings.Replace(body, `{`, `{"idempotency_key":"other",`, 1), header: h})
		if p := mismatch.problem(t); mismatch.status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "idempotency_key" {
			t.Fatalf("header and body keys disagree: status %d: %s", mismatch.status, mismatch.body)
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(afterFirst, after) {
			t.Fatalf("refused calls changed the store: %v, then %v", afterFirst, after)
		}
		log, err := db.AuditLog(context.Background(), e.fx.Store.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range log {
			if a.Action == "create_purchase_order" && a.Via != storage.ViaREST {
				t.Errorf("audit entry %s/%s via %q, want rest", a.Action, a.Outcome, a.Via)
			}
		}
	})
}

// 401 for every kind of bad key, before anything is read; revocation holds
// on the key's next request on every replica.
func TestKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		valid := e.fx.ReadKey.Secret
		mistyped := []byte(valid)
		mistyped[10] ^= 1
		for _, c := range []struct{ name, auth, reason string }{
			{"missing", "", "missing"},
			{"basic", "Basic dXNlcjpwYXNz", "malformed"},
			{"mistyped", "Bearer " + string(mistyped), "malformed"},
			{"sql", "Bearer lstk_' OR '1'='1", "malformed"},
			{"unknown", "Bearer " + mustKey(t), "unknown_or_revoked"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.counts(t, e.fx.Store.ID)
				for _, r := range []req{
					{method: "GET", path: rest.Base + "/store", header: map[string]string{"Authorization": c.auth}},
					// A body that is not even JSON: the key is refused first.
					{method: "POST", path: rest.Base + "/purchase-orders", body: "{not json", header: map[string]string{"Authorization": c.auth}},
				} {
					res := e.do(t, r)
					if res.status != http.StatusUnauthorized {
						t.Fatalf("%s %s: status %d, want 401: %s", r.method, r.path, res.status, res.body)
					}
					if h := res.header.Get("WWW-Authenticate"); h != `Bearer realm="logistified", error="invalid_token"` {
						t.Fatalf("WWW-Authenticate %q", h)
					}
					if p := res.problem(t); len(p.Errors) != 1 || p.Errors[0].Message != c.reason {
						t.Fatalf("401 reason %+v, want %s", p.Errors, c.reason)
					}
				}
				if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
					t.Fatal("an unauthenticated request changed the store")
				}
			})
		}
		if n := e.metrics.AuthFailures(auth.ReasonMalformed); n < 3 {
			t.Errorf("auth failures (malformed) = %v, want them counted", n)
		}

		// Two replicas on one database.
		k, err := access.New(db).CreateKey(context.Background(), e.fx.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "revoked soon",
			CreatedByName: "Test", CreatedByEmail: "test@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		second := httptest.NewServer(assemble(db, metrics.New(), auth.DefaultRate))
		defer second.Close()
		replicas := []string{e.http.URL, second.URL}
		for _, base := range replicas {
			if r := e.doAt(t, base, req{method: "GET", path: rest.Base + "/store", key: k.Secret}); r.status != http.StatusOK {
				t.Fatalf("the new key on %s: status %d", base, r.status)
			}
		}
		if _, err := access.New(db).RevokeKey(context.Background(), e.fx.Store.ID, k.Prefix, access.Revoker{Name: "Test", Email: "test@example.com"}); err != nil {
			t.Fatal(err)
		}
		for _, base := range replicas {
			if r := e.doAt(t, base, req{method: "GET", path: rest.Base + "/store", key: k.Secret}); r.status != http.StatusUnauthorized {
				t.Fatalf("the revoked key on %s: status %d, want 401", base, r.status)
			}
		}
	})
}

// doAt sends r to another replica, through the validating client.
func (e *env) doAt(t testing.TB, base string, r req) response {
	t.Helper()
	saved := e.http.URL
	e.http.URL = base
	defer func() { e.http.URL = saved }()
	return e.do(t, r)
}

func mustKey(t testing.TB) string {
	t.Helper()
	k, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret
}

// Hostile input gets a clear 4xx problem, never a panic or a 500, and
// changes nothing.
func TestHostileInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		rk, wk := e.fx.ReadKey.Secret, e.fx.WriteKey.Secret
		huge := `{"supplier":"Summit Gear","location":"Warehouse","note":"` + strings.Repeat("x", rest.DefaultMaxBodyBytes) + `","lines":[]}`
		cases := []struct {
			name   string
			r      req
			status int
			field  string
		}{
			{"limit abc", req{method: "GET", path: "/suppliers?limit=abc", key: rk}, 400, "limit"},
			{"limit negative", req{method: "GET", path: "/suppliers?limit=-1", key: rk}, 400, "limit"},
			{"limit 1e9", req{method: "GET", path: "/suppliers?limit=1e9", key: rk}, 400, "limit"},
			{"limit 1.5", req{method: "GET", path: "/purchase-orders?limit=1.5", key: rk}, 400, "limit"},
			{"limit twice", req{method: "GET", path: "/suppliers?limit=1&limit=2", key: rk}, 400, "limit"},
			{"days abc", req{method: "GET", path: "/dead-stock?days=abc", key: rk}, 400, "days"},
			{"overdue maybe", req{method: "GET", path: "/purchase-orders?overdue=maybe", key: rk}, 400, "overdue"},
			{"variant_ids text", req{method: "GET", path: "/inventory-levels?variant_ids=1,x", key: rk}, 400, "variant_ids"},
			{"unknown parameter", req{method: "GET", path: "/suppliers?qurey=x", key: rk}, 400, "qurey"},
			{"parameter on store", req{method: "GET", path: "/store?store=other.myshopify.com", key: rk}, 400, "store"},
			{"bad cursor", req{method: "GET", path: "/purchase-orders?cursor=%27%3B%20DROP%20TABLE%20stores%3B--", key: rk}, 400, ""},
			{"bad status", req{method: "GET", path: "/purchase-orders?status=open", key: rk}, 400, ""},
			{"sql in supplier", req{method: "GET", path: "/suppliers/" + url.PathEscape(`x' OR '1'='1`), key: rk}, 404, ""},
			{"sql in sku", req{method: "GET", path: "/inventory-levels?skus=" + url.QueryEscape(`TRS-40'); DELETE FROM inventory_levels; --`), key: rk}, 404, ""},
			{"traversal in number", req{method: "GET", path: "/purchase-orders/..%2F..%2Fstore", key: rk}, 404, ""},
			{"dots in number", req{method: "POST", path: "/purchase-orders/%2E%2E/send", key: wk}, 404, ""},
			{"NUL in number", req{method: "GET", path: "/purchase-orders/PO-%00%1B", key: rk}, 400, ""},
			{"escape in number", req{method: "GET", path: "/purchase-orders/PO-%1B%5B2J", key: rk}, 400, "number"},
			{"NUL in body", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":"Summit\u0000Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`}, 400, ""},
			{"long number", req{method: "GET", path: "/transfers/" + strings.Repeat("9", 5000), key: rk}, 404, ""},
			{"malformed body", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":`}, 400, ""},
			{"array body", req{method: "POST", path: "/purchase-orders", key: wk, body: `[1,2]`}, 400, ""},
			{"null body", req{method: "POST", path: "/purchase-orders", key: wk, body: `null`}, 400, ""},
			{"two objects", req{method: "POST", path: "/purchase-orders", key: wk, body: `{}{}`}, 400, ""},
			{"unknown field", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","qty":1}]}`}, 400, "qty"},
			{"wrong type", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":"ten"}]}`}, 400, "lines.quantity"},
			{"negative quantity", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":-5}]}`}, 400, ""},
			{"bad date", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}],"expected_date":"tomorrow"}`}, 400, "expected_date"},
			{"number in body differs", req{method: "POST", path: "/purchase-orders/PO-1001/send", key: wk, body: `{"number":"PO-9999"}`}, 400, "number"},
			{"unknown query on write", req{method: "POST", path: "/purchase-orders?supplier=x", key: wk, body: `{}`}, 400, "supplier"},
			{"dry_run maybe", req{method: "POST", path: "/purchase-orders?dry_run=maybe", key: wk, body: `{}`}, 400, "dry_run"},
			{"huge body", req{method: "POST", path: "/purchase-orders", key: wk, body: huge}, 413, ""},
			{"not JSON", req{method: "POST", path: "/purchase-orders", key: wk, body: `supplier=x`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, ""},
			{"no content type", req{method: "POST", path: "/purchase-orders", key: wk, body: `{}`, header: map[string]string{"Content-Type": ""}}, 415, ""},
			{"long idempotency key", req{method: "POST", path: "/purchase-orders", key: wk, body: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`,
				header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}}, 400, ""},
			{"method", req{method: "DELETE", path: "/purchase-orders", key: wk}, 405, ""},
			{"method on document", req{method: "PUT", path: "/purchase-orders/PO-1001", key: wk, body: `{}`}, 405, ""},
			{"unknown path", req{method: "GET", path: "/orders", key: rk}, 404, ""},
		}
		before := e.counts(t, e.fx.Store.ID)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.r.path = rest.Base + c.r.path
				r := e.do(t, c.r)
				if r.status != c.status {
					t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
				}
				p := r.problem(t)
				if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
					t.Fatalf("errors %+v do not name %s", p.Errors, c.field)
				}
				if c.field != "" && p.Errors[0].Message == "" {
					t.Fatal("a field error without a message")
				}
				if c.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
					t.Fatal("405 without Allow")
				}
			})
		}
		if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
			t.Fatalf("hostile input changed the store: before %v, after %v", before, after)
		}
	})
}

// The answer of a list carries next_cursor and total_count; paging through
// a long list with a small limit returns every row once.
func TestPaging(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tools.WithPrincipal(context.Background(), e.fx.WritePrincipal())
		const orders = 23
		for i := range orders {
			args := fmt.Sprintf(`{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":%d}]}`, i+1)
			if _, err := e.ops["create_purchase_order"].Call(ctx, json.RawMessage(args)); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		path := rest.Base + "/purchase-orders?limit=5"
		pages := 0
		for {
			env := e.get(t, e.fx.ReadKey.Secret, path)
			pages++
			if env.Meta.TotalCount == nil || *env.Meta.TotalCount != orders {
				t.Fatalf("page %d: total_count %v, want %d", pages, env.Meta.TotalCount, orders)
			}
			var data struct {
				Items []struct{ Number string }
			}
			if err := json.Unmarshal(env.Data, &data); err != nil {
				t.Fatal(err)
			}
			for _, it := range data.Items {
				if seen[it.Number] {
					t.Fatalf("%s on two pages", it.Number)
				}
				seen[it.Number] = true
			}
			if env.Meta.NextCursor == nil {
				break
			}
			if pages > orders {
				t.Fatal("paging does not end")
			}
			path = rest.Base + "/purchase-orders?limit=5&cursor=" + url.QueryEscape(*env.Meta.NextCursor)
		}
		if len(seen) != orders || pages != 5 {
			t.Fatalf("%d orders on %d pages, want %d on 5", len(seen), pages, orders)
		}
		// Filters count too; lists that cannot count cheaply leave it out.
		if env := e.get(t, e.fx.ReadKey.Secret, rest.Base+"/purchase-orders?status=sent"); env.Meta.TotalCount == nil || *env.Meta.TotalCount != 0 {
			t.Fatalf("total_count of sent orders %v, want 0", env.Meta.TotalCount)
		}
		if env := e.get(t, e.fx.ReadKey.Secret, rest.Base+"/suppliers?limit=2"); env.Meta.TotalCount == nil || *env.Meta.TotalCount != 3 || env.Meta.NextCursor == nil {
			t.Fatalf("suppliers meta %+v, want total 3 and a next cursor", env.Meta)
		}
		raw := e.do(t, req{method: "GET", path: rest.Base + "/products?limit=100", key: e.fx.ReadKey.Secret})
		if !bytes.Contains(raw.body, []byte(`"next_cursor":null`)) {
			t.Fatalf("the last page's meta lacks next_cursor null: %s", raw.body)
		}
	})
}

// Conditional GET: an unchanged document answers 304 to its ETag, a
// changed one answers again.
func TestConditionalGet(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := tools.WithPrincipal(context.Background(), e.fx.WritePrincipal())
		if _, err := e.ops["create_purchase_order"].Call(ctx, json.RawMessage(`{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":3}]}`)); err != nil {
			t.Fatal(err)
		}
		path := rest.Base + "/purchase-orders/PO-1001"
		first := e.do(t, req{method: "GET", path: path, key: e.fx.ReadKey.Secret})
		etag := first.header.Get("ETag")
		if first.status != http.StatusOK || !strings.HasPrefix(etag, `"`) {
			t.Fatalf("status %d, ETag %q", first.status, etag)
		}
		same := e.do(t, req{method: "GET", path: path, key: e.fx.ReadKey.Secret, header: map[string]string{"If-None-Match": etag}})
		if same.status != http.StatusNotModified || len(same.body) != 0 || same.header.Get("ETag") != etag {
			t.Fatalf("unchanged: status %d, ETag %q, body %q", same.status, same.header.Get("ETag"), same.body)
		}
		if _, err := e.ops["send_purchase_order"].Call(ctx, json.RawMessage(`{"number":"PO-1001"}`)); err != nil {
			t.Fatal(err)
		}
		changed := e.do(t, req{method: "GET", path: path, key: e.fx.ReadKey.Secret, header: map[string]string{"If-None-Match": etag}})
		if changed.status != http.StatusOK || changed.header.Get("ETag") == etag {
			t.Fatalf("changed: status %d, ETag %q (was %q)", changed.status, changed.header.Get("ETag"), etag)
		}
		// Another key of another store never matches: its data differ.
		if r := e.do(t, req{method: "GET", path: path, key: "", header: map[string]string{"If-None-Match": etag}}); r.status != http.StatusUnauthorized {
			t.Fatalf("without a key: status %d, want 401", r.status)
		}
	})
}

// The per-key rate limit answers 429 with Retry-After and RateLimit-*
// headers, on REST and on /mcp alike, from one budget per key.
func TestRateLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db, envOptions{rate: auth.Rate{Limit: 0.001, Burst: 2}})
		key := e.fx.ReadKey.Secret
		for i := range 2 {
			r := e.do(t, req{method: "GET", path: rest.Base + "/store", key: key})
			if r.status != http.StatusOK || r.header.Get("RateLimit-Limit") != "2" || r.header.Get("RateLimit-Remaining") != strconv.Itoa(1-i) {
				t.Fatalf("request %d: status %d, RateLimit-Limit %q, RateLimit-Remaining %q", i+1, r.status, r.header.Get("RateLimit-Limit"), r.header.Get("RateLimit-Remaining"))
			}
		}
		over := e.do(t, req{method: "GET", path: rest.Base + "/store", key: key})
		if over.status != http.StatusTooManyRequests {
			t.Fatalf("third request: status %d, want 429", over.status)
		}
		over.problem(t)
		if ra, err := strconv.Atoi(over.header.Get("Retry-After")); err != nil || ra < 1 || over.header.Get("RateLimit-Remaining") != "0" || over.header.Get("RateLimit-Reset") == "" {
			t.Fatalf("429 headers: %v", over.header)
		}
		// The same key over MCP shares the budget.
		mcpReq, _ := http.NewRequest(http.MethodPost, e.http.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`))
		mcpReq.Header.Set("Content-Type", "application/json")
		mcpReq.Header.Set("Accept", "application/json, text/event-stream")
		mcpReq.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(mcpReq)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("/mcp with the same key: status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		// Another key has its own budget.
		if r := e.do(t, req{method: "GET", path: rest.Base + "/store", key: e.fx.WriteKey.Secret}); r.status != http.StatusOK {
			t.Fatalf("another key: status %d", r.status)
		}
	})
}

// The document is served without a key, validates as OpenAPI 3.1 and
// describes every route; the validator the tests use does catch an answer
// that drifts from it.
func TestOpenAPIDocument(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	e := newEnv(t, db)
	r := e.do(t, req{method: "GET", path: rest.Base + "/openapi.json"})
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("not an OpenAPI 3.1 document (%v): %.200s", err, r.body)
	}
	for _, route := range rest.Routes {
		op, ok := doc.Paths[rest.Base+route.Path][strings.ToLower(route.Method)]
		if !ok {
			t.Errorf("%s %s is not in the document", route.Method, route.Path)
			continue
		}
		if !bytes.Contains(op, []byte(`"operationId": "`+route.Op+`"`)) {
			t.Errorf("%s %s: operationId is not %s", route.Method, route.Path, route.Op)
		}
	}
	// Drift: an answer without meta, and a status the document does not list.
	hr := httptest.NewRequest(http.MethodGet, rest.Base+"/store", nil)
	for _, c := range []struct {
		status int
		body   string
	}{
		{200, `{"data":{}}`},
		{418, `{}`},
		{400, `{"title":"x"}`},
	} {
		res := &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"application/json"}}}
		if c.status == 400 {
			res.Header.Set("Content-Type", "application/problem+json")
		}
		if err := e.checked.check(hr, res, []byte(c.body)); err == nil {
			t.Errorf("the validator accepted %d %s", c.status, c.body)
		}
	}
}

// REST requests are counted under their face in the HTTP metrics, and
// their operation calls beside MCP's.
func TestMetrics(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	e := newEnv(t, db)
	e.get(t, e.fx.ReadKey.Secret, rest.Base+"/store")
	e.do(t, req{method: "POST", path: rest.Base + "/transfers/TO-1/ship", key: e.fx.ReadKey.Secret})
	res, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	for _, want := range []string{
		`logistified_http_requests_total{code="200",method="GET",path="/api/v1"} 1`,
		`logistified_http_requests_total{code="403",method="POST",path="/api/v1"} 1`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if n := e.metrics.ToolCalls("get_store_overview", metrics.OutcomeOK); n != 1 {
		t.Errorf("get_store_overview ok calls = %v, want 1", n)
	}
	if n := e.metrics.ToolCalls("ship_transfer", metrics.OutcomeRefused); n != 1 {
		t.Errorf("ship_transfer refused calls = %v, want 1", n)
	}
}
