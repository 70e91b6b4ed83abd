package planning

import (
	"fmt"
	"math"

	"github.com/logistified/mcp-server/inventory"
)

// Service levels, in percent of replenishment cycles without a stock-out;
// their range is the domain's (inventory), checked where they are set.
const (
	DefaultServiceLevel = inventory.DefaultServiceLevel
	MinServiceLevel     = inventory.MinServiceLevel
	MaxServiceLevel     = inventory.MaxServiceLevel
)

// DefaultDaysOfCover is how many days of demand an order covers beyond
// the lead time when no rule says otherwise.
const DefaultDaysOfCover = 30

// DefaultLeadTimeCV is the spread assumed around a supplier's stated lead
// time until receipts show the real one: σ_L = 5% of the stated days.
const DefaultLeadTimeCV = 0.05

// maxSkew bounds the skewness the Cornish–Fisher expansion is used at.
const maxSkew = 1.0

// MinReceipts is how many receipts measure a lead time.
const MinReceipts = 3

// Lead-time sources.
const (
	FromReceipts         = "receipts"          // this variant's receipts from its supplier
	FromSupplierReceipts = "supplier_receipts" // the supplier's receipts of any variant
	FromSupplier         = "supplier"          // the supplier's stated lead time
	FromRule             = "rule"              // the reorder rule's lead_time_days
)

// LeadTime is the time from sending an order to receiving it, in days.
type LeadTime struct {
	Mean, Sigma float64
	Source      string
	Receipts    int
}

// LeadTimeOf measures the lead time: from this variant's receipts when
// there are enough, else the supplier's receipts of any variant, else the
// stated days with DefaultLeadTimeCV. A rule's lead time (ruleDays ≥ 0)
// is taken as stated.
func LeadTimeOf(variant, supplier []float64, statedDays float64, ruleDays int) LeadTime {
	if ruleDays >= 0 {
		return LeadTime{Mean: float64(ruleDays), Sigma: DefaultLeadTimeCV * float64(ruleDays), Source: FromRule}
	}
	for _, c := range []struct {
		samples []float64
		source  string
	}{{variant, FromReceipts}, {supplier, FromSupplierReceipts}} {
		if len(c.samples) >= MinReceipts {
			m, sd := meanSD(c.samples)
			return LeadTime{Mean: m, Sigma: sd, Source: c.source, Receipts: len(c.samples)}
		}
	}
	return LeadTime{Mean: statedDays, Sigma: DefaultLeadTimeCV * statedDays, Source: FromSupplier}
}

// Z is the standard normal quantile of a service level in percent.
func Z(serviceLevel float64) float64 {
	p := math.Min(math.Max(serviceLevel, MinServiceLevel), MaxServiceLevel) / 100
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// Policy is what the merchant set: a service level, days of cover, and a
// rule's explicit figures, which win over the computed ones.
type Policy struct {
	ServiceLevel float64 // percent; 0 means DefaultServiceLevel
	DaysOfCover  int     // 0 means DefaultDaysOfCover
	Min, Max     *int64
	SafetyStock  *int64
}

// Plan is the replenishment plan of one variant at one location.
type Plan struct {
	Forecast     Forecast
	LeadTime     LeadTime
	DaysOfCover  int
	ServiceLevel float64
	Z            float64
	// LeadDemand is the forecast demand over the lead time; Rate its mean
	// per day.
	LeadDemand, Rate float64
	// SigmaLTD is the standard deviation of demand over the lead time:
	// √(L·σ_d² + L²·σ_level² + d²·σ_L²).
	SigmaLTD float64
	// Undershoot is the mean undershoot of the reorder point in daily
	// review (see Forecast.Undershoot), part of the safety stock.
	Undershoot float64
	// Skew is the skewness of lead-time demand that moves its quantile
	// (Cornish–Fisher).
	Skew         float64
	SafetyStock  float64
	ReorderPoint float64
	Target       float64
	// Reorders is false when nothing sells and no min is set: such a
	// variant is never suggested.
	Reorders bool
}

// HorizonDays is how many days of forecast a plan needs: the lead time
// and the days of cover.
func HorizonDays(lt LeadTime, daysOfCover int) int {
	if daysOfCover <= 0 {
		daysOfCover = DefaultDaysOfCover
	}
	return int(math.Ceil(math.Max(lt.Mean, 0))) + daysOfCover
}

// NewPlan computes the reorder point and order-up-to level. The forecast
// must reach HorizonDays(lt, p.DaysOfCover) days.
func NewPlan(f Forecast, lt LeadTime, p Policy) Plan {
	pl := Plan{Forecast: f, LeadTime: lt, DaysOfCover: p.DaysOfCover, ServiceLevel: p.ServiceLevel}
	if pl.DaysOfCover <= 0 {
		pl.DaysOfCover = DefaultDaysOfCover
	}
	if pl.ServiceLevel <= 0 {
		pl.ServiceLevel = DefaultServiceLevel
	}
	pl.ServiceLevel = math.Min(math.Max(pl.ServiceLevel, MinServiceLevel), MaxServiceLevel)
	pl.Z = Z(pl.ServiceLevel)
	L := math.Max(lt.Mean, 0)
	pl.LeadDemand = f.Over(L)
	if L > 0 {
		pl.Rate = pl.LeadDemand / L
	} else {
		pl.Rate = f.Mean(1)
	}
	pl.SigmaLTD = math.Sqrt(L*f.SigmaD*f.SigmaD + L*L*f.SigmaLevel*f.SigmaLevel + pl.Rate*pl.Rate*lt.Sigma*lt.Sigma)
	// Reviewed daily, the order goes out when the position is already
	// below the reorder point by the undershoot: its mean is added, and
	// its spread joins that of the lead-time demand.
	pl.Undershoot = f.Undershoot
	sigma := math.Hypot(pl.SigmaLTD, f.UndershootSD)
	// Lead-time demand summed from skewed days is skewed itself (its
	// third cumulant L·κ₃): the Cornish–Fisher expansion moves the normal
	// quantile out by (z²−1)·γ/6. The level's and the lead time's errors
	// are taken as symmetric. Beyond a skewness of 1 the expansion is no
	// longer reliable, so it is held there.
	if sigma > 0 && f.Kappa3 > 0 {
		pl.Skew = math.Min(L*f.Kappa3/(sigma*sigma*sigma), maxSkew)
	}
	pl.SafetyStock = math.Max(0, f.Undershoot+(pl.Z+(pl.Z*pl.Z-1)*pl.Skew/6)*sigma)
	// Intermittent and lumpy demand: lead-time demand is a sum of a few
	// sizes, far from any normal; its quantile is taken from the compound
	// distribution itself (compound.go), undershoot included.
	if f.Method == CrostonSBA {
		if r, ok := compoundQuantile(f.sizes, pl.Rate, f.SigmaLevel, lt, pl.ServiceLevel/100); ok {
			pl.SafetyStock = math.Max(0, r-pl.LeadDemand)
		}
	}
	if p.SafetyStock != nil {
		pl.SafetyStock = float64(*p.SafetyStock)
	}
	pl.ReorderPoint = pl.LeadDemand + pl.SafetyStock
	pl.Target = f.Over(L+float64(pl.DaysOfCover)) + pl.SafetyStock
	if p.Min != nil {
		pl.ReorderPoint = float64(*p.Min)
	}
	if p.Max != nil {
		pl.Target = float64(*p.Max)
	}
	pl.Reorders = p.Min != nil || pl.Rate > 0
	return pl
}

// NeedsReorder reports whether a position (available + incoming) is at or
// below the reorder point.
func (pl Plan) NeedsReorder(position int64) bool {
	return pl.Reorders && float64(position) <= pl.ReorderPoint
}

// maxSuggestion caps a suggestion far above any real order, so that
// imported figures beyond any real store's cannot wrap the conversion.
const maxSuggestion = 1 << 50

// Quantity is how many to order at a position: enough to reach the
// target, at least one, at least the minimum order quantity, rounded up to
// the pack size; zero when no reorder is needed.
func (pl Plan) Quantity(position, packSize, minOrderQty int64) int64 {
	if !pl.NeedsReorder(position) {
		return 0
	}
	return RoundOrder(pl.Target-float64(position), packSize, minOrderQty)
}

// RoundOrder rounds a gap up to a whole order: at least 1 (at the reorder
// point but already at target, say min ≥ max, the smallest lot the
// supplier sells), at least the minimum order quantity, and a whole number
// of packs.
func RoundOrder(gap float64, packSize, minOrderQty int64) int64 {
	need := int64(math.Min(math.Ceil(gap), maxSuggestion))
	if need <= 0 {
		need = 1
	}
	if minOrderQty > need {
		need = minOrderQty
	}
	if packSize > 1 {
		need = (need + packSize - 1) / packSize * packSize
	}
	return need
}

// DaysOfCoverAt is how many days available stock lasts at a rate; ok is
// false when nothing sells.
func DaysOfCoverAt(available int64, rate float64) (days float64, ok bool) {
	if rate <= 0 {
		return 0, false
	}
	if available <= 0 {
		return 0, true
	}
	return float64(available) / rate, true
}

// Reason says in one plain sentence why a level needs an order.
func (pl Plan) Reason(position int64, ruleMin *int64) string {
	if ruleMin != nil {
		return fmt.Sprintf("Available + incoming (%d) is at or below the rule's minimum of %d.", position, *ruleMin)
	}
	return fmt.Sprintf("Available + incoming (%d) is at or below the reorder point of %.0f: %.0f expected to sell in the %s-day lead time plus %.0f safety stock for %s%% service.",
		position, math.Ceil(pl.ReorderPoint), pl.LeadDemand, trimFloat(pl.LeadTime.Mean), pl.SafetyStock, trimFloat(pl.ServiceLevel))
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
