// Package oauth is the OAuth 2.1 authorization server through which
// web-chat apps (claude.ai, ChatGPT) connect to /mcp, per the MCP
// authorization specification (DESIGN.md §10): protected resource and
// authorization server metadata (RFC 9728, RFC 8414), registration by
// Client ID Metadata Document or dynamic registration (RFC 7591), the
// authorization code flow with PKCE S256 (RFC 7636) and resource
// indicators (RFC 8707), rotating refresh tokens with reuse detection (RFC
// 9700 §4.14.2), and revocation (RFC 7009).
//
// The protocol is written here, against those RFCs and the OAuth 2.1
// draft: redirect URIs compared by exact string, S256 PKCE only,
// single-use codes whose reuse revokes the grant, refresh rotation whose
// reuse revokes the grant. Codes and tokens are in the key format (lstc_,
// lsto_, lstr_) and stored as SHA-256 hashes by package storage, whose
// domain operations know nothing of OAuth's wire format. The approval
// page is where a member's one-time connection code binds the grant to a
// store, a scope and the member.
package oauth

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logistified/mcp-server/httpkit"
	"github.com/logistified/mcp-server/storage/access"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage"
)

// Routes (DESIGN.md §10).
const (
	ProtectedResourcePath = "/.well-known/oauth-protected-resource/mcp"
	MetadataPath          = "/.well-known/oauth-authorization-server"
	RegisterPath          = "/oauth/register"
	AuthorizePath         = "/oauth/authorize"
	TokenPath             = "/oauth/token"
	RevokePath            = "/oauth/revoke"
	assetsPath            = "/oauth/assets/"
)

// maxFormBytes caps the token, revocation and approval request bodies.
const maxFormBytes = 64 << 10

// Options configure New.
type Options struct {
	DB  *storage.DB
	Log zerolog.Logger
	// PublicURL is the https address web-chat apps reach this server at
	// (LOGISTIFIED_PUBLIC_URL): the issuer, and with /mcp the resource
	// tokens are issued for.
	PublicURL string
	// Metadata configures fetching Client ID Metadata Documents; the zero
	// value is the safe production setting.
	Metadata MetadataFetch
}

// Server is the assembled authorization server.
type Server struct {
	db       *access.DB
	log      zerolog.Logger
	issuer   string
	resource string
	// cookie reads the keys page's session, to let a member already
	// signed in in that browser approve without a code.
	cookie  auth.SessionCookie
	fetcher *fetcher
	// guesses slows down whoever types connection codes that do not work;
	// registrations, whoever registers app after app.
	guesses, registrations *auth.PerAddress
}

// Wrong connection codes: ten per client address, then one every six
// seconds. A code has 40 random bits and lives ten minutes, so at that
// pace guessing one takes longer than the universe has.
const (
	codeGuessBurst  = 10
	codeGuessRefill = 6 * time.Second
)

// Dynamic registrations: an app registers once per connection, so sixty
// per address, then ten a minute, leaves room for many merchants behind
// one proxy (whose address they all share) while keeping anyone from
// filling the clients table (unused ones are pruned after a day).
const (
	registrationBurst  = 60
	registrationRefill = 6 * time.Second
)

// New assembles the server.
func New(o Options) (*Server, error) {
	base, err := normalizeBase(o.PublicURL)
	if err != nil {
		return nil, err
	}
	s := &Server{db: access.New(o.DB), log: o.Log, issuer: base, resource: base + "/mcp", cookie: auth.NewSessionCookie(base),
		fetcher: newFetcher(o.Metadata), guesses: auth.NewPerAddress(codeGuessBurst, codeGuessRefill),
		registrations: auth.NewPerAddress(registrationBurst, registrationRefill)}
	return s, nil
}

// normalizeBase checks the public URL: absolute http(s), no query or
// fragment, no trailing slash.
func normalizeBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("the public URL %q is not valid: give the https address web-chat apps reach this server at, like https://mcp.example.com (LOGISTIFIED_PUBLIC_URL)", raw)
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// Resource is the URL tokens are issued for: the MCP endpoint.
func (s *Server) Resource() string { return s.resource }

// ResourceMetadataURL is where the MCP endpoint's protected resource
// metadata is served; /mcp's 401s name it.
func (s *Server) ResourceMetadataURL() string { return s.issuer + ProtectedResourcePath }

// Patterns are the mux patterns the Handler serves.
func (s *Server) Patterns() []string {
	return []string{ProtectedResourcePath, "/.well-known/oauth-protected-resource", MetadataPath, "/oauth/"}
}

// Handler serves every route of the authorization server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	cors := func(h http.HandlerFunc) http.Handler {
		// Metadata, registration, token and revocation take no cookies, so
		// browser-based MCP clients may call them from any origin.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			h(w, r)
		})
	}
	mux.Handle("GET "+ProtectedResourcePath, cors(s.protectedResource))
	mux.Handle("GET /.well-known/oauth-protected-resource", cors(s.protectedResource))
	mux.Handle("GET "+MetadataPath, cors(s.metadata))
	mux.Handle("OPTIONS /", cors(nil))
	mux.Handle("POST "+RegisterPath, cors(s.register))
	mux.Handle("POST "+TokenPath, cors(s.token))
	mux.Handle("POST "+RevokePath, cors(s.revoke))
	mux.HandleFunc("GET "+AuthorizePath, s.authorizePage)
	mux.Handle("POST "+AuthorizePath, http.NewCrossOriginProtection().Handler(http.HandlerFunc(s.authorizeDecision)))
	mux.Handle("GET "+assetsPath, http.StripPrefix(assetsPath, assetHandler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "message": "nothing here: see " + MetadataPath})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// This mux records its own pattern on r; give the assembly's back,
		// which names the route in its metrics and access log.
		outer := r.Pattern
		defer func() { r.Pattern = outer }()
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) protectedResource(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 s.resource,
		"authorization_servers":    []string{s.issuer},
		"scopes_supported":         []string{"read", "write"},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "Logistified",
	})
}

func (s *Server) metadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.issuer + AuthorizePath,
		"token_endpoint":                                 s.issuer + TokenPath,
		"registration_endpoint":                          s.issuer + RegisterPath,
		"revocation_endpoint":                            s.issuer + RevokePath,
		"scopes_supported":                               []string{"read", "write"},
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none"},
		"revocation_endpoint_auth_methods_supported":     []string{"none"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": false,
	})
}

// sameResource reports whether a resource indicator names this server's
// MCP endpoint (a trailing slash aside).
func (s *Server) sameResource(res string) bool {
	return strings.TrimSuffix(res, "/") == s.resource
}

// appRevokes ends a grant for a reason the protocol found, and logs (never
// with a token) if that fails.
func (s *Server) appRevokes(ctx context.Context, g access.Grant, reason string) {
	if _, err := s.db.RevokeGrantForApp(context.WithoutCancel(ctx), g.StoreID, g.ID, reason); err != nil {
		logging.For(ctx, s.log).Error().Err(err).Int64("grant", g.ID).Msg("revoking a connected app")
		return
	}
	logging.For(ctx, s.log).Warn().Int64("grant", g.ID).Str("client", g.ClientName).Str("reason", reason).Msg("connected app revoked")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	httpkit.WriteJSON(w, code, v)
}

func randomID() string {
	return "lsc_" + rand.Text()
}
