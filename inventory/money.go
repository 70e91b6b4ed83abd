package inventory

import (
	"errors"
	"math"
)

// Limits on what one call may ask for. They are far beyond any merchant's
// order (ten million units of one SKU at ten million in the store currency
// each), and they are chosen so that nothing the server computes from
// accepted input can overflow: a line is at most MaxQuantity × MaxUnitCost
// = 10^16 hundredths, and a document of MaxLines such lines is at most
// 5 × 10^18, below the 9.22 × 10^18 that 64-bit money holds.
const (
	// MaxQuantity bounds a quantity on one line (ordered, received,
	// rejected, moved, returned, counted) and a reorder rule's numbers.
	MaxQuantity = 10_000_000
	// MaxUnitCost bounds a unit cost: 10,000,000.00 in the store currency.
	MaxUnitCost Money = 1_000_000_000
	// MaxLineTotal is the largest line total: MaxQuantity × MaxUnitCost.
	MaxLineTotal Money = MaxQuantity * MaxUnitCost
	// MaxDocumentTotal is the largest document total. Money is an int64,
	// so this constant would not compile if it overflowed.
	MaxDocumentTotal Money = MaxLines * MaxLineTotal
	// MaxAmount bounds an amount given for a whole document (a supplier's
	// credit): 10,000,000,000,000.00, below the 2^53 hundredths that a JSON
	// number (a float64) holds exactly.
	MaxAmount Money = 1_000_000_000_000_000
)

// ErrMoneyOverflow is returned by the checked operations when a result does
// not fit in Money.
var ErrMoneyOverflow = errors.New("the amount is too large to compute")

// Add returns m + n, or ErrMoneyOverflow.
func (m Money) Add(n Money) (Money, error) {
	s := m + n
	if (n > 0 && s < m) || (n < 0 && s > m) {
		return 0, ErrMoneyOverflow
	}
	return s, nil
}

// Times returns qty × m, or ErrMoneyOverflow.
func (m Money) Times(qty int64) (Money, error) {
	if qty == 0 || m == 0 {
		return 0, nil
	}
	if (qty == -1 && m == math.MinInt64) || (m == -1 && qty == math.MinInt64) {
		return 0, ErrMoneyOverflow
	}
	p := int64(m) * qty
	if p/qty != int64(m) {
		return 0, ErrMoneyOverflow
	}
	return Money(p), nil
}

// Sum adds amounts, or returns ErrMoneyOverflow.
func Sum(amounts ...Money) (Money, error) {
	var total Money
	for _, a := range amounts {
		var err error
		if total, err = total.Add(a); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// CheckQuantity refuses a quantity outside 0..MaxQuantity with a sentence
// naming the argument (field) and what it belongs to (of, e.g. a SKU).
func CheckQuantity(field, of string, q int64) error {
	switch {
	case q < 0:
		return FieldErrorf(field, Invalid, "%s %d%s is negative: give zero or more", field, q, forOf(of))
	case q > MaxQuantity:
		return FieldErrorf(field, Invalid, "%s %d%s is more than %d, the most one line can hold: split it over several documents", field, q, forOf(of), MaxQuantity)
	}
	return nil
}

// CheckUnitCost refuses a unit cost outside 0..MaxUnitCost.
func CheckUnitCost(field, of string, c Money) error {
	switch {
	case c < 0:
		return FieldErrorf(field, Invalid, "%s %s%s is negative: give zero or more, or leave it out to use the supplier's cost", field, c, forOf(of))
	case c > MaxUnitCost:
		return FieldErrorf(field, Invalid, "%s %s%s is more than %s, the largest unit cost accepted: give the cost of one unit in the store currency", field, c, forOf(of), MaxUnitCost)
	}
	return nil
}

// CheckAmount refuses an amount for a whole document outside 0..MaxAmount.
func CheckAmount(field string, a Money) error {
	switch {
	case a < 0:
		return FieldErrorf(field, Invalid, "%s %s is negative: give zero or more", field, a)
	case a > MaxAmount:
		return FieldErrorf(field, Invalid, "%s %s is more than %s, the largest amount accepted", field, a, MaxAmount)
	}
	return nil
}

// OverflowError is the refusal of a computation whose amount does not fit:
// only data written before the limits existed (or imported beyond them)
// can cause it, so it says where to look.
func OverflowError(what string) *Error {
	return Errorf(Invalid, "%s is too large to compute (more than %s): check the unit costs and quantities involved, which must stay within %d units and %s per unit", what, Money(math.MaxInt64), MaxQuantity, MaxUnitCost)
}

func forOf(of string) string {
	if of == "" {
		return ""
	}
	return " for " + of
}
