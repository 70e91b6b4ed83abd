// Package access is the storage of who may do what and what they did,
// as the faces that admit people and apps (the keys page, the command line)
// read it: the keys page's one-time reveals and the audit log's queries.
// It is a subject of package storage, whose kernel it imports; the kernel
// never imports it. Keys, sessions, members and OAuth grants still live in
// the kernel, which checks every request against them; they move here once
// the kernel's credential check reaches them through an interface.
//
// It follows the pattern of every subject package (see package catalog):
// its operations are methods on its own DB, a view of the kernel's
// *storage.DB made with New.
package access

import (
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// DB is the access view of an open database.
type DB struct {
	*storage.DB
	b backend.Backend
}

// New is the access view of db.
func New(db *storage.DB) *DB { return &DB{DB: db, b: db.Backend()} }
