package auth

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSessionCookie(t *testing.T) {
	both := func(r *http.Request) *http.Request {
		r.AddCookie(&http.Cookie{Name: SessionCookiePlain, Value: "plain"})
		r.AddCookie(&http.Cookie{Name: SessionCookieSecure, Value: "secure"})
		return r
	}
	plainReq := func() *http.Request { return httptest.NewRequest(http.MethodGet, "http://shop.example/keys", nil) }
	tlsReq := func() *http.Request {
		r := plainReq()
		r.TLS = &tls.ConnectionState{}
		return r
	}
	for _, c := range []struct {
		name, publicURL string
		req             *http.Request
		wantName        string
		wantSecret      string
	}{
		{"http, no public URL", "", both(plainReq()), SessionCookiePlain, "plain"},
		{"http public URL", "http://127.0.0.1:8080", both(plainReq()), SessionCookiePlain, "plain"},
		{"https public URL behind a proxy", "https://mcp.example.com", both(plainReq()), SessionCookieSecure, "secure"},
		{"TLS without public URL", "", both(tlsReq()), SessionCookieSecure, "secure"},
		// A plain cookie planted on the network path never counts over https.
		{"https with only a plain cookie", "https://mcp.example.com", func() *http.Request {
			r := plainReq()
			r.AddCookie(&http.Cookie{Name: SessionCookiePlain, Value: "planted"})
			return r
		}(), SessionCookieSecure, ""},
		{"no cookie", "", plainReq(), SessionCookiePlain, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := NewSessionCookie(c.publicURL)
			if got := sc.Name(c.req); got != c.wantName {
				t.Errorf("Name = %q, want %q", got, c.wantName)
			}
			if got := sc.Secret(c.req); got != c.wantSecret {
				t.Errorf("Secret = %q, want %q", got, c.wantSecret)
			}
			if sc.Secure(c.req) != (c.wantName == SessionCookieSecure) {
				t.Errorf("Secure disagrees with the name")
			}
		})
	}
}
