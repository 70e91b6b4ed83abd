package imports

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// The Shopify exports, read as Shopify's help center describes them. Each
// column lists its header in the current export first, then older ones.

// ProductRow is one row of Shopify's product export. A product's rows share
// its Handle: the first carries the product's fields (HasProduct) and its
// first variant; the others add a variant (HasVariant) or only an image
// (neither).
type ProductRow struct {
	Line   int
	Handle string

	HasProduct                         bool
	Title, Vendor, ProductType, Status string

	HasVariant                bool
	SKU, Barcode              string
	Option1, Option2, Option3 string
	PriceCents, CostCents     int64
}

var productColumns = []column{
	{name: "handle", headers: []string{"Handle", "URL handle"}, required: true},
	{name: "title", headers: []string{"Title"}, required: true},
	{name: "vendor", headers: []string{"Vendor"}},
	{name: "type", headers: []string{"Type", "Product Type", "Custom Product Type"}},
	{name: "status", headers: []string{"Status"}},
	{name: "option1", headers: []string{"Option1 Value", "Option1 value"}},
	{name: "option2", headers: []string{"Option2 Value", "Option2 value"}},
	{name: "option3", headers: []string{"Option3 Value", "Option3 value"}},
	{name: "sku", headers: []string{"Variant SKU", "SKU"}, required: true},
	{name: "barcode", headers: []string{"Variant Barcode", "Barcode"}},
	{name: "price", headers: []string{"Variant Price", "Price"}},
	{name: "cost", headers: []string{"Cost per item", "Variant Cost", "Cost"}},
}

// Products reads Shopify's product export.
type Products struct {
	t       *table
	handles map[string]bool // handles seen
	skus    map[string]int  // SKU → line, to name duplicates
}

// ReadProducts reads the header of a product export.
func ReadProducts(r io.Reader) (*Products, error) {
	t, err := openTable(r, productColumns)
	if err != nil {
		return nil, err
	}
	return &Products{t: t, handles: map[string]bool{}, skus: map[string]int{}}, nil
}

// productStatuses are Shopify's product statuses.
var productStatuses = map[string]bool{"active": true, "draft": true, "archived": true, "unlisted": true}

// Next returns the next row.
func (p *Products) Next() (ProductRow, error) {
	r, err := p.t.next()
	if err != nil {
		return ProductRow{}, err
	}
	out := ProductRow{Line: r.line}
	var e *RowError
	if out.Handle, e = r.text("handle"); e != nil {
		return out, e
	}
	if out.Handle == "" {
		return out, r.errorf("handle", "the handle is empty: every row names its product's handle")
	}
	first := !p.handles[out.Handle]
	if first {
		if out.Title, e = r.text("title"); e != nil {
			return out, e
		}
		if out.Title == "" {
			return out, r.errorf("title", "the first row of product %q has no title: a product's first row carries its title, vendor and type", out.Handle)
		}
		out.HasProduct = true
		if out.Vendor, e = r.text("vendor"); e != nil {
			return out, e
		}
		if out.ProductType, e = r.text("type"); e != nil {
			return out, e
		}
		if out.Status, e = r.text("status"); e != nil {
			return out, e
		}
		out.Status = strings.ToLower(out.Status)
		if out.Status == "" {
			out.Status = "active"
		}
		if !productStatuses[out.Status] {
			return out, r.errorf("status", "%q is not a product status: give active, draft or archived", out.Status)
		}
		// Later rows belong to this product even if this row's variant
		// turns out bad.
		p.handles[out.Handle] = true
	}
	for i, f := range []*string{&out.Option1, &out.Option2, &out.Option3} {
		if *f, e = r.text("option" + strconv.Itoa(i+1)); e != nil {
			return out, e
		}
	}
	if out.SKU, e = r.text("sku"); e != nil {
		return out, e
	}
	if out.Barcode, e = r.text("barcode"); e != nil {
		return out, e
	}
	price := strings.TrimSpace(r.raw("price"))
	// Later rows of a handle that name no option, SKU, barcode or price
	// only add an image.
	out.HasVariant = first || out.Option1 != "" || out.Option2 != "" || out.Option3 != "" || out.SKU != "" || out.Barcode != "" || price != ""
	if !out.HasVariant {
		return out, nil
	}
	if out.SKU == "" {
		return out, r.errorf("sku", "a variant of product %q has no SKU: give every variant a SKU in Shopify (the tools find variants by SKU) and export again", out.Handle)
	}
	if prev, dup := p.skus[out.SKU]; dup {
		return out, r.errorf("sku", "SKU %q is already used on line %d: give each variant its own SKU", out.SKU, prev)
	}
	p.skus[out.SKU] = r.line
	// "Default Title" is the one variant of a product without options.
	if out.Option1 == "Default Title" && out.Option2 == "" && out.Option3 == "" {
		out.Option1 = ""
	}
	if out.PriceCents, e = r.money("price"); e != nil {
		return out, e
	}
	if out.CostCents, e = r.money("cost"); e != nil {
		return out, e
	}
	return out, nil
}

// LevelRow is one row of Shopify's inventory export: a variant at a
// location. NotStocked means the variant is not stocked there (Shopify
// writes "not stocked" in the quantity columns): no level.
type LevelRow struct {
	Line     int
	Handle   string
	SKU      string
	Location string

	NotStocked bool
	OnHand     int64
	Committed  int64
	Incoming   int64
	// Unavailable is Shopify's total of damaged, quality control, safety
	// stock and reserved units, which the export does not split.
	Unavailable int64
}

var inventoryColumns = []column{
	{name: "handle", headers: []string{"Handle"}},
	{name: "sku", headers: []string{"SKU", "Variant SKU"}, required: true},
	{name: "location", headers: []string{"Location"}, required: true},
	{name: "incoming", headers: []string{"Incoming (not editable)", "Incoming"}},
	{name: "unavailable", headers: []string{"Unavailable (not editable)", "Unavailable"}},
	{name: "committed", headers: []string{"Committed (not editable)", "Committed"}},
	{name: "available", headers: []string{"Available (not editable)", "Available"}},
	{name: "on_hand", headers: []string{"On hand (current)", "On hand"}},
	{name: "on_hand_new", headers: []string{"On hand (new)"}},
}

// Inventory reads Shopify's inventory export. (A variant and location
// given twice is found by the import, which knows a location's name from
// its code.)
type Inventory struct {
	t *table
}

// ReadInventory reads the header of an inventory export. It needs an On
// hand column or an Available one (on hand is then available + committed +
// unavailable).
func ReadInventory(r io.Reader) (*Inventory, error) {
	t, err := openTable(r, inventoryColumns)
	if err != nil {
		return nil, err
	}
	if !t.has("on_hand") && !t.has("on_hand_new") && !t.has("available") {
		return nil, &RowError{Line: 1, Message: `the header has no "On hand (current)", "On hand" or "Available" column: is this Shopify's inventory export?`}
	}
	return &Inventory{t: t}, nil
}

const notStocked = "not stocked"

// Next returns the next row.
func (in *Inventory) Next() (LevelRow, error) {
	r, err := in.t.next()
	if err != nil {
		return LevelRow{}, err
	}
	out := LevelRow{Line: r.line}
	var e *RowError
	if out.Handle, e = r.text("handle"); e != nil {
		return out, e
	}
	if out.SKU, e = r.text("sku"); e != nil {
		return out, e
	}
	if out.SKU == "" {
		return out, r.errorf("sku", "the variant of product %q has no SKU: give it one in Shopify (the tools find variants by SKU) and export again", out.Handle)
	}
	if out.Location, e = r.text("location"); e != nil {
		return out, e
	}
	if out.Location == "" {
		return out, r.errorf("location", "the location is empty: every row names its location")
	}
	for _, c := range []string{"on_hand", "on_hand_new", "available", "committed", "incoming", "unavailable"} {
		if strings.EqualFold(strings.TrimSpace(r.raw(c)), notStocked) {
			out.NotStocked = true
			return out, nil
		}
	}
	if out.Committed, e = r.integer("committed", 0, false); e != nil {
		return out, e
	}
	if out.Incoming, e = r.integer("incoming", 0, false); e != nil {
		return out, e
	}
	if out.Unavailable, e = r.integer("unavailable", 0, false); e != nil {
		return out, e
	}
	// "On hand (new)" is the column a merchant edits; when it is filled it
	// is the count to set.
	col := "on_hand_new"
	if strings.TrimSpace(r.raw(col)) == "" {
		col = "on_hand"
	}
	if strings.TrimSpace(r.raw(col)) != "" {
		if out.OnHand, e = r.integer(col, 0, true); e != nil {
			return out, e
		}
	} else if strings.TrimSpace(r.raw("available")) != "" {
		col = "available"
		avail, e := r.integer(col, 0, true)
		if e != nil {
			return out, e
		}
		out.OnHand = avail + out.Committed + out.Unavailable
	} else {
		return out, r.errorf("on_hand", "the row has no on hand or available quantity: give a number, or \"not stocked\"")
	}
	if out.OnHand < 0 {
		return out, r.errorf(col, "on hand would be %d: a count below zero cannot be stored; count the stock and give zero or more", out.OnHand)
	}
	return out, nil
}

// OrderLine is one line item of Shopify's orders export, with its order's
// fields. Day is the order's date as Created at is written, at midnight
// UTC; when Created at carries a UTC offset, Created is the instant (else
// zero), so that the order can be dated in the store's time zone. Counted is false for a cancelled, refunded or
// voided order, and for a line without a SKU (a tip, a custom item).
type OrderLine struct {
	Line         int
	Order        string
	Day          time.Time
	Created      time.Time
	SKU          string
	Quantity     int64
	RevenueCents int64
	Location     string
	Counted      bool
	// Skip says why a line does not count.
	Skip string
}

var orderColumns = []column{
	{name: "name", headers: []string{"Name", "Order"}, required: true},
	{name: "created_at", headers: []string{"Created at"}, required: true},
	{name: "quantity", headers: []string{"Lineitem quantity"}, required: true},
	{name: "price", headers: []string{"Lineitem price"}},
	{name: "discount", headers: []string{"Lineitem discount"}},
	{name: "sku", headers: []string{"Lineitem sku"}, required: true},
	{name: "location", headers: []string{"Location"}},
	{name: "cancelled_at", headers: []string{"Cancelled at"}},
	{name: "financial_status", headers: []string{"Financial Status"}},
}

// Orders reads Shopify's orders export. Each line item is a row; the
// order's fields (Created at, Cancelled at, Financial Status, Location)
// are on its first row and blank on the others.
type Orders struct {
	t   *table
	cur struct {
		name, location, skip string
		day, created         time.Time
	}
}

// ReadOrders reads the header of an orders export.
func ReadOrders(r io.Reader) (*Orders, error) {
	t, err := openTable(r, orderColumns)
	if err != nil {
		return nil, err
	}
	return &Orders{t: t}, nil
}

// createdLayouts are the forms of Created at: Shopify's export, then ISO
// 8601 as other tools write it. zoned tells those with a numeric UTC
// offset (an abbreviation such as EST names no reliable offset).
var createdLayouts = []struct {
	layout string
	zoned  bool
}{{"2006-01-02 15:04:05 -0700", true}, {"2006-01-02 15:04:05 MST", false}, {time.RFC3339, true}, {"2006-01-02T15:04:05", false},
	{"2006-01-02 15:04:05", false}, {"2006-01-02 15:04", false}, {time.DateOnly, false}}

// Next returns the next line item.
func (o *Orders) Next() (OrderLine, error) {
	r, err := o.t.next()
	if err != nil {
		return OrderLine{}, err
	}
	out := OrderLine{Line: r.line}
	var e *RowError
	if out.Order, e = r.text("name"); e != nil {
		return out, e
	}
	if out.Order == "" {
		return out, r.errorf("name", "the order name is empty: every line item names its order")
	}
	created := strings.TrimSpace(r.raw("created_at"))
	if out.Order != o.cur.name {
		if created == "" {
			return out, r.errorf("created_at", "the first row of order %s has no Created at: export the orders again", out.Order)
		}
		var day, at time.Time
		ok := false
		for _, l := range createdLayouts {
			if t, err := time.Parse(l.layout, created); err == nil {
				// The date as written, in the order's own time zone.
				day = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
				if l.zoned {
					at = t
				}
				ok = true
				break
			}
		}
		if !ok {
			o.cur.name = ""
			return out, r.errorf("created_at", "%q is not a date and time: give it as Shopify exports it, like 2024-03-05 14:03:12 -0500", created)
		}
		o.cur.name, o.cur.day, o.cur.created, o.cur.skip = out.Order, day, at, ""
		loc, e := r.text("location")
		if e != nil {
			return out, e
		}
		o.cur.location = loc
		status := strings.ToLower(strings.TrimSpace(r.raw("financial_status")))
		switch {
		case strings.TrimSpace(r.raw("cancelled_at")) != "":
			o.cur.skip = "cancelled"
		case status == "refunded" || status == "voided":
			o.cur.skip = status
		}
	} else if loc, e := r.text("location"); e != nil {
		return out, e
	} else if loc != "" {
		o.cur.location = loc
	}
	out.Day, out.Created, out.Location, out.Skip = o.cur.day, o.cur.created, o.cur.location, o.cur.skip
	if out.SKU, e = r.text("sku"); e != nil {
		return out, e
	}
	if out.Quantity, e = r.integer("quantity", 0, false); e != nil {
		return out, e
	}
	price, e := r.money("price")
	if e != nil {
		return out, e
	}
	discount, e := r.money("discount")
	if e != nil {
		return out, e
	}
	out.RevenueCents = max(out.Quantity*price-discount, 0)
	switch {
	case out.Skip != "":
	case out.SKU == "":
		out.Skip = "no SKU"
	case out.Quantity == 0:
		out.Skip = "no quantity"
	default:
		out.Counted = true
	}
	return out, nil
}
