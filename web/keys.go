package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
)

// keysView is what the keys page shows.
type keysView struct {
	Session access.Session
	Form    formView
	// Created is the one-time banner: only on the one GET that reveals
	// the new key (reveal.go).
	Created *createdView
	// Confirm is the key whose revocation awaits confirmation.
	Confirm *keyView
	Notice  string
	Error   string
	Keys    []keyView
	Active  int
	// Connect is the scope form for a new connection code.
	Connect *connectView
	// Roll is the key whose roll awaits its grace period; Settings the key
	// whose allowed addresses are edited.
	Roll     *rollView
	Settings *settingsView
	// Code is the one-time banner with a connection code: only on the one
	// GET that reveals it.
	Code *codeView
	// ConfirmApp is the app whose revocation awaits confirmation.
	ConfirmApp *appView
	Apps       []appView
	ActiveApps int
}

type formView struct {
	Label, Scope           string
	LabelError, ScopeError string
	// Expires is the chosen expiry (30d, 90d, 365d, date, never; "" the
	// store's default) and ExpiresDate the date when it is "date".
	Expires, ExpiresDate, ExpiresError string
	ExpiryOptions                      []expiryOption
	AllowFrom, AllowFromError          string
	// Approval is the approval choice, for a Read & write key.
	Approval approvalField
}

type createdView struct {
	Secret, Prefix, Label, Scope string
	Configs                      []configView
	// InstallNote tells the merchant where the configurations look for
	// the program, when this server was not installed.
	InstallNote string
	// RolledFrom is set when the key is a roll's successor: the old key,
	// which stops at OldStops.
	RolledFrom, OldStops, OldStopsISO string
	OldStopsNow                       bool
}

type configView struct{ Client, Title, Text string }

type keyView struct {
	ID                            int64
	Prefix, Label, Scope          string
	CreatedByName, CreatedByEmail string
	Created, CreatedISO           string
	LastUsed, LastUsedISO         string
	Revoked, RevokedISO           string
	IsRevoked                     bool
	lifecycleView
	// CanWrite: a Read & write key, which has an approval setting
	// (Approval, ApprovalText).
	CanWrite     bool
	ApprovalText string
	Approval     approvalField
}

func scopeName(s keys.Scope) string {
	if s == keys.ScopeWrite {
		return "Read & write"
	}
	return "Read only"
}

// view gathers the store's keys for the page, newest first.
func (h *Handler) view(r *http.Request, s access.Session) (keysView, error) {
	list, err := h.db.ListKeys(r.Context(), s.Store.ID)
	if err != nil {
		return keysView{}, err
	}
	loc := storeLocation(s)
	now := h.db.Now()
	v := keysView{Session: s, Form: formView{Scope: string(keys.ScopeRead), ExpiryOptions: expiryOptions("", s.Store.KeyExpiryDays),
		Approval: approvalDefault(s.Store.Currency)}}
	for _, k := range slices.Backward(list) {
		kv := keyView{ID: k.ID, Prefix: k.Prefix, Label: k.Label, Scope: scopeName(k.Scope),
			CreatedByName: k.CreatedByName, CreatedByEmail: k.CreatedByEmail}
		kv.Created, kv.CreatedISO = day(k.CreatedAt, loc)
		kv.LastUsed, kv.LastUsedISO = lastUsed(k.LastUsedAt, loc)
		kv.lifecycleView = lifecycleOf(k, now, loc)
		kv.CanWrite, kv.ApprovalText = k.Scope.CanWrite(), approvalText(k.Scope, k.Approval, s.Store.Currency)
		kv.Approval = approvalOf(k.Approval, s.Store.Currency)
		if k.RevokedAt != nil {
			kv.IsRevoked = true
			kv.Revoked, kv.RevokedISO = day(*k.RevokedAt, loc)
		} else {
			v.Active++
		}
		v.Keys = append(v.Keys, kv)
	}
	if err := h.apps(r, s, loc, &v); err != nil {
		return keysView{}, err
	}
	return v, nil
}

// storeLocation is the store's time zone, in which the page shows times.
// day is how the page shows a date in the store's timezone, and the
// machine-readable form for <time datetime>.
func day(t time.Time, loc *time.Location) (text, iso string) {
	return t.In(loc).Format("Jan 2, 2006"), t.Format(time.RFC3339)
}

// minute is day with the time of day, to the minute.
func minute(t time.Time, loc *time.Location) (text, iso string) {
	return t.In(loc).Format("Jan 2, 2006 15:04"), t.Format(time.RFC3339)
}

// lastUsed is minute, or "Never" for a key or app not used yet.
func lastUsed(t *time.Time, loc *time.Location) (text, iso string) {
	if t == nil {
		return "Never", ""
	}
	return minute(*t, loc)
}

func storeLocation(s access.Session) *time.Location {
	loc, err := time.LoadLocation(s.Store.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request) {
	s, ok, err := h.session(w, r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !ok {
		h.renderSignedOut(w, r, r.URL.Query().Get("signed_out") != "")
		return
	}
	v, err := h.view(r, s)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if handle := r.URL.Query().Get(revealParam); handle != "" {
		if err := h.reveal(r, s, handle, &v); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	if id := r.URL.Query().Get("revoked"); id != "" {
		for _, k := range v.Keys {
			if strconv.FormatInt(k.ID, 10) == id && k.IsRevoked {
				v.Notice = "Key " + k.Prefix + " is revoked: it is refused from its next request on."
			}
		}
	}
	if id := r.URL.Query().Get("updated"); id != "" {
		if k, ok := h.keyByID(v, id); ok {
			where := "every address"
			if k.AllowFrom != "" {
				where = k.AllowFrom
			}
			v.Notice = "Key " + k.Prefix + " now works from " + where + ", from its next request on."
		}
	}
	approvalNotice(r, &v)
	if id := r.URL.Query().Get("app_revoked"); id != "" {
		for _, a := range v.Apps {
			if strconv.FormatInt(a.ID, 10) == id && a.IsRevoked {
				v.Notice = a.Name + " is disconnected: its access and refresh tokens are refused from their next request on."
			}
		}
	}
	h.renderKeys(w, r, http.StatusOK, v)
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	s, ok, err := h.session(w, r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !ok {
		h.notSignedIn(w, r)
		return
	}
	if err = r.ParseForm(); err != nil {
		h.renderMessage(w, r, http.StatusBadRequest, "The form could not be read", "The form was too large or malformed. Go back to the keys page and try again.")
		return
	}
	form := formView{Label: r.PostForm.Get("label"), Scope: r.PostForm.Get("scope"),
		Expires: r.PostForm.Get("expires"), ExpiresDate: r.PostForm.Get("expires_date"), AllowFrom: r.PostForm.Get("allow_from")}
	expires, expiresError := expiryChoice(form, h.db.Now(), storeLocation(s))
	form.ExpiresError = expiresError
	if _, err := keys.ParseAllowList(form.AllowFrom); err != nil {
		form.AllowFromError = sentence(err.Error())
	}
	scope := keys.Scope(form.Scope)
	if scope != keys.ScopeRead && scope != keys.ScopeWrite {
		form.ScopeError = "Choose a scope: Read only or Read & write."
		form.Scope = string(keys.ScopeRead)
	}
	// A read key has no approval setting: the choice, hidden with Read
	// only, is read only for Read & write.
	approval, approvalForm := approvalFromForm(r, s.Store.Currency)
	if scope != keys.ScopeWrite {
		approval, approvalForm = inventory.Approval{}, approvalDefault(s.Store.Currency)
	}
	form.Approval = approvalForm
	// The creator is the signed-in member, never a form field.
	n := access.NewKey{Scope: scope, Label: form.Label, CreatedByName: s.Member.Name, CreatedByEmail: s.Member.Email, MemberID: s.Member.Person().MemberID,
		Expires: expires, AllowFrom: form.AllowFrom}
	if scope == keys.ScopeWrite && form.Approval.Error == "" {
		n.Approval = approval.String()
	}
	if form.AllowFromError != "" {
		n.AllowFrom = "" // still check the label
	}
	check := n
	if form.ScopeError != "" {
		check.Scope = keys.ScopeRead // still check the label
	}
	// The label's rules are storage's, said in its words.
	if _, err := check.Validate(); err != nil {
		form.LabelError = sentence(err.Error())
	}
	if form.LabelError != "" || form.ScopeError != "" || form.ExpiresError != "" || form.AllowFromError != "" || form.Approval.Error != "" {
		v, err := h.view(r, s)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		form.ExpiryOptions = expiryOptions(form.Expires, s.Store.KeyExpiryDays)
		v.Form = form
		v.Error = "The key was not created: correct the field marked below."
		h.renderKeys(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	k, err := h.db.CreateKey(r.Context(), s.Store.ID, n)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).
		Str("key_prefix", k.Prefix).Str("scope", string(k.Scope)).Msg("key created on the keys page")
	// Post/redirect/get: the key is shown by the GET the redirect leads
	// to, once, so that a reload of the page shown never posts again.
	h.redirectToReveal(w, r, s, revealKey, revealDetail{Prefix: k.Prefix, Label: k.Label, Scope: scopeName(k.Scope)}, k.Secret)
}

// keyByID finds one of the session's store's keys by the id a form sent.
func (h *Handler) keyByID(v keysView, raw string) (keyView, bool) {
	return byID(v.Keys, func(k keyView) int64 { return k.ID }, raw)
}

// byID finds, among the rows of the member's own store that the page
// shows, the one a form or link names by id: an id of another store's row
// finds nothing.
func byID[T any](rows []T, id func(T) int64, raw string) (T, bool) {
	var zero T
	want, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || want <= 0 {
		return zero, false
	}
	for _, row := range rows {
		if id(row) == want {
			return row, true
		}
	}
	return zero, false
}

const unknownKey = "No key of this store has that id, so nothing was revoked. Choose a key from the table."

// confirmRevoke asks before revoking: the trash button leads here.
func (h *Handler) confirmRevoke(w http.ResponseWriter, r *http.Request) {
	_, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	k, found := h.keyByID(v, r.URL.Query().Get("id"))
	switch {
	case !found:
		v.Error = unknownKey
		h.renderKeys(w, r, http.StatusNotFound, v)
	case k.IsRevoked:
		v.Error = "Key " + k.Prefix + " was already revoked on " + k.Revoked + "."
		h.renderKeys(w, r, http.StatusConflict, v)
	default:
		v.Confirm = &k
		h.renderKeys(w, r, http.StatusOK, v)
	}
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	k, found := h.keyByID(v, r.PostForm.Get("id"))
	if !found {
		v.Error = unknownKey
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	if k.IsRevoked {
		v.Error = "Key " + k.Prefix + " was already revoked on " + k.Revoked + "; nothing changed."
		h.renderKeys(w, r, http.StatusConflict, v)
		return
	}
	// The same store-scoped operation as `keys revoke`.
	before := h.db.Now()
	rk, err := h.db.RevokeKey(r.Context(), s.Store.ID, strconv.FormatInt(k.ID, 10), s.Member.Person())
	if errors.Is(err, access.ErrKeyNotFound) {
		v.Error = unknownKey
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if rk.RevokedAt != nil && rk.RevokedAt.Before(before) {
		// Revoked by someone else since the page was read.
		v.Error = "Key " + k.Prefix + " was already revoked; nothing changed."
		h.renderKeys(w, r, http.StatusConflict, v)
		return
	}
	logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).
		Str("key_prefix", rk.Prefix).Msg("key revoked on the keys page")
	http.Redirect(w, r, "/keys?revoked="+strconv.FormatInt(rk.ID, 10), http.StatusSeeOther)
}

// notSignedIn answers a form post or confirmation from a visitor whose
// session ended.
func (h *Handler) notSignedIn(w http.ResponseWriter, r *http.Request) {
	h.renderMessage(w, r, http.StatusUnauthorized, "You are signed out",
		"Your session has ended, so nothing was changed. Sign in again with a fresh link, then try again.")
}

func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	logging.For(r.Context(), h.log).Warn().Str("route", r.Pattern).Msg("cross-site form post refused")
	h.renderMessage(w, r, http.StatusForbidden, "Refused: the form came from another site",
		"This request was sent from another website, so nothing was changed. Use the keys page itself.")
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderMessage(w, r, http.StatusNotFound, "Page not found", "There is nothing here. The keys page is at /keys.")
}

func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	logging.For(r.Context(), h.log).Error().Err(err).Msg("keys page failed")
	h.renderMessage(w, r, http.StatusInternalServerError, "Something went wrong",
		"The server could not complete this request and nothing was changed. Try again in a moment; if it keeps failing, the server's log has the details (request id "+logging.RequestID(r.Context())+").")
}

// sentence capitalizes msg and ends it with a full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
