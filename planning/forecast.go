// Package planning holds the demand and replenishment maths: a forecast of
// daily demand per variant and location by a method chosen from its
// history, its uncertainty, and the reorder point and order-up-to level
// that a cycle service level asks for. Pure functions: storage feeds it a
// history and keeps its results; no SQL, no faces.
//
// The methods follow the field's standard texts: Syntetos–Boylan–Croston
// classification by average demand interval and CV² of demand sizes,
// Croston's method with the Syntetos–Boylan bias correction (SBA) for
// intermittent demand, a damped trend (Gardner), a yearly seasonal profile,
// and safety stock z·σ over the lead time with lead-time variance
// (Silver, Pyke & Thomas).
package planning

import (
	"math"
)

// History is one variant's daily demand at one location (or all of them),
// oldest day first, ending with yesterday.
type History struct {
	Units []float64
	// Censored marks days that ended out of stock: their sales understate
	// demand, so they are left out. Nil when none are known.
	Censored []bool
}

// Method names how a forecast was made.
type Method string

const (
	NoSales     Method = "no_sales"     // nothing sold in the history
	NewItem     Method = "new_item"     // under NewItemDays since its first sale: the mean since then
	Level       Method = "level"        // the mean of recent in-stock days
	DampedTrend Method = "damped_trend" // level and a damped linear trend
	Seasonal    Method = "seasonal"     // level times a yearly profile (and a damped trend when there is one)
	CrostonSBA  Method = "croston_sba"  // intermittent demand: size over interval, bias-corrected
)

// Class is the Syntetos–Boylan demand class.
type Class string

const (
	Smooth       Class = "smooth"
	Erratic      Class = "erratic"
	Intermittent Class = "intermittent"
	Lumpy        Class = "lumpy"
)

// Tuning. The cut-offs are Syntetos, Boylan & Croston's (2005).
const (
	ADICutoff = 1.32
	CV2Cutoff = 0.49
	// NewItemDays: a variant first sold fewer days ago than this is
	// forecast from the mean since its first sale.
	NewItemDays = 42
	// newItemMinDays is the fewest days a new item's rate is taken over.
	newItemMinDays = 7
	// LevelDays is how many recent in-stock days the level is the mean of.
	LevelDays = 56
	// TrendDays is the window in which a trend is looked for.
	TrendDays = 112
	// Damping of the trend per day (Gardner's φ).
	Damping = 0.98
	// sbaAlpha smooths Croston's sizes and intervals.
	sbaAlpha = 0.05
	// stopOdds is how unlikely a wait since the last demand must be for
	// intermittent demand to be taken as stopped.
	stopOdds = 0.01
	// trendT and seasonT are the t statistics a trend or a seasonal
	// profile must reach to be believed.
	trendT  = 3.0
	seasonT = 4.0
	// maxHistory bounds what is read: two years and a little.
	MaxHistoryDays = 740
)

// Forecast is a variant's demand outlook.
type Forecast struct {
	Method Method
	Class  Class // "" when too little demand to classify
	// Daily is the forecast demand of each coming day, today first.
	Daily []float64
	// SigmaD is the standard deviation of one day's demand around the
	// forecast (its residuals).
	SigmaD float64
	// SigmaLevel is the standard error of the forecast level itself: over
	// a lead time its error does not average out as daily noise does.
	SigmaLevel float64
	// InStockDays is how many days of history were used (in stock, since
	// the first sale).
	InStockDays int
	// Undershoot and UndershootSD are the mean and standard deviation of
	// how far below a reorder point the stock position is on the day it
	// first reaches it, reviewed daily: a day's sales come in one piece, so
	// an order goes out that much later than at the reorder point itself.
	// Half a day's sale when days are steady; a large share of the
	// lead-time demand when they come in lumps.
	Undershoot, UndershootSD float64
	// Kappa3 is the third cumulant (central moment) of a day's demand over
	// the last year's in-stock days: lead-time demand made of a few large
	// days is skewed, and its upper quantiles lie further out than the
	// normal's.
	Kappa3 float64
	// sizes are the non-zero in-stock day sizes of intermittent and lumpy
	// demand (CrostonSBA), whose lead-time demand the plan takes as their
	// compound (see compound.go).
	sizes []float64
}

// Mean is the mean daily forecast over the first n days (all when n
// exceeds them).
func (f Forecast) Mean(n int) float64 {
	n = min(n, len(f.Daily))
	if n <= 0 {
		return 0
	}
	s := 0.0
	for _, v := range f.Daily[:n] {
		s += v
	}
	return s / float64(n)
}

// Over is the forecast demand over the first days days, the last one
// counted in part when days is fractional.
func (f Forecast) Over(days float64) float64 {
	s := 0.0
	for i, v := range f.Daily {
		if float64(i) >= days {
			break
		}
		s += v * math.Min(1, days-float64(i))
	}
	return s
}

// series is the usable part of a history: in-stock days since the first
// sale, with each day's position (days since the history's first day).
type series struct {
	y   []float64
	t   []float64
	end float64 // the position of today
}

func observe(h History) (series, int) {
	first := -1
	for i, u := range h.Units {
		if u > 0 {
			first = i
			break
		}
	}
	s := series{end: float64(len(h.Units))}
	if first < 0 {
		return s, 0
	}
	s.y = make([]float64, 0, len(h.Units)-first)
	s.t = make([]float64, 0, len(h.Units)-first)
	s.y = make([]float64, 0, len(h.Units)-first)
	s.t = make([]float64, 0, len(h.Units)-first)
	for i := first; i < len(h.Units); i++ {
		if h.Censored != nil && i < len(h.Censored) && h.Censored[i] {
			continue
		}
		s.y = append(s.y, math.Max(0, h.Units[i]))
		s.t = append(s.t, float64(i))
	}
	return s, len(h.Units) - first
}

// last is the series' last n observations.
func (s series) last(n int) series {
	if n >= len(s.y) {
		return s
	}
	return series{y: s.y[len(s.y)-n:], t: s.t[len(s.t)-n:], end: s.end}
}

// Classify places a history in its Syntetos–Boylan class by the average
// interval between days with demand (ADI) and the squared coefficient of
// variation of the demand sizes (CV²), over the last year of in-stock days.
func Classify(h History) (Class, float64, float64) {
	s, _ := observe(h)
	return classify(s.last(365).y)
}

func classify(y []float64) (Class, float64, float64) {
	var sizes []float64
	for _, v := range y {
		if v > 0 {
			sizes = append(sizes, v)
		}
	}
	if len(sizes) < 2 {
		return "", 0, 0
	}
	adi := float64(len(y)) / float64(len(sizes))
	m, sd := meanSD(sizes)
	cv2 := sd * sd / (m * m)
	switch {
	case adi < ADICutoff && cv2 < CV2Cutoff:
		return Smooth, adi, cv2
	case adi < ADICutoff:
		return Erratic, adi, cv2
	case cv2 < CV2Cutoff:
		return Intermittent, adi, cv2
	default:
		return Lumpy, adi, cv2
	}
}

// NewForecast forecasts the next horizon days from the history, by the
// method its history calls for.
func NewForecast(h History, horizon int) Forecast {
	s, age := observe(h)
	f := Forecast{Method: NoSales, Daily: make([]float64, max(horizon, 0)), InStockDays: len(s.y)}
	if len(s.y) == 0 {
		return f
	}
	f.Class, _, _ = classify(s.last(365).y)
	f.Undershoot, f.UndershootSD = undershoot(s.last(365).y)
	f.Kappa3 = kappa3(s.last(365).y)
	switch {
	case age < NewItemDays:
		f.Method = NewItem
		// The first sale dates the launch, but it was chosen for having
		// sold: counting it biases the rate up, by a whole order when it
		// came in a lump. The days after it are a fair sample.
		// Under a week of days is too few to extrapolate a rate from: the
		// units seen are spread over a week at least.
		y := s.y
		if len(y) > 1 && s.t[0] == s.end-float64(age) {
			y = y[1:]
		}
		n := math.Max(float64(len(y)), newItemMinDays)
		m, sd := meanSD(y)
		m *= float64(len(y)) / n
		f.SigmaD = math.Sqrt(math.Max(sd*sd, m)) // few days: no less than a Poisson spread
		f.SigmaLevel = f.SigmaD / math.Sqrt(n)
		fill(f.Daily, m)
	case f.Class == Intermittent || f.Class == Lumpy:
		f.Method = CrostonSBA
		rate, sl := sba(s.y)
		_, sd := meanSD(s.last(365).y)
		f.SigmaD = sd
		f.SigmaLevel = sl
		fill(f.Daily, rate)
		f.sizes = nonZero(s.y)
	default:
		smoothForecast(&f, s, age)
	}
	return f
}

// smoothForecast is the forecast of demand that comes most days: a level
// from recent in-stock days, a yearly profile when more than a year of
// history shows one, and a damped trend when the recent past shows one.
func smoothForecast(f *Forecast, s series, age int) {
	season := func(float64) float64 { return 1 }
	f.Method = Level
	if age > 365+28 {
		if p, ok := yearlyProfile(s.last(2 * 365)); ok {
			season = p
			f.Method = Seasonal
		}
	}
	// Deseasonalised recent demand.
	w := s.last(TrendDays)
	ds := make([]float64, len(w.y))
	for i := range w.y {
		ds[i] = w.y[i] / season(w.t[i])
	}
	trendy := false
	a, b, resid, seB := regress(w.t, ds)
	if len(ds) >= 56 && seB > 0 && math.Abs(b)/seB > trendT {
		trendy = true
		if f.Method == Level {
			f.Method = DampedTrend
		}
	}
	var level, sd float64
	if trendy {
		// The level today on the fitted line, and the line's residuals.
		level = a + b*(s.end-1)
		sd = resid
		f.SigmaLevel = sd * math.Sqrt(4/float64(len(ds)))
	} else {
		recent := ds[max(0, len(ds)-LevelDays):]
		level, _ = meanSD(recent)
		_, sd = meanSD(ds)
		f.SigmaLevel = sd / math.Sqrt(float64(len(recent)))
		b = 0
	}
	level = math.Max(level, 0)
	// The residual spread is measured in deseasonalised units; put it back
	// on the scale of the coming days.
	scale := 0.0
	damp := 0.0
	for h := range f.Daily {
		damp += math.Pow(Damping, float64(h+1))
		t := s.end + float64(h)
		f.Daily[h] = math.Max(0, (level+b*damp)*season(t))
		scale += season(t)
	}
	if n := len(f.Daily); n > 0 {
		scale /= float64(n)
	} else {
		scale = 1
	}
	f.SigmaD = sd * scale
	f.SigmaLevel *= scale
}

// yearlyProfile fits demand over the last one or two years as a level
// with a linear drift times (1 + a·cos + b·sin) of the day of the year,
// and returns the seasonal factor of any day when the yearly wave is
// clearly there.
func yearlyProfile(s series) (func(float64) float64, bool) {
	n := len(s.y)
	if n < 300 {
		return nil, false
	}
	m, _ := meanSD(s.y)
	if m <= 0 {
		return nil, false
	}
	// Least squares of y/m on [1, t, cos, sin].
	const k = 4
	var xtx [k][k]float64
	var xty [k]float64
	t0 := s.t[0]
	span := s.t[n-1] - t0 + 1
	// Each day's row, its sine and cosine computed once.
	rows := make([][k]float64, n)
	for i, t := range s.t {
		sin, cos := math.Sincos(2 * math.Pi * t / 365.25)
		rows[i] = [k]float64{1, (t - t0) / span, cos, sin}
	}
	for i := range s.y {
		x := rows[i]
		r := s.y[i] / m
		for p := 0; p < k; p++ {
			xty[p] += x[p] * r
			for q := 0; q < k; q++ {
				xtx[p][q] += x[p] * x[q]
			}
		}
	}
	inv, ok := invert4(xtx)
	if !ok {
		return nil, false
	}
	var beta [k]float64
	for p := 0; p < k; p++ {
		for q := 0; q < k; q++ {
			beta[p] += inv[p][q] * xty[q]
		}
	}
	rss := 0.0
	for i := range s.y {
		x := rows[i]
		fit := 0.0
		for p := 0; p < k; p++ {
			fit += beta[p] * x[p]
		}
		d := s.y[i]/m - fit
		rss += d * d
	}
	sigma2 := rss / float64(n-k)
	amp := math.Hypot(beta[2], beta[3])
	// The amplitude's standard error: both coefficients have about the
	// same variance.
	se := math.Sqrt(sigma2 * (inv[2][2] + inv[3][3]) / 2)
	if beta[0] <= 0 || amp < 0.1*beta[0] || amp < seasonT*se {
		return nil, false
	}
	a, b := beta[2]/beta[0], beta[3]/beta[0]
	return func(t float64) float64 {
		w := 2 * math.Pi * t / 365.25
		return math.Max(0.05, 1+a*math.Cos(w)+b*math.Sin(w))
	}, true
}

// sba is Croston's estimate of demand per day, size over interval, each
// smoothed exponentially at the days with demand, with Syntetos and
// Boylan's correction of its bias, and the standard error of that rate.
//
// The correction is their approximation of Croston's bias,
// α/(2−α)·(p−1)/p of the rate for a mean interval p: SBA's constant
// factor 1−α/2 is its limit for long intervals, and over-corrects (by 5%
// at α = 0.1) demand that comes most days.
//
// The standard error is the delta method's: an exponentially smoothed
// mean has α/(2−α) of its sample's variance, and a ratio's squared
// relative error is the sum of its parts' (sizes and intervals taken as
// independent, as Croston does).
func sba(y []float64) (rate, sigma float64) {
	var sizes, gaps []float64
	gap := 0.0
	for _, v := range y {
		gap++
		if v > 0 {
			sizes = append(sizes, v)
			if len(sizes) > 1 {
				gaps = append(gaps, gap)
			}
			gap = 0
		}
	}
	if len(sizes) == 0 {
		return 0, 0
	}
	// Start from the first demands' averages rather than the first demand.
	size, _ := meanSD(sizes[:min(len(sizes), 12)])
	interval := float64(len(y)) / float64(len(sizes))
	if len(gaps) > 0 {
		interval, _ = meanSD(gaps[:min(len(gaps), 12)])
	}
	for i, v := range sizes[1:] {
		size += sbaAlpha * (v - size)
		interval += sbaAlpha * (gaps[i] - interval)
	}
	// The days since the last demand say the product stopped selling once
	// a geometric wait of the mean interval would reach them less than
	// once in a hundred times; shorter waits are the usual gaps, and
	// counting them would bias the rate down (a third of the time, by
	// half, at one demand in four days).
	if p := 1 / interval; p < 1 && math.Pow(1-p, gap) < stopOdds {
		interval = math.Max(interval, gap)
	}
	croston := size / interval
	a := sbaAlpha / (2 - sbaAlpha)
	rate = croston / (1 + a*(interval-1)/interval)
	_, sdSize := meanSD(sizes)
	_, sdGap := meanSD(gaps)
	mSize, _ := meanSD(sizes)
	mGap, _ := meanSD(gaps)
	cv2 := 0.0
	if mSize > 0 {
		cv2 += sdSize * sdSize / (mSize * mSize)
	}
	if mGap > 0 {
		cv2 += sdGap * sdGap / (mGap * mGap)
	}
	return rate, rate * math.Sqrt(a*cv2)
}

// undershoot is the renewal-theory undershoot of a position falling by
// the days' demands: with X the demand of a day that has any, the
// position first at or below a point is below it by U with
// P(U = u) = P(X > u)/E[X] (Silver, Pyke & Thomas on (s, S) systems), so
// E[U] = E[X(X−1)]/(2E[X]) and E[U²] = E[X(X−1)(2X−1)]/(6E[X]).
func undershoot(y []float64) (mean, sd float64) {
	var n, m1, m2, m3 float64
	for _, x := range y {
		if x <= 0 {
			continue
		}
		n++
		m1 += x
		m2 += x * (x - 1)
		m3 += x * (x - 1) * (2*x - 1)
	}
	if m1 <= 0 {
		return 0, 0
	}
	mean = m2 / (2 * m1)
	return mean, math.Sqrt(math.Max(0, m3/(6*m1)-mean*mean))
}

// nonZero is a copy of the days with demand.
func nonZero(y []float64) []float64 {
	var out []float64
	for _, v := range y {
		if v > 0 {
			out = append(out, v)
		}
	}
	return out
}

func kappa3(y []float64) float64 {
	if len(y) < 3 {
		return 0
	}
	m, _ := meanSD(y)
	k := 0.0
	for _, v := range y {
		d := v - m
		k += d * d * d
	}
	return k / float64(len(y))
}

// regress fits y = a + b·t and returns the residual standard deviation and
// the slope's standard error.
func regress(t, y []float64) (a, b, resid, seB float64) {
	n := float64(len(y))
	if n < 3 {
		m, sd := meanSD(y)
		return m, 0, sd, 0
	}
	mt, _ := meanSD(t)
	my, _ := meanSD(y)
	var sxx, sxy float64
	for i := range y {
		sxx += (t[i] - mt) * (t[i] - mt)
		sxy += (t[i] - mt) * (y[i] - my)
	}
	if sxx == 0 {
		_, sd := meanSD(y)
		return my, 0, sd, 0
	}
	b = sxy / sxx
	a = my - b*mt
	rss := 0.0
	for i := range y {
		d := y[i] - a - b*t[i]
		rss += d * d
	}
	resid = math.Sqrt(rss / (n - 2))
	return a, b, resid, resid / math.Sqrt(sxx)
}

func meanSD(y []float64) (float64, float64) {
	if len(y) == 0 {
		return 0, 0
	}
	s := 0.0
	for _, v := range y {
		s += v
	}
	m := s / float64(len(y))
	if len(y) < 2 {
		return m, 0
	}
	ss := 0.0
	for _, v := range y {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(y)-1))
}

func fill(d []float64, v float64) {
	for i := range d {
		d[i] = v
	}
}

// invert4 inverts a 4×4 matrix by Gauss–Jordan elimination.
func invert4(m [4][4]float64) ([4][4]float64, bool) {
	var inv [4][4]float64
	for i := range inv {
		inv[i][i] = 1
	}
	for c := 0; c < 4; c++ {
		p := c
		for r := c + 1; r < 4; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return inv, false
		}
		m[c], m[p] = m[p], m[c]
		inv[c], inv[p] = inv[p], inv[c]
		d := m[c][c]
		for q := 0; q < 4; q++ {
			m[c][q] /= d
			inv[c][q] /= d
		}
		for r := 0; r < 4; r++ {
			if r == c {
				continue
			}
			f := m[r][c]
			for q := 0; q < 4; q++ {
				m[r][q] -= f * m[c][q]
				inv[r][q] -= f * inv[c][q]
			}
		}
	}
	return inv, true
}
