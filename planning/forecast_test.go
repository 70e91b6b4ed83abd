package planning

import (
	"math"
	"math/rand/v2"
	"testing"
)

func poissonDraw(r *rand.Rand, mean float64) float64 {
	k := 0.0
	for t := r.ExpFloat64(); t < mean; t += r.ExpFloat64() {
		k++
	}
	return k
}

func days(n int, f func(day int) float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = f(i)
	}
	return y
}

func TestZ(t *testing.T) {
	for _, c := range []struct{ level, want float64 }{
		{95, 1.6449}, {50, 0}, {99, 2.3263}, {99.9, 3.0902}, {100, 3.0902}, {10, 0},
	} {
		if got := Z(c.level); math.Abs(got-c.want) > 1e-3 {
			t.Errorf("Z(%v) = %.4f, want %.4f", c.level, got, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		name  string
		units []float64
		want  Class
	}{
		{"smooth: 5 a day", days(200, func(int) float64 { return 5 }), Smooth},
		{"erratic: every day, 1 or 20", days(200, func(d int) float64 { return []float64{1, 20}[d%2] }), Erratic},
		{"intermittent: 3 every fourth day", days(200, func(d int) float64 { return []float64{3, 0, 0, 0}[d%4] }), Intermittent},
		{"lumpy: 1 or 20 every fourth day", days(200, func(d int) float64 { return []float64{1, 0, 0, 0, 20, 0, 0, 0}[d%8] }), Lumpy},
	} {
		got, _, _ := Classify(History{Units: c.units})
		if got != c.want {
			t.Errorf("%s: class %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCrostonSBA(t *testing.T) {
	// Three units every fourth day: 0.75 a day, which Croston's size over
	// interval gets exactly and the bias correction lowers by
	// α/(2−α)·(p−1)/p.
	h := History{Units: days(400, func(d int) float64 { return []float64{0, 0, 0, 3}[d%4] })}
	f := NewForecast(h, 30)
	if f.Method != CrostonSBA {
		t.Fatalf("method %q, want %q", f.Method, CrostonSBA)
	}
	a := sbaAlpha / (2 - sbaAlpha)
	want := 0.75 / (1 + a*0.75)
	if got := f.Mean(30); math.Abs(got-want) > 1e-9 {
		t.Errorf("rate %.4f, want %.4f", got, want)
	}
	// Unbiased on average over random intermittent demand.
	r := rand.New(rand.NewPCG(7, 7))
	sum := 0.0
	const runs = 400
	for range runs {
		y := days(730, func(int) float64 {
			if r.Float64() < 0.25 {
				return 1 + poissonDraw(r, 2)
			}
			return 0
		})
		rate, _ := sba(y)
		sum += rate
	}
	if got := sum / runs; math.Abs(got/0.75-1) > 0.03 {
		t.Errorf("mean rate over random histories %.3f, want 0.75 ± 3%%", got)
	}
	// A product that stopped: sixty days without demand at one in four.
	stopped := append(append([]float64(nil), h.Units...), make([]float64, 60)...)
	if got := NewForecast(History{Units: stopped}, 30).Mean(30); got > 0.75/4 {
		t.Errorf("after 60 silent days the rate is %.3f, want under a quarter of 0.75", got)
	}
}

func TestCensoredDaysExcluded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	units := days(200, func(int) float64 { return poissonDraw(r, 5) })
	censored := make([]bool, len(units))
	// The last 20 days ran out of stock: nothing sold.
	for i := 180; i < 200; i++ {
		units[i], censored[i] = 0, true
	}
	with := NewForecast(History{Units: units, Censored: censored}, 30)
	without := NewForecast(History{Units: units}, 30)
	if got := with.Mean(30); math.Abs(got-5) > 0.75 {
		t.Errorf("stock-out marked censored: forecast %.2f a day, want 5 ± 0.75", got)
	}
	if with.Mean(30) <= without.Mean(30) {
		t.Errorf("censored days lowered the forecast: %.2f with, %.2f without", with.Mean(30), without.Mean(30))
	}
}

func TestNewItemFromFirstSale(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	units := days(210, func(d int) float64 {
		if d < 200 {
			return 0
		}
		return poissonDraw(r, 6)
	})
	f := NewForecast(History{Units: units}, 30)
	if f.Method != NewItem {
		t.Fatalf("method %q, want %q", f.Method, NewItem)
	}
	if got := f.Mean(30); math.Abs(got-6) > 1.5 {
		t.Errorf("10 days at 6 a day: forecast %.2f, want 6 ± 1.5 (not averaged over the days before launch)", got)
	}
	// One lump on the first day is no rate to extrapolate.
	lump := append(make([]float64, 100), 16)
	if got := NewForecast(History{Units: lump}, 30).Mean(30); got > 16.0/newItemMinDays {
		t.Errorf("one sale of 16 yesterday: forecast %.2f a day, want at most 16 over a week", got)
	}
}

func TestSeasonalForecast(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	rate := func(d int) float64 { return 5 * (1 + 0.6*math.Sin(2*math.Pi*float64(d)/365.25)) }
	// Two years ending where demand is about to rise.
	n := 730 - 91
	units := days(n, func(d int) float64 { return poissonDraw(r, rate(d)) })
	f := NewForecast(History{Units: units}, 60)
	if f.Method != Seasonal {
		t.Fatalf("method %q, want %q", f.Method, Seasonal)
	}
	var got, want float64
	for h := range 60 {
		got += f.Daily[h]
		want += rate(n + h)
	}
	if math.Abs(got/want-1) > 0.15 {
		t.Errorf("next 60 days: forecast %.0f, true %.0f (want within 15%%)", got, want)
	}
	if f.Daily[59] <= f.Daily[0] {
		t.Errorf("the coming season rises, the forecast does not: %.2f → %.2f", f.Daily[0], f.Daily[59])
	}
}

func TestTrendDetected(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	units := days(200, func(d int) float64 { return poissonDraw(r, 2+0.05*float64(d)) })
	f := NewForecast(History{Units: units}, 30)
	if f.Method != DampedTrend {
		t.Fatalf("method %q, want %q", f.Method, DampedTrend)
	}
	recent := 0.0
	for _, v := range units[200-LevelDays:] {
		recent += v
	}
	recent /= LevelDays
	if f.Daily[0] <= recent {
		t.Errorf("growing demand: forecast %.2f, not above the recent mean %.2f", f.Daily[0], recent)
	}
}

func TestUndershoot(t *testing.T) {
	for _, c := range []struct {
		name     string
		days     []float64
		mean, sd float64
	}{
		{"one at a time", []float64{1, 1, 0, 1}, 0, 0},
		// U uniform on {0, 1, 2}.
		{"three at a time", []float64{3, 0, 3, 3}, 1, math.Sqrt(2.0 / 3)},
		{"nothing", []float64{0, 0}, 0, 0},
	} {
		m, sd := undershoot(c.days)
		if math.Abs(m-c.mean) > 1e-9 || math.Abs(sd-c.sd) > 1e-9 {
			t.Errorf("%s: undershoot %.3f ± %.3f, want %.3f ± %.3f", c.name, m, sd, c.mean, c.sd)
		}
	}
}

func BenchmarkNewForecast(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	h := History{Units: days(MaxHistoryDays, func(d int) float64 {
		return poissonDraw(r, 5*(1+0.3*math.Sin(2*math.Pi*float64(d)/365.25)))
	}), Censored: make([]bool, MaxHistoryDays)}
	for i := 30; i < MaxHistoryDays; i += 45 {
		h.Censored[i] = true
	}
	lt := LeadTimeOf([]float64{20, 25, 18, 22}, nil, 21, -1)
	b.ReportAllocs()
	for b.Loop() {
		f := NewForecast(h, HorizonDays(lt, DefaultDaysOfCover))
		_ = NewPlan(f, lt, Policy{})
	}
}
