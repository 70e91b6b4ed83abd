// Package apps holds the MCP Apps (SEP-1865) that hosts such as claude.ai
// and ChatGPT render in the chat beside a tool's result: the reorder plan,
// the stock risks and the purchase order. Each is one self-contained HTML
// document, its CSS and script inline, so that it loads nothing from
// anywhere and can declare a Content Security Policy with no origins.
//
// The package only holds the documents and what describes them; the MCP
// face registers them as resources and links tools to them.
package apps

import (
	"embed"
	"fmt"
	"strings"
)

// MIMEType is the MCP Apps profile of HTML, which hosts render as an app.
const MIMEType = "text/html;profile=mcp-app"

// The apps' resource URIs (DESIGN.md §13), which tools name in
// _meta.ui.resourceUri.
const (
	ReorderPlan   = "ui://logistified/reorder-plan"
	StockRisks    = "ui://logistified/stock-risks"
	PurchaseOrder = "ui://logistified/purchase-order"
)

// CurrencyMeta is the key of a tool result's _meta that carries the
// store's currency (ISO 4217), so that an app formats amounts in it.
const CurrencyMeta = "logistified/currency"

// App is one app as resources/list and resources/read show it.
type App struct {
	URI         string
	Name        string
	Title       string
	Description string
	// HTML is the whole document.
	HTML string
}

// Meta is the resource's _meta.ui: a Content Security Policy that allows
// no origin for connections, resources, frames or base URIs (everything
// the app needs is inline, and its tool calls go through the host), and a
// wish for the host's border around it.
func Meta() map[string]any {
	return map[string]any{"ui": map[string]any{
		"csp": map[string]any{
			"connectDomains":  []string{},
			"resourceDomains": []string{},
			"frameDomains":    []string{},
			"baseUriDomains":  []string{},
		},
		"prefersBorder": true,
	}}
}

//go:embed html
var files embed.FS

// All returns the three apps, their documents assembled.
func All() []App {
	return []App{
		{URI: ReorderPlan, Name: "reorder-plan", Title: "Reorder plan",
			Description: "get_reorder_suggestions as an editable plan: lines grouped by supplier, quantities to adjust, an order previewed and created as a draft.",
			HTML:        page("reorder-plan.html")},
		{URI: StockRisks, Name: "stock-risks", Title: "Stock risks",
			Description: "list_stock_risks as a chart of days of cover, filterable by location and kind.",
			HTML:        page("stock-risks.html")},
		{URI: PurchaseOrder, Name: "purchase-order", Title: "Purchase order",
			Description: "get_purchase_order as a document: lines, status, payment and next actions.",
			HTML:        page("purchase-order.html")},
	}
}

// page is an app's document with the shared CSS and script put in its
// placeholders.
func page(name string) string {
	doc := read(name)
	for placeholder, file := range map[string]string{"/*COMMON_CSS*/": "common.css", "/*COMMON_JS*/": "common.js"} {
		if !strings.Contains(doc, placeholder) {
			panic(fmt.Sprintf("apps: %s has no %s placeholder", name, placeholder))
		}
		doc = strings.Replace(doc, placeholder, read(file), 1)
	}
	return doc
}

func read(name string) string {
	b, err := files.ReadFile("html/" + name)
	if err != nil {
		panic(fmt.Sprintf("apps: reading the embedded %s: %v", name, err))
	}
	return string(b)
}
