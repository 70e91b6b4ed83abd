package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
)

// Web-chat apps (claude.ai, ChatGPT) connect with OAuth (DESIGN.md §10):
// a member makes a one-time connection code here and types it on the
// approval page; each approved app is a row of Connected apps.

// connectView is the scope form shown after a click on "Connect claude.ai
// or ChatGPT".
type connectView struct {
	Scope, ScopeError string
	// Approval is the approval choice, for Read & write.
	Approval approvalField
}

// codeView is the one-time banner with a fresh connection code: only on
// the one GET that reveals it.
type codeView struct {
	Code, Scope         string
	Expires, ExpiresISO string
	Minutes             int
	MCPURL              string
}

// appView is a row of Connected apps.
type appView struct {
	ID                              int64
	Name, Scope, Prefix             string
	ApprovedByName, ApprovedByEmail string
	Approved, ApprovedISO           string
	LastUsed, LastUsedISO           string
	Revoked, RevokedISO             string
	IsRevoked                       bool
	// CanWrite: a Read & write app, which has an approval setting.
	CanWrite     bool
	ApprovalText string
	Approval     approvalField
}

// apps gathers the store's connected apps, newest first.
func (h *Handler) apps(r *http.Request, s access.Session, loc *time.Location, v *keysView) error {
	list, err := h.db.ListGrants(r.Context(), s.Store.ID)
	if err != nil {
		return err
	}
	for _, g := range slices.Backward(list) {
		a := appView{ID: g.ID, Name: g.ClientName, Prefix: g.Prefix, Scope: scopeName(g.Scope),
			ApprovedByName: g.ApprovedBy.Name, ApprovedByEmail: g.ApprovedBy.Email}
		a.Approved, a.ApprovedISO = day(g.ApprovedAt, loc)
		a.LastUsed, a.LastUsedISO = lastUsed(g.LastUsedAt, loc)
		a.CanWrite, a.ApprovalText = g.Scope.CanWrite(), approvalText(g.Scope, g.Approval, s.Store.Currency)
		a.Approval = approvalOf(g.Approval, s.Store.Currency)
		if g.RevokedAt != nil {
			a.IsRevoked = true
			a.Revoked, a.RevokedISO = day(*g.RevokedAt, loc)
		} else {
			v.ActiveApps++
		}
		v.Apps = append(v.Apps, a)
	}
	return nil
}

// signedInView is the page for the signed-in member, or ok false when the
// response (sign in again, or an error) was already written.
func (h *Handler) signedInView(w http.ResponseWriter, r *http.Request) (access.Session, keysView, bool) {
	s, ok, err := h.session(w, r)
	if err != nil {
		h.serverError(w, r, err)
		return s, keysView{}, false
	}
	if !ok {
		h.notSignedIn(w, r)
		return s, keysView{}, false
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			h.renderMessage(w, r, http.StatusBadRequest, "The form could not be read", "The form was too large or malformed. Go back to the keys page and try again.")
			return s, keysView{}, false
		}
	}
	v, err := h.view(r, s)
	if err != nil {
		h.serverError(w, r, err)
		return s, keysView{}, false
	}
	return s, v, true
}

// connectForm asks which scope the app gets: the button "Connect
// claude.ai or ChatGPT" leads here.
func (h *Handler) connectForm(w http.ResponseWriter, r *http.Request) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	v.Connect = &connectView{Scope: string(keys.ScopeRead), Approval: approvalDefault(s.Store.Currency)}
	h.renderKeys(w, r, http.StatusOK, v)
}

// createConnectionCode makes a one-time code for the signed-in member and
// sends the browser to the GET that shows it once, with the URL to paste
// into the app.
func (h *Handler) createConnectionCode(w http.ResponseWriter, r *http.Request) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	scope := keys.Scope(r.PostForm.Get("scope"))
	if scope != keys.ScopeRead && scope != keys.ScopeWrite {
		v.Connect = &connectView{Scope: string(keys.ScopeRead), ScopeError: "Choose a scope: Read only or Read & write.", Approval: approvalDefault(s.Store.Currency)}
		v.Error = "No connection code was made: choose what the app may do below."
		h.renderKeys(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	var approval inventory.Approval
	if scope == keys.ScopeWrite {
		var f approvalField
		if approval, f = approvalFromForm(r, s.Store.Currency); f.Error != "" {
			v.Connect = &connectView{Scope: string(scope), Approval: f}
			v.Error = "No connection code was made: correct the field marked below."
			h.renderKeys(w, r, http.StatusUnprocessableEntity, v)
			return
		}
	}
	// The code binds the grant to this member, never to a form field.
	c, err := h.db.CreateConnectionCode(r.Context(), s.Store.ID, s.Member, scope, approval)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).
		Str("scope", string(c.Scope)).Msg("connection code made on the keys page")
	h.redirectToReveal(w, r, s, revealCode, revealDetail{Scope: scopeName(c.Scope), ExpiresAt: c.ExpiresAt}, c.Code)
}

// appByID finds one of the session's store's connected apps by the id a
// form sent.
func appByID(v keysView, raw string) (appView, bool) {
	return byID(v.Apps, func(a appView) int64 { return a.ID }, raw)
}

const unknownApp = "No connected app of this store has that id, so nothing was revoked. Choose an app from the table."

// confirmRevokeApp asks before disconnecting an app: its trash button
// leads here.
func (h *Handler) confirmRevokeApp(w http.ResponseWriter, r *http.Request) {
	_, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	a, found := appByID(v, r.URL.Query().Get("id"))
	switch {
	case !found:
		v.Error = unknownApp
		h.renderKeys(w, r, http.StatusNotFound, v)
	case a.IsRevoked:
		v.Error = a.Name + " was already revoked on " + a.Revoked + "."
		h.renderKeys(w, r, http.StatusConflict, v)
	default:
		v.ConfirmApp = &a
		h.renderKeys(w, r, http.StatusOK, v)
	}
}

func (h *Handler) revokeApp(w http.ResponseWriter, r *http.Request) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	a, found := appByID(v, r.PostForm.Get("id"))
	if !found {
		v.Error = unknownApp
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	if a.IsRevoked {
		v.Error = a.Name + " was already revoked on " + a.Revoked + "; nothing changed."
		h.renderKeys(w, r, http.StatusConflict, v)
		return
	}
	// The same store-scoped, audited operation as `apps revoke`.
	before := h.db.Now()
	g, err := h.db.RevokeGrant(r.Context(), s.Store.ID, a.ID, s.Member.Person())
	if errors.Is(err, access.ErrGrantNotFound) {
		v.Error = unknownApp
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if g.RevokedAt != nil && g.RevokedAt.Before(before) {
		// Revoked by someone else, or by the app, since the page was read.
		v.Error = a.Name + " was already revoked; nothing changed."
		h.renderKeys(w, r, http.StatusConflict, v)
		return
	}
	logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).
		Int64("grant", g.ID).Msg("connected app revoked on the keys page")
	http.Redirect(w, r, "/keys?app_revoked="+strconv.FormatInt(g.ID, 10), http.StatusSeeOther)
}
