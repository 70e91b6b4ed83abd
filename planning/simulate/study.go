package simulate

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/logistified/mcp-server/planning"
)

// Measures are a policy's results in one scenario, averaged over seeds.
type Measures struct {
	FillRate, CSL, Inventory float64
}

// Row is one scenario's line of the study.
type Row struct {
	Scenario Scenario
	Old, New Measures
	// Limit is the fixed (s, Q) policy at the new rule's fill rate: Q the
	// new rule's mean order in each seed, s the lowest reorder point that
	// reaches the fill rate over all seeds.
	Limit             Measures
	LimitReorderPoint int64
}

// Ratio is the new rule's inventory over the limit's.
func (r Row) Ratio() float64 {
	if r.Limit.Inventory == 0 {
		return math.Inf(1)
	}
	return r.New.Inventory / r.Limit.Inventory
}

func average(rs []Result) Measures {
	var m Measures
	for _, r := range rs {
		m.FillRate += r.FillRate()
		m.CSL += r.CSL()
		m.Inventory += r.Inventory()
	}
	n := float64(len(rs))
	return Measures{m.FillRate / n, m.CSL / n, m.Inventory / n}
}

// Scenarios is every class under every lead-time case.
func Scenarios(size Size) []Scenario {
	var out []Scenario
	for _, c := range Classes(size) {
		for _, lt := range LeadTimeCases {
			out = append(out, Scenario{Class: c, LeadTime: lt})
		}
	}
	return out
}

// Study runs every scenario, in parallel over the machine's cores.
func Study(size Size, scenarios []Scenario) []Row {
	rows := make([]Row, len(scenarios))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rows[i] = StudyScenario(scenarios[i], size)
			}
		}()
	}
	for i := range scenarios {
		work <- i
	}
	close(work)
	wg.Wait()
	return rows
}

// StudyScenario runs one scenario over its seeds.
func StudyScenario(sc Scenario, size Size) Row {
	worlds := make([]World, size.Seeds)
	var old, nw []Result
	for i := range worlds {
		worlds[i] = NewWorld(sc, size, uint64(i+1))
		old = append(old, Run(worlds[i], OldRule{}))
		nw = append(nw, Run(worlds[i], NewRule{Policy: planning.Policy{ServiceLevel: planning.DefaultServiceLevel, DaysOfCover: planning.DefaultDaysOfCover}}))
	}
	row := Row{Scenario: sc, Old: average(old), New: average(nw)}
	row.LimitReorderPoint, row.Limit = limit(worlds, nw, row.New.FillRate)
	return row
}

// limit bisects for the lowest fixed reorder point whose mean fill rate
// over the worlds reaches the target.
func limit(worlds []World, nw []Result, target float64) (int64, Measures) {
	run := func(s int64) Measures {
		rs := make([]Result, len(worlds))
		for i, w := range worlds {
			q := max(1, int64(math.Round(nw[i].MeanOrder())))
			rs[i] = Run(w, Fixed{ReorderPoint: s, Q: q})
		}
		return average(rs)
	}
	hi := int64(1)
	best := run(hi)
	for best.FillRate < target && hi < 1<<30 {
		hi *= 2
		best = run(hi)
	}
	lo := int64(-1) // a reorder point of -1 never orders
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if m := run(mid); m.FillRate >= target {
			hi, best = mid, m
		} else {
			lo = mid
		}
	}
	return hi, best
}

// Markdown is the study's table.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| class | lead time | old fill | old CSL | old stock | new fill | new CSL | new stock | limit s | limit stock | new / limit |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.1f%% | %.1f%% | %.1f | %.1f%% | %.1f%% | %.1f | %d | %.1f | %.2f |\n",
			r.Scenario.Class.Name, r.Scenario.LeadTime.Name,
			100*r.Old.FillRate, 100*r.Old.CSL, r.Old.Inventory,
			100*r.New.FillRate, 100*r.New.CSL, r.New.Inventory,
			r.LimitReorderPoint, r.Limit.Inventory, r.Ratio())
	}
	return b.String()
}
