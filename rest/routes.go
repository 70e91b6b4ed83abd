package rest

import "net/http"

// Route declares one REST endpoint: which operation it serves and where
// each argument comes from. Path parameters ({number}) name the operation's
// argument of the same name; reads take the rest of their arguments from
// the query string, writes from the JSON body (Idempotency-Key header =
// idempotency_key, ?dry_run=true = dry_run). A route is a declaration, not
// a handler: every route is served by the same code.
type Route struct {
	Method string
	// Path is under /api/v1, in net/http.ServeMux pattern syntax.
	Path string
	// Op is the operation (the MCP tool) the route serves.
	Op string
	// Created names the field of the result that holds the created
	// document: the route answers 201 with Location: the document's URL
	// (Collection + "/" + its number).
	Created    string
	Collection string
	// Summary is the route's one-line title in the OpenAPI document.
	Summary string
	// Example is a request body for the OpenAPI document (writes).
	Example string
}

// Routes are the REST API v1 of DESIGN.md §9.
var Routes = []Route{
	{Method: http.MethodGet, Path: "/store", Op: "get_store_overview", Summary: "Store overview"},
	{Method: http.MethodGet, Path: "/locations", Op: "list_locations", Summary: "Locations"},
	{Method: http.MethodGet, Path: "/products", Op: "search_products", Summary: "Search products"},
	{Method: http.MethodGet, Path: "/inventory-levels", Op: "get_inventory_levels", Summary: "Inventory levels"},
	{Method: http.MethodGet, Path: "/inventory-history", Op: "get_inventory_history", Summary: "Inventory history"},
	{Method: http.MethodGet, Path: "/stock-risks", Op: "list_stock_risks", Summary: "Stock risks"},
	{Method: http.MethodGet, Path: "/reorder-suggestions", Op: "get_reorder_suggestions", Summary: "Reorder suggestions"},
	{Method: http.MethodGet, Path: "/demand", Op: "get_demand", Summary: "Demand"},
	{Method: http.MethodGet, Path: "/inventory-value", Op: "get_inventory_value", Summary: "Inventory value"},
	{Method: http.MethodGet, Path: "/dead-stock", Op: "list_dead_stock", Summary: "Dead stock"},
	{Method: http.MethodGet, Path: "/suppliers", Op: "list_suppliers", Summary: "Suppliers"},
	{Method: http.MethodGet, Path: "/suppliers/{supplier}", Op: "get_supplier", Summary: "One supplier"},

	{Method: http.MethodGet, Path: "/purchase-orders", Op: "list_purchase_orders", Summary: "Purchase orders"},
	{Method: http.MethodPost, Path: "/purchase-orders", Op: "create_purchase_order", Created: "purchase_order", Collection: "/purchase-orders", Summary: "Create a purchase order", Example: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":24,"unit_cost":41.5}],"expected_date":"2026-03-20","note":"spring restock"}`},
	{Method: http.MethodGet, Path: "/purchase-orders/{number}", Op: "get_purchase_order", Summary: "One purchase order"},
	{Method: http.MethodPatch, Path: "/purchase-orders/{number}", Op: "update_purchase_order", Summary: "Update a draft purchase order", Example: `{"expected_date":"2026-03-25","set_lines":[{"sku":"TRS-42","quantity":30},{"sku":"TRS-40","quantity":0}]}`},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/send", Op: "send_purchase_order", Summary: "Send a purchase order"},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/receive", Op: "receive_purchase_order", Summary: "Receive a purchase order", Example: `{"lines":[{"sku":"TRS-42","accepted":22,"rejected":2}]}`},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/close", Op: "close_purchase_order", Summary: "Close a purchase order"},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/cancel", Op: "cancel_purchase_order", Summary: "Cancel a purchase order", Example: `{"reason":"supplier out of stock"}`},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/confirm", Op: "confirm_purchase_order", Summary: "Record the supplier's confirmation", Example: `{"supplier_reference":"SO-88812","expected_date":"2026-03-24","lines":[{"sku":"TRS-42","quantity":20}]}`},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/unreceive", Op: "unreceive_purchase_order", Summary: "Un-receive part of a receipt", Example: `{"lines":[{"sku":"TRS-42","accepted":2}]}`},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/reopen", Op: "reopen_purchase_order", Summary: "Reopen a closed or cancelled purchase order"},
	{Method: http.MethodDelete, Path: "/purchase-orders/{number}", Op: "delete_purchase_order", Summary: "Delete a draft purchase order"},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/payments", Op: "record_purchase_order_payment", Summary: "Record a payment", Example: `{"amount":250.0,"date":"2026-03-02","method":"bank_transfer","reference":"TX-5531"}`},
	{Method: http.MethodPost, Path: "/purchase-orders/{number}/payments/{reference}/void", Op: "void_purchase_order_payment", Summary: "Void a payment", Example: `{"reason":"paid twice"}`},

	{Method: http.MethodGet, Path: "/transfers", Op: "list_transfers", Summary: "Transfers"},
	{Method: http.MethodPost, Path: "/transfers", Op: "create_transfer", Created: "transfer", Collection: "/transfers", Summary: "Create a transfer", Example: `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":6}],"expected_date":"2026-03-05"}`},
	{Method: http.MethodGet, Path: "/transfers/{number}", Op: "get_transfer", Summary: "One transfer"},
	{Method: http.MethodPost, Path: "/transfers/{number}/ship", Op: "ship_transfer", Summary: "Ship a transfer"},
	{Method: http.MethodPost, Path: "/transfers/{number}/receive", Op: "receive_transfer", Summary: "Receive a transfer", Example: `{"lines":[{"sku":"TRS-40","quantity":6}]}`},
	{Method: http.MethodPost, Path: "/transfers/{number}/cancel", Op: "cancel_transfer", Summary: "Cancel a transfer"},

	{Method: http.MethodGet, Path: "/stock-takes", Op: "list_stock_takes", Summary: "Stock takes"},
	{Method: http.MethodPost, Path: "/stock-takes", Op: "start_stock_take", Created: "stock_take", Collection: "/stock-takes", Summary: "Start a stock take", Example: `{"location":"Harbour Shop","skus":["TRS-40","TRS-42"]}`},
	{Method: http.MethodGet, Path: "/stock-takes/{number}", Op: "get_stock_take", Summary: "One stock take"},
	{Method: http.MethodPost, Path: "/stock-takes/{number}/counts", Op: "record_stock_counts", Summary: "Record stock counts", Example: `{"counts":[{"sku":"TRS-40","counted":4},{"sku":"TRS-42","counted":1,"mode":"add"}]}`},
	{Method: http.MethodPost, Path: "/stock-takes/{number}/complete", Op: "complete_stock_take", Summary: "Complete a stock take"},
	{Method: http.MethodPost, Path: "/stock-takes/{number}/cancel", Op: "cancel_stock_take", Summary: "Cancel a stock take"},

	{Method: http.MethodGet, Path: "/supplier-returns", Op: "list_supplier_returns", Summary: "Supplier returns"},
	{Method: http.MethodPost, Path: "/supplier-returns", Op: "create_supplier_return", Created: "supplier_return", Collection: "/supplier-returns", Summary: "Create a supplier return", Example: `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":2,"reason":"damaged"}],"purchase_order":"PO-1001"}`},
	{Method: http.MethodGet, Path: "/supplier-returns/{number}", Op: "get_supplier_return", Summary: "One supplier return"},
	{Method: http.MethodPost, Path: "/supplier-returns/{number}/ship", Op: "ship_supplier_return", Summary: "Ship a supplier return"},
	{Method: http.MethodPost, Path: "/supplier-returns/{number}/close", Op: "close_supplier_return", Summary: "Close a supplier return", Example: `{"credit_amount":83.0}`},
	{Method: http.MethodPost, Path: "/supplier-returns/{number}/cancel", Op: "cancel_supplier_return", Summary: "Cancel a supplier return"},

	{Method: http.MethodGet, Path: "/reorder-rules", Op: "list_reorder_rules", Summary: "Reorder rules"},
	{Method: http.MethodPut, Path: "/reorder-rules", Op: "set_reorder_rules", Summary: "Set reorder rules", Example: `{"rules":[{"sku":"TRS-40","location":"Warehouse","min":10,"max":40,"lead_time_days":7}]}`},
	{Method: http.MethodDelete, Path: "/reorder-rules", Op: "delete_reorder_rules", Summary: "Delete reorder rules", Example: `{"rules":[{"sku":"TRS-40","location":"Warehouse"}]}`},

	{Method: http.MethodPost, Path: "/key/roll", Op: "roll_key", Summary: "Roll the calling key (its successor is returned once)", Example: `{"grace":"24h"}`},
}
