package planning

import (
	"math/rand/v2"
	"testing"
)

// randomPlanInputs draws a forecast and a lead time from a random history.
func randomPlanInputs(r *rand.Rand) (Forecast, LeadTime) {
	n := 30 + r.IntN(700)
	rate := r.Float64() * 20
	every := 1 + r.IntN(6)
	h := History{Units: make([]float64, n), Censored: make([]bool, n)}
	for i := range h.Units {
		if i%every == 0 {
			h.Units[i] = poissonDraw(r, rate*float64(every))
		}
		h.Censored[i] = r.Float64() < 0.05
	}
	var receipts []float64
	for range r.IntN(6) {
		receipts = append(receipts, float64(1+r.IntN(40)))
	}
	lt := LeadTimeOf(receipts, nil, float64(r.IntN(60)), -1)
	return NewForecast(h, HorizonDays(lt, DefaultDaysOfCover)), lt
}

func TestPlanProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 500; i++ {
		f, lt := randomPlanInputs(r)
		pos := int64(r.IntN(400)) - 50
		pack, moq := int64(1+r.IntN(12)), int64(r.IntN(30))
		var last int64 = -1
		for _, sl := range []float64{50, 80, 90, 95, 97.5, 99, 99.9} {
			q := NewPlan(f, lt, Policy{ServiceLevel: sl}).Quantity(pos, pack, moq)
			if q < 0 {
				t.Fatalf("case %d: quantity %d at service level %v is negative", i, q, sl)
			}
			if q < last {
				t.Fatalf("case %d: service level %v orders %d, less than %d at a lower level", i, sl, q, last)
			}
			last = q
		}
		// Stock on order counts: k more on order asks for k fewer, as long
		// as the position is still at the reorder point.
		pl := NewPlan(f, lt, Policy{})
		for _, k := range []int64{1, 5, 20} {
			if !pl.NeedsReorder(pos+k) || pl.Target-float64(pos+k) < 1 {
				continue
			}
			if a, b := pl.Quantity(pos, 1, 1), pl.Quantity(pos+k, 1, 1); a-b != k {
				t.Fatalf("case %d: %d more on order orders %d instead of %d", i, k, b, a-k)
			}
		}
		if pl.NeedsReorder(int64(pl.ReorderPoint) + 1) {
			t.Fatalf("case %d: reorders above the reorder point %.1f", i, pl.ReorderPoint)
		}
	}
}

func TestRuleValuesWin(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	ptr := func(v int64) *int64 { return &v }
	for i := 0; i < 100; i++ {
		f, lt := randomPlanInputs(r)
		pl := NewPlan(f, lt, Policy{Min: ptr(40), Max: ptr(90), SafetyStock: ptr(7)})
		if pl.ReorderPoint != 40 || pl.Target != 90 || pl.SafetyStock != 7 {
			t.Fatalf("case %d: rule min 40 max 90 safety 7 gave reorder point %.1f target %.1f safety %.1f", i, pl.ReorderPoint, pl.Target, pl.SafetyStock)
		}
		if got := pl.Quantity(40, 1, 1); got != 50 {
			t.Fatalf("case %d: at the rule's min 40, ordered %d, want 50 to reach max 90", i, got)
		}
		if got := pl.Quantity(41, 1, 1); got != 0 {
			t.Fatalf("case %d: above the rule's min, ordered %d", i, got)
		}
		ss := NewPlan(f, lt, Policy{SafetyStock: ptr(12)})
		if ss.SafetyStock != 12 || ss.ReorderPoint != ss.LeadDemand+12 {
			t.Fatalf("case %d: rule safety stock 12 gave safety %.1f, reorder point %.1f over lead demand %.1f", i, ss.SafetyStock, ss.ReorderPoint, ss.LeadDemand)
		}
	}
}
