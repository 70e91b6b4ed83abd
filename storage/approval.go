package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/backend"
)

// Writes that need a person (DESIGN.md §13). A key or connected app has an
// approval setting (inventory.Approval), read with the principal by the
// lookup that authenticates every request. RunWrite measures each write's
// amount in the write's own transaction and refuses one that needs
// approval unless it applies a sealed preview (preview_token): what the
// person saw is then exactly what is applied. How the person is asked (in
// the client, or by the assistant showing the preview) is the call
// pipeline's business; the audit entry of every applied write records how
// it was approved.

// How an applied write was approved, as its audit entry records it.
const (
	ApprovedNotRequired  = "not_required"    // the setting did not ask for approval
	ApprovedPreviewToken = "preview_token"   // applied a preview the caller showed
	ApprovedHuman        = "human_in_client" // the person approved in the client
)

// errApprovalRequired rolls back a write that needs approval.
var errApprovalRequired = errors.New("the write needs approval")

// amounted is a write result that knows its amount: the order value of a
// purchase order, the stock moved at cost by a transfer, a stock take or a
// supplier return. Exported method, as audited's and previewed's, so that
// a subject package's results can have it.
type amounted interface{ WriteAmount() inventory.Money }

// WriteAmount is the amount of a write, what an approval setting of
// "above" compares with its limit: the result's own (amounted), else zero
// (a reorder rule moves no money).
func WriteAmount(v any) inventory.Money {
	if a, ok := v.(amounted); ok {
		return a.WriteAmount()
	}
	return 0
}

type humanApprovalKey struct{}

// WithHumanApproval returns a context whose write, applying a preview,
// records that the person approved it in the client (ApprovedHuman)
// rather than that the caller brought the preview's token back. The call
// pipeline sets it when the person answered Approve.
func WithHumanApproval(ctx context.Context) context.Context {
	return context.WithValue(ctx, humanApprovalKey{}, true)
}

// approvedBy is how a write that needed approval and applied a preview was
// approved.
func approvedBy(ctx context.Context) string {
	if human, _ := ctx.Value(humanApprovalKey{}).(bool); human {
		return ApprovedHuman
	}
	return ApprovedPreviewToken
}

// approvalRefusal is what a write that needs approval is told: the setting
// that asks for it, the preview and what to do with it.
func approvalRefusal(p Principal, tool string, preview []byte) *inventory.Error {
	why := "its approval setting is always"
	if a := p.Key.Approval; a.Mode == inventory.ApprovalAbove {
		why = "its amount is above " + a.Limit.String() + " " + p.Store.Currency + ", the limit its approval setting allows without approval"
	}
	return &inventory.Error{Kind: inventory.ApprovalRequired, Field: "preview_token", Preview: preview,
		Msg: fmt.Sprintf("approval_required: %s needs the merchant's approval for %s (%s), so nothing was applied: "+
			"show the merchant the preview (its totals, lines, warnings and reversible_by) and, if they agree, "+
			"call %s again with the same arguments and its preview_token", p.Subject(), tool, why, tool)}
}

// storedApproval reads a stored setting. One the database holds but this
// binary cannot read fails closed: every write then needs approval.
func storedApproval(s string) inventory.Approval {
	a, err := inventory.ParseApproval(s)
	if err != nil {
		return inventory.Approval{Mode: inventory.ApprovalAlways}
	}
	return a
}

// approvalFor is the setting a key or app of scope gets: a read key never
// writes, so it has none.
func approvalFor(scope keys.Scope, a inventory.Approval) inventory.Approval {
	if !scope.CanWrite() || a.Mode == "" {
		return inventory.Approval{Mode: inventory.ApprovalNever}
	}
	return a
}

// approvalDetail is an audit entry's mention of a setting.
func approvalDetail(a inventory.Approval) string {
	if a.Never() {
		return ""
	}
	return "; approval " + a.String()
}

// approval is a new key's setting: n.Approval read, or never. A read key
// cannot have one.
func (n NewKey) approval() (inventory.Approval, error) {
	a, err := inventory.ParseApproval(n.Approval)
	if err != nil {
		return a, inventory.Errorf(inventory.Invalid, "%s", err.Error())
	}
	if !a.Never() && !n.Scope.CanWrite() {
		return a, inventory.Errorf(inventory.Invalid, "a read key cannot write, so it has no approval setting: leave --approval out, or create a write key")
	}
	return approvalFor(n.Scope, a), nil
}

// setApproval changes a key's (or app's) setting in tx and audits it.
func (db *DB) setApproval(ctx context.Context, tx backend.Tx, k *APIKey, a inventory.Approval, by Person) error {
	if !k.Scope.CanWrite() && !a.Never() {
		return inventory.Errorf(inventory.Invalid, "%s is read-only: it cannot write, so it has no approval setting", KeyName(*k))
	}
	before := k.Approval
	k.Approval = approvalFor(k.Scope, a)
	if before == k.Approval {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE api_keys SET approval = $3 WHERE store_id = $1 AND id = $2`, k.StoreID, k.ID, k.Approval.String()); err != nil {
		return fmt.Errorf("changing the approval setting: %w", err)
	}
	action := "key.update"
	if keys.AccessToken.Has(k.Prefix) {
		action = "app.update"
	}
	return db.RecordAudit(ctx, tx, k.StoreID, AuditEntry{
		Action: action, Outcome: OutcomeOK, Detail: "approval " + before.String() + " → " + k.Approval.String(),
	}.ByKey(*k).By(by))
}

// SetGrantApproval changes a connected app's approval setting, on its next
// request, and audits it with who changed it.
func (db *DB) SetGrantApproval(ctx context.Context, storeID, grantID int64, a inventory.Approval, by Person) (Grant, error) {
	var g Grant
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		var err error
		g, err = scanGrant(tx.QueryRow(ctx, `SELECT `+grantColumns+grantFrom+`WHERE g.store_id = $1 AND g.key_id = $2`+db.b.Dialect().ForUpdate, storeID, grantID))
		if errors.Is(err, backend.ErrNoRows) {
			return fmt.Errorf("%w: %d (see: logistified apps list)", ErrGrantNotFound, grantID)
		}
		if err != nil {
			return err
		}
		if g.Revoked() {
			return inventory.Errorf(inventory.Invalid, "%s was disconnected: its settings no longer matter", g.ClientName)
		}
		k := g.Key()
		if err := db.setApproval(ctx, tx, &k, a, by); err != nil {
			return err
		}
		g.Approval = k.Approval
		return nil
	})
	if err != nil && !errors.Is(err, ErrGrantNotFound) && !isInvalid(err) {
		return Grant{}, fmt.Errorf("changing the approval setting of connected app %d: %w", grantID, err)
	}
	return g, err
}
