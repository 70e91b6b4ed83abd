package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
)

// Arguments arrive as JSON from the model. These helpers bind them strictly
// and turn their shapes (dates, money, names or ids, SKU references) into
// the values storage takes, with errors that name the field and the value.

// bindStrict decodes the arguments into v, refusing unknown names (a
// misspelt "qty" must not silently become quantity 0) and values of the
// wrong type with a sentence that names the argument and the value.
func bindStrict(raw json.RawMessage, v any) error {
	if err := checkControls(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := jsonPath(te.Field)
		if field == "" {
			return inventory.Errorf(inventory.Invalid, "the arguments must be a JSON object, not %s", valueName(te.Value))
		}
		return inventory.FieldErrorf(field, inventory.Invalid, "%s must be %s, not %s: fix that argument and call again", field, typeName(te.Type), valueName(te.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return inventory.FieldErrorf(strings.Trim(name, `"`), inventory.Invalid, "unknown argument %s: see the tool's input schema for the argument names", name)
	}
	return inventory.Errorf(inventory.Invalid, "the arguments are not valid JSON (%v): send a JSON object", err)
}

// jsonPath is encoding/json's path to a field as the caller wrote it:
// without the names of embedded Go structs (PageArgs.limit is limit).
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" && p[0] >= 'A' && p[0] <= 'Z' {
			continue // a Go type name: argument names are snake_case
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, ".")
}

// freeText are the arguments that hold prose (a note, a reason), where a
// tab or a line break is fine.
var freeText = map[string]bool{"note": true, "reason": true, "label": true}

// checkControls refuses control characters in any string of the arguments
// (names, SKUs, numbers, codes, idempotency keys, and object keys): a NUL
// cannot be stored on PostgreSQL, and the others are invisible in every
// place a value is shown again. Free text (freeText) may hold tab, line
// feed and carriage return. It runs in bindStrict, so every operation and
// face refuses them the same way, naming the argument. Arguments that are
// not valid JSON pass here and are refused by the strict decoding.
func checkControls(raw []byte) error {
	// In valid JSON a string holds a control character only as an escape
	// (a backslash), a raw DEL, or a raw C1 character (0xC2 0x80–0x9F in
	// UTF-8): most arguments have none of these and need no second parse.
	if bytes.IndexByte(raw, '\\') < 0 && bytes.IndexByte(raw, 0x7f) < 0 && bytes.IndexByte(raw, 0xc2) < 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return walkControls("", v)
}

func walkControls(path string, v any) error {
	switch x := v.(type) {
	case string:
		name := path
		if k := strings.LastIndexByte(path, '.'); k >= 0 {
			name = path[k+1:]
		}
		if r, ok := controlIn(x, freeText[name]); ok {
			what := path
			if what == "" {
				what = "the arguments"
			}
			allowed := "names, SKUs, numbers and keys hold none"
			if freeText[name] {
				allowed = "free text may hold tab and line breaks, nothing else"
			}
			return inventory.FieldErrorf(path, inventory.Invalid, "%s contains the control character U+%04X (%s): remove it and call again", what, r, allowed)
		}
	case map[string]any:
		// In name order, so the same arguments always name the same fault.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e := x[k]
			if r, ok := controlIn(k, false); ok {
				return inventory.Errorf(inventory.Invalid, "an argument name contains the control character U+%04X: see the tool's input schema for the argument names", r)
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			if err := walkControls(p, e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := walkControls(path, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// controlIn returns the first control character in s (C0, DEL or C1);
// text allows tab, line feed and carriage return.
func controlIn(s string, text bool) (rune, bool) {
	for _, r := range s {
		if !unicode.IsControl(r) {
			continue
		}
		if text && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		return r, true
	}
	return 0, false
}

// valueName turns encoding/json's description of a value ("number 1.5",
// "string", "array") into words.
func valueName(v string) string {
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	switch v {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "array":
		return "a list"
	case "object":
		return "an object"
	}
	return v
}

// typeName says in words what JSON a Go type takes.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return "an object"
}

// parseDate reads an optional ISO 8601 calendar date (YYYY-MM-DD).
func parseDate(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, inventory.FieldErrorf(field, inventory.Invalid, "%s %q is not an ISO 8601 date: give it as YYYY-MM-DD, e.g. 2026-03-01", field, s)
	}
	return &t, nil
}

// parseMoney reads an optional amount in the store currency (12.34) as
// hundredths. Amounts with more than two decimals are refused rather than
// rounded, so what is stored is what was asked for. (Storage refuses
// negative amounts where they make no sense.)
func parseMoney(field, of string, v *float64) (*inventory.Money, error) {
	if v == nil {
		return nil, nil
	}
	if of != "" {
		of = " for " + of
	}
	cents := *v * 100
	if math.Abs(cents-math.Round(cents)) > 1e-6 {
		return nil, inventory.FieldErrorf(field, inventory.Invalid, "%s %v%s has more than two decimal places: give an amount like 12.34", field, *v, of)
	}
	if math.Abs(cents) > float64(inventory.MaxAmount) {
		return nil, inventory.FieldErrorf(field, inventory.Invalid, "%s %v%s is more than %s, the largest amount accepted: give the amount in the store currency, like 12.34", field, *v, of, inventory.MaxAmount)
	}
	m := inventory.Money(math.Round(cents))
	return &m, nil
}

// nameOrID is a location or supplier reference: a name, code or id. Models
// send ids as numbers as often as strings, so both are accepted.
type nameOrID string

func (r *nameOrID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = nameOrID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*r = nameOrID(n.String())
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
}

// jsonKind names the kind of a JSON value for an error message.
func jsonKind(b []byte) string {
	switch b = bytes.TrimSpace(b); {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "a list"
	case b[0] == 't' || b[0] == 'f':
		return "a boolean"
	case b[0] == 'n':
		return "null"
	}
	return string(b)
}

// SKURef names a variant on a line: by sku, or by variant_id.
type SKURef struct {
	SKU       string `json:"sku,omitempty"`
	VariantID int64  `json:"variant_id,omitempty"`
}

func (r SKURef) ref() storage.VariantRef {
	return storage.VariantRef{SKU: strings.TrimSpace(r.SKU), ID: r.VariantID}
}

// variant names one variant by sku or variant_id.
func variantRef(tool string, r SKURef) (storage.VariantRef, error) {
	ref := r.ref()
	if ref.SKU == "" && ref.ID <= 0 {
		return ref, inventory.FieldErrorf("sku", inventory.Invalid, "%s needs a variant: give sku (or variant_id); search_products finds SKUs", tool)
	}
	return ref, nil
}

// parseSince reads a date (YYYY-MM-DD) or a timestamp (RFC 3339).
func parseSince(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := parseDate("since", s)
	if err != nil {
		return time.Time{}, inventory.FieldErrorf("since", inventory.Invalid, "since %q is not a date: give YYYY-MM-DD or an RFC 3339 time such as 2026-03-01T09:00:00Z", s)
	}
	return *d, nil
}
