package plan_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/planning/simulate"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// demandProcess generates a day's true demand; t counts days from the
// first day of history (today is t = historyDays).
type demandProcess func(r *rand.Rand, t int) int64

// poisson and gammaDraw are the simulation study's draws.
func poisson(r *rand.Rand, mean float64) int64 { return int64(simulate.Poisson(r, mean)) }

func gammaDraw(r *rand.Rand, shape float64) float64 { return simulate.Gamma(r, shape) }

const knownHistory = 730

// TestReorderDecisionsOnKnownDemand builds a store through the imports
// with two years of sales from known generating processes, places each
// SKU's stock where the right decision is known from the true distribution
// of demand over the lead time (well under its service-level quantile:
// reorder; well over it: do not), and checks what get_reorder_suggestions
// says. The old rule (a 28-day mean, no safety stock) got the "reorder"
// half of every group wrong.
func TestReorderDecisionsOnKnownDemand(t *testing.T) {
	season := func(phase float64) demandProcess {
		return func(r *rand.Rand, t int) int64 {
			return poisson(r, 5*(1+0.6*math.Sin(2*math.Pi*(float64(t-knownHistory)/365.25)+phase)))
		}
	}
	groups := []struct {
		name    string
		service float64 // 0: the store's 95
		launch  int     // days of history the product has
		demand  demandProcess
	}{
		{"steady", 0, knownHistory, func(r *rand.Rand, _ int) int64 { return poisson(r, 5) }},
		{"erratic", 0, knownHistory, func(r *rand.Rand, _ int) int64 { return poisson(r, 5*gammaDraw(r, 0.49)/0.49) }},
		// Today the yearly wave crosses its mean rising, or falling.
		{"seasonal_rising", 0, knownHistory, season(0)},
		{"seasonal_falling", 0, knownHistory, season(math.Pi)},
		{"trend", 0, knownHistory, func(r *rand.Rand, t int) int64 { return poisson(r, 1+0.012*float64(t)) }},
		{"new_launch", 0, 20, func(r *rand.Rand, _ int) int64 { return poisson(r, 6) }},
		{"lumpy", 0, knownHistory, func(r *rand.Rand, _ int) int64 {
			if r.Float64() < 0.2 {
				return 1 + poisson(r, 12*gammaDraw(r, 1.5)/1.5)
			}
			return 0
		}},
		{"service_99_5", 99.5, knownHistory, func(r *rand.Rand, _ int) int64 { return poisson(r, 5) }},
	}
	const lead, seeds = 14, 2
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		store, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "known-demand.myshopify.com", Name: "Known demand"})
		if err != nil {
			t.Fatal(err)
		}
		today, err := db.StoreToday(ctx, nil, store.ID)
		if err != nil {
			t.Fatal(err)
		}
		var products, terms, sales, stock strings.Builder
		products.WriteString("Handle,Title,Vendor,Variant SKU,Variant Price,Cost per item,Status\n")
		terms.WriteString("sku,supplier,unit_cost,pack_size,min_order_qty,supplier_sku\n")
		sales.WriteString("day,sku,location,units,revenue\n")
		stock.WriteString("Handle,Title,SKU,Location,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current)\n")
		want := map[string]bool{} // sku → should be suggested
		var rules []plan.ReorderRuleInput
		for _, g := range groups {
			for seed := range seeds {
				for _, reorder := range []bool{true, false} {
					sku := fmt.Sprintf("%s-%d-%v", strings.ToUpper(g.name), seed, reorder)
					r := rand.New(rand.NewPCG(uint64(seed+1), uint64(len(g.name))))
					handle := strings.ToLower(sku)
					fmt.Fprintf(&products, "%s,%s,Known Co,%s,20.00,8.00,active\n", handle, sku, sku)
					fmt.Fprintf(&terms, "%s,Known Supplier,8.00,1,1,\n", sku)
					for day := knownHistory - g.launch; day < knownHistory; day++ {
						if u := g.demand(r, day); u > 0 {
							fmt.Fprintf(&sales, "%s,%s,Warehouse,%d,%d.00\n", today.AddDate(0, 0, day-knownHistory).Format("2006-01-02"), sku, u, 20*u)
						}
					}
					// The true distribution of demand over the lead time,
					// from the process itself.
					service := g.service
					if service == 0 {
						service = 95
					}
					var ltd []float64
					for range 4000 {
						s := 0.0
						for d := range lead {
							s += float64(g.demand(r, knownHistory+d))
						}
						ltd = append(ltd, s)
					}
					sort.Float64s(ltd)
					q := ltd[int(service/100*float64(len(ltd)))]
					position := int64(math.Ceil(q * 1.25))
					if reorder {
						position = int64(q * 0.8)
					}
					want[sku] = reorder
					fmt.Fprintf(&stock, "%s,%s,%s,Warehouse,0,0,0,%d,%d\n", handle, sku, sku, position, position)
					if g.service != 0 {
						v := g.service
						rules = append(rules, plan.ReorderRuleInput{SKU: sku, ServiceLevel: &v})
					}
				}
			}
		}
		for _, f := range []struct{ kind, body string }{
			{catalog.ImportProducts, products.String()},
			{catalog.ImportSuppliers, fmt.Sprintf("name,email,phone,currency,lead_time_days,min_order\nKnown Supplier,,,USD,%d,\n", lead)},
			{catalog.ImportSupplierTerms, terms.String()},
			{catalog.ImportInventory, stock.String()},
			{catalog.ImportSales, sales.String()},
		} {
			if _, err := storagetest.Import(ctx, db, store.ID, f.kind, strings.NewReader(f.body), catalog.ImportOptions{FileName: f.kind + ".csv"}); err != nil {
				t.Fatalf("importing %s: %v", f.kind, err)
			}
		}
		if len(rules) > 0 {
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				_, err := plan.New(db).SetReorderRules(ctx, tx, store.ID, storage.Actor{}, rules)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]bool{}
		for cursor := ""; ; {
			s, err := plan.New(db).ReorderSuggestions(ctx, store.ID, plan.SuggestionFilter{Page: storage.Page{Limit: plan.MaxPlanLimit, Cursor: cursor}})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range s.Suppliers {
				for _, l := range g.Lines {
					if l.Quantity <= 0 {
						t.Errorf("%s: quantity %d", l.SKU, l.Quantity)
					}
					got[l.SKU] = true
				}
			}
			if cursor = s.NextCursor; cursor == "" {
				break
			}
		}
		for _, g := range groups {
			right := 0
			for sku, reorder := range want {
				if strings.HasPrefix(sku, strings.ToUpper(g.name)+"-") {
					if got[sku] == reorder {
						right++
					} else {
						t.Errorf("%s: suggested %v, the right decision is %v", sku, got[sku], reorder)
					}
				}
			}
			t.Logf("%s: %d of %d right", g.name, right, 2*seeds)
		}
	})
}
