package oauth

import (
	"bytes"
	"embed"
	"errors"
	"github.com/logistified/mcp-server/auth"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ory/fosite"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage"
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
	Member       *storage.Session
	// Problem is set when the request itself is refused and cannot be
	// sent back to the app.
	Problem string
}

// errBadRedirect marks a request whose redirect URI is not one the app
// registered, exactly: nothing may be sent to it.
var errBadRedirect = errors.New("bad redirect")

// authorizeRequest parses and checks an authorization request: fosite's
// checks (client, redirect URI, response type, scope, state), and this
// server's: the redirect URI given and registered exactly, PKCE S256, and
// a resource indicator, if any, naming this server's /mcp.
func (s *Server) authorizeRequest(r *http.Request) (fosite.AuthorizeRequester, storage.OAuthClient, error) {
	ctx := r.Context()
	if id := r.URL.Query().Get("client_id"); isMetadataClientID(id) {
		// Fetched here first so that the page can say why a document was
		// refused (fosite says only that the client does not exist).
		if _, err := s.client(ctx, id); err != nil {
			return nil, storage.OAuthClient{}, err
		}
	}
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		return ar, storage.OAuthClient{}, err
	}
	form := ar.GetRequestForm()
	if ru := form.Get("redirect_uri"); ru == "" || !slices.Contains(ar.GetClient().GetRedirectURIs(), ru) {
		return ar, storage.OAuthClient{}, errBadRedirect
	}
	if form.Get("code_challenge") == "" || form.Get("code_challenge_method") != "S256" {
		return ar, storage.OAuthClient{}, fosite.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge with code_challenge_method=S256.")
	}
	if ar.GetState() == "" {
		return ar, storage.OAuthClient{}, fosite.ErrInvalidState.WithHint("The state parameter is required.")
	}
	for _, res := range form["resource"] {
		if !s.sameResource(res) {
			return ar, storage.OAuthClient{}, errInvalidTarget(s.resource)
		}
	}
	c, err := s.db.OAuthClientByID(ctx, ar.GetClient().GetID())
	return ar, c, err
}

// refuseAuthorize answers a refused authorization request: back to the
// app when its redirect URI is trusted, else on a page of our own.
func (s *Server) refuseAuthorize(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	var fe *fosite.RFC6749Error
	name := "server_error"
	if errors.As(err, &fe) {
		name = fe.ErrorField
	}
	logging.For(r.Context(), s.log).Info().Str("error", name).Msg("authorization request refused")
	if ar != nil && ar.IsRedirectURIValid() && !errors.Is(err, errBadRedirect) && name != "server_error" {
		s.provider.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	problem := "This connection request cannot be approved: "
	switch {
	case errors.Is(err, errBadRedirect):
		problem += "the address it would return to is not one the app registered. Start connecting again from the app."
	case name == "invalid_client":
		problem += "the app is unknown or its registration could not be read. Start connecting again from the app."
		if fe != nil && fe.HintField != "" {
			problem += " (" + fe.HintField + ")"
		}
	case name == "server_error":
		logging.For(r.Context(), s.log).Error().Err(err).Msg("authorization request failed")
		problem += "the server hit an internal error. Try again shortly."
	default:
		problem += "it is malformed. Start connecting again from the app."
	}
	s.render(w, http.StatusBadRequest, "", authorizeView{Problem: problem})
}

// signedIn is the member signed in on the keys page in this browser, if
// any.
func (s *Server) signedIn(r *http.Request) *storage.Session {
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

func (s *Server) view(r *http.Request, ar fosite.AuthorizeRequester, c storage.OAuthClient) authorizeView {
	v := authorizeView{ClientName: c.Name, ClientID: c.ID, Action: AuthorizePath + "?" + r.URL.RawQuery, Member: s.signedIn(r)}
	if u, err := url.Parse(ar.GetRequestForm().Get("redirect_uri")); err == nil {
		v.RedirectHost = u.Host
	}
	return v
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	ar, c, err := s.authorizeRequest(r)
	if err != nil {
		s.refuseAuthorize(w, r, ar, err)
		return
	}
	s.render(w, http.StatusOK, ar.GetRequestForm().Get("redirect_uri"), s.view(r, ar, c))
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
	// Only the query carries the OAuth request: fields of the form must
	// not stand in for it.
	r.Form = r.URL.Query()
	r.PostForm = url.Values{}
	ar, c, err := s.authorizeRequest(r)
	if err != nil {
		s.refuseAuthorize(w, r, ar, err)
		return
	}
	redirect := ar.GetRequestForm().Get("redirect_uri")
	log := logging.For(ctx, s.log).With().Str("client_id", c.ID).Str("client", c.Name).Logger()
	if decision != "approve" {
		log.Info().Msg("connection denied")
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The store's member denied the connection."))
		return
	}
	n := storage.NewGrant{ClientID: c.ID, ClientName: c.Name, Audience: s.resource}
	var g storage.Grant
	member := s.signedIn(r)
	switch {
	case strings.TrimSpace(codeText) == "" && member != nil:
		scope := keys.ScopeRead
		if scopeText == string(keys.ScopeWrite) {
			scope = keys.ScopeWrite
		}
		g, err = s.db.ApproveAsMember(ctx, *member, scope, n)
	case strings.TrimSpace(codeText) == "":
		v := s.view(r, ar, c)
		v.Error = "Type the connection code shown on the keys page (Connect claude.ai or ChatGPT)."
		s.render(w, http.StatusBadRequest, redirect, v)
		return
	case s.guesses.Exhausted(r):
		log.Warn().Str("client_addr", auth.ClientAddr(r)).Msg("connection code refused: too many wrong codes from this address")
		w.Header().Set("Retry-After", "60")
		v := s.view(r, ar, c)
		v.Error = "Too many connection codes that did not work came from this address. Wait a minute, then type the code again."
		s.render(w, http.StatusTooManyRequests, redirect, v)
		return
	default:
		g, _, err = s.db.ApproveWithCode(ctx, codeText, n)
	}
	if errors.Is(err, storage.ErrConnectionCodeInvalid) {
		s.guesses.Spend(r)
		log.Info().Str("reason", err.Error()).Msg("connection code refused")
		v := s.view(r, ar, c)
		v.Error = sentence(err.Error())
		s.render(w, http.StatusBadRequest, redirect, v)
		return
	}
	if err != nil {
		s.refuseAuthorize(w, r, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	ar.SetID(requestID(g.StoreID, g.ID))
	for _, sc := range scopesOf(g.Scope) {
		ar.GrantScope(sc)
	}
	ar.GrantAudience(s.resource)
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, newSession(g.StoreID, g.ID))
	if err != nil {
		// The grant must not outlive an approval that issued nothing.
		s.appRevokes(ctx, g, "the approval could not be completed")
		s.refuseAuthorize(w, r, ar, err)
		return
	}
	log.Info().Int64("grant", g.ID).Str("scope", string(g.Scope)).Msg("connection approved")
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
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
