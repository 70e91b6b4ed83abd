package plan_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestReorderRules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		set := func(rules ...plan.ReorderRuleInput) func(tx backend.Tx) (plan.ReorderRulesResult, error) {
			return func(tx backend.Tx) (plan.ReorderRulesResult, error) {
				return plan.New(db).SetReorderRules(ctx, tx, sid, a, rules)
			}
		}
		res := storagetest.Must(t, f, set(
			plan.ReorderRuleInput{SKU: "TRS-40", Min: ptr[int64](5), Max: ptr[int64](20)},
			plan.ReorderRuleInput{SKU: "TRS-40", Location: "DT", Min: ptr[int64](2), LeadTimeDays: ptr(3)},
			plan.ReorderRuleInput{VariantID: f.Variants["MUG-STEEL"].ID, Location: "Harbour Shop", SafetyStock: ptr[int64](6), DaysOfCover: ptr(45)},
		))
		if len(res.Rules) != 3 || res.Rules[0].Location != plan.AllLocations || res.Rules[0].LocationID != 0 || *res.Rules[0].Max != 20 ||
			res.Rules[1].Location != storagetest.DowntownShop || *res.Rules[1].LeadTimeDays != 3 || res.Rules[2].SKU != "MUG-STEEL" ||
			res.Rules[2].Min != nil || len(res.Changes) != 0 {
			t.Fatalf("set %+v", res)
		}
		// Setting again merges: min changes, max stays.
		res = storagetest.Must(t, f, set(plan.ReorderRuleInput{SKU: "TRS-40", Min: ptr[int64](8)}))
		if *res.Rules[0].Min != 8 || *res.Rules[0].Max != 20 {
			t.Fatalf("merged rule %+v", res.Rules[0].Rule)
		}
		many := make([]plan.ReorderRuleInput, 501)
		for i := range many {
			many[i] = plan.ReorderRuleInput{SKU: "TRS-40", Min: ptr[int64](1)}
		}
		for _, c := range []struct {
			name  string
			kind  inventory.Kind
			rules []plan.ReorderRuleInput
		}{
			{"min above max", inventory.Invalid, []plan.ReorderRuleInput{{SKU: "SHELL-S", Min: ptr[int64](9), Max: ptr[int64](3)}}},
			{"min above the stored max", inventory.Invalid, []plan.ReorderRuleInput{{SKU: "TRS-40", Min: ptr[int64](21)}}},
			{"negative", inventory.Invalid, []plan.ReorderRuleInput{{SKU: "SHELL-S", SafetyStock: ptr[int64](-1)}}},
			{"lead time out of range", inventory.Invalid, []plan.ReorderRuleInput{{SKU: "SHELL-S", LeadTimeDays: ptr(1000)}}},
			{"sets nothing", inventory.Invalid, []plan.ReorderRuleInput{{SKU: "SHELL-S"}}},
			{"twice in one call", inventory.Invalid, []plan.ReorderRuleInput{{SKU: "SHELL-S", Min: ptr[int64](1)}, {SKU: "SHELL-S", Location: "", Max: ptr[int64](4)}}},
			{"501 rules", inventory.Invalid, many},
			{"none", inventory.Invalid, nil},
			{"another store's variant", inventory.NotFound, []plan.ReorderRuleInput{{VariantID: other.Variants["SHELL-S"].ID, Min: ptr[int64](1)}}},
			{"another store's location", inventory.NotFound, []plan.ReorderRuleInput{{SKU: "SHELL-S", Location: strconv.FormatInt(other.Locations[storagetest.Warehouse].ID, 10), Min: ptr[int64](1)}}},
			// One bad rule refuses the whole batch.
			{"a bad rule after a good one", inventory.NotFound, []plan.ReorderRuleInput{{SKU: "SHELL-M", Min: ptr[int64](1)}, {SKU: "SHELL-XXL", Min: ptr[int64](1)}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				storagetest.Refused(t, f, c.kind, func(tx backend.Tx) error {
					_, err := plan.New(db).SetReorderRules(ctx, tx, sid, a, c.rules)
					return err
				})
			})
		}

		list := func(flt plan.ReorderRuleFilter) []plan.ReorderRule {
			t.Helper()
			rules, _, err := plan.New(db).ListReorderRules(ctx, sid, flt)
			if err != nil {
				t.Fatal(err)
			}
			return rules
		}
		if got := list(plan.ReorderRuleFilter{}); len(got) != 3 {
			t.Fatalf("all rules: %+v", got)
		}
		// At Downtown: TRS-40's own rule and its all-locations rule.
		if got := list(plan.ReorderRuleFilter{LocationID: f.Locations[storagetest.DowntownShop].ID}); len(got) != 2 || got[0].SKU != "TRS-40" || got[1].SKU != "TRS-40" {
			t.Fatalf("rules at Downtown: %+v", got)
		}
		if got := list(plan.ReorderRuleFilter{SupplierID: f.Suppliers[storagetest.AlpineSupply].ID}); len(got) != 1 || got[0].SKU != "MUG-STEEL" {
			t.Fatalf("Alpine's rules: %+v", got)
		}
		if got := list(plan.ReorderRuleFilter{VariantID: f.Variants["MUG-STEEL"].ID}); len(got) != 1 {
			t.Fatalf("MUG-STEEL's rules: %+v", got)
		}
		page, next, err := plan.New(db).ListReorderRules(ctx, sid, plan.ReorderRuleFilter{Page: storage.Page{Limit: 2}})
		if err != nil || len(page) != 2 || next == "" {
			t.Fatalf("page 1: %+v %q %v", page, next, err)
		}
		page2, next2, err := plan.New(db).ListReorderRules(ctx, sid, plan.ReorderRuleFilter{Page: storage.Page{Limit: 2, Cursor: next}})
		if err != nil || len(page2) != 1 || next2 != "" || page2[0] == page[0] || page2[0] == page[1] {
			t.Fatalf("page 2: %+v %q %v", page2, next2, err)
		}
		if rules, _, _ := plan.New(db).ListReorderRules(ctx, other.Store.ID, plan.ReorderRuleFilter{}); len(rules) != 0 {
			t.Fatalf("the other store sees %+v", rules)
		}

		del := storagetest.Must(t, f, func(tx backend.Tx) (plan.ReorderRulesDeleted, error) {
			return plan.New(db).DeleteReorderRules(ctx, tx, sid, a, []plan.ReorderRuleRef{{SKU: "TRS-40", Location: "DT"}, {SKU: "SHELL-S"}})
		})
		if len(del.Deleted) != 1 || del.Deleted[0].Location != storagetest.DowntownShop || len(del.NotFound) != 1 {
			t.Fatalf("delete %+v", del)
		}
		// Deleting again changes nothing and says so.
		del = storagetest.Must(t, f, func(tx backend.Tx) (plan.ReorderRulesDeleted, error) {
			return plan.New(db).DeleteReorderRules(ctx, tx, sid, a, []plan.ReorderRuleRef{{SKU: "TRS-40", Location: "DT"}})
		})
		if len(del.Deleted) != 0 || len(del.NotFound) != 1 || len(list(plan.ReorderRuleFilter{})) != 2 {
			t.Fatalf("second delete %+v", del)
		}
	})
}

func ptr[T any](v T) *T { return &v }
