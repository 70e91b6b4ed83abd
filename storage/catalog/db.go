// Package catalog is the catalogue's storage: locations, suppliers,
// products and variants, their levels and history, and the file imports
// that load them. It is a subject of package storage, whose kernel (the
// database handle, the write path, the ledger, natural identifiers) it
// imports; the kernel never imports it.
//
// Every subject package follows one pattern: its operations are methods
// on its own DB, a view of the kernel's *storage.DB made with New, so a
// caller writes catalog.New(db).SearchProducts(ctx, storeID, f). The view
// embeds the kernel's handle, so the operations' bodies call the kernel
// (db.Now, db.ResolveVariants, db.RunWrite) as they would inside it, and b
// is the kernel's backend. New opens and starts nothing; the view is as
// cheap to make per call as to keep.
package catalog

import (
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// DB is the catalogue's view of an open database.
type DB struct {
	*storage.DB
	b backend.Backend
}

// New is the catalogue's view of db.
func New(db *storage.DB) *DB { return &DB{DB: db, b: db.Backend()} }
