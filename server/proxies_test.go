package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/auth"
)

// Behind trusted proxies, what counts per address sees the address the
// proxies forward, never one a client wrote for itself.
func TestRealClientBehindTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"no proxy in between", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"a client claiming an address", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"through a trusted proxy", "10.0.0.5:443", []string{"203.0.113.7"}, "203.0.113.7"},
		{"a spoofed entry before the proxy's", "10.0.0.5:443", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"two trusted proxies", "127.0.0.1:443", []string{"203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"the header twice", "10.0.0.5:443", []string{"198.51.100.1", "203.0.113.7"}, "203.0.113.7"},
		{"IPv6 through a trusted proxy", "[::1]:443", []string{"2001:db8::7"}, "2001:db8::7"},
		{"garbage where the proxy writes", "10.0.0.5:443", []string{"203.0.113.7, not-an-address"}, "10.0.0.5"},
		{"a trusted proxy forwarding nothing", "10.0.0.5:443", nil, "10.0.0.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := realClient(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = auth.ClientAddr(r) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("client address %q, want %q", got, tc.want)
			}
		})
	}
	// Without trusted proxies the header is never read.
	var got string
	h := realClient(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = auth.ClientAddr(r) }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.5:443"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "10.0.0.5" {
		t.Errorf("with no trusted proxies the client is %q, want the peer 10.0.0.5", got)
	}
}

func TestParseTrustedProxiesRefusesWhatIsNotAnAddress(t *testing.T) {
	for _, in := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1:80"} {
		if _, err := ParseTrustedProxies(in); err == nil || !strings.Contains(err.Error(), "LOGISTIFIED_TRUSTED_PROXIES") {
			t.Errorf("%q: %v, want an error naming the variable", in, err)
		}
	}
	if p, err := ParseTrustedProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v, %v", p, err)
	}
}
