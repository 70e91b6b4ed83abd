package storage

import (
	"math"
	"strconv"

	"github.com/logistified/mcp-server/inventory"
)

// SQL for money computed in the database. Every amount a caller can store
// is bounded (inventory.MaxQuantity, inventory.MaxUnitCost,
// inventory.MaxLines), so a document's total fits in 64 bits; but a product
// or a sum over a whole store (its stock value) has no such bound, and rows
// written before the limits may exceed them. These expressions never fail
// on overflow: they compute in a wider type and clamp to the int64 range,
// and Go reports a clamped amount as inventory.OverflowError where it
// matters. PostgreSQL raises "bigint out of range" on an overflowing
// BIGINT product or cast; SQLite turns an overflowing product into a REAL
// but raises "integer overflow" on an overflowing sum().

const (
	sqlMaxInt64 = "9223372036854775807"
	sqlMinInt64 = "(-9223372036854775807 - 1)"
)

// SQLProduct is a × b as a BIGINT, clamped to the int64 range (NULL when
// either is NULL).
func SQLProduct(dialect, a, b string) string {
	if dialect == "postgres" {
		return pgClamp("CAST(" + a + " AS NUMERIC) * " + b)
	}
	// An overflowing product is a REAL, which min and max clamp.
	return "max(min(" + a + " * " + b + ", " + sqlMaxInt64 + "), " + sqlMinInt64 + ")"
}

// SQLSum is the sum of expr over a group as a BIGINT, clamped to the int64
// range. On SQLite it sums in floating point (total()), which is exact to
// 2^53 hundredths (90 trillion in the store currency) and never fails.
func SQLSum(dialect, expr string) string {
	if dialect == "postgres" {
		return pgClamp("sum(CAST(" + expr + " AS NUMERIC))")
	}
	return "CAST(total(" + expr + ") AS INTEGER)"
}

// SQLAddClamped is col + param as a BIGINT, clamped to the int64 range:
// for running totals that a change moves by a delta.
func SQLAddClamped(dialect, col, param string) string {
	if dialect == "postgres" {
		return pgClamp("CAST(" + col + " AS NUMERIC) + " + param)
	}
	// An overflowing sum is a REAL, which min and max clamp.
	return "max(min(" + col + " + " + param + ", " + sqlMaxInt64 + "), " + sqlMinInt64 + ")"
}

// AddClamped is a + b, clamped to the int64 range.
func AddClamped(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// pgClamp is a NUMERIC expression as a BIGINT, clamped to the int64 range.
// PostgreSQL's GREATEST and LEAST skip NULLs, so a NULL (the sum of no
// rows) must be kept apart, or it would read as the smallest int64.
func pgClamp(x string) string {
	return "CAST(CASE WHEN " + x + " > " + sqlMaxInt64 + " THEN " + sqlMaxInt64 +
		" WHEN " + x + " < " + sqlMinInt64 + " THEN " + sqlMinInt64 + " ELSE " + x + " END AS BIGINT)"
}

// SQLDocMoney is the sum of a × b over one document's lines as a BIGINT.
// The limits keep it exact and within range for every document written
// under them. A document stored before the limits must not make a list
// fail: PostgreSQL sums exactly and clamps; SQLite sums in integers (to
// stay exact), so each line is first clamped to inventory.MaxLineTotal,
// which a valid line never exceeds, and the sum of any document of up to
// 900 lines fits. (Reading the document itself reports the overflow.)
func SQLDocMoney(dialect, a, b string) string {
	if dialect == "postgres" {
		return SQLSum(dialect, a+" * CAST("+b+" AS NUMERIC)")
	}
	lim := strconv.FormatInt(int64(inventory.MaxLineTotal), 10)
	return "CAST(sum(max(min(" + a + " * " + b + ", " + lim + "), -" + lim + ")) AS INTEGER)"
}

// SQLUnits is the sum of a quantity expression over a group as a BIGINT.
func SQLUnits(expr string) string { return "CAST(sum(" + expr + ") AS BIGINT)" }

// Clamped reports whether an amount summed by SQLSum or SQLProduct hit the
// end of the int64 range, which means the true amount did not fit.
func Clamped(m inventory.Money) bool { return m == math.MaxInt64 || m == math.MinInt64 }
