package strictjson

import (
	"strconv"
	"strings"
	"testing"
)

func TestDuplicate(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		field      string // "" when nothing is repeated
		again      string
	}{
		{"none", `{"supplier":"A","lines":[{"sku":"X","quantity":1},{"sku":"Y","quantity":2}]}`, "", ""},
		{"same name in sibling objects", `{"lines":[{"sku":"X"},{"sku":"X"}],"a":{"sku":1},"b":{"sku":2}}`, "", ""},
		{"top level", `{"dry_run":true,"supplier":"A","dry_run":false}`, "dry_run", "dry_run"},
		{"case only", `{"dry_run":true,"DRY_RUN":false}`, "dry_run", "DRY_RUN"},
		{"escaped spelling", `{"dry_run":true,"dry\u005frun":false}`, "dry_run", "dry_run"},
		// encoding/json folds the Kelvin sign to k and the long s to s.
		{"unicode fold", `{"sku":"A","\u017fku":"B"}`, "sku", "ſku"},
		{"nested in a line", `{"lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":2,"quantity":3}]}`, "lines[1].quantity", "quantity"},
		{"first line", `{"lines":[{"sku":"A","sku":"B"}]}`, "lines[0].sku", "sku"},
		{"after nested values", `{"a":[1,[2,{"x":1}],{"y":[]}],"b":{"c":{}},"a":0}`, "a", "a"},
		{"in an object in an array in an object", `{"params":{"arguments":{"rules":[[],{"min":1,"min":2}]}}}`, "params.arguments.rules[1].min", "min"},
		{"odd name", `{"a b":1,"a b":2}`, `"a b"`, "a b"},
		{"first of two", `{"x":1,"x":2,"y":1,"y":2}`, "x", "x"},
		{"top level array", `[{"a":1},{"a":1,"a":2}]`, "[1].a", "a"},
		{"invalid after a duplicate", `{"a":1,"a":2,`, "a", "a"},
		{"invalid before", `{"a":1,,"a":2}`, "", ""},
		{"not JSON", `supplier=x`, "", ""},
		{"empty", ``, "", ""},
		{"scalar", `"a"`, "", ""},
		{"empty objects", `{"a":{},"b":[{}],"c":{}}`, "", ""},
		{"large object", `{` + members(40) + `}`, "", ""},
		{"large object, repeat at its end", `{` + members(40) + `,"M3":0}`, "m3", "M3"},
		{"large object, repeat past the list", `{` + members(40) + `,"m30":0}`, "m30", "m30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Duplicate([]byte(tc.body))
			if tc.field == "" {
				if d != nil {
					t.Fatalf("found %q repeated in %s", d.Field(), tc.body)
				}
				return
			}
			if d == nil {
				t.Fatalf("no repeat found in %s, want %s", tc.body, tc.field)
			}
			if d.Field() != tc.field || d.Again != tc.again {
				t.Fatalf("found %q (again as %q), want %q (again as %q)", d.Field(), d.Again, tc.field, tc.again)
			}
			if !strings.Contains(d.Error(), tc.field) {
				t.Fatalf("the message %q does not name %s", d.Error(), tc.field)
			}
		})
	}
}

// members is n distinct members "m0".."m{n-1}".
func members(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"m` + strconv.Itoa(i) + `":` + strconv.Itoa(i)
	}
	return strings.Join(parts, ",")
}

func TestDuplicateMessages(t *testing.T) {
	d := Duplicate([]byte(`{"params":{"arguments":{"lines":[{"sku":"A","SKU":"B"}]}}}`))
	if got, want := d.Describe("params.arguments"), `lines[0].sku is given twice, as "sku" and as "SKU" (names are matched without regard to case)`; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	d = Duplicate([]byte(`{"` + strings.Repeat("k", 5000) + `\u0007":1,"` + strings.Repeat("k", 5000) + `\u0007":2}`))
	if msg := d.Error(); len(msg) > 200 || strings.ContainsRune(msg, 7) {
		t.Fatalf("a long name with a control character is not bounded and quoted: %q", msg)
	}
}

func TestCharset(t *testing.T) {
	for _, tc := range []struct {
		contentType string
		refused     bool
	}{
		{"application/json", false},
		{"application/json; charset=utf-8", false},
		{"application/json; charset=UTF-8", false},
		{`application/json; charset="Utf-8"`, false},
		{"application/json; charset=utf-16", true},
		{"application/json; charset=UTF-16LE", true},
		{"application/json; charset=latin1", true},
		{"application/json; charset=iso-8859-1", true},
		{"application/json; charset=utf8", true},
		{"application/problem+json; charset=us-ascii", true},
		{"text/plain", false}, // the media type check's business
		{"", false},
	} {
		err := Charset(tc.contentType)
		if (err != nil) != tc.refused {
			t.Errorf("%q: refused %v, want %v", tc.contentType, err != nil, tc.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("%q: the refusal %q does not say to send UTF-8", tc.contentType, err)
		}
	}
}

func BenchmarkDuplicate(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"location":"Warehouse","counts":[`)
	for i := range 5000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"sku":"TRS-40","counted":4,"mode":"add"}`)
	}
	sb.WriteString(`]}`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if Duplicate(body) != nil {
			b.Fatal("found a repeat")
		}
	}
}

// The byte scan may only ever clear a body that the decoder's reading
// clears too.
func FuzzNoRepeats(f *testing.F) {
	for _, seed := range []string{
		`{"supplier":"A","lines":[{"sku":"X","quantity":1},{"sku":"Y","quantity":2}]}`,
		`{"dry_run":true,"DRY_RUN":false}`, `{"dry_run":true,"dry\u005frun":false}`, `{"sku":"A","ſku":"B"}`,
		`{"a":[1,[2,{"x":1}],{"y":[]}],"b":{"c":{}},"a":0}`, `[{"a":1},{"a":1,"a":2}]`, `{"a":1,,"a":2}`,
		`{"a":"x\"y","b":"\\","a":1}`, `{"k":1,"K":2}`, `{"a":{"b":1},"c":[{"b":1,"b":2}]}`, ` { "a" : 1 , "a" : 2 } `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if noRepeats(data) {
			if d := duplicate(data); d != nil {
				t.Fatalf("the byte scan cleared %q, which repeats %s", data, d.Field())
			}
		}
	})
}
