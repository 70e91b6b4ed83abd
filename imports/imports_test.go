package imports

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// all reads every record and every error of a source.
func all[T any](t *testing.T, src Source[T]) ([]T, []RowError) {
	t.Helper()
	var recs []T
	var errs []RowError
	for i := 0; i < 1_000_000; i++ {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			return recs, errs
		}
		var re *RowError
		if errors.As(err, &re) {
			errs = append(errs, *re)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	t.Fatal("the source never ended")
	return nil, nil
}

func TestProductsExample(t *testing.T) {
	f, err := os.Open("../testdata/import/products_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := ReadProducts(f)
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := all[ProductRow](t, p)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	var variants []string
	products := 0
	for _, r := range rows {
		if r.HasProduct {
			products++
		}
		if r.HasVariant {
			variants = append(variants, r.SKU+"|"+r.Option1+"|"+r.Option2)
		}
	}
	want := []string{"TRS-42|42|", "TRS-43|43|", "TRS-44|44|", "MB-001||", "CM-BLU-12|Blue|12 oz", "CM-RED-12|Red|12 oz"}
	if products != 3 || !reflect.DeepEqual(variants, want) {
		t.Fatalf("products %d, variants %v; want 3 and %v", products, variants, want)
	}
	if r := rows[0]; r.Title != "Trail Runner Shoe" || r.Vendor != "Peak Footwear" || r.ProductType != "Shoes" || r.PriceCents != 8900 || r.CostCents != 4150 || r.Status != "active" {
		t.Fatalf("first row %+v", r)
	}
	if rows[3].HasVariant || rows[3].HasProduct || rows[3].Line != 6 {
		// Line 6: the first product's description spans lines 2 and 3.
		t.Fatalf("the image row is %+v", rows[3])
	}
}

func TestCSVForms(t *testing.T) {
	// BOM, CRLF, quotes with commas and doubled quotes, an embedded newline,
	// headers in other case and spacing, and old column names.
	in := "\xef\xbb\xbfhandle,TITLE, Variant  Sku ,Variant Price,Body (HTML)\r\n" +
		"h1,\"Mug, \"\"big\"\"\",S1,3.5,\"line one\r\nline two\"\r\n" +
		"\r\n" +
		"h1,,S2,4,\r\n"
	p, err := ReadProducts(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := all[ProductRow](t, p)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(rows) != 2 || rows[0].Title != `Mug, "big"` || rows[0].PriceCents != 350 || rows[1].SKU != "S2" || rows[1].Line != 5 {
		t.Fatalf("rows %+v", rows)
	}
	// The current export's names.
	p, err = ReadProducts(strings.NewReader("URL handle,Title,SKU,Price,Cost per item\nh,T,S,1.005,0.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = all[ProductRow](t, p)
	if len(rows) != 1 || rows[0].SKU != "S" || rows[0].PriceCents != 101 || rows[0].CostCents != 50 {
		t.Fatalf("rows %+v", rows)
	}
}

func TestProductErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // one per error, in order
	}{
		{"missing column", "Handle,Title,Variant Price\n", []string{`line 1: the header has no "Variant SKU" column`}},
		{"empty file", "", []string{"line 1: the file is empty"}},
		{"no SKU", "Handle,Title,Variant SKU\nboots,Boots,\n", []string{`line 2, column "Variant SKU": a variant of product "boots" has no SKU`}},
		{"duplicate SKU", "Handle,Title,Variant SKU\na,A,S1\nb,B,S1\n", []string{`line 3, column "Variant SKU": SKU "S1" is already used on line 2`}},
		{"bad price", "Handle,Title,Variant SKU,Variant Price\na,A,S1,12$\na,,S2,1e3\n", []string{
			`line 2, column "Variant Price": "12$" is not an amount`, `line 3, column "Variant Price": "1e3" is not an amount`}},
		{"negative cost", "Handle,Title,Variant SKU,Cost per item\na,A,S1,-1\n", []string{`line 2, column "Cost per item": -1 is negative`}},
		{"no title", "Handle,Title,Variant SKU\na,,S1\n", []string{`line 2, column "Title": the first row of product "a" has no title`}},
		{"bad status", "Handle,Title,Variant SKU,Status\na,A,S1,gone\n", []string{`line 2, column "Status": "gone" is not a product status`}},
		{"short row", "Handle,Title,Variant SKU\na,A,S1\nb,B\n", []string{"line 3: the row has 2 fields where the header has 3"}},
		{"truncated", "Handle,Title,Variant SKU\na,A,S1\nb,\"B is cut", []string{"line 3: a quoted value is not closed before the end of the file"}},
		{"not UTF-8", "Handle,Title,Variant SKU\na,\xff\xfe,S1\n", []string{`line 2, column "Title": the value is not valid UTF-8`}},
		{"endless row", "Handle,Title,Variant SKU\na,A,S1\nb,\"" + strings.Repeat("x", 3<<20), []string{"line 3: a row is longer than 1 MB"}},
		{"too long", "Handle,Title,Variant SKU\na," + strings.Repeat("x", 300) + ",S1\n", []string{`line 2, column "Title": the value is longer than 255`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []RowError
			p, err := ReadProducts(strings.NewReader(tt.in))
			if err != nil {
				var re *RowError
				if !errors.As(err, &re) {
					t.Fatal(err)
				}
				errs = append(errs, *re)
			} else {
				_, errs = all[ProductRow](t, p)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("errors %v; want %d", errs, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(errs[i].Error(), w) {
					t.Errorf("error %q; want it to start %q", errs[i].Error(), w)
				}
			}
		})
	}
}

func TestHostileTextIsKept(t *testing.T) {
	in := "Handle,Title,Variant SKU,Vendor\nh,\"=cmd|' /C calc'!A0\",S1,\"bell\x07\ttab\x00nul\"\n"
	p, err := ReadProducts(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := all[ProductRow](t, p)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if rows[0].Title != "=cmd|' /C calc'!A0" || rows[0].Vendor != "bell\x07\ttabnul" {
		t.Fatalf("%q %q", rows[0].Title, rows[0].Vendor)
	}
}

func TestInventory(t *testing.T) {
	in := "Handle,SKU,Location,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)\n" +
		"a,S1,Main,1,2,3,4,9,\n" +
		"a,S1,Shop,not stocked,not stocked,not stocked,not stocked,not stocked,not stocked\n" +
		"a,S2,Main,0,0,0,4,4,7\n" +
		"a,S3,Main,0,0,0,,-1,\n" +
		"a,S4,Main,x,0,0,0,0,\n" +
		"a,,Main,0,0,0,0,0,\n"
	inv, err := ReadInventory(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := all[LevelRow](t, inv)
	want := []LevelRow{
		{Line: 2, Handle: "a", SKU: "S1", Location: "Main", OnHand: 9, Committed: 3, Incoming: 1, Unavailable: 2},
		{Line: 3, Handle: "a", SKU: "S1", Location: "Shop", NotStocked: true},
		{Line: 4, Handle: "a", SKU: "S2", Location: "Main", OnHand: 7},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows %+v\nwant %+v", rows, want)
	}
	wantErrs := []string{
		`line 5, column "On hand (current)": on hand would be -1`,
		`line 6, column "Incoming (not editable)": "x" is not a whole number`,
		`line 7, column "SKU": the variant of product "a" has no SKU`,
	}
	if len(errs) != len(wantErrs) {
		t.Fatalf("errors %v", errs)
	}
	for i, w := range wantErrs {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %q; want %q", errs[i].Error(), w)
		}
	}
	// The old export: no On hand column, so on hand is available +
	// committed + unavailable.
	inv, err = ReadInventory(strings.NewReader("SKU,Location,Committed,Unavailable,Available\nS1,Main,2,1,-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows, errs = all[LevelRow](t, inv)
	if len(errs) > 0 || len(rows) != 1 || rows[0].OnHand != 2 {
		t.Fatalf("rows %+v errors %v", rows, errs)
	}
	if _, err := ReadInventory(strings.NewReader("SKU,Location,Committed\n")); err == nil || !strings.Contains(err.Error(), `no "On hand (current)"`) {
		t.Fatalf("a file without quantities: %v", err)
	}
}

func TestOrders(t *testing.T) {
	f, err := os.Open("../testdata/import/orders_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := ReadOrders(f)
	if err != nil {
		t.Fatal(err)
	}
	lines, errs := all[OrderLine](t, o)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	nov := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	type got struct {
		order, sku string
		day        time.Time
		qty, rev   int64
		loc, skip  string
	}
	var have []got
	for _, l := range lines {
		have = append(have, got{l.Order, l.SKU, l.Day, l.Quantity, l.RevenueCents, l.Location, l.Skip})
		if l.Counted != (l.Skip == "") {
			t.Errorf("line %d: counted %v with skip %q", l.Line, l.Counted, l.Skip)
		}
	}
	want := []got{
		{"#1001", "TRS-42", nov(2), 1, 8900, "", ""},
		{"#1001", "MB-001", nov(2), 2, 4998, "", ""},
		// 23:30 at -0800 is the 3rd in UTC, the 2nd where it was sold.
		{"#1002", "CM-BLU-12", nov(2), 3, 4200, "Downtown Shop", ""},
		{"#1003", "TRS-43", nov(3), 1, 8900, "", "cancelled"},
		{"#1004", "MB-001", nov(3), 1, 2499, "", "refunded"},
		{"#1005", "TRS-42", nov(3), 2, 16800, "", ""},
		{"#1005", "", nov(3), 1, 500, "", "no SKU"},
	}
	if !reflect.DeepEqual(have, want) {
		t.Fatalf("lines\n%+v\nwant\n%+v", have, want)
	}
	// Every line of a cancelled order is left out, not just its first.
	o, _ = ReadOrders(strings.NewReader("Name,Created at,Lineitem quantity,Lineitem sku,Cancelled at\n" +
		"#1,2026-01-01 10:00:00 +0000,1,A,2026-01-02 10:00:00 +0000\n#1,2026-01-01 10:00:00 +0000,1,B,\n#2,,1,A,\n#3,yesterday,1,A,\n"))
	lines, errs = all[OrderLine](t, o)
	if len(lines) != 2 || lines[0].Counted || lines[1].Counted {
		t.Fatalf("lines %+v", lines)
	}
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), `line 4, column "Created at": the first row of order #2 has no Created at`) ||
		!strings.HasPrefix(errs[1].Error(), `line 5, column "Created at": "yesterday" is not a date and time`) {
		t.Fatalf("errors %v", errs)
	}
}

func TestOwnFormats(t *testing.T) {
	s, err := ReadSales(strings.NewReader("day,sku,location,units,revenue\n2026-01-02,A,Main,3,4.5\n01/02/2026,A,Main,3,\n2026-01-02,A,Main,-1,\n"))
	if err != nil {
		t.Fatal(err)
	}
	sales, errs := all[SaleRow](t, s)
	if len(sales) != 1 || sales[0].Units != 3 || sales[0].RevenueCents != 450 || len(errs) != 2 {
		t.Fatalf("sales %+v errors %v", sales, errs)
	}
	sup, err := ReadSuppliers(strings.NewReader("name,email,phone,currency,lead_time_days,min_order\nAcme,a@x,,usd,7,\nacme,,,,,\nB,,,EURO,,\nC,,,,400,\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := all[SupplierRow](t, sup)
	if len(rows) != 1 || *rows[0].Currency != "USD" || *rows[0].LeadTimeDays != 7 || rows[0].Phone != nil || rows[0].MinOrderCents != nil {
		t.Fatalf("rows %+v", rows)
	}
	if len(errs) != 3 || !strings.Contains(errs[0].Message, "already on line 2") || errs[1].Column != "currency" || errs[2].Column != "lead_time_days" {
		t.Fatalf("errors %v", errs)
	}
	terms, err := ReadSupplierTerms(strings.NewReader("sku,supplier,unit_cost,pack_size,min_order_qty,supplier_sku\nA,X,1,6,,XA\nA,Y,,,,\nA,x,,,,\nB,X,,0,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	trows, errs := all[TermsRow](t, terms)
	if len(trows) != 2 || !trows[0].Primary || trows[1].Primary || *trows[0].PackSize != 6 || trows[0].MinOrderQty != nil || trows[1].UnitCostCents != nil {
		t.Fatalf("rows %+v", trows)
	}
	if len(errs) != 2 || errs[0].Line != 4 || errs[1].Column != "pack_size" {
		t.Fatalf("errors %v", errs)
	}
}
