package planning

import (
	"math"
	"slices"
)

// Accuracy is how well the forecast method did on the variant's own
// history: a rolling-origin backtest, each origin forecasting the next
// BacktestDays from what was known then.
type Accuracy struct {
	// AbsError, Error and Actual are summed over the origins (units), so
	// that a store-wide figure is their sums' ratio.
	AbsError, Error, Actual float64
	Origins                 int
}

// Backtest origins: every week over the last four.
const (
	BacktestDays    = 7
	BacktestOrigins = 4
)

// WAPE is the weighted absolute percentage error, Σ|F−A|/ΣA (ok false
// when nothing was sold in the backtest).
func (a Accuracy) WAPE() (float64, bool) {
	if a.Actual <= 0 {
		return 0, false
	}
	return a.AbsError / a.Actual, true
}

// Bias is Σ(F−A)/ΣA: above zero the forecast ran high.
func (a Accuracy) Bias() (float64, bool) {
	if a.Actual <= 0 {
		return 0, false
	}
	return a.Error / a.Actual, true
}

// Backtest forecasts each of the last BacktestOrigins weeks from the
// history before it and compares with what sold on its in-stock days.
func Backtest(h History) Accuracy {
	var acc Accuracy
	n := len(h.Units)
	for k := BacktestOrigins; k >= 1; k-- {
		origin := n - k*BacktestDays
		if origin < 28 {
			continue
		}
		past := History{Units: h.Units[:origin]}
		if h.Censored != nil {
			past.Censored = h.Censored[:min(origin, len(h.Censored))]
		}
		f := NewForecast(past, BacktestDays)
		if f.Method == NoSales {
			continue
		}
		var fc, actual float64
		for d := 0; d < BacktestDays; d++ {
			i := origin + d
			if h.Censored != nil && i < len(h.Censored) && h.Censored[i] {
				continue
			}
			fc += f.Daily[d]
			actual += h.Units[i]
		}
		acc.AbsError += math.Abs(fc - actual)
		acc.Error += fc - actual
		acc.Actual += actual
		acc.Origins++
	}
	return acc
}

// XYZ classes by the variability of weekly demand: X steady (CV under
// 0.5), Y variable (under 1), Z erratic.
func XYZ(f Forecast) string {
	m := f.Mean(7)
	if m <= 0 {
		return ""
	}
	// Weekly CV from daily spread, days taken as independent.
	cv := f.SigmaD * math.Sqrt(7) / (7 * m)
	switch {
	case cv < 0.5:
		return "X"
	case cv < 1:
		return "Y"
	default:
		return "Z"
	}
}

// ABC thresholds: the variants that make the first 80% of revenue are A,
// the next 15% B, the last 5% C.
const (
	ABCShareA = 0.80
	ABCShareB = 0.95
)

// ABCThresholds finds, from every variant's revenue (any order), the
// revenue at or above which a variant is A and at or above which it is B.
func ABCThresholds(revenues []int64) (a, b int64) {
	rs := append([]int64(nil), revenues...)
	total := 0.0
	for _, r := range rs {
		total += float64(max(r, 0))
	}
	if total <= 0 {
		return math.MaxInt64, math.MaxInt64
	}
	slices.Sort(rs)
	slices.Reverse(rs)
	a, b = math.MaxInt64, math.MaxInt64
	cum := 0.0
	for _, r := range rs {
		if r <= 0 {
			break
		}
		// A variant whose revenue starts inside a band belongs to it.
		if cum < ABCShareA*total {
			a = r
		}
		if cum < ABCShareB*total {
			b = r
		}
		cum += float64(r)
	}
	return a, b
}

// ABC classes a variant's revenue by the thresholds.
func ABC(revenue, a, b int64) string {
	switch {
	case revenue <= 0:
		return "C"
	case revenue >= a:
		return "A"
	case revenue >= b:
		return "B"
	default:
		return "C"
	}
}
