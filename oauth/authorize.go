package oauth

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/web"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// assetHandler serves the keys page's assets (web.Assets): the approval
// page shares its stylesheet, so that it looks like that page.
func assetHandler() http.Handler {
	h := http.FileServerFS(web.Assets())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// authorizeView is what the approval page shows.
type authorizeView struct {
	ClientName   string
	ClientID     string
	RedirectHost string
	Action       string
	Error        string
	Member       *access.Session
	// Problem is set when the request itself is refused and cannot be
	// sent back to the app.
	Problem string
}

// errBadRedirect marks a request whose redirect URI is not one the app
// registered, exactly: nothing may be sent to it.
var errBadRedirect = errors.New("bad redirect")

// minStateLen is the shortest state accepted: the app's defence against
// cross-site request forgery must not be guessable (RFC 6819 §4.4.1.8).
const minStateLen = 8

// authRequest is an authorization request (RFC 6749 §4.1.1) that passed
// its checks.
type authRequest struct {
	client access.OAuthClient
	// redirectURI is one the app registered, compared by exact string
	// (OAuth 2.1 §2.3.1, RFC 9700 §4.1.3); it is set as soon as it is
	// checked, and from then on errors go back to it.
	redirectURI string
	state       string
	// challenge is the PKCE S256 code challenge the code is bound to.
	challenge string
}

// singleParams may appear at most once in an authorization request (RFC
// 6749 §3.1); resource may repeat (RFC 8707).
var singleParams = []string{"response_type", "response_mode", "scope", "state", "code_challenge", "code_challenge_method"}

// authorizeRequest parses and checks an authorization request from the
// URL's query, which alone carries it (the approval form's fields must not
// stand in for it): the app, its redirect URI given and registered
// exactly, response type code, known scopes, a state, PKCE S256, and a
// resource indicator, if any, naming this server's /mcp. The request is
// returned as far as it was checked, so that an error can go back to a
// trusted redirect URI.
func (s *Server) authorizeRequest(r *http.Request) (*authRequest, error) {
	q := r.URL.Query()
	for _, p := range []string{"client_id", "redirect_uri"} {
		if len(q[p]) > 1 {
			return nil, errInvalidRequest("The %s parameter is given more than once.", p)
		}
	}
	id := q.Get("client_id")
	if id == "" {
		return nil, errInvalidClient("The request names no client_id.")
	}
	c, err := s.client(r.Context(), id)
	if err != nil {
		return nil, err
	}
	ru := q.Get("redirect_uri")
	if ru == "" || !slices.Contains(c.RedirectURIs, ru) {
		return nil, errBadRedirect
	}
	ar := &authRequest{client: c, redirectURI: ru, state: q.Get("state")}
	for _, p := range singleParams {
		if len(q[p]) > 1 {
			return ar, errInvalidRequest("The %s parameter is given more than once.", p)
		}
	}
	if q.Has("request") || q.Has("request_uri") {
		return ar, errInvalidRequest("Request objects (request, request_uri) are not supported: send the parameters in the query.")
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return ar, errInvalidRequest("The response_type parameter is missing: use response_type=code.")
	default:
		return ar, errUnsupportedResponseType("The response type %q is not supported: use response_type=code.", truncate(rt, 40))
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return ar, errInvalidRequest("The response mode %q is not supported: leave it out, or use query.", truncate(rm, 40))
	}
	for _, sc := range strings.Fields(q.Get("scope")) {
		if sc != "read" && sc != "write" {
			return ar, errInvalidScope("The scope %q is not offered: ask for read, or read write.", truncate(sc, 40))
		}
	}
	if len(ar.state) < minStateLen {
		return ar, errInvalidRequest("The state parameter is required, at least %d characters long.", minStateLen)
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge == "" || method != "S256" {
		return ar, errInvalidRequest("PKCE is required: send code_challenge with code_challenge_method=S256 (plain is not accepted).")
	}
	if !validChallenge(challenge) {
		return ar, errInvalidRequest("The code_challenge is not an S256 challenge: it must be the base64url SHA-256 of the verifier, 43 characters.")
	}
	ar.challenge = challenge
	for _, res := range q["resource"] {
		if !s.sameResource(res) {
			return ar, errInvalidTarget(s.resource)
		}
	}
	return ar, nil
}

// redirectBack sends the browser to the request's redirect URI with
// params added to its query (which the app may have registered with one:
// it is kept as it is, RFC 6749 §3.1.2).
func redirectBack(w http.ResponseWriter, ar *authRequest, params url.Values) {
	sep := "?"
	if i := strings.IndexByte(ar.redirectURI, '?'); i >= 0 {
		sep = "&"
		if i == len(ar.redirectURI)-1 || strings.HasSuffix(ar.redirectURI, "&") {
			sep = ""
		}
	}
	h := w.Header()
	h.Set("Location", ar.redirectURI+sep+params.Encode())
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusSeeOther)
}

// refuseAuthorize answers a refused authorization request: back to the
// app (RFC 6749 §4.1.2.1) when its redirect URI is trusted, else on a page
// of our own.
func (s *Server) refuseAuthorize(w http.ResponseWriter, r *http.Request, ar *authRequest, err error) {
	var oe *oauthError
	if !errors.Is(err, errBadRedirect) {
		oe = asOAuthError(err)
	}
	name := "invalid_redirect_uri"
	if oe != nil {
		name = oe.Code
	}
	logging.For(r.Context(), s.log).Info().Str("error", name).Msg("authorization request refused")
	if ar != nil && ar.redirectURI != "" && oe != nil && oe.Code != "server_error" {
		params := url.Values{"error": {oe.Code}, "error_description": {oe.Description}}
		if ar.state != "" {
			params.Set("state", ar.state)
		}
		redirectBack(w, ar, params)
		return
	}
	problem := "This connection request cannot be approved: "
	switch {
	case oe == nil:
		problem += "the address it would return to is not one the app registered. Start connecting again from the app."
	case oe.Code == "invalid_client":
		problem += "the app is unknown or its registration could not be read. Start connecting again from the app. (" + oe.Description + ")"
	case oe.Code == "server_error":
		logging.For(r.Context(), s.log).Error().Err(oe.cause).Msg("authorization request failed")
		problem += "the server hit an internal error. Try again shortly."
	default:
		problem += "it is malformed. Start connecting again from the app."
	}
	s.render(w, http.StatusBadRequest, "", authorizeView{Problem: problem})
}

// signedIn is the member signed in on the keys page in this browser, if
// any.
func (s *Server) signedIn(r *http.Request) *access.Session {
	secret := s.cookie.Secret(r)
	if secret == "" {
		return nil
	}
	sess, err := s.db.SessionBySecret(r.Context(), secret)
	if err != nil {
		return nil
	}
	return &sess
}

func (s *Server) view(r *http.Request, ar *authRequest) authorizeView {
	v := authorizeView{ClientName: ar.client.Name, ClientID: ar.client.ID, Action: AuthorizePath + "?" + r.URL.RawQuery, Member: s.signedIn(r)}
	if u, err := url.Parse(ar.redirectURI); err == nil {
		v.RedirectHost = u.Host
	}
	return v
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	ar, err := s.authorizeRequest(r)
	if err != nil {
		s.refuseAuthorize(w, r, ar, err)
		return
	}
	s.render(w, http.StatusOK, ar.redirectURI, s.view(r, ar))
}

// authorizeDecision is the approval form's post: Deny, or Approve with a
// connection code (or as the member signed in in this browser).
func (s *Server) authorizeDecision(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "", authorizeView{Problem: "The form could not be read. Start connecting again from the app."})
		return
	}
	decision := r.PostForm.Get("decision")
	codeText := r.PostForm.Get("connection_code")
	scopeText := r.PostForm.Get("approve_scope")
	ar, err := s.authorizeRequest(r)
	if err != nil {
		s.refuseAuthorize(w, r, ar, err)
		return
	}
	c := ar.client
	log := logging.For(ctx, s.log).With().Str("client_id", c.ID).Str("client", c.Name).Logger()
	if decision != "approve" {
		log.Info().Msg("connection denied")
		s.refuseAuthorize(w, r, ar, errAccessDenied("The store's member denied the connection."))
		return
	}
	n := access.NewGrant{ClientID: c.ID, ClientName: c.Name, Audience: s.resource}
	var g access.Grant
	member := s.signedIn(r)
	switch {
	case strings.TrimSpace(codeText) == "" && member != nil:
		scope := keys.ScopeRead
		if scopeText == string(keys.ScopeWrite) {
			scope = keys.ScopeWrite
		}
		g, err = s.db.ApproveAsMember(ctx, *member, scope, n)
	case strings.TrimSpace(codeText) == "":
		v := s.view(r, ar)
		v.Error = "Type the connection code shown on the keys page (Connect claude.ai or ChatGPT)."
		s.render(w, http.StatusBadRequest, ar.redirectURI, v)
		return
	case s.guesses.Exhausted(r):
		log.Warn().Str("client_addr", auth.ClientAddr(r)).Msg("connection code refused: too many wrong codes from this address")
		w.Header().Set("Retry-After", "60")
		v := s.view(r, ar)
		v.Error = "Too many connection codes that did not work came from this address. Wait a minute, then type the code again."
		s.render(w, http.StatusTooManyRequests, ar.redirectURI, v)
		return
	default:
		g, _, err = s.db.ApproveWithCode(ctx, codeText, n)
	}
	if errors.Is(err, access.ErrConnectionCodeInvalid) {
		s.guesses.Spend(r)
		log.Info().Str("reason", err.Error()).Msg("connection code refused")
		v := s.view(r, ar)
		v.Error = sentence(err.Error())
		s.render(w, http.StatusBadRequest, ar.redirectURI, v)
		return
	}
	if err != nil {
		s.refuseAuthorize(w, r, ar, errServer(err))
		return
	}
	code, err := s.issueCode(ctx, g, ar)
	if err != nil {
		// The grant must not outlive an approval that issued nothing.
		s.appRevokes(ctx, g, "the approval could not be completed")
		s.refuseAuthorize(w, r, ar, errServer(err))
		return
	}
	log.Info().Int64("grant", g.ID).Str("scope", string(g.Scope)).Msg("connection approved")
	redirectBack(w, ar, url.Values{"code": {code}, "state": {ar.state}})
}

// issueCode stores a new authorization code of the grant, bound to the
// request's redirect URI and PKCE challenge, and returns it. Only its hash
// is stored.
func (s *Server) issueCode(ctx context.Context, g access.Grant, ar *authRequest) (string, error) {
	k, err := keys.AuthorizationCode.Generate()
	if err != nil {
		return "", err
	}
	err = s.db.CreateOAuthToken(ctx, access.NewOAuthToken{StoreID: g.StoreID, GrantID: g.ID, Kind: access.TokenCode, Hash: k.Hash,
		RedirectURI: ar.redirectURI, CodeChallenge: ar.challenge, ExpiresAt: s.db.Now().Add(access.AuthorizationCodeTTL)})
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}

// sentence capitalises an error for the page.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}

// render writes the approval page under a strict content security policy:
// no script at all, styles from this server only, forms posting only here
// and (after approval, by redirect) to the app's redirect URI.
func (s *Server) render(w http.ResponseWriter, code int, redirectURI string, v authorizeView) {
	formAction := "'self'"
	if u, err := url.Parse(redirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, "authorize.html", v); err != nil {
		s.log.Error().Err(err).Msg("rendering the approval page")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
