package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/logging"
)

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, s access.NewSession) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookie.Name(r), Value: s.Secret, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: h.cookie.Secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{auth.SessionCookieSecure, auth.SessionCookiePlain} {
		if _, err := r.Cookie(name); err == nil {
			http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
				HttpOnly: true, Secure: name == auth.SessionCookieSecure || h.cookie.Secure(r), SameSite: http.SameSiteLaxMode})
		}
	}
}

// sessionSecret is the session id the browser sent, if any, by the rule
// the OAuth approval page also reads it with.
func (h *Handler) sessionSecret(r *http.Request) string {
	return h.cookie.Secret(r)
}

// session returns the signed-in member's session; ok is false for a
// signed-out visitor (no cookie, or one whose session ended), whose stale
// cookie is then cleared.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) (s access.Session, ok bool, err error) {
	secret := h.sessionSecret(r)
	if secret == "" {
		return access.Session{}, false, nil
	}
	s, err = h.db.SessionBySecret(r.Context(), secret)
	if errors.Is(err, access.ErrSessionInvalid) {
		h.clearSessionCookie(w, r)
		return access.Session{}, false, nil
	}
	if err != nil {
		return access.Session{}, false, err
	}
	return s, true, nil
}

// Bad sign-in links: ten mistakes per client address, then one every six
// seconds (auth.PerAddress). A token has 256 random bits.
const (
	signinBurst  = 10
	signinRefill = 6 * time.Second
)

// signInLink answers a followed sign-in link. Opened directly (from a
// terminal, the address bar, or this site) it signs in at once. Reached
// from another site, it asks first, with a button that posts back here:
// otherwise any site could sign a visitor in to a session of its choosing
// by sending them to one of its own links.
func (h *Handler) signInLink(w http.ResponseWriter, r *http.Request) {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "none", "same-origin":
		h.signIn(w, r)
	default:
		h.render(w, r, h.pages.confirmSignin, http.StatusOK, "Sign in", struct{ Action string }{SigninPath + r.PathValue("token")})
	}
}

// signIn redeems a sign-in link: it begins a session, sets the cookie and
// sends the browser on to /keys, so that the token leaves the address bar.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	log := logging.For(r.Context(), h.log)
	client := auth.ClientAddr(r)
	if h.limiter.Exhausted(r) {
		log.Warn().Str("client", client).Msg("sign-in refused: too many bad links from this address")
		w.Header().Set("Retry-After", "60")
		h.renderMessage(w, r, http.StatusTooManyRequests, "Too many attempts",
			"Too many sign-in links that did not work came from this address. Wait a minute, then follow a fresh link.")
		return
	}
	s, err := h.db.SignIn(r.Context(), r.PathValue("token"))
	if err != nil {
		if !errors.Is(err, access.ErrSigninInvalid) {
			h.serverError(w, r, err)
			return
		}
		h.limiter.Spend(r)
		reason := "unknown"
		msg := "This sign-in link is not valid: it may be incomplete. Copy the whole link, or ask for a new one."
		switch {
		case errors.Is(err, access.ErrSigninUsed):
			reason, msg = "used", "This sign-in link was already used. Each link works once: ask for a new one."
		case errors.Is(err, access.ErrSigninExpired):
			reason, msg = "expired", "This sign-in link has expired. Links work for 15 minutes: ask for a new one."
		case errors.Is(err, access.ErrSigninMalformed):
			reason = "malformed"
		}
		// Never the token: it is in the path, which is not logged either.
		log.Warn().Str("reason", reason).Str("client", client).Msg("sign-in link refused")
		h.renderMessage(w, r, http.StatusBadRequest, "This link did not sign you in", msg)
		return
	}
	// A browser already signed in (perhaps as someone else) leaves that
	// session behind: end it rather than leave it live and unreachable.
	if old := h.sessionSecret(r); old != "" {
		if _, err := h.db.SignOut(r.Context(), old); err != nil && !errors.Is(err, access.ErrSessionInvalid) {
			log.Warn().Err(err).Msg("ending the session a new sign-in replaces")
		}
	}
	h.setSessionCookie(w, r, s)
	log.Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).Msg("member signed in")
	http.Redirect(w, r, "/keys", http.StatusSeeOther)
}

// signOut ends the session and forgets the cookie.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	secret := h.sessionSecret(r)
	h.clearSessionCookie(w, r)
	if secret != "" {
		s, err := h.db.SignOut(r.Context(), secret)
		switch {
		case err == nil:
			logging.For(r.Context(), h.log).Info().Int64("store_id", s.Store.ID).Int64("member_id", s.Member.ID).Msg("member signed out")
		case !errors.Is(err, access.ErrSessionInvalid):
			h.serverError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/keys?signed_out=1", http.StatusSeeOther)
}
