package tools_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// TestReadToolsTenantIsolation names store B's ids, document numbers, SKUs
// and names through store A's read key, for every read tool: each must
// answer "not found" or nothing, never B's data.
func TestReadToolsTenantIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := newReadEnv(t, db) // store A: the fixture, no documents
		b := storagetest.SeedStore(t, db, "other-tenant.myshopify.com")
		ctx := context.Background()
		var bOnly catalog.CreatedProduct
		var bDepot storage.Location
		var bSupplier storage.Supplier
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			var err error
			if bDepot, err = catalog.New(db).CreateLocation(ctx, tx, b.Store.ID, catalog.NewLocation{Name: "Bravo Depot", Code: "BRAVO"}); err != nil {
				return err
			}
			if bSupplier, err = catalog.New(db).CreateSupplier(ctx, tx, b.Store.ID, catalog.NewSupplier{Name: "Bravo Only Supplies"}); err != nil {
				return err
			}
			bOnly, err = catalog.New(db).CreateProduct(ctx, tx, b.Store.ID, catalog.NewProduct{Title: "Bravo Secret Kettle", Vendor: "Bravo Vendor",
				Variants: []catalog.NewVariant{{SKU: "BRAVO-KETTLE", Barcode: "999000111", PriceCents: 5000, CostCents: 2000}}})
			if err != nil {
				return err
			}
			if err := catalog.New(db).SetSupplierTerms(ctx, tx, b.Store.ID, catalog.SupplierTerms{SupplierID: bSupplier.ID, VariantID: bOnly.Variants[0].ID, Primary: true}); err != nil {
				return err
			}
			_, err = catalog.New(db).AdjustInventory(ctx, tx, b.Store.ID, b.Actor(), []storage.Change{{VariantID: bOnly.Variants[0].ID, LocationID: bDepot.ID,
				Quantity: "on_hand", Delta: 7}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		bctx := tools.WithPrincipal(ctx, b.WritePrincipal())
		for _, c := range [][2]string{
			{"create_purchase_order", `{"supplier":"Bravo Only Supplies","location":"BRAVO","lines":[{"sku":"BRAVO-KETTLE","quantity":3}]}`},
			{"create_transfer", `{"from_location":"BRAVO","to_location":"WH","lines":[{"sku":"BRAVO-KETTLE","quantity":1}]}`},
			{"start_stock_take", `{"location":"BRAVO"}`},
			{"create_supplier_return", `{"supplier":"Bravo Only Supplies","location":"BRAVO","lines":[{"sku":"BRAVO-KETTLE","quantity":1}]}`},
			{"set_reorder_rules", `{"rules":[{"sku":"BRAVO-KETTLE","min":9}]}`},
		} {
			if text, isErr := a.callAs(t, bctx, c[0], c[1]); isErr {
				t.Fatalf("store B %s: %s", c[0], text)
			}
		}
		bVariant := b.Variants["TRS-40"].ID
		bLoc, bSup := bDepot.ID, bSupplier.ID
		const notFound, nothing = "not found", "nothing"
		cases := []struct {
			tool, args string
			want       string // notFound: a tool error; nothing: an answer without B's data
		}{
			{"get_store_overview", `{}`, nothing},
			{"list_locations", `{}`, nothing},
			{"search_products", `{"query":"BRAVO"}`, nothing},
			{"search_products", `{"supplier":"Bravo Only"}`, nothing},
			{"search_products", `{"barcode":"999000111"}`, nothing},
			{"get_inventory_levels", `{"skus":["BRAVO-KETTLE"]}`, notFound},
			{"get_inventory_levels", fmt.Sprintf(`{"variant_ids":[%d]}`, bVariant), notFound},
			{"get_inventory_levels", fmt.Sprintf(`{"skus":["TRS-40"],"location":"%d"}`, bLoc), notFound},
			{"get_inventory_history", fmt.Sprintf(`{"variant_id":%d}`, bVariant), notFound},
			{"get_inventory_history", fmt.Sprintf(`{"location":"%d"}`, bLoc), notFound},
			{"get_inventory_history", `{"sku":"BRAVO-KETTLE"}`, notFound},
			{"list_stock_risks", fmt.Sprintf(`{"location":"%d"}`, bLoc), notFound},
			{"list_stock_risks", fmt.Sprintf(`{"supplier":"%d"}`, bSup), notFound},
			{"list_stock_risks", `{"limit":100}`, nothing},
			{"get_reorder_suggestions", fmt.Sprintf(`{"supplier":"%d"}`, bSup), notFound},
			{"get_reorder_suggestions", `{"location":"Bravo Depot"}`, notFound},
			{"get_reorder_suggestions", `{"limit":100}`, nothing},
			{"get_demand", fmt.Sprintf(`{"variant_id":%d}`, bVariant), notFound},
			{"get_demand", `{"sku":"BRAVO-KETTLE"}`, notFound},
			{"get_inventory_value", `{"group_by":"vendor","limit":100}`, nothing},
			{"get_inventory_value", `{"group_by":"supplier","limit":100}`, nothing},
			{"get_inventory_value", `{"limit":100}`, nothing},
			{"list_dead_stock", fmt.Sprintf(`{"location":"%d"}`, bLoc), notFound},
			{"list_dead_stock", `{"days":1,"limit":100}`, nothing},
			{"list_suppliers", `{"query":"bravo"}`, nothing},
			{"get_supplier", fmt.Sprintf(`{"supplier":"%d"}`, bSup), notFound},
			{"get_supplier", `{"supplier":"Bravo Only Supplies"}`, notFound},
			{"list_purchase_orders", `{}`, nothing},
			{"list_purchase_orders", fmt.Sprintf(`{"supplier":"%d"}`, bSup), notFound},
			{"list_purchase_orders", `{"sku":"BRAVO-KETTLE"}`, notFound},
			{"get_purchase_order", `{"number":"PO-1001"}`, notFound},
			{"list_transfers", `{}`, nothing},
			{"list_transfers", fmt.Sprintf(`{"from_location":"%d"}`, bLoc), notFound},
			{"get_transfer", `{"number":"TO-1001"}`, notFound},
			{"list_stock_takes", `{}`, nothing},
			{"list_stock_takes", `{"location":"BRAVO"}`, notFound},
			{"get_stock_take", `{"number":"ST-1001"}`, notFound},
			{"list_supplier_returns", `{}`, nothing},
			{"list_supplier_returns", `{"supplier":"Bravo Only Supplies"}`, notFound},
			{"get_supplier_return", `{"number":"RMA-1001"}`, notFound},
			{"list_reorder_rules", `{}`, nothing},
			{"list_reorder_rules", `{"sku":"BRAVO-KETTLE"}`, notFound},
		}
		// B has the fixture's SKUs and names too, so its rows are told apart
		// by their ids.
		leaks := []string{"Bravo", "BRAVO", "other-tenant", "999000111",
			`"number":"PO-`, `"number":"TO-`, `"number":"ST-`, `"number":"RMA-`}
		for _, v := range b.Variants {
			leaks = append(leaks, fmt.Sprintf(`"variant_id":%d,`, v.ID))
		}
		for _, l := range b.Locations {
			leaks = append(leaks, fmt.Sprintf(`"location_id":%d,`, l.ID), fmt.Sprintf(`"id":%d,`, l.ID))
		}
		for _, s := range b.Suppliers {
			leaks = append(leaks, fmt.Sprintf(`"supplier_id":%d,`, s.ID))
		}
		leaks = append(leaks, fmt.Sprintf(`"location_id":%d,`, bLoc), fmt.Sprintf(`"supplier_id":%d,`, bSup))
		covered := map[string]bool{}
		for _, tc := range cases {
			covered[tc.tool] = true
			text, isErr := a.callAs(t, a.rctx, tc.tool, tc.args)
			if tc.want == notFound && !isErr {
				t.Errorf("%s %s through store A's key: want not found, got %s", tc.tool, tc.args, text)
			}
			if tc.want == nothing && isErr {
				t.Errorf("%s %s through store A's key: want an answer, got error %s", tc.tool, tc.args, text)
			}
			for _, leak := range leaks {
				if strings.Contains(text, leak) && !(isErr && strings.Contains(text, "no ")) {
					t.Errorf("%s %s leaks store B (%s): %s", tc.tool, tc.args, leak, text)
				}
			}
		}
		for _, tl := range tools.All(tools.Deps{DB: db}) {
			if tl.Scope == keys.ScopeRead && !covered[tl.Def.Name] {
				t.Errorf("read tool %s has no tenant isolation case", tl.Def.Name)
			}
		}
	})
}
