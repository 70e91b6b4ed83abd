package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
)

// Arguments arrive as JSON from the model. These helpers bind them strictly
// and turn their shapes (dates, money, names or ids, SKU references) into
// the values storage takes, with errors that name the field and the value.

// rawArguments returns the call's arguments as JSON ({} when absent).
func rawArguments(req mcp.CallToolRequest) (json.RawMessage, error) {
	switch a := req.GetRawArguments().(type) {
	case json.RawMessage:
		if len(bytes.TrimSpace(a)) == 0 {
			return json.RawMessage(`{}`), nil
		}
		return a, nil
	case nil:
		return json.RawMessage(`{}`), nil
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return json.RawMessage(`{}`), inventory.Errorf(inventory.Invalid, "the arguments are not a JSON object: %v", err)
		}
		return b, nil
	}
}

// bindStrict decodes the arguments into v, refusing unknown names (a
// misspelt "qty" must not silently become quantity 0) and values of the
// wrong type with a sentence that names the argument and the value.
func bindStrict(raw json.RawMessage, v any) error {
	if hasNUL(raw) {
		// No name, number or note holds a NUL, and PostgreSQL cannot store
		// one: refuse it here, for every operation and face.
		return inventory.Errorf(inventory.Invalid, "the arguments contain a NUL character (\\u0000): remove it and call again")
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

// hasNUL reports whether a JSON text holds an escaped NUL (\u0000) inside
// a string; a raw NUL is not valid JSON and fails decoding anyway.
func hasNUL(raw []byte) bool {
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		j += i
		// Preceded by an odd number of backslashes: an escape, not text.
		n := 0
		for k := j - 1; k >= 0 && raw[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = j + 1
	}
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
	if math.Abs(cents) > 1e15 {
		return nil, inventory.FieldErrorf(field, inventory.Invalid, "%s %v%s is too large: give the amount in the store currency, like 12.34", field, *v, of)
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
	SKU       string `json:"sku,omitempty" jsonschema:"Give sku or variant_id"`
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
