package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// Read tools share one path: bind the arguments strictly (an unknown or
// mistyped argument is an error the model can fix, not a silent default),
// run a storage read for the caller's store, and return compact JSON.

// readSpec declares a read tool.
type readSpec struct{ name, title, description string }

// readRun answers a read tool for a store.
type readRun[T any] func(ctx context.Context, storeID int64, in *T) (any, error)

// readTool declares a read tool whose arguments bind into T; the input
// schema comes from T's tags, so declaration and binding cannot disagree.
func readTool[T any](s readSpec, run readRun[T]) Tool {
	return Tool{
		Scope: keys.ScopeRead,
		Def: mcp.NewTool(s.name,
			mcp.WithDescription(s.description),
			mcp.WithInputSchema[T](),
			readOnly(s.title),
		),
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			raw, err := rawArguments(req)
			var in T
			if err == nil {
				err = bindStrict(raw, &in)
			}
			if err != nil {
				return Fail(err)
			}
			out, err := run(ctx, p.Store.ID, &in)
			if err != nil {
				return Fail(fmt.Errorf("%s: %w", s.name, err))
			}
			return Result(out)
		},
	}
}

// PageArgs are the paging arguments of every list.
type PageArgs struct {
	Limit  int    `json:"limit,omitempty" jsonschema:"Rows per page (default 20, max 100)"`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

func (a PageArgs) page() storage.Page {
	return storage.Page{Limit: a.Limit, Cursor: strings.TrimSpace(a.Cursor)}
}

// note says when the limit asked for was not the one used.
func (a PageArgs) note() string {
	limit, clamped := storage.ClampLimit(a.Limit)
	if !clamped {
		return ""
	}
	return fmt.Sprintf("limit %d is outside 1–%d: returned pages of %d", a.Limit, storage.MaxLimit, limit)
}

// list is a page of a list tool's result.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	Note       string `json:"note,omitempty"`
}

func page[T any](a PageArgs, items []T, next string) list[T] {
	return list[T]{Items: items, NextCursor: next, Note: a.note()}
}

// resolvers turn the optional location and supplier arguments into ids (0
// when not given), with errors that name the value and the list tool.
type resolvers struct{ db *storage.DB }

func (r resolvers) location(ctx context.Context, storeID int64, ref nameOrID) (int64, error) {
	l, err := r.locationOf(ctx, storeID, ref)
	return l.ID, err
}

// locationOf returns the location (the zero Location when none is given).
func (r resolvers) locationOf(ctx context.Context, storeID int64, ref nameOrID) (storage.Location, error) {
	if strings.TrimSpace(string(ref)) == "" {
		return storage.Location{}, nil
	}
	return r.db.ResolveLocation(ctx, nil, storeID, string(ref))
}

func (r resolvers) supplier(ctx context.Context, storeID int64, ref nameOrID) (int64, error) {
	if strings.TrimSpace(string(ref)) == "" {
		return 0, nil
	}
	s, err := r.db.ResolveSupplier(ctx, nil, storeID, string(ref))
	return s.ID, err
}

// variant names one variant by sku or variant_id.
func variantRef(tool string, r SKURef) (storage.VariantRef, error) {
	ref := r.ref()
	if ref.SKU == "" && ref.ID <= 0 {
		return ref, inventory.Errorf(inventory.Invalid, "%s needs a variant: give sku (or variant_id); search_products finds SKUs", tool)
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
		return time.Time{}, inventory.Errorf(inventory.Invalid, "since %q is not a date: give YYYY-MM-DD or an RFC 3339 time such as 2026-03-01T09:00:00Z", s)
	}
	return *d, nil
}

type noArgs struct{}

type searchArgs struct {
	Query    string   `json:"query,omitempty" jsonschema:"Text in the title, SKU, barcode, vendor or supplier name"`
	SKU      string   `json:"sku,omitempty" jsonschema:"Part of the SKU"`
	Barcode  string   `json:"barcode,omitempty" jsonschema:"Part of the barcode"`
	Vendor   string   `json:"vendor,omitempty" jsonschema:"Part of the vendor name"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Part of a supplier's name"`
	PageArgs
}

type levelsArgs struct {
	SKUs       []string `json:"skus,omitempty" jsonschema:"SKUs (up to 100 with variant_ids)"`
	VariantIDs []int64  `json:"variant_ids,omitempty" jsonschema:"Variant ids"`
	Location   nameOrID `json:"location,omitempty" jsonschema:"Only this location (name, code or id)"`
}

type historyArgs struct {
	SKURef
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location (name, code or id)"`
	Since    string   `json:"since,omitempty" jsonschema:"Only changes at or after this date (YYYY-MM-DD) or time"`
	PageArgs
}

func catalogTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_locations", "Locations",
			"The store's warehouses and shops with their ids and codes. Use it to name a location in other tools."},
			func(ctx context.Context, storeID int64, _ *noArgs) (any, error) {
				locs, err := d.DB.ListLocations(ctx, storeID)
				return map[string]any{"locations": locs}, err
			}),
		readTool(readSpec{"search_products", "Search products",
			"Find variants by text in title, SKU, barcode, vendor or supplier (case-insensitive, partial), with price, cost and stock in total. Use it to find SKUs."},
			func(ctx context.Context, storeID int64, in *searchArgs) (any, error) {
				hits, next, err := d.DB.SearchProducts(ctx, storeID, storage.ProductFilter{Query: in.Query, SKU: in.SKU, Barcode: in.Barcode,
					Vendor: in.Vendor, Supplier: string(in.Supplier), Page: in.page()})
				return page(in.PageArgs, hits, next), err
			}),
		readTool(readSpec{"get_inventory_levels", "Inventory levels",
			"The eight inventory quantities (on_hand, available, committed, incoming, …) of up to 100 variants, per location and in total; zero quantities other than on_hand and available are left out."},
			func(ctx context.Context, storeID int64, in *levelsArgs) (any, error) {
				refs := make([]storage.VariantRef, 0, len(in.SKUs)+len(in.VariantIDs))
				for _, s := range in.SKUs {
					refs = append(refs, storage.VariantRef{SKU: strings.TrimSpace(s)})
				}
				for _, id := range in.VariantIDs {
					if id <= 0 {
						return nil, inventory.Errorf(inventory.Invalid, "variant_id %d is not an id: give the variant_id from search_products", id)
					}
					refs = append(refs, storage.VariantRef{ID: id})
				}
				if len(refs) == 0 {
					return nil, inventory.Errorf(inventory.Invalid, "give skus or variant_ids (up to %d); search_products finds them", storage.MaxLevelVariants)
				}
				if len(refs) > storage.MaxLevelVariants {
					return nil, inventory.Errorf(inventory.Invalid, "%d variants asked for: give at most %d per call and call again for the rest", len(refs), storage.MaxLevelVariants)
				}
				loc, err := res.location(ctx, storeID, in.Location)
				if err != nil {
					return nil, err
				}
				levels, err := d.DB.InventoryLevels(ctx, storeID, refs, loc)
				return map[string]any{"variants": levels}, err
			}),
		readTool(readSpec{"get_inventory_history", "Inventory history",
			"Ledger of inventory changes, newest first: quantity, delta, reason, document number and the key prefix that made each change. Use it to explain why stock changed."},
			func(ctx context.Context, storeID int64, in *historyArgs) (any, error) {
				f := storage.HistoryFilter{Page: in.page()}
				ref := in.ref()
				if ref.SKU != "" || ref.ID != 0 {
					vs, err := d.DB.ResolveVariants(ctx, nil, storeID, []storage.VariantRef{ref})
					if err != nil {
						return nil, err
					}
					f.VariantID = vs[0].ID
				}
				var err error
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				if f.Since, err = parseSince(in.Since); err != nil {
					return nil, err
				}
				rows, next, err := d.DB.InventoryHistory(ctx, storeID, f)
				return page(in.PageArgs, rows, next), err
			}),
	}
}
