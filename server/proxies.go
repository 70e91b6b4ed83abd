package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads LOGISTIFIED_TRUSTED_PROXIES: addresses or
// CIDR ranges, separated by commas, of the reverse proxies in front of the
// server.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR range: give them like 10.0.0.0/8,127.0.0.1 (LOGISTIFIED_TRUSTED_PROXIES)", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// realClient makes a request that came through one of the trusted proxies
// carry, as its RemoteAddr, the address the proxies saw it come from: the
// right-most X-Forwarded-For entry that is not itself a trusted proxy.
// Entries left of it could have been written by anyone, so they are never
// read; a request from elsewhere keeps its own address whatever it claims.
// Everything that counts or logs per address (the sign-in and connection
// code allowances, app registrations) then sees the person, not the proxy.
func realClient(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		peer, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !isTrusted(peer) {
			next.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // not written by a proxy of ours: stop at the proxy's own address
			}
			if isTrusted(a) {
				continue
			}
			r2 := new(http.Request)
			*r2 = *r
			r2.RemoteAddr = net.JoinHostPort(a.Unmap().String(), "0")
			next.ServeHTTP(w, r2)
			return
		}
		next.ServeHTTP(w, r)
	})
}
