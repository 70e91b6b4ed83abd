package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// Names of the browser session cookie the keys page sets on sign-in. With
// Secure, the __Host- prefix also pins the cookie to this host and path /,
// so no sibling subdomain can set or shadow it.
const (
	SessionCookieSecure = "__Host-logistified_session"
	SessionCookiePlain  = "logistified_session"
)

// SessionCookie is the one rule for which cookie carries a member's
// browser session on a request. The keys page sets it and every face that
// lets a signed-in member act (the keys page, the OAuth approval page)
// reads it through this, so that they never disagree about the name.
type SessionCookie struct {
	// HTTPS is set when the server's public URL is https: a proxy in front
	// ends TLS, so every request is taken as reached over TLS.
	HTTPS bool
}

// NewSessionCookie returns the rule for a server reached at publicURL
// (LOGISTIFIED_PUBLIC_URL; empty when unknown).
func NewSessionCookie(publicURL string) SessionCookie {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	return SessionCookie{HTTPS: err == nil && u.Scheme == "https"}
}

// Secure reports whether the request's session cookie is (and must be set)
// Secure: the request came over TLS or the public URL is https.
func (c SessionCookie) Secure(r *http.Request) bool {
	return r.TLS != nil || c.HTTPS
}

// Name is the cookie that carries the session on this request.
func (c SessionCookie) Name(r *http.Request) string {
	if c.Secure(r) {
		return SessionCookieSecure
	}
	return SessionCookiePlain
}

// Secret is the session id the browser sent, or "". Over https only the
// __Host- cookie counts: a plain one could have been planted by anyone on
// the network path, to act in the member's name in another session.
func (c SessionCookie) Secret(r *http.Request) string {
	if ck, err := r.Cookie(c.Name(r)); err == nil {
		return ck.Value
	}
	return ""
}
