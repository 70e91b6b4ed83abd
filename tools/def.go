package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// Def is an operation's definition as every face shows it: MCP's tools/list
// (package mcp converts it), REST's OpenAPI document and the keys page.
type Def struct {
	Name        string
	Title       string
	Description string
	// InputSchema is the JSON Schema of the operation's arguments.
	InputSchema json.RawMessage
	// The hints of MCP's tool annotations: ReadOnly operations change
	// nothing; Destructive ones end or discard a document or a rule;
	// Idempotent ones have no further effect when repeated with the same
	// arguments; none reaches outside the store (OpenWorld).
	ReadOnly, Destructive, Idempotent, OpenWorld bool
	// App is the ui:// resource (package apps) that MCP hosts render
	// beside the operation's result; empty for most. Other faces ignore it.
	App string
}

// withApp links a tool to the app that shows its result.
func withApp(t Tool, uri string) Tool {
	t.Def.App = uri
	return t
}

// noArguments is the schema of an operation that takes none.
var noArguments = json.RawMessage(`{"properties":{},"required":[],"type":"object"}`)

// schemaOf is the JSON Schema of T's json and jsonschema tags, so that the
// declaration and the binding cannot disagree. Optional fields are given
// their type alone rather than [null, type]: an omitted argument is
// omitted, never null.
func schemaOf[T any]() json.RawMessage {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{IgnoreInvalidTypes: true})
	if err != nil {
		panic(fmt.Sprintf("tools: the schema of %T: %v", *new(T), err))
	}
	addEnums(reflect.TypeFor[T](), s)
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("tools: encoding the schema of %T: %v", *new(T), err))
	}
	for _, typ := range []string{"array", "string", "number", "integer", "object", "boolean"} {
		b = bytes.ReplaceAll(b, []byte(`"type":["null","`+typ+`"]`), []byte(`"type":"`+typ+`"`))
	}
	return b
}

// readOnlyDef and writeDef are the only ways tools set their hints, so
// every tool sets all four.
func readOnlyDef(name, title, description string, schema json.RawMessage) Def {
	return Def{Name: name, Title: title, Description: description, InputSchema: schema, ReadOnly: true, Idempotent: true}
}

// writeDef declares a write. destructive marks tools that discard or
// irreversibly move stock (cancel, close, complete); idempotent marks tools
// whose repeat with the same arguments has no further effect.
func writeDef(name, title, description string, schema json.RawMessage, destructive, idempotent bool) Def {
	return Def{Name: name, Title: title, Description: description, InputSchema: schema, Destructive: destructive, Idempotent: idempotent}
}

// addEnums sets the allowed values that fields list in an enum tag
// (enum:"draft,sent"), in t's schema s and in the schemas of the structs
// it holds.
func addEnums(t reflect.Type, s *jsonschema.Schema) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
		if s.Items != nil && t.Kind() != reflect.Pointer {
			s = s.Items
		}
	}
	if t.Kind() != reflect.Struct || s == nil {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			addEnums(f.Type, s) // an embedded struct's fields are the parent's
			continue
		}
		if name == "" {
			name = f.Name
		}
		prop, ok := s.Properties[name]
		if !ok || prop == nil {
			continue
		}
		if values, ok := f.Tag.Lookup("enum"); ok {
			for _, v := range strings.Split(values, ",") {
				prop.Enum = append(prop.Enum, v)
			}
		}
		addEnums(f.Type, prop)
	}
}
