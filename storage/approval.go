package storage

import (
	"context"
	"errors"

	"github.com/logistified/mcp-server/inventory"
)

// Writes that need a person (DESIGN.md §13). A key's or app's approval
// setting (inventory.Approval) comes with the principal. RunWrite measures
// each write's amount in its own transaction and refuses one that needs
// approval unless it applies a sealed preview, so what the person saw is
// what is applied; how they are asked is the call pipeline's business.
// Changing a setting is package access's.

// How an applied write was approved, as its audit entry records it.
const (
	ApprovedNotRequired  = "not_required"
	ApprovedPreviewToken = "preview_token"
	ApprovedHuman        = "human_in_client"
)

var errApprovalRequired = errors.New("the write needs approval")

// amounted is a write result that knows its amount (exported method, as
// audited's, for the subject packages' results).
type amounted interface{ WriteAmount() inventory.Money }

// WriteAmount is the amount of a write that an "above" setting compares
// with its limit: a purchase order's value, the stock a transfer, stock
// take or supplier return moves at cost; zero for the rest.
func WriteAmount(v any) inventory.Money {
	if a, ok := v.(amounted); ok {
		return a.WriteAmount()
	}
	return 0
}

type humanApprovalKey struct{}

// WithHumanApproval marks a write, applying a preview, as approved by the
// person in the client (the pipeline sets it on Approve), not by a caller
// that brought the token back.
func WithHumanApproval(ctx context.Context) context.Context {
	return context.WithValue(ctx, humanApprovalKey{}, true)
}

func approvedBy(ctx context.Context) string {
	if human, _ := ctx.Value(humanApprovalKey{}).(bool); human {
		return ApprovedHuman
	}
	return ApprovedPreviewToken
}

func approvalRefusal(p Principal, tool string, preview []byte) *inventory.Error {
	return &inventory.Error{Kind: inventory.ApprovalRequired, Field: "preview_token", Preview: preview,
		Msg: "approval_required: " + p.Subject() + " needs the merchant's approval for " + tool + " (approval " + p.Key.Approval.String() +
			"), so nothing was applied: show the merchant the preview (its totals, lines, warnings and reversible_by) and, if they agree, call " +
			tool + " again with the same arguments and its preview_token"}
}
