package storagetest

import (
	"context"
	"fmt"
	"io"

	"github.com/logistified/mcp-server/imports"
	"github.com/logistified/mcp-server/storage"
)

// Import reads a file of a kind (storage.ImportProducts, …) and imports it
// into a store, as the command line does. A bad header comes back as the
// reader's *imports.RowError.
func Import(ctx context.Context, db *storage.DB, storeID int64, kind string, r io.Reader, o storage.ImportOptions) (storage.ImportSummary, error) {
	switch kind {
	case storage.ImportProducts:
		src, err := imports.ReadProducts(r)
		if err != nil {
			return storage.ImportSummary{}, err
		}
		return db.ImportProducts(ctx, storeID, src, o)
	case storage.ImportInventory:
		src, err := imports.ReadInventory(r)
		if err != nil {
			return storage.ImportSummary{}, err
		}
		return db.ImportInventory(ctx, storeID, src, o)
	case storage.ImportOrders:
		src, err := imports.ReadOrders(r)
		if err != nil {
			return storage.ImportSummary{}, err
		}
		return db.ImportOrders(ctx, storeID, src, o)
	case storage.ImportSales:
		src, err := imports.ReadSales(r)
		if err != nil {
			return storage.ImportSummary{}, err
		}
		return db.ImportSales(ctx, storeID, src, o)
	case storage.ImportSuppliers:
		src, err := imports.ReadSuppliers(r)
		if err != nil {
			return storage.ImportSummary{}, err
		}
		return db.ImportSuppliers(ctx, storeID, src, o)
	case storage.ImportSupplierTerms:
		src, err := imports.ReadSupplierTerms(r)
		if err != nil {
			return storage.ImportSummary{}, err
		}
		return db.ImportSupplierTerms(ctx, storeID, src, o)
	}
	return storage.ImportSummary{}, fmt.Errorf("unknown import kind %q", kind)
}
