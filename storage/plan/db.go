// Package plan is the planning data: what the reorder maths of package
// planning reads and what its answers are kept in. It keeps the planning
// rows (level_plan: one per inventory level, with its demand model, reorder
// point and urgency) current, rolls them over at each store's midnight, and
// answers from them: stock risks, reorder suggestions, demand, the stock's
// value, the store overview; and it keeps the reorder rules. It is a
// subject of package storage, whose kernel it imports; the kernel never
// imports it.
//
// Every subject package follows one pattern: its operations are methods
// on its own DB, a view of the kernel's *storage.DB made with New, so a
// caller writes plan.New(db).StockRisks(ctx, storeID, f). The view embeds
// the kernel's handle, so the operations' bodies call the kernel (db.Now,
// db.ResolveVariants, db.StoreToday) as they would inside it, and b is the
// kernel's backend. New opens and starts nothing: the background rollover
// is a storage.Worker of the database, started on first use.
package plan

import (
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// DB is the planning data's view of an open database.
type DB struct {
	*storage.DB
	b backend.Backend
}

// New is the planning data's view of db.
func New(db *storage.DB) *DB { return &DB{DB: db, b: db.Backend()} }
