package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/strictjson"
)

// params are an operation's arguments by name with their JSON types, read
// from the operation's input schema: what the query string is converted
// into before the operation's own strict binding checks it.
type params map[string]param

type param struct {
	typ  string // string, integer, number, boolean, array, object
	item string // the item type of an array
	desc string
	// required: the schema requires it.
	required bool
	raw      json.RawMessage // the property's schema, for OpenAPI
}

func paramsOf(schema json.RawMessage) params {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	_ = json.Unmarshal(schema, &s)
	out := params{}
	for name, raw := range s.Properties {
		var p struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Items       struct {
				Type any `json:"type"`
			} `json:"items"`
		}
		_ = json.Unmarshal(raw, &p)
		out[name] = param{typ: typeOf(p.Type), item: typeOf(p.Items.Type), desc: p.Description, raw: raw}
	}
	for _, name := range s.Required {
		if p, ok := out[name]; ok {
			p.required = true
			out[name] = p
		}
	}
	return out
}

// typeOf reads a schema's type: a name, or a list of names where null
// means optional.
func typeOf(t any) string {
	switch t := t.(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if s, ok := v.(string); ok && s != "null" {
				return s
			}
		}
	}
	return "object"
}

func (ps params) names() []string {
	out := make([]string, 0, len(ps))
	for n := range ps {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fromQuery turns query parameters into the operation's JSON arguments,
// by the schema's types: integers and numbers as JSON numbers, booleans as
// true or false, lists comma-separated or repeated. A value that is not of
// its type is refused here, naming the parameter; the operation's binding
// then checks everything else exactly as it does for MCP.
func (ps params) fromQuery(q url.Values, skip map[string]bool) (map[string]json.RawMessage, error) {
	args := map[string]json.RawMessage{}
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if skip[name] {
			continue
		}
		values := q[name]
		p, ok := ps[name]
		if !ok {
			return nil, unknownParam(name, ps, skip)
		}
		if p.typ != "array" && len(values) > 1 {
			return nil, inventory.FieldErrorf(name, inventory.Invalid, "%s is given %d times: give it once", name, len(values))
		}
		var v json.RawMessage
		var err error
		if p.typ == "array" {
			var items []json.RawMessage
			for _, value := range values {
				for _, part := range strings.Split(value, ",") {
					if part = strings.TrimSpace(part); part == "" {
						continue
					}
					item, err := scalar(name, p.item, part)
					if err != nil {
						return nil, err
					}
					items = append(items, item)
				}
			}
			v, err = json.Marshal(items)
		} else {
			v, err = scalar(name, p.typ, values[0])
		}
		if err != nil {
			return nil, err
		}
		if name == "limit" {
			if err := checkLimit(v); err != nil {
				return nil, err
			}
		}
		args[name] = v
	}
	return args, nil
}

// checkLimit refuses a negative limit in a query string, which is a
// mistake in an integration's code rather than a request for the default.
func checkLimit(v json.RawMessage) error {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err == nil && n < 0 {
		return inventory.FieldErrorf("limit", inventory.Invalid,
			"limit %d is negative: give 1–%d, or leave it out for %d", n, storage.MaxLimit, storage.DefaultLimit)
	}
	return nil
}

// scalar converts one query value to JSON of type typ.
func scalar(name, typ, value string) (json.RawMessage, error) {
	switch typ {
	case "integer", "number":
		// Any JSON number goes through; the binding says whether it fits
		// (1.5 or 1e9 for a whole number is its refusal, as on MCP).
		if json.Valid([]byte(value)) && looksNumeric(value) {
			return json.RawMessage(value), nil
		}
		what := "a number"
		if typ == "integer" {
			what = "a whole number"
		}
		return nil, inventory.FieldErrorf(name, inventory.Invalid, "%s must be %s, not %q: fix that parameter and call again", name, what, value)
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "true", "1", "":
			return json.RawMessage(`true`), nil
		case "false", "0":
			return json.RawMessage(`false`), nil
		}
		return nil, inventory.FieldErrorf(name, inventory.Invalid, "%s must be true or false, not %q", name, value)
	case "string":
		return json.Marshal(value)
	}
	return nil, inventory.FieldErrorf(name, inventory.Invalid, "%s cannot be given in the query string", name)
}

func looksNumeric(s string) bool {
	return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
}

func unknownParam(name string, ps params, skip map[string]bool) error {
	var known []string
	for _, n := range ps.names() {
		if !skip[n] {
			known = append(known, n)
		}
	}
	takes := "this endpoint takes no query parameters"
	if len(known) > 0 {
		takes = "this endpoint takes " + strings.Join(known, ", ")
	}
	if len(name) > 64 {
		name = name[:64] + "…"
	}
	return inventory.FieldErrorf(name, inventory.Invalid, "unknown query parameter %q: %s", name, takes)
}

// fromBody reads a write's JSON body: an object, or nothing ({}).
func fromBody(body []byte) (map[string]json.RawMessage, error) {
	args := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) == 0 {
		return args, nil
	}
	// Before any decoding: a map (and the binding after it) would keep
	// the last of repeated names silently.
	if d := strictjson.Duplicate(body); d != nil {
		return nil, inventory.FieldErrorf(d.Field(), inventory.Invalid,
			"%s in the request body: give each name once (a repeated name could be read as either value), and send it again", d.Describe(""))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&args); err != nil || dec.More() || args == nil {
		var te *json.UnmarshalTypeError
		if err != nil && !errors.As(err, &te) {
			return nil, inventory.Errorf(inventory.Invalid, "the request body is not valid JSON (%v): send a JSON object", err)
		}
		return nil, inventory.Errorf(inventory.Invalid, "the request body must be one JSON object")
	}
	return args, nil
}

// setArg puts a value taken from the path or a header into the arguments,
// refusing a body that says something else.
func setArg(args map[string]json.RawMessage, name, value, from string) error {
	v, _ := json.Marshal(value)
	return setArgJSON(args, name, v, strconv.Quote(value), from)
}

// setArgJSON puts the JSON value v (shown to the caller as shown) into the
// arguments, refusing a body member of the same name, in any case (the
// binding matches names so), that holds another value: the body and the
// path, header or query would otherwise disagree about, say, dry_run,
// and one of them would silently win.
func setArgJSON(args map[string]json.RawMessage, name string, v json.RawMessage, shown, from string) error {
	for k, old := range args {
		if !strings.EqualFold(k, name) {
			continue
		}
		if !sameValue(old, v) {
			return inventory.FieldErrorf(name, inventory.Invalid,
				"%s in the body (%s) differs from the %s (%s): leave it out of the body", name, truncate(string(old), 64), from, shown)
		}
		delete(args, k)
	}
	args[name] = v
	return nil
}

// sameValue reports whether two JSON values are equal as values.
func sameValue(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
