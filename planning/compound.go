package planning

import "math"

// Lead-time demand of intermittent and lumpy items as a compound
// distribution.
//
// When demand comes on a minority of days, lead-time demand is the sum of
// a few sizes: N demand days over the lead time, each of a size X drawn
// from the item's own demand sizes. With one to a handful of terms the
// sum is nowhere near normal, and no skew correction of the normal
// quantile reaches its tail (slow and lumpy movers are modelled as
// compound Poisson or negative binomial demand in the inventory
// literature, e.g. Silver, Pyke & Thomas). So for these items the reorder
// point is the service-level quantile of the compound distribution
// itself, computed exactly on a lattice by Panjer's (1981) recursion:
//
//   - N counts demand days over a lead time L: binomial over L days with
//     the probability p of a demand day, mixed over the lead time's spread
//     and over the error of the estimated rate. Its mean and variance are
//     fitted by moments to the (a, b, 0) family Panjer's recursion works
//     with: negative binomial when over-dispersed (the usual case, a lead
//     time that varies), binomial when under-dispersed (a fixed lead time
//     and demand on most days), Poisson in between.
//   - X is drawn from the empirical distribution of the non-zero day
//     sizes of every in-stock day in the history (up to two years: no
//     shape assumed; at one demand in eight days a year holds only some
//     45 sizes, too few for the tail that sets the quantile), put on the
//     lattice by splitting each size between its two neighbouring points
//     so that its mean is kept (Klugman, Panjer & Willmot's rounding). The forecast rate, which follows recent
//     change, sets how often they come: p = rate / E[X].
//   - The reorder point is reached, reviewed daily, from above by a jump of
//     one day's size: the position is below it by the undershoot U with
//     P(U = u) = P(X > u)/E[X]. A cycle runs out when L's demand exceeds
//     the position at the order, so the quantile is that of D + U.
//
// The work is bounded: at most compoundPoints lattice points (the lattice
// step grows with the item's sizes) times the distinct sizes seen.

// compoundPoints bounds the lattice the distribution is computed on.
const compoundPoints = 512

// compoundQuantile is the smallest reorder point r (in units) with
// P(D + U ≤ r) ≥ level, for D the lead-time demand of an item selling
// rate a day in sizes drawn from sizes, with the rate's standard error
// sigmaRate and a lead time lt. ok is false when the compound does not
// apply (too few sizes, or so many demand days over the lead time that
// the recursion's start underflows, where the normal is close anyway), and
// the caller falls back to the normal.
func compoundQuantile(sizes []float64, rate, sigmaRate float64, lt LeadTime, level float64) (r float64, ok bool) {
	if len(sizes) < 2 || rate <= 0 || level <= 0 || level >= 1 {
		return 0, false
	}
	mx, sx := meanSD(sizes)
	if mx <= 0 {
		return 0, false
	}
	// The probability of a demand day that, with these sizes, gives the
	// forecast rate; and its error, the rate's.
	p := rate / mx
	if p >= 1 {
		return 0, false
	}
	sp := sigmaRate / mx
	L, sL := math.Max(lt.Mean, 0), math.Max(lt.Sigma, 0)
	// N given L and p is binomial(L, p); L and p independent.
	mN := L * p
	p2 := p*p + sp*sp
	vN := L*(p-p2) + (L*L+sL*sL)*p2 - L*L*p*p
	vN = math.Max(vN, 0)
	// The lattice: wide enough for the mean and a generous tail of D, and
	// the largest undershoot.
	sD := math.Sqrt(mN*sx*sx + vN*mx*mx)
	maxX := 0.0
	for _, x := range sizes {
		maxX = math.Max(maxX, x)
	}
	h := math.Max(1, math.Ceil((mN*mx+12*sD+2*maxX)/compoundPoints))
	kmax := int(math.Ceil(maxX/h)) + 1
	g := make([]float64, kmax+1)
	w := 1 / float64(len(sizes))
	for _, x := range sizes {
		k := math.Floor(x / h)
		frac := x/h - k
		g[int(k)] += (1 - frac) * w
		if frac > 0 {
			g[int(k)+1] += frac * w
		}
	}
	for kmax > 0 && g[kmax] == 0 {
		kmax--
	}
	// The count's (a, b, 0) member and the probability that D is zero.
	g0 := g[0]
	var a, b, f0 float64
	switch disp := vN / math.Max(mN, 1e-12); {
	case mN <= 0:
		// No lead time: only the undershoot.
		f0 = 1
	case disp > 1+1e-6:
		beta := disp - 1
		rr := mN / beta
		a = beta / (1 + beta)
		b = (rr - 1) * a
		f0 = math.Pow(1+beta*(1-g0), -rr)
	case disp < 1-1e-6:
		m := math.Max(1, math.Round(mN*mN/(mN-vN)))
		q := mN / m
		if q >= 1 {
			m = math.Ceil(mN) + 1
			q = mN / m
		}
		a = -q / (1 - q)
		b = (m + 1) * q / (1 - q)
		f0 = math.Pow(1-q*(1-g0), m)
	default:
		b = mN
		f0 = math.Exp(-mN * (1 - g0))
	}
	if !(f0 > 1e-300) {
		return 0, false // too many demand days for the recursion: near normal anyway
	}
	// The undershoot on the lattice: P(U = u) = P(X > u)/E[X].
	ex := 0.0
	for k := 1; k <= kmax; k++ {
		ex += float64(k) * g[k]
	}
	if ex <= 0 {
		return 0, false
	}
	under := make([]float64, max(kmax, 1))
	tail := 0.0
	for k := kmax; k >= 1; k-- {
		// P(X > u) for u = k−1 is the mass at k and above.
		tail += g[k]
		under[k-1] = tail / ex
	}
	// The sizes the recursion sums over: the lattice points with mass.
	var js []int
	for j := 1; j <= kmax; j++ {
		if g[j] > 0 {
			js = append(js, j)
		}
	}
	// Panjer's recursion for D, then P(D + U ≤ y) by convolution, until it
	// reaches the level. P(D + U ≤ y) ≤ P(D ≤ y), so the convolution is
	// only needed from D's own quantile on.
	limit := 4 * compoundPoints
	f := make([]float64, 1, compoundPoints)
	F := make([]float64, 1, compoundPoints) // cumulative of D
	f[0], F[0] = f0, f0
	scale := 1 / (1 - a*g0)
	for y := 0; ; y++ {
		if y > 0 {
			s := 0.0
			for _, j := range js {
				if j > y {
					break
				}
				s += (a + b*float64(j)/float64(y)) * g[j] * f[y-j]
			}
			v := math.Max(0, s*scale)
			f = append(f, v)
			F = append(F, F[y-1]+v)
		}
		if y >= limit {
			// Dozens of standard deviations out: held here rather than
			// switched to the normal, so that a higher service level
			// never gives a lower point.
			return float64(y) * h, true
		}
		if F[y] < level {
			continue
		}
		// P(D + U ≤ y) = Σ_u P(U = u)·P(D ≤ y − u).
		c := 0.0
		for u := 0; u < len(under) && u <= y; u++ {
			c += under[u] * F[y-u]
		}
		if c >= level {
			return float64(y) * h, true
		}
	}
}
