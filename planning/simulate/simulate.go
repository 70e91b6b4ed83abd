// Package simulate replays generated demand through replenishment
// policies, the new one being the planning package exactly as the storage
// uses it, and measures what a merchant would see: fill rate, cycle
// service level and average stock. It also finds the limit for each demand
// class: the lowest fixed reorder point that reaches the same fill rate on
// the same demand and lead times with the same order quantity.
//
// The world is daily review with lost sales: stock that arrives is on the
// shelf at the start of its day, the day's demand is served from what is
// on hand and the rest is lost, and at the end of the day the policy looks
// at on hand + on order and may send one order. The policy sees only what
// a store sees: its sales (demand capped by stock), which days ended out
// of stock, and its own past receipts.
package simulate

import (
	"math"
	"math/rand/v2"

	"github.com/logistified/mcp-server/planning"
)

// Class is a demand-generating process.
type Class struct {
	Name string
	// Rate is the mean demand per day on a day (before a launch, zero).
	Rate func(day int) float64
	// draw draws one day's demand given its mean.
	draw func(r *rand.Rand, mean float64) float64
}

// LeadTimes is how long the supplier takes: integer days drawn around a
// mean, of which the policy is told only the stated figure.
type LeadTimes struct {
	Name          string
	Stated        float64
	Mean, Sigma   float64
	SupplierPrior int // receipts the supplier has from other variants
}

// Scenario is one class under one lead-time case.
type Scenario struct {
	Class    Class
	LeadTime LeadTimes
}

// Size is how long and how often to simulate.
type Size struct {
	WarmupDays   int // the policy runs but is not measured
	MeasuredDays int
	Seeds        int
}

// Full is the study's size; Small is CI's.
var (
	Full  = Size{WarmupDays: 365, MeasuredDays: 730, Seeds: 20}
	Small = Size{WarmupDays: 365, MeasuredDays: 730, Seeds: 5}
)

// Launch is how many days before the measured period a new launch first
// sells.
const Launch = 21

// Poisson draws a Poisson(mean) count (a normal approximation above 30).
func Poisson(r *rand.Rand, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return math.Max(0, math.Round(mean+math.Sqrt(mean)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-mean), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// Gamma draws a Gamma(shape, 1) variate (Marsaglia–Tsang).
func Gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return Gamma(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// negBinomial draws a gamma-Poisson count with a mean and a coefficient
// of variation (of the count).
func negBinomial(r *rand.Rand, mean, cv float64) float64 {
	if mean <= 0 {
		return 0
	}
	// var = mean + mean²/k = (cv·mean)²
	k := mean * mean / math.Max(cv*cv*mean*mean-mean, 1e-9)
	return Poisson(r, mean*Gamma(r, k)/k)
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

// Classes are the demand classes of the study.
func Classes(size Size) []Class {
	launch := size.WarmupDays - Launch
	return []Class{
		{Name: "smooth", Rate: constant(5), draw: Poisson},
		{Name: "erratic", Rate: constant(5), draw: func(r *rand.Rand, m float64) float64 { return negBinomial(r, m, 1.5) }},
		// A sale one day in four of 1 + Poisson(2) units: steady sizes.
		{Name: "intermittent", Rate: constant(0.75), draw: func(r *rand.Rand, m float64) float64 {
			if r.Float64() >= 0.25 {
				return 0
			}
			return 1 + Poisson(r, m/0.25-1)
		}},
		// A sale one day in eight, of 1 + gamma-Poisson(5, CV 1) units.
		{Name: "lumpy", Rate: constant(0.75), draw: func(r *rand.Rand, m float64) float64 {
			if r.Float64() >= 0.125 {
				return 0
			}
			return 1 + negBinomial(r, m/0.125-1, 1)
		}},
		{Name: "seasonal", Rate: func(d int) float64 { return 5 * (1 + 0.6*math.Sin(2*math.Pi*float64(d)/365)) }, draw: Poisson},
		// Growing by half its first rate a year.
		{Name: "trending", Rate: func(d int) float64 { return 3 * (1 + 0.5*float64(d)/365) }, draw: Poisson},
		{Name: "new_launch", Rate: func(d int) float64 {
			if d < launch {
				return 0
			}
			return 5
		}, draw: Poisson},
	}
}

// LeadTimeCases are the suppliers of the study: one that keeps to 21 days
// give or take a third, and one that is steadier.
var LeadTimeCases = []LeadTimes{
	{Name: "21±7", Stated: 21, Mean: 21, Sigma: 7, SupplierPrior: 12},
	{Name: "21±3", Stated: 21, Mean: 21, Sigma: 3, SupplierPrior: 12},
}

// World is one seed's truth: the demand of every day and the lead time of
// every order, in the order they are sent.
type World struct {
	Demand    []float64
	LeadTimes []int
	// Prior is the supplier's receipts (lead times) from other variants
	// before the simulation starts.
	Prior      []float64
	Stated     float64
	FirstDay   int     // the first day with a positive rate
	StartStock float64 // stock on hand on FirstDay
	Warmup     int
}

// NewWorld draws a scenario's truth for a seed.
func NewWorld(sc Scenario, size Size, seed uint64) World {
	r := rand.New(rand.NewPCG(seed, uint64(len(sc.Class.Name))*1000003+uint64(sc.LeadTime.Sigma)))
	days := size.WarmupDays + size.MeasuredDays
	w := World{Demand: make([]float64, days), Stated: sc.LeadTime.Stated, FirstDay: -1, Warmup: size.WarmupDays}
	for d := range w.Demand {
		m := sc.Class.Rate(d)
		if m > 0 && w.FirstDay < 0 {
			w.FirstDay = d
			// The merchant stocks it for its stated lead time and a month.
			w.StartStock = math.Round(m * (sc.LeadTime.Stated + planning.DefaultDaysOfCover))
		}
		w.Demand[d] = sc.Class.draw(r, m)
	}
	lt := func() int {
		return max(1, int(math.Round(sc.LeadTime.Mean+sc.LeadTime.Sigma*r.NormFloat64())))
	}
	w.LeadTimes = make([]int, days)
	for i := range w.LeadTimes {
		w.LeadTimes[i] = lt()
	}
	for range sc.LeadTime.SupplierPrior {
		w.Prior = append(w.Prior, float64(lt()))
	}
	return w
}

// State is what a store knows at the end of a day.
type State struct {
	Day      int
	OnHand   int64
	OnOrder  int64
	Sales    []float64 // every day so far, oldest first
	Censored []bool    // days that ended with nothing on hand
	Receipts []float64 // lead times of this variant's received orders
	Supplier []float64 // lead times of the supplier's received orders, this variant's included
	Stated   float64
}

// Position is on hand + on order.
func (s State) Position() int64 { return s.OnHand + s.OnOrder }

// Policy decides how many to order at the end of a day.
type Policy interface {
	Order(s *State) int64
}

// Result is one run's measures over the measured days.
type Result struct {
	Demand, Served   float64
	Cycles, CyclesOK int
	OnHandSum        float64
	Days             int
	Orders           int
	OrderedUnits     float64
}

// FillRate is units served over units demanded.
func (r Result) FillRate() float64 {
	if r.Demand == 0 {
		return 1
	}
	return r.Served / r.Demand
}

// CSL is the share of replenishment cycles without a lost sale.
func (r Result) CSL() float64 {
	if r.Cycles == 0 {
		return 1
	}
	return float64(r.CyclesOK) / float64(r.Cycles)
}

// Inventory is the average stock on hand at the end of a day.
func (r Result) Inventory() float64 { return r.OnHandSum / float64(max(r.Days, 1)) }

// MeanOrder is the mean order quantity.
func (r Result) MeanOrder() float64 { return r.OrderedUnits / float64(max(r.Orders, 1)) }

type arrival struct {
	day int
	qty int64
	lt  int
}

// Run replays a world through a policy.
func Run(w World, p Policy) Result {
	var res Result
	days := len(w.Demand)
	s := &State{Stated: w.Stated, Supplier: append([]float64(nil), w.Prior...),
		Sales: make([]float64, 0, days), Censored: make([]bool, 0, days)}
	var pending []arrival
	orders := 0
	// A cycle runs from one arrival to the next; cycles starting before the
	// measured period are not counted.
	inCycle, cycleLost := false, false
	for d := 0; d < days; d++ {
		s.Day = d
		if d == w.FirstDay {
			s.OnHand += int64(w.StartStock)
		}
		arrived := false
		for i := 0; i < len(pending); {
			if pending[i].day == d {
				s.OnHand += pending[i].qty
				s.OnOrder -= pending[i].qty
				s.Receipts = append(s.Receipts, float64(pending[i].lt))
				s.Supplier = append(s.Supplier, float64(pending[i].lt))
				pending = append(pending[:i], pending[i+1:]...)
				arrived = true
				continue
			}
			i++
		}
		measured := d >= w.Warmup
		if arrived {
			if inCycle && measured {
				res.Cycles++
				if !cycleLost {
					res.CyclesOK++
				}
			}
			inCycle, cycleLost = measured, false
		}
		dem := w.Demand[d]
		sold := math.Min(dem, float64(s.OnHand))
		s.OnHand -= int64(sold)
		if dem > sold {
			cycleLost = true
		}
		s.Sales = append(s.Sales, sold)
		s.Censored = append(s.Censored, s.OnHand <= 0 && d >= w.FirstDay && w.FirstDay >= 0)
		if measured {
			res.Demand += dem
			res.Served += sold
			res.OnHandSum += float64(s.OnHand)
			res.Days++
		}
		if d < w.FirstDay || w.FirstDay < 0 {
			continue // not on sale yet: nothing to decide
		}
		if q := p.Order(s); q > 0 {
			lt := w.LeadTimes[orders%len(w.LeadTimes)]
			orders++
			pending = append(pending, arrival{day: d + lt, qty: q, lt: lt})
			s.OnOrder += q
			if measured {
				res.Orders++
				res.OrderedUnits += float64(q)
			}
		}
	}
	return res
}

// OldRule is the rule the planning package replaces: velocity is the mean
// of the last 28 days' sales, the reorder point velocity × the stated lead
// time, the target velocity × (lead time + 30 days).
type OldRule struct{}

func (OldRule) Order(s *State) int64 {
	n := min(28, len(s.Sales))
	sum := 0.0
	for _, v := range s.Sales[len(s.Sales)-n:] {
		sum += v
	}
	v := sum / 28
	if v <= 0 {
		return 0
	}
	if float64(s.Position()) > v*s.Stated {
		return 0
	}
	return planning.RoundOrder(v*(s.Stated+planning.DefaultDaysOfCover)-float64(s.Position()), 1, 1)
}

// NewRule is the planning package as the storage uses it.
type NewRule struct {
	Policy planning.Policy
}

func (p NewRule) Order(s *State) int64 {
	lt := planning.LeadTimeOf(s.Receipts, s.Supplier, s.Stated, -1)
	from := max(0, len(s.Sales)-planning.MaxHistoryDays)
	h := planning.History{Units: s.Sales[from:], Censored: s.Censored[from:]}
	f := planning.NewForecast(h, planning.HorizonDays(lt, p.Policy.DaysOfCover))
	return planning.NewPlan(f, lt, p.Policy).Quantity(s.Position(), 1, 1)
}

// Fixed orders Q whenever the position is at or below a fixed reorder
// point (as many Q as bring it above).
type Fixed struct {
	ReorderPoint int64
	Q            int64
}

func (p Fixed) Order(s *State) int64 {
	pos := s.Position()
	if pos > p.ReorderPoint || p.Q <= 0 {
		return 0
	}
	n := (p.ReorderPoint-pos)/p.Q + 1
	return n * p.Q
}
