package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
)

// The keys page's part of a key's lifecycle: the expiry and allowed
// addresses of a new key, the expiry shown per row (highlighted within 14
// days), Roll key with its grace period, a key's allowed addresses, and the
// notice on a key revoked because it leaked. The rules are storage's and
// keys'; the page only asks and shows.

// lifecycleView is a row's lifecycle, as the page shows it.
type lifecycleView struct {
	// Expires is "Expires in N days", "Expired on DATE" or "Never".
	Expires, ExpiresISO string
	ExpiringSoon        bool
	IsExpired           bool
	AllowFrom           string
	LastUsedFrom        string
	Replaces            string
	ReplacedBy          string
	// LeakURL is set on a key revoked because it was found in public.
	LeakURL string
}

// expiryOption is one choice of the Expires field.
type expiryOption struct {
	Value, Text string
	Selected    bool
}

// lifecycleOf fills the row's lifecycle.
func lifecycleOf(k access.APIKey, now time.Time, loc *time.Location) lifecycleView {
	l := lifecycleView{AllowFrom: strings.ReplaceAll(k.AllowFrom, ",", ", "), LastUsedFrom: k.LastUsedAddr,
		Replaces: k.Replaces, ReplacedBy: k.ReplacedBy}
	if k.RevokedReason == access.RevokedLeaked {
		l.LeakURL = k.LeakURL
	}
	switch {
	case k.Revoked():
		l.Expires = "—"
	case k.ExpiresAt == nil:
		l.Expires = "Never"
	case k.Expired(now):
		l.IsExpired = true
		d, iso := day(*k.ExpiresAt, loc)
		l.Expires, l.ExpiresISO = "Expired "+d, iso
	default:
		n := k.DaysLeft(now)
		l.Expires = fmt.Sprintf("Expires in %d days", n)
		if n == 1 {
			l.Expires = "Expires within a day"
		}
		_, l.ExpiresISO = day(*k.ExpiresAt, loc)
		l.ExpiringSoon = k.ExpiresSoon(now) && !k.Revoked()
	}
	return l
}

// expiryOptions are the choices of the Create key card, the one chosen (or
// the store's default) selected.
func expiryOptions(chosen string, defaultDays int) []expiryOption {
	def := "never"
	if defaultDays > 0 {
		def = strconv.Itoa(defaultDays) + "d"
	}
	if chosen == "" {
		chosen = def
	}
	opts := []expiryOption{{"30d", "In 30 days", false}, {"90d", "In 90 days", false}, {"365d", "In 365 days", false}, {"date", "On a date", false}, {"never", "Never", false}}
	known := false
	for _, o := range opts {
		known = known || o.Value == def
	}
	if !known {
		opts = append([]expiryOption{{"", fmt.Sprintf("In %d days (the store's default)", defaultDays), false}}, opts...)
		if chosen == def {
			chosen = ""
		}
	}
	for i := range opts {
		opts[i].Selected = opts[i].Value == chosen
		if opts[i].Value == def && defaultDays > 0 {
			opts[i].Text += " (the store's default)"
		}
	}
	return opts
}

// expiryChoice turns the form's Expires and Expiry date into what
// access.NewKey takes, with the sentence for a bad choice.
func expiryChoice(form formView, now time.Time, loc *time.Location) (string, string) {
	switch form.Expires {
	case "date":
		if strings.TrimSpace(form.ExpiresDate) == "" {
			return "", "Choose the expiry date, or another expiry."
		}
		e, err := keys.ParseExpiry(form.ExpiresDate)
		if err == nil {
			_, _, err = e.Resolve(now, loc, 0)
		}
		if err != nil {
			return "", sentence(err.Error())
		}
		return form.ExpiresDate, ""
	case "":
		return "", ""
	}
	if _, err := keys.ParseExpiry(form.Expires); err != nil {
		return "", "Choose an expiry from the list."
	}
	return form.Expires, ""
}

// rollView is the Roll key card.
type rollView struct {
	keyView
	Grace string
}

// settingsView is the card of a key's allowed addresses.
type settingsView struct {
	keyView
	AllowFrom, AllowFromError string
}

// confirmRoll shows the Roll key card with its grace period choice.
func (h *Handler) confirmRoll(w http.ResponseWriter, r *http.Request) {
	_, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	k, found := h.keyByID(v, r.URL.Query().Get("id"))
	switch {
	case !found:
		v.Error = "No key of this store has that id, so nothing was rolled. Choose a key from the table."
		h.renderKeys(w, r, http.StatusNotFound, v)
	case k.IsRevoked || k.IsExpired || k.ReplacedBy != "":
		v.Error = "Key " + k.Prefix + " cannot be rolled: it is revoked, expired or already rolled. Create a new key instead."
		h.renderKeys(w, r, http.StatusConflict, v)
	default:
		v.Roll = &rollView{keyView: k, Grace: "24h"}
		h.renderKeys(w, r, http.StatusOK, v)
	}
}

// rollKey rolls a key: its successor is shown once, like a new key.
func (h *Handler) rollKey(w http.ResponseWriter, r *http.Request) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	k, found := h.keyByID(v, r.PostForm.Get("id"))
	if !found {
		v.Error = "No key of this store has that id, so nothing was rolled. Choose a key from the table."
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	grace, err := keys.ParseGrace(r.PostForm.Get("grace"))
	if err != nil {
		v.Roll = &rollView{keyView: k, Grace: "24h"}
		v.Error = "The key was not rolled: " + sentence(err.Error())
		h.renderKeys(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	rk, err := h.db.RollKey(r.Context(), s.Store.ID, strconv.FormatInt(k.ID, 10), grace, access.Roller{Person: s.Member.Person()})
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
		Str("key_prefix", rk.Old.Prefix).Str("new_prefix", rk.New.Prefix).Str("grace", keys.GraceName(grace)).Msg("key rolled on the keys page")
	h.redirectToReveal(w, r, s, revealKey, revealDetail{Prefix: rk.New.Prefix, Label: rk.New.Label, Scope: scopeName(rk.New.Scope),
		RolledFrom: rk.Old.Prefix, OldStops: *rk.Old.ExpiresAt}, rk.New.Secret)
}

// keySettings shows the card of a key's allowed addresses.
func (h *Handler) keySettings(w http.ResponseWriter, r *http.Request) {
	_, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	k, found := h.keyByID(v, r.URL.Query().Get("id"))
	if !found || k.IsRevoked {
		v.Error = "No active key of this store has that id. Choose a key from the table."
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	v.Settings = &settingsView{keyView: k, AllowFrom: k.AllowFrom}
	h.renderKeys(w, r, http.StatusOK, v)
}

// saveKeySettings changes a key's allowed addresses.
func (h *Handler) saveKeySettings(w http.ResponseWriter, r *http.Request) {
	s, v, ok := h.signedInView(w, r)
	if !ok {
		return
	}
	k, found := h.keyByID(v, r.PostForm.Get("id"))
	if !found || k.IsRevoked {
		v.Error = "No active key of this store has that id, so nothing changed. Choose a key from the table."
		h.renderKeys(w, r, http.StatusNotFound, v)
		return
	}
	allow := r.PostForm.Get("allow_from")
	if _, err := keys.ParseAllowList(allow); err != nil {
		v.Settings = &settingsView{keyView: k, AllowFrom: allow, AllowFromError: sentence(err.Error())}
		v.Error = "The allowed addresses were not saved: correct the field marked below."
		h.renderKeys(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	uk, err := h.db.UpdateKey(r.Context(), s.Store.ID, strconv.FormatInt(k.ID, 10), access.KeyUpdate{AllowFrom: &allow}, s.Member.Person())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).
		Str("key_prefix", uk.Prefix).Msg("key allow-list changed on the keys page")
	http.Redirect(w, r, "/keys?updated="+strconv.FormatInt(uk.ID, 10), http.StatusSeeOther)
}

// isBadInput reports whether err is a refusal the member can act on (not
// a failure of the server).
func isBadInput(err error) bool {
	var ie *inventory.Error
	return errors.As(err, &ie) && ie.Kind == inventory.Invalid
}
