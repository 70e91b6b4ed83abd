// Package access is the storage of who may do what and what they did:
// stores, their members and sessions, API keys and their lifecycle, OAuth
// clients, grants and tokens, the keys' last use, the keys page's one-time
// reveals and the audit log's queries. The faces that admit people and
// apps (auth, oauth, the keys page, the command line) use it and no other
// subject. It is a subject of package storage, whose kernel it imports;
// the kernel never imports it. The kernel checks every request's
// credential: access writes the lookup it runs (Authenticate builds it and
// hands it to storage.DB.CheckCredential).
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
	b  backend.Backend
	lw *lastUsedWriter
}

// New is the access view of db. The database's last-used writer starts
// with the first view (a storage.Worker, stopped by Close). A nil db
// gives a view that fails as a nil *storage.DB would, for faces assembled
// without a database only to describe themselves (REST's OpenAPI).
func New(db *storage.DB) *DB {
	if db == nil {
		return &DB{}
	}
	lw := db.Worker(lastUsedKey{}, func() storage.Worker { return newLastUsedWriter(db.Background()) }).(*lastUsedWriter)
	return &DB{DB: db, b: db.Backend(), lw: lw}
}

// lastUsed is the database's last-used writer.
func (db *DB) lastUsed() *lastUsedWriter { return db.lw }

// The caller's identity stays in the kernel: RunWrite, the ledger's Actor
// and the audit entry take these types, and the kernel imports no
// subject. They are named here too, so that the faces find every access
// name in this package.
type (
	Principal = storage.Principal
	Store     = storage.Store
	APIKey    = storage.APIKey
	Lifecycle = storage.Lifecycle
	GrantRef  = storage.GrantRef
	Person    = storage.Person
)
