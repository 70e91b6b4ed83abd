package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// Approval is when a key's or a connected app's writes need a person's
// approval before they apply (DESIGN.md §13): never, always, or when the
// write's amount (order value, or stock moved at cost, in the store
// currency) is above a limit. Its text form is what the command line
// takes, the database stores and the faces show: "never", "always",
// "above:250.00".
type Approval struct {
	Mode ApprovalMode
	// Limit is the amount a write may reach without approval (Mode
	// ApprovalAbove): a write whose amount exceeds it needs approval.
	Limit Money
}

// ApprovalMode is the kind of an approval setting.
type ApprovalMode string

// The approval settings.
const (
	ApprovalNever  ApprovalMode = "never"
	ApprovalAlways ApprovalMode = "always"
	ApprovalAbove  ApprovalMode = "above"
)

// Needs reports whether a write of amount needs approval under a.
func (a Approval) Needs(amount Money) bool {
	switch a.Mode {
	case ApprovalAlways:
		return true
	case ApprovalAbove:
		return amount > a.Limit
	}
	return false
}

// Never reports whether no write ever needs approval under a.
func (a Approval) Never() bool { return a.Mode == ApprovalNever || a.Mode == "" }

// String is the stored and typed form: never, always, above:AMOUNT.
func (a Approval) String() string {
	switch a.Mode {
	case ApprovalAlways:
		return string(ApprovalAlways)
	case ApprovalAbove:
		return string(ApprovalAbove) + ":" + a.Limit.String()
	}
	return string(ApprovalNever)
}

// Describe says the setting to a person, the amount in currency:
// "Always", "Above 250.00 USD", "Never".
func (a Approval) Describe(currency string) string {
	switch a.Mode {
	case ApprovalAlways:
		return "Always"
	case ApprovalAbove:
		return strings.TrimSpace("Above " + a.Limit.String() + " " + currency)
	}
	return "Never"
}

// MarshalText writes the stored form, so JSON shows "above:250.00".
func (a Approval) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads the stored form.
func (a *Approval) UnmarshalText(b []byte) error {
	v, err := ParseApproval(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseApproval reads an approval setting: never, always or above:AMOUNT
// (a decimal amount in the store currency, zero or more, at most two
// places). An empty string is never.
func ParseApproval(s string) (Approval, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", string(ApprovalNever):
		return Approval{Mode: ApprovalNever}, nil
	case string(ApprovalAlways):
		return Approval{Mode: ApprovalAlways}, nil
	}
	amount, ok := strings.CutPrefix(s, string(ApprovalAbove)+":")
	if !ok {
		return Approval{}, fmt.Errorf("approval %q is not one of never, always or above:AMOUNT (e.g. above:500)", s)
	}
	limit, err := ParseAmount(amount)
	if err != nil {
		return Approval{}, fmt.Errorf("approval %q: %w", s, err)
	}
	return Approval{Mode: ApprovalAbove, Limit: limit}, nil
}

// ParseAmount reads a decimal amount a person typed (500, 500.5, 1250.00)
// exactly, without going through a float: zero or more, at most two
// decimal places, at most MaxAmount.
func ParseAmount(s string) (Money, error) {
	s = strings.TrimSpace(s)
	notAmount := func() (Money, error) {
		return 0, fmt.Errorf("the amount %q is not a decimal amount of zero or more with at most two decimal places (e.g. 500 or 499.99)", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "+") || strings.HasPrefix(whole, "-") {
		return notAmount()
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil {
		return notAmount()
	}
	var f uint64
	if frac != "" {
		if f, err = strconv.ParseUint(frac, 10, 8); err != nil {
			return notAmount()
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	// The whole part is bounded first, so that w*100 cannot overflow.
	if w > uint64(MaxAmount/100) || Money(w*100+f) > MaxAmount {
		return 0, fmt.Errorf("the amount %q is more than %s, the largest amount accepted", s, MaxAmount)
	}
	return Money(w*100 + f), nil
}

// StoredApproval reads a setting as the database keeps it. One this
// binary cannot read fails closed: every write then needs approval.
func StoredApproval(s string) Approval {
	a, err := ParseApproval(s)
	if err != nil {
		return Approval{Mode: ApprovalAlways}
	}
	return a
}

// ApprovalFor reads the setting s of a key or app that can write or not:
// one that cannot write has none (never), and naming one for it is an
// error.
func ApprovalFor(canWrite bool, s string) (Approval, error) {
	a, err := ParseApproval(s)
	if err != nil {
		return a, err
	}
	if !canWrite && !a.Never() {
		return Approval{}, fmt.Errorf("a read-only key or app cannot write, so it has no approval setting: leave the approval out, or give it write scope (Read & write)")
	}
	return a.For(canWrite), nil
}

// For is a as the setting of a key or app that can write or not: one that
// cannot write never needs approval, and an unset one is never.
func (a Approval) For(canWrite bool) Approval {
	if !canWrite || a.Mode == "" {
		return Approval{Mode: ApprovalNever}
	}
	return a
}

// AuditNote is an audit entry's mention of a setting that asks for
// approval ("; approval always"), empty for never.
func (a Approval) AuditNote() string {
	if a.Never() {
		return ""
	}
	return "; approval " + a.String()
}
