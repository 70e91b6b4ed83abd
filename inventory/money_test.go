package inventory

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestMoneyChecked(t *testing.T) {
	for _, c := range []struct {
		name string
		got  func() (Money, error)
		want Money
		over bool
	}{
		{"add", func() (Money, error) { return Money(2).Add(3) }, 5, false},
		{"add at max", func() (Money, error) { return Money(math.MaxInt64 - 1).Add(1) }, math.MaxInt64, false},
		{"add past max", func() (Money, error) { return Money(math.MaxInt64).Add(1) }, 0, true},
		{"add past min", func() (Money, error) { return Money(math.MinInt64).Add(-1) }, 0, true},
		{"times", func() (Money, error) { return Money(1999).Times(3) }, 5997, false},
		{"times negative", func() (Money, error) { return Money(250).Times(-4) }, -1000, false},
		{"times zero", func() (Money, error) { return Money(math.MaxInt64).Times(0) }, 0, false},
		{"line at the limits", func() (Money, error) { return MaxUnitCost.Times(MaxQuantity) }, MaxLineTotal, false},
		{"old limits overflow", func() (Money, error) { return Money(10_000_000_000_000).Times(1_000_000_000) }, 0, true},
		{"times min by -1", func() (Money, error) { return Money(math.MinInt64).Times(-1) }, 0, true},
		{"sum", func() (Money, error) { return Sum(1, 2, 3) }, 6, false},
		{"sum overflows", func() (Money, error) { return Sum(math.MaxInt64/2+1, math.MaxInt64/2+1) }, 0, true},
	} {
		got, err := c.got()
		if c.over != errors.Is(err, ErrMoneyOverflow) || (!c.over && got != c.want) {
			t.Errorf("%s: %d, %v", c.name, got, err)
		}
	}
}

// Every document within the limits has a total that fits, with room to
// spare; the limits are what a merchant never reaches.
func TestLimitsLeaveRoom(t *testing.T) {
	total := Money(0)
	for range MaxLines {
		var err error
		if total, err = total.Add(MaxLineTotal); err != nil {
			t.Fatalf("a document at the limits overflows: %v", err)
		}
	}
	if total != MaxDocumentTotal || MaxDocumentTotal > math.MaxInt64/18*10 {
		t.Fatalf("document total at the limits %d", total)
	}
	if MaxAmount > 1<<53 {
		t.Fatalf("MaxAmount %d is not exact as a JSON number", MaxAmount)
	}
}

func TestChecks(t *testing.T) {
	for _, c := range []struct {
		err  error
		says string
	}{
		{CheckQuantity("quantity", "TRS-40", MaxQuantity), ""},
		{CheckQuantity("quantity", "TRS-40", MaxQuantity+1), "quantity 10000001 for TRS-40 is more than 10000000"},
		{CheckQuantity("quantity", "", -1), "quantity -1 is negative"},
		{CheckUnitCost("unit_cost", "TRS-40", MaxUnitCost), ""},
		{CheckUnitCost("unit_cost", "TRS-40", MaxUnitCost+1), "unit_cost 10000000.01 for TRS-40 is more than 10000000.00"},
		{CheckAmount("credit_amount", MaxAmount), ""},
		{CheckAmount("credit_amount", MaxAmount+1), "credit_amount 10000000000000.01 is more than 10000000000000.00"},
	} {
		var ie *Error
		switch {
		case c.says == "" && c.err != nil:
			t.Errorf("refused within the limit: %v", c.err)
		case c.says != "" && (!errors.As(c.err, &ie) || ie.Kind != Invalid || ie.Field == "" || !strings.Contains(ie.Msg, c.says)):
			t.Errorf("%v, want an Invalid field error saying %q", c.err, c.says)
		}
	}
}

// A velocity no real store has cannot wrap the suggested quantity into a
// tiny (or negative) one.
