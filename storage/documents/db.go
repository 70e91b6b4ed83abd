// Package documents is the storage of the four document types: purchase
// orders (with their confirmations, receipts and payments), transfers,
// stock takes and supplier returns. They share one shape, written once in
// documents.go: a head (number and status), lines of which one page is
// shown, totals, a preview of a dry run and the state machine's checks;
// and one engine, in engine.go, that reads, creates, lists and moves
// them. Each type's file declares only what differs (its docType) and its
// own rules.
// It is a subject of package storage, whose kernel (the database handle,
// the write path, the ledger, natural identifiers) it imports; the kernel
// never imports it, and neither do the catalogue or the planning data.
//
// It follows the subject packages' pattern (see package catalog): its
// operations are methods on its own DB, a view of the kernel's *storage.DB
// made with New, so a caller writes
// documents.New(db).CreatePurchaseOrder(ctx, tx, storeID, actor, in).
package documents

import (
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// DB is the documents' view of an open database.
type DB struct {
	*storage.DB
	b backend.Backend
}

// New is the documents' view of db.
func New(db *storage.DB) *DB { return &DB{DB: db, b: db.Backend()} }
