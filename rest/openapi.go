package rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// openAPI builds the OpenAPI 3.1 document from the routes and the input
// schemas the operations bind (the same JSON Schema MCP clients see), so
// the document and the binding cannot disagree. Answers wrap the
// operation's result (its MCP structuredContent) in data; the result's
// own schema is described in words, not declared.
func openAPI(ops []operation, version string) ([]byte, error) {
	if version == "" {
		version = "dev"
	}
	paths := map[string]map[string]any{}
	for _, op := range ops {
		item := paths[Base+op.Path]
		if item == nil {
			item = map[string]any{}
			paths[Base+op.Path] = item
		}
		item[strings.ToLower(op.Method)] = openAPIOperation(op)
	}
	paths[Base+"/openapi.json"] = map[string]any{"get": map[string]any{
		"operationId": "openapi",
		"summary":     "This document",
		"description": "The OpenAPI 3.1 document of the API; served without a key.",
		"tags":        []any{"meta"},
		"security":    []any{},
		"responses": map[string]any{
			"200": map[string]any{"description": "The document.",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}},
		},
	}}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Logistified REST API",
			"version": APIVersion,
			"description": "Inventory and purchasing of one Shopify store, for ERPs, spreadsheets and BI tools. " +
				"The API key (Authorization: Bearer lstk_…) names the store. Every operation is also an MCP tool of the same name " +
				"at /mcp, with the same arguments and results: data is exactly the tool's structuredContent. " +
				"Server version " + version + ".",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"apiKey": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"apiKey": map[string]any{
					"type": "http", "scheme": "bearer", "bearerFormat": "lstk_ API key",
					"description": "A Logistified API key: read keys call the GET endpoints, write keys every endpoint. Create one on the keys page or with `logistified keys create`.",
				},
			},
			"schemas":   componentSchemas(),
			"responses": componentResponses(),
			"headers": map[string]any{
				"X-Request-Id":        header("The request's id: quote it when reporting a problem.", "string", "req_4f9c2a1b0d3e5f6a7b8c"),
				"RateLimit-Limit":     header("Requests this key may make at once (the burst).", "integer", 40),
				"RateLimit-Remaining": header("Requests left right now.", "integer", 39),
				"RateLimit-Reset":     header("Seconds until the key's budget is full again.", "integer", 1),
				"Retry-After":         header("Seconds to wait before retrying.", "integer", 1),
				"ETag":                header("Strong validator of data; send it back as If-None-Match.", "string", `"9b2cf535f27731c974343645a3985328"`),
				"Location":            header("URL of the created document.", "string", Base+"/purchase-orders/PO-1001"),
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func header(desc, typ string, example any) map[string]any {
	return map[string]any{"description": desc, "schema": map[string]any{"type": typ}, "example": example}
}

func ref(kind, name string) map[string]any {
	return map[string]any{"$ref": "#/components/" + kind + "/" + name}
}

func openAPIOperation(op operation) map[string]any {
	tag := strings.Split(strings.TrimPrefix(op.Path, "/"), "/")[0]
	o := map[string]any{
		"operationId": op.Op,
		"summary":     op.Summary,
		"description": op.tool.Def.Description + " (MCP tool " + op.Op + ".)",
		"tags":        []any{tag},
	}
	var parameters []any
	for _, name := range op.pathArgs {
		p := op.params[name]
		parameters = append(parameters, map[string]any{
			"name": name, "in": "path", "required": true, "description": p.desc,
			"schema": map[string]any{"type": "string"}, "example": pathExample(op.Path, name),
		})
	}
	read := op.Method == http.MethodGet
	errs := []string{"400", "401", "404", "429", "500", "503"}
	if read {
		for _, name := range op.params.names() {
			if slices.Contains(op.pathArgs, name) {
				continue
			}
			p := op.params[name]
			q := map[string]any{"name": name, "in": "query", "required": p.required, "description": p.desc}
			var schema map[string]any
			_ = json.Unmarshal(p.raw, &schema)
			if p.typ == "array" {
				q["style"], q["explode"] = "form", true
				q["description"] = strings.TrimSpace(p.desc + " (repeat the parameter, or separate values with commas)")
			}
			q["schema"] = schema
			parameters = append(parameters, q)
		}
		parameters = append(parameters, map[string]any{
			"name": "If-None-Match", "in": "header", "required": false,
			"description": "The ETag of an earlier answer: 304 if data has not changed.",
			"schema":      map[string]any{"type": "string"},
		})
	} else {
		parameters = append(parameters,
			map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"description": "Retries with this key and the same body apply once and return the first result; the same key with another body is refused (409). Kept 24 hours.",
				"schema":      map[string]any{"type": "string", "maxLength": 255}, "example": "3f1c9a0e-6d2b-4c1e-9f57-0b1d2e3c4a5b"},
			map[string]any{"name": "dry_run", "in": "query", "required": false,
				"description": "true: validate and return the planned inventory changes; change nothing.",
				"schema":      map[string]any{"type": "boolean"}},
		)
		o["requestBody"] = map[string]any{
			"required":    false,
			"description": "The " + op.Op + " tool's arguments as a JSON object" + pathNote(op.pathArgs) + ".",
			"content":     map[string]any{"application/json": bodyContent(op)},
		}
		errs = append(errs, "403", "409", "413", "415", "422")
		slices.Sort(errs)
	}
	o["parameters"] = parameters
	responses := map[string]any{}
	success := map[string]any{
		"description": "The operation's result in data.",
		"headers": map[string]any{
			"X-Request-Id":        ref("headers", "X-Request-Id"),
			"RateLimit-Limit":     ref("headers", "RateLimit-Limit"),
			"RateLimit-Remaining": ref("headers", "RateLimit-Remaining"),
			"RateLimit-Reset":     ref("headers", "RateLimit-Reset"),
		},
		"content": map[string]any{"application/json": map[string]any{"schema": envelopeSchema(op)}},
	}
	if read {
		success["headers"].(map[string]any)["ETag"] = ref("headers", "ETag")
		responses["304"] = map[string]any{"description": "Not modified: data is the same as the ETag sent in If-None-Match."}
	}
	responses["200"] = success
	if op.Created != "" {
		created := map[string]any{}
		for k, v := range success {
			created[k] = v
		}
		h := map[string]any{"Location": ref("headers", "Location")}
		for k, v := range success["headers"].(map[string]any) {
			h[k] = v
		}
		created["headers"] = h
		created["description"] = "Created: Location is the new document's URL. (A dry run answers 200.)"
		responses["201"] = created
	}
	for _, code := range errs {
		responses[code] = ref("responses", code)
	}
	responses["405"] = ref("responses", "405")
	o["responses"] = responses
	return o
}

func pathNote(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "; " + strings.Join(names, ", ") + " comes from the path"
}

func pathExample(path, name string) string {
	if name == "supplier" {
		return "Acme Supply"
	}
	switch {
	case strings.HasPrefix(path, "/purchase-orders"):
		return "PO-1001"
	case strings.HasPrefix(path, "/transfers"):
		return "TO-1001"
	case strings.HasPrefix(path, "/stock-takes"):
		return "ST-1001"
	case strings.HasPrefix(path, "/supplier-returns"):
		return "RMA-1001"
	}
	return ""
}

func bodyContent(op operation) map[string]any {
	c := map[string]any{"schema": bodySchema(op)}
	if op.Example != "" {
		var ex any
		if err := json.Unmarshal([]byte(op.Example), &ex); err != nil {
			panic("rest: the example of " + op.Op + " is not JSON: " + err.Error())
		}
		c["example"] = ex
	}
	return c
}

// bodySchema is the operation's input schema without the arguments that
// come from the path.
func bodySchema(op operation) map[string]any {
	var s map[string]any
	_ = json.Unmarshal(op.tool.InputSchema(), &s)
	if s == nil {
		s = map[string]any{"type": "object"}
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range op.pathArgs {
		delete(props, name)
	}
	if req, ok := s["required"].([]any); ok {
		var keep []any
		for _, r := range req {
			if n, _ := r.(string); !slices.Contains(op.pathArgs, n) {
				keep = append(keep, r)
			}
		}
		if len(keep) == 0 {
			delete(s, "required")
		} else {
			s["required"] = keep
		}
	}
	return s
}

func envelopeSchema(op operation) map[string]any {
	metaRef := ref("schemas", "Meta")
	if op.isList {
		metaRef = ref("schemas", "ListMeta")
	}
	return map[string]any{
		"type":     "object",
		"required": []any{"data", "meta"},
		"properties": map[string]any{
			"data": map[string]any{"type": "object",
				"description": "Exactly the structuredContent of the MCP tool " + op.Op + "."},
			"meta": metaRef,
		},
	}
}

func componentSchemas() map[string]any {
	meta := map[string]any{
		"request_id":  map[string]any{"type": "string", "description": "This request's id (also X-Request-Id).", "example": "req_4f9c2a1b0d3e5f6a7b8c"},
		"api_version": map[string]any{"type": "string", "const": APIVersion},
	}
	listMeta := map[string]any{
		"next_cursor": map[string]any{"type": []any{"string", "null"},
			"description": "Pass as cursor for the next page; null on the last page."},
		"total_count": map[string]any{"type": "integer", "minimum": 0,
			"description": "How many items the whole list holds with the same filters, every page alike (the cursor aside), in this store only: " +
				"the rows of data.items on most lists; on /reorder-suggestions the suggestion lines (data.suppliers[].lines, over every supplier), " +
				"which is what pages are made of, not the suppliers."},
	}
	for k, v := range meta {
		listMeta[k] = v
	}
	return map[string]any{
		"Meta": map[string]any{"type": "object", "required": []any{"request_id", "api_version"}, "properties": meta},
		"ListMeta": map[string]any{"type": "object", "required": []any{"request_id", "api_version", "next_cursor", "total_count"},
			"properties": listMeta},
		"Problem": map[string]any{
			"type":        "object",
			"description": "RFC 9457 problem details.",
			"required":    []any{"type", "title", "status", "detail"},
			"properties": map[string]any{
				"type":       map[string]any{"type": "string", "format": "uri"},
				"title":      map[string]any{"type": "string"},
				"status":     map[string]any{"type": "integer"},
				"detail":     map[string]any{"type": "string", "description": "One sentence: what is wrong and what to do."},
				"request_id": map[string]any{"type": "string"},
				"preview": map[string]any{"type": "object",
					"description": "On a preview_stale refusal: what the call would do now (a dry run's result, with its own preview_token), to show before calling again."},
				"errors": map[string]any{"type": "array", "items": map[string]any{
					"type": "object", "required": []any{"field", "message"},
					"properties": map[string]any{
						"field":   map[string]any{"type": "string", "description": "The argument at fault (dotted for nested: lines.quantity)."},
						"message": map[string]any{"type": "string"},
					},
				}},
			},
			"example": map[string]any{
				"type": problemBase + "invalid-argument", "title": "Invalid argument", "status": 400,
				"detail":     "limit must be a whole number, not \"abc\": fix that parameter and call again",
				"errors":     []any{map[string]any{"field": "limit", "message": "limit must be a whole number, not \"abc\": fix that parameter and call again"}},
				"request_id": "req_4f9c2a1b0d3e5f6a7b8c",
			},
		},
	}
}

func componentResponses() map[string]any {
	problem := func(desc string, headers map[string]any) map[string]any {
		r := map[string]any{
			"description": desc,
			"content":     map[string]any{"application/problem+json": map[string]any{"schema": ref("schemas", "Problem")}},
		}
		if headers != nil {
			r["headers"] = headers
		}
		return r
	}
	return map[string]any{
		"400": problem("A bad argument: errors names the field.", nil),
		"401": problem("The API key is missing, malformed, unknown or revoked; nothing was read.",
			map[string]any{"WWW-Authenticate": map[string]any{"schema": map[string]any{"type": "string"}, "example": `Bearer realm="logistified", error="invalid_token"`}}),
		"403": problem("The key is read-only (insufficient-scope, with WWW-Authenticate), or its approval setting holds this write for the merchant "+
			"(approval-required: preview is what it would do; send the same request with its preview_token once they agree). Nothing changed; the refusal is audited.",
			map[string]any{"WWW-Authenticate": map[string]any{"schema": map[string]any{"type": "string"}, "example": `Bearer realm="logistified", error="insufficient_scope", scope="write"`}}),
		"404": problem("No such document, SKU, location or supplier in this key's store.", nil),
		"405": problem("The method is not allowed on this path: Allow lists the ones that are.",
			map[string]any{"Allow": map[string]any{"schema": map[string]any{"type": "string"}, "example": "GET, POST"}}),
		"409": problem("The document's status does not allow this, or the Idempotency-Key was used with another body.", nil),
		"413": problem("The request body is over the size cap.", nil),
		"415": problem("The request body is not JSON.", nil),
		"422": problem("Not enough stock, or more than is open on the document.", nil),
		"429": problem("The key's rate limit is reached.", map[string]any{
			"Retry-After": ref("headers", "Retry-After"), "RateLimit-Limit": ref("headers", "RateLimit-Limit"),
			"RateLimit-Remaining": ref("headers", "RateLimit-Remaining"), "RateLimit-Reset": ref("headers", "RateLimit-Reset"),
		}),
		"500": problem("An internal error, logged under request_id.", nil),
		"503": problem("The database did not answer; retry shortly.", nil),
	}
}
