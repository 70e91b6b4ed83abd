package imports

import (
	"io"
	"strings"
	"time"
)

// The project's own files, for what Shopify does not export: daily sales,
// suppliers and supplier terms. An empty optional cell leaves an existing
// value as it is (a new row gets the default).

// SaleRow is one row of a sales file: a variant's sales at a location on a day.
type SaleRow struct {
	Line         int
	Day          time.Time
	SKU          string
	Location     string
	Units        int64
	RevenueCents int64
}

var saleColumns = []column{
	{name: "day", headers: []string{"day", "date"}, required: true},
	{name: "sku", headers: []string{"sku"}, required: true},
	{name: "location", headers: []string{"location"}, required: true},
	{name: "units", headers: []string{"units", "quantity"}, required: true},
	{name: "revenue", headers: []string{"revenue"}},
}

// Sales reads a sales file (day,sku,location,units,revenue).
type Sales struct{ t *table }

// ReadSales reads the header of a sales file.
func ReadSales(r io.Reader) (*Sales, error) {
	t, err := openTable(r, saleColumns)
	if err != nil {
		return nil, err
	}
	return &Sales{t: t}, nil
}

// Next returns the next row.
func (s *Sales) Next() (SaleRow, error) {
	r, err := s.t.next()
	if err != nil {
		return SaleRow{}, err
	}
	out := SaleRow{Line: r.line}
	var e *RowError
	day := strings.TrimSpace(r.raw("day"))
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return out, r.errorf("day", "%q is not a date: give it as YYYY-MM-DD", day)
	}
	out.Day = d
	if out.SKU, e = required(r, "sku", "SKU"); e != nil {
		return out, e
	}
	if out.Location, e = required(r, "location", "location"); e != nil {
		return out, e
	}
	if out.Units, e = r.integer("units", 0, false); e != nil {
		return out, e
	}
	if out.RevenueCents, e = r.money("revenue"); e != nil {
		return out, e
	}
	return out, nil
}

func required(r row, name, what string) (string, *RowError) {
	v, e := r.text(name)
	if e != nil {
		return "", e
	}
	if v == "" {
		return "", r.errorf(name, "the %s is empty: give one", what)
	}
	return v, nil
}

// SupplierRow is one row of a suppliers file. Nil fields were left empty.
type SupplierRow struct {
	Line          int
	Name          string
	Email         *string
	Phone         *string
	Currency      *string
	LeadTimeDays  *int64
	MinOrderCents *int64
}

var supplierColumns = []column{
	{name: "name", headers: []string{"name", "supplier"}, required: true},
	{name: "email", headers: []string{"email"}},
	{name: "phone", headers: []string{"phone"}},
	{name: "currency", headers: []string{"currency"}},
	{name: "lead_time_days", headers: []string{"lead_time_days", "lead time days", "lead time"}},
	{name: "min_order", headers: []string{"min_order", "minimum order"}},
}

// Suppliers reads a suppliers file (name,email,phone,currency,lead_time_days,min_order).
type Suppliers struct {
	t    *table
	seen map[string]int
}

// ReadSuppliers reads the header of a suppliers file.
func ReadSuppliers(r io.Reader) (*Suppliers, error) {
	t, err := openTable(r, supplierColumns)
	if err != nil {
		return nil, err
	}
	return &Suppliers{t: t, seen: map[string]int{}}, nil
}

// Next returns the next row.
func (s *Suppliers) Next() (SupplierRow, error) {
	r, err := s.t.next()
	if err != nil {
		return SupplierRow{}, err
	}
	out := SupplierRow{Line: r.line}
	var e *RowError
	if out.Name, e = required(r, "name", "supplier name"); e != nil {
		return out, e
	}
	if prev, dup := s.seen[strings.ToLower(out.Name)]; dup {
		return out, r.errorf("name", "supplier %q is already on line %d: give each supplier once", out.Name, prev)
	}
	s.seen[strings.ToLower(out.Name)] = r.line
	for _, f := range []struct {
		col string
		dst **string
	}{{"email", &out.Email}, {"phone", &out.Phone}, {"currency", &out.Currency}} {
		v, e := r.text(f.col)
		if e != nil {
			return out, e
		}
		if v != "" {
			*f.dst = &v
		}
	}
	if out.Currency != nil {
		c := strings.ToUpper(*out.Currency)
		if len(c) != 3 || !letters(c) {
			return out, r.errorf("currency", "%q is not a currency code: give three letters, like USD", *out.Currency)
		}
		out.Currency = &c
	}
	if strings.TrimSpace(r.raw("lead_time_days")) != "" {
		n, e := r.integer("lead_time_days", 0, false)
		if e != nil {
			return out, e
		}
		if n > 365 {
			return out, r.errorf("lead_time_days", "%d days is out of range: give 0 to 365", n)
		}
		out.LeadTimeDays = &n
	}
	if strings.TrimSpace(r.raw("min_order")) != "" {
		n, e := r.money("min_order")
		if e != nil {
			return out, e
		}
		out.MinOrderCents = &n
	}
	return out, nil
}

func letters(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// TermsRow is one row of a supplier-terms file: who supplies a variant at
// which terms. Primary is set on the first row of each SKU: that supplier
// becomes the variant's primary one if it has none yet.
type TermsRow struct {
	Line          int
	SKU           string
	Supplier      string
	UnitCostCents *int64
	PackSize      *int64
	MinOrderQty   *int64
	SupplierSKU   *string
	Primary       bool
}

var termsColumns = []column{
	{name: "sku", headers: []string{"sku"}, required: true},
	{name: "supplier", headers: []string{"supplier"}, required: true},
	{name: "unit_cost", headers: []string{"unit_cost", "unit cost", "cost"}},
	{name: "pack_size", headers: []string{"pack_size", "pack size"}},
	{name: "min_order_qty", headers: []string{"min_order_qty", "min order qty", "moq"}},
	{name: "supplier_sku", headers: []string{"supplier_sku", "supplier sku"}},
}

// SupplierTerms reads a supplier-terms file
// (sku,supplier,unit_cost,pack_size,min_order_qty,supplier_sku).
type SupplierTerms struct {
	t    *table
	seen map[[2]string]int
	skus map[string]bool
}

// ReadSupplierTerms reads the header of a supplier-terms file.
func ReadSupplierTerms(r io.Reader) (*SupplierTerms, error) {
	t, err := openTable(r, termsColumns)
	if err != nil {
		return nil, err
	}
	return &SupplierTerms{t: t, seen: map[[2]string]int{}, skus: map[string]bool{}}, nil
}

// Next returns the next row.
func (s *SupplierTerms) Next() (TermsRow, error) {
	r, err := s.t.next()
	if err != nil {
		return TermsRow{}, err
	}
	out := TermsRow{Line: r.line}
	var e *RowError
	if out.SKU, e = required(r, "sku", "SKU"); e != nil {
		return out, e
	}
	if out.Supplier, e = required(r, "supplier", "supplier"); e != nil {
		return out, e
	}
	key := [2]string{out.SKU, strings.ToLower(out.Supplier)}
	if prev, dup := s.seen[key]; dup {
		return out, r.errorf("sku", "SKU %q from %q is already on line %d: give each SKU and supplier once", out.SKU, out.Supplier, prev)
	}
	s.seen[key] = r.line
	out.Primary = !s.skus[out.SKU]
	s.skus[out.SKU] = true
	if strings.TrimSpace(r.raw("unit_cost")) != "" {
		n, e := r.money("unit_cost")
		if e != nil {
			return out, e
		}
		out.UnitCostCents = &n
	}
	for _, f := range []struct {
		col string
		dst **int64
	}{{"pack_size", &out.PackSize}, {"min_order_qty", &out.MinOrderQty}} {
		if strings.TrimSpace(r.raw(f.col)) == "" {
			continue
		}
		n, e := r.integer(f.col, 1, false)
		if e != nil {
			return out, e
		}
		if n < 1 {
			return out, r.errorf(f.col, "%d is below 1: give 1 or more", n)
		}
		*f.dst = &n
	}
	if v, e := r.text("supplier_sku"); e != nil {
		return out, e
	} else if v != "" {
		out.SupplierSKU = &v
	}
	return out, nil
}
