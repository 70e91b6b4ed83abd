package storagetest

import (
	"context"
	"fmt"
	"io"

	"github.com/logistified/mcp-server/imports"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/catalog"
)

// Import reads a file of a kind (storage.ImportProducts, …) and imports it
// into a store, as the command line does. A bad header comes back as the
// reader's *imports.RowError.
func Import(ctx context.Context, db *storage.DB, storeID int64, kind string, r io.Reader, o catalog.ImportOptions) (catalog.ImportSummary, error) {
	switch kind {
	case catalog.ImportProducts:
		src, err := imports.ReadProducts(r)
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return catalog.New(db).ImportProducts(ctx, storeID, src, o)
	case catalog.ImportInventory:
		src, err := imports.ReadInventory(r)
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return catalog.New(db).ImportInventory(ctx, storeID, src, o)
	case catalog.ImportOrders:
		src, err := imports.ReadOrders(r)
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return catalog.New(db).ImportOrders(ctx, storeID, src, o)
	case catalog.ImportSales:
		src, err := imports.ReadSales(r)
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return catalog.New(db).ImportSales(ctx, storeID, src, o)
	case catalog.ImportSuppliers:
		src, err := imports.ReadSuppliers(r)
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return catalog.New(db).ImportSuppliers(ctx, storeID, src, o)
	case catalog.ImportSupplierTerms:
		src, err := imports.ReadSupplierTerms(r)
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return catalog.New(db).ImportSupplierTerms(ctx, storeID, src, o)
	}
	return catalog.ImportSummary{}, fmt.Errorf("unknown import kind %q", kind)
}
