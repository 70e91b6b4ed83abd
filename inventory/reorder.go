package inventory

// Rule is a reorder rule's settings; nil means unset. The maths that
// reads them is in the planning package.
type Rule struct {
	Min          *int64   `json:"min,omitempty"`
	Max          *int64   `json:"max,omitempty"`
	SafetyStock  *int64   `json:"safety_stock,omitempty"`
	LeadTimeDays *int     `json:"lead_time_days,omitempty"`
	DaysOfCover  *int     `json:"days_of_cover,omitempty"`
	ServiceLevel *float64 `json:"service_level,omitempty"`
}

// Service levels, in percent of replenishment cycles without a stock-out:
// the store's default, and the range a store or a rule may set. They are
// the domain's vocabulary, so that a store's settings can be checked
// without the planning maths.
const (
	DefaultServiceLevel = 95.0
	MinServiceLevel     = 50.0
	MaxServiceLevel     = 99.9
)

// ServiceLevelInRange reports whether v (percent) may be set.
func ServiceLevelInRange(v float64) bool { return v >= MinServiceLevel && v <= MaxServiceLevel }
