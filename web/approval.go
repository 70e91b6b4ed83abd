package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage"
)

// The keys page's part of approvals (DESIGN.md §13): the approval choice
// of a new Read & write key and of a connection code, each row's setting
// in Active keys and Connected apps with a small form to change it, and
// how each write was approved in Activity. The setting's rules are
// inventory's (ParseApproval) and storage's; the page only asks and shows.

// approvalField is the approval choice of a form: Mode always, above or
// never, and the amount with above.
type approvalField struct {
	// ID starts the ids of the form's controls (As).
	ID                  string
	Mode, Amount, Error string
	// Currency names the amount's currency in its label.
	Currency string
}

// approvalDefault is a new key's or app's choice on the page: always.
func approvalDefault(currency string) approvalField {
	return approvalField{Mode: string(inventory.ApprovalAlways), Currency: currency}
}

// approvalOf is the form's choice for a stored setting.
func approvalOf(a inventory.Approval, currency string) approvalField {
	f := approvalField{Mode: string(a.Mode), Currency: currency}
	if a.Mode == inventory.ApprovalAbove {
		f.Amount = a.Limit.String()
	}
	if f.Mode == "" {
		f.Mode = string(inventory.ApprovalNever)
	}
	return f
}

// approvalFromForm reads an approval choice posted as approval and
// approval_amount; on a bad choice Error says what to correct.
func approvalFromForm(r *http.Request, currency string) (inventory.Approval, approvalField) {
	f := approvalField{Mode: r.PostForm.Get("approval"), Amount: strings.TrimSpace(r.PostForm.Get("approval_amount")), Currency: currency}
	if _, sent := r.PostForm["approval"]; !sent {
		// A post without the choice (a script's): the page's default.
		f.Mode = string(inventory.ApprovalAlways)
	}
	switch inventory.ApprovalMode(f.Mode) {
	case inventory.ApprovalAlways, inventory.ApprovalNever:
		a, _ := inventory.ParseApproval(f.Mode)
		return a, f
	case inventory.ApprovalAbove:
		if f.Amount == "" {
			f.Error = "Give the amount above which a change needs approval, such as 500."
			return inventory.Approval{}, f
		}
		limit, err := inventory.ParseAmount(f.Amount)
		if err != nil {
			f.Error = sentence(err.Error())
			return inventory.Approval{}, f
		}
		return inventory.Approval{Mode: inventory.ApprovalAbove, Limit: limit}, f
	}
	f.Error = "Choose when changes need your approval: Always, Above an amount or Never."
	f.Mode = string(inventory.ApprovalAlways)
	return inventory.Approval{}, f
}

// approvalText is a row's setting in words; a read key or app has none.
func approvalText(scope keys.Scope, a inventory.Approval, currency string) string {
	if !scope.CanWrite() {
		return "Not needed: read only"
	}
	return a.Describe(currency)
}

// approvedByName is how an Activity row says a write was approved.
func approvedByName(by string) string {
	switch by {
	case storage.ApprovedHuman:
		return "Approved in the assistant"
	case storage.ApprovedPreviewToken:
		return "Approved with its preview"
	case storage.ApprovedNotRequired:
		return "No approval needed"
	}
	return ""
}

// approvalRow is the row of Active keys or Connected apps whose setting a
// posted form changes.
type approvalRow struct {
	// name is how the page and the log name it; ok is false when the form
	// names no active Read & write row, and missing then says so.
	name, missing string
	ok            bool
	// notice is the query of the notice shown after the change.
	notice string
	set    func(ctx context.Context, a inventory.Approval, by storage.Person) (inventory.Approval, error)
}

// saveKeyApproval changes a key's approval setting: the small form of its
// row in Active keys.
func (h *Handler) saveKeyApproval(w http.ResponseWriter, r *http.Request) {
	h.saveApproval(w, r, func(storeID int64, v keysView) approvalRow {
		k, found := h.keyByID(v, r.PostForm.Get("id"))
		id := strconv.FormatInt(k.ID, 10)
		return approvalRow{name: k.Prefix, ok: found && !k.IsRevoked && k.CanWrite, notice: "approval=" + id,
			missing: "No active Read & write key of this store has that id, so nothing changed. Choose a key from the table.",
			set: func(ctx context.Context, a inventory.Approval, by storage.Person) (inventory.Approval, error) {
				uk, err := h.db.SetKeyApproval(ctx, storeID, id, a, by)
				return uk.Approval, err
			}}
	})
}

// saveAppApproval changes a connected app's approval setting.
func (h *Handler) saveAppApproval(w http.ResponseWriter, r *http.Request) {
	h.saveApproval(w, r, func(storeID int64, v keysView) approvalRow {
		app, found := appByID(v, r.PostForm.Get("id"))
		return approvalRow{name: app.Name, ok: found && !app.IsRevoked && app.CanWrite, notice: "app_approval=" + strconv.FormatInt(app.ID, 10),
			missing: "No connected Read & write app of this store has that id, so nothing changed. Choose an app from the table.",
			set: func(ctx context.Context, a inventory.Approval, by storage.Person) (inventory.Approval, error) {
				g, err := h.db.SetGrantApproval(ctx, storeID, app.ID, a, by)
				return g.Approval, err
			}}
	})
}

// saveApproval changes the setting of the row the form names, then shows
// the page with a notice (post/redirect/get), or the page with what to
// correct.
func (h *Handler) saveApproval(w http.ResponseWriter, r *http.Request, rowOf func(storeID int64, v keysView) approvalRow) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	row := rowOf(s.Store.ID, v)
	if !row.ok {
		v.Error = row.missing
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	a, f := approvalFromForm(r, s.Store.Currency)
	if f.Error != "" {
		v.Error = "The approval setting of " + row.name + " was not changed: " + f.Error
		h.renderKeys(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	now, err := row.set(r.Context(), a, s.Member.Person())
	if err != nil && isBadInput(err) {
		v.Error = sentence(err.Error())
		h.renderKeys(w, r, http.StatusConflict, v)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).
		Str("changed", row.name).Str("approval", now.String()).Msg("approval setting changed on the keys page")
	http.Redirect(w, r, "/keys?"+row.notice, http.StatusSeeOther)
}

// approvalNotice is the notice after a setting changed (post/redirect/get).
func approvalNotice(r *http.Request, v *keysView) {
	if id := r.URL.Query().Get("approval"); id != "" {
		if k, ok := byID(v.Keys, func(k keyView) int64 { return k.ID }, id); ok && k.CanWrite {
			v.Notice = "Key " + k.Prefix + ": approval of changes is now " + strings.ToLower(k.ApprovalText) + ", from its next request on."
		}
	}
	if id := r.URL.Query().Get("app_approval"); id != "" {
		if a, ok := appByID(*v, id); ok && a.CanWrite {
			v.Notice = a.Name + ": approval of changes is now " + strings.ToLower(a.ApprovalText) + ", from its next request on."
		}
	}
}

// As is f for the form whose controls' ids start with id.
func (f approvalField) As(id string) approvalField {
	f.ID = id
	return f
}

// approvalRowView is the small form of a row's approval setting.
type approvalRowView struct {
	Action     string
	ID         int64
	Name, Text string
	Field      approvalField
}

// approvalRowOf is the template function that makes a row's form.
func approvalRowOf(action string, id int64, name, text string, f approvalField) approvalRowView {
	return approvalRowView{Action: action, ID: id, Name: name, Text: text, Field: f}
}
