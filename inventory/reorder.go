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
