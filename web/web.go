// Package web is the keys page (DESIGN.md §8): a store's members sign in
// with a one-time link and create, copy and revoke the store's API keys in
// the browser, and connect and revoke web-chat apps (DESIGN.md §10) with a
// one-time connection code. Server-rendered with html/template, assets embedded, no
// script needed except for the Copy button. It knows no other face: the
// command that serves mounts it beside MCP.
package web

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/logistified/mcp-server/brand"
	"github.com/logistified/mcp-server/storage/access"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Assets are the page's stylesheet, icon and script. The OAuth approval
// page serves the same ones, so that it looks like this page.
func Assets() fs.FS {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the folder is embedded: it is there
	}
	return assets{sub}
}

// assets adds the brand's icon, as favicon.svg, to the embedded folder.
type assets struct{ fs.FS }

func (a assets) Open(name string) (fs.File, error) {
	if name == "favicon.svg" {
		return brand.FS.Open("icon.svg")
	}
	return a.FS.Open(name)
}

// Patterns are the routes the page answers, for the HTTP assembly to mount.
var Patterns = []string{"/keys", "/keys/", "/signin/", "/signout", "/assets/"}

// Options configure New.
type Options struct {
	DB  *storage.DB
	Log zerolog.Logger
	// PublicURL is LOGISTIFIED_PUBLIC_URL: the address users reach the
	// server at. When it is https, cookies are Secure; it names the /mcp
	// endpoint in client configurations; its origin may post forms.
	PublicURL string
	// FrameAncestors is the CSP frame-ancestors source list
	// (LOGISTIFIED_FRAME_ANCESTORS), for embedding in the Shopify admin;
	// empty means 'none'.
	FrameAncestors string
	// Clients is the part of the client configurations that does not
	// depend on the key and URL (the binary's path, the database URL); the
	// page fills in the new key and this server's /mcp URL.
	Clients clientconfig.Setup
}

// Handler serves the page.
type Handler struct {
	db        *access.DB
	log       zerolog.Logger
	publicURL *url.URL
	cookie    auth.SessionCookie
	csp       string
	frameDeny bool // frame-ancestors 'none': also X-Frame-Options for old browsers
	clients   clientconfig.Setup
	pages     *pages
	limiter   *auth.PerAddress
	mux       *http.ServeMux
}

// New returns the page's handler.
func New(o Options) (*Handler, error) {
	if o.DB == nil {
		return nil, errors.New("web: no database")
	}
	h := &Handler{db: access.New(o.DB), log: o.Log, clients: o.Clients, limiter: auth.NewPerAddress(signinBurst, signinRefill)}
	if o.PublicURL != "" {
		base, err := BaseURL(o.PublicURL)
		if err != nil {
			return nil, err
		}
		h.publicURL, _ = url.Parse(base)
	}
	h.cookie = auth.NewSessionCookie(o.PublicURL)
	fa := strings.TrimSpace(o.FrameAncestors)
	if fa == "" {
		fa = "'none'"
	}
	if strings.ContainsAny(fa, ";,\r\n") {
		return nil, errors.New("LOGISTIFIED_FRAME_ANCESTORS holds a CSP source list, such as https://admin.shopify.com https://*.myshopify.com; it must not contain ; or ,")
	}
	h.frameDeny = fa == "'none'"
	h.csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + fa
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}

	cop := http.NewCrossOriginProtection()
	if h.publicURL != nil {
		if err := cop.AddTrustedOrigin(h.publicURL.Scheme + "://" + h.publicURL.Host); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))

	assets := Assets()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /keys", h.keysPage)
	mux.HandleFunc("GET /keys/revoke", h.confirmRevoke)
	mux.HandleFunc("GET /keys/activity", h.activityPage)
	mux.Handle("POST /keys/create", cop.Handler(http.HandlerFunc(h.createKey)))
	mux.Handle("POST /keys/revoke", cop.Handler(http.HandlerFunc(h.revokeKey)))
	mux.HandleFunc("GET /keys/roll", h.confirmRoll)
	mux.Handle("POST /keys/roll", cop.Handler(http.HandlerFunc(h.rollKey)))
	mux.HandleFunc("GET /keys/settings", h.keySettings)
	mux.Handle("POST /keys/settings", cop.Handler(http.HandlerFunc(h.saveKeySettings)))
	mux.Handle("POST /keys/approval", cop.Handler(http.HandlerFunc(h.saveKeyApproval)))
	mux.Handle("POST /keys/apps/approval", cop.Handler(http.HandlerFunc(h.saveAppApproval)))
	mux.HandleFunc("GET /keys/connect", h.connectForm)
	mux.Handle("POST /keys/connect", cop.Handler(http.HandlerFunc(h.createConnectionCode)))
	mux.HandleFunc("GET /keys/apps/revoke", h.confirmRevokeApp)
	mux.Handle("POST /keys/apps/revoke", cop.Handler(http.HandlerFunc(h.revokeApp)))
	mux.HandleFunc("GET /signin/{token}", h.signInLink)
	mux.Handle("POST /signin/{token}", cop.Handler(http.HandlerFunc(h.signIn)))
	mux.Handle("POST /signout", cop.Handler(http.HandlerFunc(h.signOut)))
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheAssets(http.FileServerFS(assets))))
	mux.HandleFunc("/", h.notFound)
	h.mux = mux
	return h, nil
}

// ServeHTTP sets the headers every response of the page carries, then
// routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	// The sign-in path carries a secret: never send it on.
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if h.frameDeny {
		hd.Set("X-Frame-Options", "DENY")
	}
	if !strings.HasPrefix(r.URL.Path, "/assets/") {
		// Keys, the one-time banner and the member's data are never cached,
		// and a page with no-store is not restored by the back button.
		hd.Set("Cache-Control", "no-store")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	h.mux.ServeHTTP(w, r)
}

func cacheAssets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}

// mcpURL is the /mcp endpoint clients reach this server at.
func (h *Handler) mcpURL(r *http.Request) string {
	if h.publicURL != nil {
		return h.publicURL.String() + "/mcp"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/mcp"
}
