package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/catalog"
)

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
	Location   nameOrID `json:"location,omitempty" jsonschema:"Only this location"`
}

// maxLevelRows bounds the per-location levels in one get_inventory_levels
// answer (about 200 bytes each).
const maxLevelRows = 150

type historyArgs struct {
	SKURef
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location"`
	Since    string   `json:"since,omitempty" jsonschema:"Only changes at or after this date (YYYY-MM-DD) or time"`
	PageArgs
}

// levelsAnswer is get_inventory_levels' answer. A struct, not a map, as it
// is the busiest read's: its fields in the order a map's sorted keys had.
type levelsAnswer struct {
	Note     string                  `json:"note,omitempty"`
	Variants []catalog.VariantLevels `json:"variants"`
}

func catalogTools(d Deps) []Tool {
	return []Tool{
		readTool(readSpec{"list_locations", "Locations",
			"The store's warehouses and shops with their ids and codes. Use it to name a location in other tools."},
			func(ctx context.Context, storeID int64, _ *noArgs) (any, error) {
				locs, err := catalog.New(d.DB).ListLocations(ctx, storeID)
				return map[string]any{"locations": locs}, err
			}),
		readTool(readSpec{"search_products", "Search products",
			"Find variants by text in title, SKU, barcode, vendor or supplier (case-insensitive, partial), with price, cost and stock in total. Use it to find SKUs."},
			func(ctx context.Context, storeID int64, in *searchArgs) (any, error) {
				f := catalog.ProductFilter{Query: in.Query, SKU: in.SKU, Barcode: in.Barcode,
					Vendor: in.Vendor, Supplier: string(in.Supplier), Page: in.countedPage(ctx)}
				hits, next, err := catalog.New(d.DB).SearchProducts(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, hits, next), err
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
					return nil, inventory.Errorf(inventory.Invalid, "give skus or variant_ids (up to %d); search_products finds them", catalog.MaxLevelVariants)
				}
				if len(refs) > catalog.MaxLevelVariants {
					return nil, inventory.Errorf(inventory.Invalid, "%d variants asked for: give at most %d per call and call again for the rest", len(refs), catalog.MaxLevelVariants)
				}
				levels, err := catalog.New(d.DB).InventoryLevels(ctx, storeID, refs, string(in.Location))
				if err != nil {
					return nil, err
				}
				rows := 0
				for _, v := range levels {
					rows += len(v.Locations)
				}
				if rows <= maxLevelRows {
					return levelsAnswer{Variants: levels}, nil
				}
				// Many variants at many locations: totals only, so the answer
				// fits a context window; a location shows its own levels.
				for i := range levels {
					levels[i].Locations = []catalog.LocationLevels{}
				}
				return levelsAnswer{Variants: levels, Note: fmt.Sprintf(
					"%d variant-location levels are too many for one answer: these are totals over all locations; give location, or fewer SKUs, for levels per location", rows)}, nil
			}),
		readTool(readSpec{"get_inventory_history", "Inventory history",
			"Ledger of inventory changes, newest first: quantity, delta, reason, document number and the key prefix that made each change. Use it to explain why stock changed."},
			func(ctx context.Context, storeID int64, in *historyArgs) (any, error) {
				f := catalog.HistoryFilter{Variant: in.ref(), Location: strings.TrimSpace(string(in.Location)), Page: in.countedPage(ctx)}
				var err error
				if f.Since, err = parseSince(in.Since); err != nil {
					return nil, err
				}
				rows, next, err := catalog.New(d.DB).InventoryHistory(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, rows, next), err
			}),
	}
}
