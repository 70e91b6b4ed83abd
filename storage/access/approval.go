package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Changing a key's or connected app's approval setting (DESIGN.md §13):
// the keys page's row forms and `keys update --approval`. A connected app
// is an api_keys row of kind 'app', so one statement serves both; the
// change holds from the next request, which reads the row.

// SetKeyApproval changes the approval setting of the store's key named by
// its prefix or id, and audits it with who changed it.
func (db *DB) SetKeyApproval(ctx context.Context, storeID int64, prefixOrID string, a inventory.Approval, by storage.Person) (storage.APIKey, error) {
	return db.UpdateKey(ctx, storeID, prefixOrID, KeyUpdate{Approval: &a}, by)
}

// SetGrantApproval changes a connected app's approval setting, and audits
// it with who changed it.
func (db *DB) SetGrantApproval(ctx context.Context, storeID, grantID int64, a inventory.Approval, by storage.Person) (Grant, error) {
	g, err := db.GrantByID(ctx, storeID, grantID)
	if err != nil {
		return Grant{}, err
	}
	if g.Revoked() {
		return Grant{}, inventory.Errorf(inventory.Invalid, "%s was disconnected: its settings no longer matter", g.ClientName)
	}
	if err := db.setApproval(ctx, storeID, g.ID, "app", a, by); err != nil {
		return Grant{}, err
	}
	return db.GrantByID(ctx, storeID, grantID)
}

// setApproval changes the setting of the store's api_keys row id of kind
// in one transaction with its audit entry.
func (db *DB) setApproval(ctx context.Context, storeID, id int64, kind string, a inventory.Approval, by storage.Person) error {
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		return db.approvalTx(ctx, tx, storeID, id, kind, a, by)
	})
	var ie *inventory.Error
	if err != nil && !errors.As(err, &ie) {
		return fmt.Errorf("changing the approval setting: %w", err)
	}
	return err
}

// approvalTx changes, in tx, the setting of the store's api_keys row id of
// kind and audits it; a read key or app has none.
func (db *DB) approvalTx(ctx context.Context, tx backend.Tx, storeID, id int64, kind string, a inventory.Approval, by storage.Person) error {
	var k storage.APIKey
	var scope, before string
	err := tx.QueryRow(ctx, `SELECT id, prefix, label, scope, approval FROM api_keys
		WHERE store_id = $1 AND id = $2 AND kind = $3 AND revoked_at IS NULL`+db.b.Dialect().ForUpdate, storeID, id, kind).
		Scan(&k.ID, &k.Prefix, &k.Label, &scope, &before)
	if errors.Is(err, backend.ErrNoRows) {
		return inventory.Errorf(inventory.Invalid, "it was revoked meanwhile: its settings no longer matter")
	}
	if err != nil {
		return err
	}
	k.StoreID, k.Scope, k.Approval = storeID, keys.Scope(scope), inventory.StoredApproval(before)
	return db.changeApproval(ctx, tx, k, kind, a, by)
}

// changeApproval changes, in tx, the setting of k, a live api_keys row of
// kind that tx has read for update, from k.Approval to a, and audits it;
// a read key or app has none.
func (db *DB) changeApproval(ctx context.Context, tx backend.Tx, k storage.APIKey, kind string, a inventory.Approval, by storage.Person) error {
	if !k.Scope.CanWrite() && !a.Never() {
		return inventory.Errorf(inventory.Invalid, "%s is read-only: it cannot write, so it has no approval setting", storage.KeyName(k))
	}
	after := a.For(k.Scope.CanWrite())
	if k.Approval == after {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE api_keys SET approval = $3 WHERE store_id = $1 AND id = $2`, k.StoreID, k.ID, after.String()); err != nil {
		return err
	}
	return db.RecordAudit(ctx, tx, k.StoreID, storage.AuditEntry{
		Action: kind + ".update", Outcome: storage.OutcomeOK, Detail: "approval " + k.Approval.String() + " → " + after.String(),
	}.ByKey(k).By(by))
}
