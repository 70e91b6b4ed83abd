package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/logistified/mcp-server/httpkit"
)

// hostGuard refuses, on connections that arrive over loopback, a Host
// header that names neither this machine nor the public address
// (LOGISTIFIED_PUBLIC_URL). A web page whose domain was rebound to
// 127.0.0.1 sends its own domain as Host, so it cannot reach a local
// server; a reverse proxy on the same host forwarding the public host can.
// Connections from other addresses (a load balancer, a container network)
// are left to the proxy in front.
func hostGuard(publicHost string, next http.Handler) http.Handler {
	publicHost = strings.ToLower(publicHost)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if overLoopback(r) && !localOrPublicHost(r.Host, publicHost) {
			httpkit.WriteJSON(w, http.StatusForbidden, map[string]string{
				"error": "forbidden_host",
				"message": fmt.Sprintf("Host %q is not this server's address: behind a reverse proxy, set LOGISTIFIED_PUBLIC_URL "+
					"to the address clients use (its https URL), or have the proxy send Host: localhost", r.Host),
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func overLoopback(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func localOrPublicHost(hostport, publicHost string) bool {
	host := strings.ToLower(hostport)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || (publicHost != "" && host == publicHost) {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// OriginAllowed reports whether a browser page at origin may call the
// server: pages on this machine, the public address, and the configured
// origins. A foreign page must not drive a local server with the user's
// credentials (DNS rebinding, cross-site requests).
func OriginAllowed(origin string, allowed map[string]bool) bool {
	origin = NormalizeOrigin(origin)
	if allowed[origin] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NormalizeOrigin lower-cases an origin and drops a trailing slash.
func NormalizeOrigin(origin string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(origin)), "/")
}

// originGuard answers 403 to a browser request from an origin that is not
// allowed. Requests without Origin (every non-browser client) pass.
func originGuard(allowed map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !OriginAllowed(origin, allowed) {
			httpkit.WriteJSON(w, http.StatusForbidden, map[string]string{
				"error":   "forbidden_origin",
				"message": fmt.Sprintf("origin %q may not call this server: allow it with --allowed-origins or LOGISTIFIED_ALLOWED_ORIGINS", origin),
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}
