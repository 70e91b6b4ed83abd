package tools_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type rulesResult struct {
	Rules []struct {
		SKU         string `json:"sku"`
		Location    string `json:"location"`
		Min         *int64 `json:"min"`
		Max         *int64 `json:"max"`
		SafetyStock *int64 `json:"safety_stock"`
	} `json:"rules"`
	Deleted  []struct{ SKU, Location string } `json:"deleted"`
	NotFound []struct{ SKU, Location string } `json:"not_found"`
	Changes  []wEffect                        `json:"inventory_changes"`
	DryRun   bool                             `json:"dry_run"`
}

func (r rulesResult) rules() string {
	var out []string
	n := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	for _, x := range r.Rules {
		out = append(out, fmt.Sprintf("%s@%s %s/%s/%s", x.SKU, x.Location, n(x.Min), n(x.Max), n(x.SafetyStock)))
	}
	return strings.Join(out, "; ")
}

// lampSuggestion is the reorder suggestion for LAMP-300 at the Warehouse.
func (e *wEnv) lampSuggestion(t *testing.T) *plan.SuggestionLine {
	t.Helper()
	sugg, err := plan.New(e.DB).ReorderSuggestions(context.Background(), e.Store.ID, plan.SuggestionFilter{LocationID: e.Locations[storagetest.Warehouse].ID})
	groups := sugg.Suppliers
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		for _, l := range g.Lines {
			if l.SKU == "LAMP-300" {
				return &l
			}
		}
	}
	return nil
}

func TestReorderRules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		var r rulesResult
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"LAMP-300","location":"WH","min":500,"max":600},{"sku":"TRS-40","safety_stock":3}]}`, &r)
		if r.rules() != "LAMP-300@Warehouse 500/600/-; TRS-40@all locations -/-/3" || len(r.Changes) != 0 {
			t.Fatalf("set: %s", r.rules())
		}
		// Suggestions and risks reflect the rule at once.
		s := e.lampSuggestion(t)
		if s == nil || s.Quantity != 590 || s.Inputs.ReorderPoint != 500 {
			t.Fatalf("suggestion after the rule: %+v", s)
		}
		risksPage, err := plan.New(db).StockRisks(context.Background(), e.Store.ID, plan.RiskFilter{Kind: "below_reorder_point", LocationID: e.Locations[storagetest.Warehouse].ID})
		risks := risksPage.Risks
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range risks {
			found = found || (x.SKU == "LAMP-300" && x.ReorderPoint == 500)
		}
		if !found {
			t.Fatalf("LAMP-300 is not below its reorder point in %+v", risks)
		}

		// Fields left out keep their value; setting the same again changes nothing.
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"LAMP-300","location":"Warehouse","max":550}]}`, &r)
		if r.rules() != "LAMP-300@Warehouse 500/550/-" {
			t.Fatalf("partial update: %s", r.rules())
		}
		before := e.snapshot(t)
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"LAMP-300","location":"Warehouse","max":550}]}`, &r)
		if e.snapshot(t) != before {
			t.Fatal("repeating set_reorder_rules changed something")
		}
		if s := e.lampSuggestion(t); s == nil || s.Quantity != 540 {
			t.Fatalf("suggestion after the update: %+v", s)
		}

		var del rulesResult
		e.ok(t, "delete_reorder_rules", `{"rules":[{"sku":"LAMP-300","location":"WH"},{"sku":"LAMP-300","location":"DT"}]}`, &del)
		if len(del.Deleted) != 1 || del.Deleted[0].Location != "Warehouse" || len(del.NotFound) != 1 || del.NotFound[0].Location != "Downtown Shop" {
			t.Fatalf("delete: %+v", del)
		}
		if s := e.lampSuggestion(t); s != nil && s.Inputs.ReorderPoint == 500 {
			t.Fatalf("the deleted rule still drives suggestions: %+v", s)
		}
		// Deleting again is not an error and changes nothing.
		e.ok(t, "delete_reorder_rules", `{"rules":[{"sku":"LAMP-300","location":"WH"}]}`, &del)
		if len(del.Deleted) != 0 || len(del.NotFound) != 1 {
			t.Fatalf("delete again: %+v", del)
		}
		var rest rulesResult
		e.ok(t, "set_reorder_rules", `{"dry_run":true,"rules":[{"sku":"TRS-40","min":1}]}`, &rest)
		if !rest.DryRun || rest.rules() != "TRS-40@all locations 1/-/3" {
			t.Fatalf("dry run: %+v", rest)
		}
	})
}

func TestReorderRulesBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"TRS-42","min":5,"max":20}]}`, nil)
		var many []string
		for i := 0; i < 501; i++ {
			many = append(many, `{"sku":"TRS-40","min":1}`)
		}
		cases := []struct {
			name, tool, args string
			want             []string
		}{
			{"min above max", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","min":9,"max":4}]}`, []string{"TRS-40", "min 9", "max 4"}},
			{"min above the stored max", "set_reorder_rules", `{"rules":[{"sku":"TRS-42","min":25}]}`, []string{"TRS-42", "min 25", "max 20"}},
			{"negative value", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","safety_stock":-1}]}`, []string{"safety_stock", "-1"}},
			{"fractional value", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","min":2.5}]}`, []string{"rules.min", "whole number", "2.5"}},
			{"lead time too long", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","lead_time_days":1000}]}`, []string{"lead_time_days", "1000"}},
			{"a rule that sets nothing", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","location":"WH"}]}`, []string{"TRS-40", "sets nothing"}},
			{"unknown location", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","location":"Garage","min":1}]}`, []string{`"Garage"`}},
			{"unknown SKU", "delete_reorder_rules", `{"rules":[{"sku":"NOPE"}]}`, []string{`"NOPE"`}},
			{"same rule twice", "set_reorder_rules", `{"rules":[{"sku":"TRS-40","location":"WH","min":1},{"sku":"TRS-40","location":"Warehouse","max":4}]}`, []string{"TRS-40", "twice"}},
			{"more than 500 rules", "set_reorder_rules", `{"rules":[` + strings.Join(many, ",") + `]}`, []string{"501", "500"}},
			{"no rules", "delete_reorder_rules", `{"rules":[]}`, []string{"no rules"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.refused(t, c.tool, c.args, c.want...)
				e.refused(t, c.tool, addOptions(c.args, `"dry_run":true`), c.want...)
			})
		}
	})
}
