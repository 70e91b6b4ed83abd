package inventory

import "math"

// VelocityDays is the window over which sales velocity is measured.
const VelocityDays = 28

// DefaultDaysOfCover is how many days of sales a suggested order covers
// beyond the lead time when no rule says otherwise.
const DefaultDaysOfCover = 30

// Rule is a reorder rule's settings; nil means unset.
type Rule struct {
	Min          *int64 `json:"min,omitempty"`
	Max          *int64 `json:"max,omitempty"`
	SafetyStock  *int64 `json:"safety_stock,omitempty"`
	LeadTimeDays *int   `json:"lead_time_days,omitempty"`
	DaysOfCover  *int   `json:"days_of_cover,omitempty"`
}

// ReorderInputs are what the reorder maths reads for one variant (at one
// location, or across all).
type ReorderInputs struct {
	// Velocity is units sold per day over the last VelocityDays days.
	Velocity float64
	// SupplierLeadTimeDays is the supplier's lead time for the variant; a
	// rule's lead_time_days overrides it.
	SupplierLeadTimeDays int
	Available, Incoming  int64
	PackSize             int64
	MinOrderQty          int64
	Rule                 Rule
}

// LeadTimeDays is the rule's lead time if set, else the supplier's.
func (in ReorderInputs) LeadTimeDays() int {
	if in.Rule.LeadTimeDays != nil {
		return *in.Rule.LeadTimeDays
	}
	return in.SupplierLeadTimeDays
}

func (in ReorderInputs) safetyStock() float64 {
	if in.Rule.SafetyStock != nil {
		return float64(*in.Rule.SafetyStock)
	}
	return 0
}

func (in ReorderInputs) daysOfCover() int {
	if in.Rule.DaysOfCover != nil {
		return *in.Rule.DaysOfCover
	}
	return DefaultDaysOfCover
}

// ReorderPoint is the rule's min if set, else velocity × lead time + safety
// stock.
func (in ReorderInputs) ReorderPoint() float64 {
	if in.Rule.Min != nil {
		return float64(*in.Rule.Min)
	}
	return in.Velocity*float64(in.LeadTimeDays()) + in.safetyStock()
}

// Position is what is on its way to being sellable: available + incoming.
func (in ReorderInputs) Position() int64 { return in.Available + in.Incoming }

// NeedsReorder reports whether available + incoming is at or below the
// reorder point. A variant that never sells and has no min never needs it.
func (in ReorderInputs) NeedsReorder() bool {
	if in.Rule.Min == nil && in.Velocity <= 0 {
		return false
	}
	return float64(in.Position()) <= in.ReorderPoint()
}

// Target is the stock level a suggested order brings the variant up to: the
// rule's max if set, else velocity × (lead time + days of cover) + safety
// stock.
func (in ReorderInputs) Target() float64 {
	if in.Rule.Max != nil {
		return float64(*in.Rule.Max)
	}
	return in.Velocity*float64(in.LeadTimeDays()+in.daysOfCover()) + in.safetyStock()
}

// SuggestedQuantity is how many to order: enough to reach Target, rounded
// up to the pack size and at least the minimum order quantity; zero when no
// reorder is needed.
func (in ReorderInputs) SuggestedQuantity() int64 {
	if !in.NeedsReorder() {
		return 0
	}
	gap := math.Ceil(in.Target() - float64(in.Position()))
	// Sales imported beyond any real store's must not wrap the conversion
	// or the rounding below: a suggestion is capped far above any order
	// (and its cost then reports the overflow, see Money.Times).
	const maxSuggestion = 1 << 50
	need := int64(math.Min(gap, maxSuggestion))
	if need <= 0 {
		// At the reorder point but already at target (min ≥ max, say):
		// order the smallest lot the supplier sells.
		need = 1
	}
	if in.MinOrderQty > need {
		need = in.MinOrderQty
	}
	if pack := in.PackSize; pack > 1 {
		need = (need + pack - 1) / pack * pack
	}
	return need
}

// DaysOfCover is how many days available stock lasts at the current
// velocity; ok is false when nothing sells.
func DaysOfCover(available int64, velocity float64) (days float64, ok bool) {
	if velocity <= 0 {
		return 0, false
	}
	if available <= 0 {
		return 0, true
	}
	return float64(available) / velocity, true
}
