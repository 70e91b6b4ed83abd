package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
)

// Limits on what an app may register.
const (
	maxRedirectURIs   = 10
	maxRedirectURILen = 2000
	// maxMetadataBytes caps a Client ID Metadata Document and a
	// registration request.
	maxMetadataBytes = 64 << 10
	// metadataTimeout bounds fetching a Client ID Metadata Document.
	metadataTimeout = 5 * time.Second
	// metadataMaxAge is how long a fetched document is trusted before it
	// is fetched again.
	metadataMaxAge = 10 * time.Minute
)

// MetadataFetch configures fetching Client ID Metadata Documents.
type MetadataFetch struct {
	// AllowPrivateAddresses lets documents be fetched from loopback and
	// private addresses: for tests only, where the document server is on
	// this machine.
	AllowPrivateAddresses bool
	// RootCAs replaces the system's roots (a test server's certificate).
	RootCAs *x509.CertPool
}

// fetcher fetches Client ID Metadata Documents without becoming a way
// into the server's network (SSRF): https only, no redirects, a short
// timeout, a size cap, and a dialer that refuses loopback, private,
// link-local and other non-public addresses after DNS resolution, so a
// public name that resolves to an inside address is refused too.
type fetcher struct {
	client *http.Client
}

func newFetcher(o MetadataFetch) *fetcher {
	dialer := &net.Dialer{
		Timeout: metadataTimeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return fmt.Errorf("refusing to connect to %q", host)
			}
			if !o.AllowPrivateAddresses && !publicAddr(ip) {
				return fmt.Errorf("refusing to fetch app metadata from the non-public address %s", ip)
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    metadataTimeout,
		ResponseHeaderTimeout:  metadataTimeout,
		MaxResponseHeaderBytes: 16 << 10,
		DisableKeepAlives:      true,
	}
	return &fetcher{client: &http.Client{
		Transport: tr,
		Timeout:   metadataTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("app metadata documents must not redirect")
		},
	}}
}

// nonPublic are ranges that are neither loopback, private nor link-local
// by netip's reckoning but are still not the public internet.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach inside addresses
	netip.MustParsePrefix("2001:db8::/32"),
}

func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// clientMetadata is the part of RFC 7591 client metadata (and of a Client
// ID Metadata Document) this server reads.
type clientMetadata struct {
	ClientID                string   `json:"client_id,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
}

// check validates what an app declares; the sentence says what to fix.
func (m *clientMetadata) check() error {
	if len(m.RedirectURIs) == 0 {
		return errors.New("redirect_uris is missing: give at least one")
	}
	if len(m.RedirectURIs) > maxRedirectURIs {
		return fmt.Errorf("redirect_uris has more than %d entries", maxRedirectURIs)
	}
	for _, raw := range m.RedirectURIs {
		if err := checkRedirectURI(raw); err != nil {
			return err
		}
	}
	for _, g := range m.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return fmt.Errorf("grant type %q is not supported: use authorization_code and refresh_token", g)
		}
	}
	for _, t := range m.ResponseTypes {
		if t != "code" {
			return fmt.Errorf("response type %q is not supported: use code", t)
		}
	}
	return nil
}

// checkRedirectURI accepts absolute https URIs, and http ones on loopback
// (native apps, RFC 8252), without fragments or user info.
func checkRedirectURI(raw string) error {
	if len(raw) > maxRedirectURILen {
		return fmt.Errorf("a redirect URI is longer than %d characters", maxRedirectURILen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(raw, " \t\r\n") {
		return fmt.Errorf("redirect URI %q is not an absolute URL without a fragment", truncate(raw, 100))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip, err := netip.ParseAddr(h); h == "localhost" || (err == nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("redirect URI %q must use https (http only on localhost)", truncate(raw, 100))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// register is dynamic client registration (RFC 7591). Every app is a
// public client: it proves possession with PKCE, not a secret.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if s.registrations.Exhausted(r) {
		logging.For(r.Context(), s.log).Warn().Str("client_addr", auth.ClientAddr(r)).Msg("registration refused: too many from this address")
		w.Header().Set("Retry-After", "6")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too_many_requests",
			"error_description": "too many apps were registered from this address: wait a few seconds, or reuse the client_id already issued"})
		return
	}
	s.registrations.Spend(r)
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		registrationError(w, "invalid_client_metadata", "send the client metadata as application/json")
		return
	}
	var m clientMetadata
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxMetadataBytes))
	if err := dec.Decode(&m); err != nil {
		registrationError(w, "invalid_client_metadata", "the body is not a JSON object of client metadata")
		return
	}
	if err := m.check(); err != nil {
		code := "invalid_client_metadata"
		if strings.Contains(err.Error(), "redirect") {
			code = "invalid_redirect_uri"
		}
		registrationError(w, code, err.Error())
		return
	}
	c, err := s.db.SaveOAuthClient(r.Context(), access.OAuthClient{ID: randomID(), Name: m.ClientName,
		RedirectURIs: m.RedirectURIs, Registration: access.RegistrationDynamic})
	if err != nil {
		logging.For(r.Context(), s.log).Error().Err(err).Msg("registering an app")
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "the app could not be registered: try again"})
		return
	}
	logging.For(r.Context(), s.log).Info().Str("client_id", c.ID).Str("client", c.Name).Msg("app registered")
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        c.CreatedAt.Unix(),
		"client_name":                c.Name,
		"redirect_uris":              c.RedirectURIs,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
		"scope":                      "read write",
	})
}

func registrationError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": msg})
}

// isMetadataClientID reports whether a client id is a Client ID Metadata
// Document URL.
func isMetadataClientID(id string) bool { return strings.HasPrefix(id, "https://") }

// errUnknownClient: no app has the client id, and it is not a metadata
// document's URL.
var errUnknownClient = errInvalidClient("No app is registered with that client_id: register again.")

// client returns the app with that id: registered, or (an https URL) its
// metadata document, fetched when unknown or older than metadataMaxAge.
func (s *Server) client(ctx context.Context, id string) (access.OAuthClient, error) {
	if len(id) > maxRedirectURILen {
		return access.OAuthClient{}, errUnknownClient
	}
	c, err := s.db.OAuthClientByID(ctx, id)
	if err == nil && (c.Registration != access.RegistrationMetadataDocument || time.Since(c.FetchedAt) < metadataMaxAge) {
		return c, nil
	}
	if err != nil && !errors.Is(err, access.ErrOAuthClientNotFound) {
		return access.OAuthClient{}, errServer(err)
	}
	if !isMetadataClientID(id) {
		return access.OAuthClient{}, errUnknownClient
	}
	m, ferr := s.fetcher.fetch(ctx, id)
	if ferr != nil {
		logging.For(ctx, s.log).Info().Str("client_id", truncate(id, 200)).Str("reason", ferr.Error()).Msg("app metadata document refused")
		return access.OAuthClient{}, errInvalidClient("The client's metadata document could not be used: %s.", ferr.Error())
	}
	name := m.ClientName
	if name == "" {
		u, _ := url.Parse(id)
		name = u.Host
	}
	return s.db.SaveOAuthClient(ctx, access.OAuthClient{ID: id, Name: name, RedirectURIs: m.RedirectURIs,
		Registration: access.RegistrationMetadataDocument, CreatedAt: c.CreatedAt})
}

// fetch gets and checks the Client ID Metadata Document at id.
func (f *fetcher) fetch(ctx context.Context, id string) (*clientMetadata, error) {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || u.Path == "" || u.Path == "/" ||
		strings.Contains(u.Path, "/./") || strings.Contains(u.Path, "/../") {
		return nil, errors.New("the client id is not an https URL with a path")
	}
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, errors.New("the client id is not a URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetching it failed (%v)", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching it answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, errors.New("reading it failed")
	}
	if len(body) > maxMetadataBytes {
		return nil, fmt.Errorf("it is larger than %d bytes", maxMetadataBytes)
	}
	var m clientMetadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, errors.New("it is not a JSON object")
	}
	if m.ClientID != id {
		return nil, errors.New("its client_id is not the URL it was fetched from")
	}
	if m.TokenEndpointAuthMethod != "" && m.TokenEndpointAuthMethod != "none" {
		return nil, errors.New("it asks for a token endpoint authentication other than none")
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}
