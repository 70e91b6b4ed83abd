package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
)

// tokenParams may appear at most once in a token or revocation request
// (RFC 6749 §3.2); resource may repeat (RFC 8707), but names one server.
var tokenParams = []string{"grant_type", "client_id", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "token", "token_type_hint"}

// readForm reads a token or revocation request's form body, which alone
// carries its parameters (the query does not).
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errInvalidRequest("The request body could not be read: send the parameters as application/x-www-form-urlencoded, under 64 KiB.")
	}
	for _, p := range tokenParams {
		if len(r.PostForm[p]) > 1 {
			return errInvalidRequest("The %s parameter is given more than once.", p)
		}
	}
	return nil
}

// requestClient is the public client (RFC 6749 §2.1) a token or
// revocation request names: by client_id in the body, or as the user name
// of HTTP Basic authentication, which some clients send with an empty
// password. Apps have no secret: they prove themselves with PKCE and by
// holding the code or token.
func (s *Server) requestClient(r *http.Request) (access.OAuthClient, error) {
	id := r.PostForm.Get("client_id")
	if user, _, ok := r.BasicAuth(); ok {
		// The user name is form-encoded (RFC 6749 §2.3.1): a metadata
		// document's client id is a URL.
		if u, err := url.QueryUnescape(user); err == nil {
			user = u
		}
		if id != "" && id != user {
			return access.OAuthClient{}, errInvalidRequest("The client_id in the body is not the one in the Authorization header.")
		}
		id = user
	}
	if id == "" {
		return access.OAuthClient{}, errInvalidClient("The request names no client_id: send the client_id this server issued to the app.")
	}
	return s.client(r.Context(), id)
}

// tokenResponse is a successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// token is the token endpoint: codes and refresh tokens for tokens.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	resp, err := s.tokenRequest(w, r)
	if err != nil {
		s.refusedToken(r, err)
		writeError(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request) (tokenResponse, error) {
	if err := readForm(w, r); err != nil {
		return tokenResponse{}, err
	}
	for _, res := range r.PostForm["resource"] {
		if !s.sameResource(res) {
			return tokenResponse{}, errInvalidTarget(s.resource)
		}
	}
	grantType := r.PostForm.Get("grant_type")
	if grantType == "" {
		return tokenResponse{}, errInvalidRequest("The grant_type parameter is missing: use authorization_code or refresh_token.")
	}
	if grantType != "authorization_code" && grantType != "refresh_token" {
		return tokenResponse{}, errUnsupportedGrantType("The grant type %q is not supported: use authorization_code or refresh_token.", truncate(grantType, 40))
	}
	c, err := s.requestClient(r)
	if err != nil {
		return tokenResponse{}, err
	}
	if grantType == "authorization_code" {
		return s.redeemCode(r.Context(), c, r)
	}
	return s.refresh(r.Context(), c, r)
}

// redeemCode is the authorization code grant (RFC 6749 §4.1.3, RFC 7636
// §4.6). Every check comes before the code is spent, so a request that
// fails one (a wrong verifier) leaves the code to the app; a code
// presented again after it was spent revokes the grant.
func (s *Server) redeemCode(ctx context.Context, c access.OAuthClient, r *http.Request) (tokenResponse, error) {
	form := r.PostForm
	code := form.Get("code")
	if code == "" {
		return tokenResponse{}, errInvalidRequest("The code parameter is missing.")
	}
	hash, _, err := keys.AuthorizationCode.Parse(code)
	if err != nil {
		return tokenResponse{}, errInvalidGrant("The authorization code is not one this server issued.")
	}
	t, err := s.db.OAuthTokenByHash(ctx, access.TokenCode, hash)
	if errors.Is(err, access.ErrOAuthTokenNotFound) || (err == nil && t.Grant.Revoked()) {
		return tokenResponse{}, errInvalidGrant("The authorization code is unknown, or its connection was revoked. Start connecting again.")
	}
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	if t.UsedAt != nil {
		// A code presented twice may have been stolen: what it issued ends
		// (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
		s.appRevokes(ctx, t.Grant, "an authorization code was presented a second time")
		return tokenResponse{}, errInvalidGrant("The authorization code was already used; the tokens issued with it are revoked. Start connecting again.")
	}
	if !s.db.Now().Before(t.ExpiresAt) {
		return tokenResponse{}, errInvalidGrant("The authorization code has expired. Start connecting again.")
	}
	if t.Grant.ClientID != c.ID {
		return tokenResponse{}, errInvalidGrant("The authorization code was issued to another client.")
	}
	if ru := form.Get("redirect_uri"); ru != t.RedirectURI {
		return tokenResponse{}, errInvalidGrant("The redirect_uri is not the one the authorization request gave, exactly.")
	}
	verifier := form.Get("code_verifier")
	if verifier == "" {
		return tokenResponse{}, errInvalidRequest("The code_verifier parameter is missing: send the PKCE verifier of the authorization request.")
	}
	if p := verifierProblem(verifier); p != "" {
		return tokenResponse{}, errInvalidGrant("%s", p)
	}
	if !verifierMatches(verifier, t.CodeChallenge) {
		return tokenResponse{}, errInvalidGrant("The PKCE code challenge did not match the code verifier.")
	}
	won, err := s.db.UseOAuthToken(ctx, access.TokenCode, hash)
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	if !won {
		// Another request redeemed it meanwhile: that is reuse too.
		s.appRevokes(ctx, t.Grant, "an authorization code was presented a second time")
		return tokenResponse{}, errInvalidGrant("The authorization code was already used; the tokens issued with it are revoked. Start connecting again.")
	}
	return s.issueTokens(ctx, t.Grant)
}

// refresh is the refresh token grant (RFC 6749 §6) with rotation: each
// refresh token works once and is replaced, with the access token, by a
// new pair. A rotated one presented again means two parties hold it, and
// the grant ends (RFC 9700 §4.14.2).
func (s *Server) refresh(ctx context.Context, c access.OAuthClient, r *http.Request) (tokenResponse, error) {
	form := r.PostForm
	rt := form.Get("refresh_token")
	if rt == "" {
		return tokenResponse{}, errInvalidRequest("The refresh_token parameter is missing.")
	}
	hash, _, err := keys.RefreshToken.Parse(rt)
	if err != nil {
		return tokenResponse{}, errInvalidGrant("The refresh token is not one this server issued.")
	}
	t, err := s.db.OAuthTokenByHash(ctx, access.TokenRefresh, hash)
	if errors.Is(err, access.ErrOAuthTokenNotFound) || (err == nil && t.Grant.Revoked()) {
		return tokenResponse{}, errInvalidGrant("The refresh token is unknown, or its connection was revoked. Connect again.")
	}
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	if t.UsedAt != nil {
		s.appRevokes(ctx, t.Grant, "a rotated refresh token was presented again")
		return tokenResponse{}, errInvalidGrant("The refresh token was already used; the connection is revoked. Connect again.")
	}
	if !s.db.Now().Before(t.ExpiresAt) {
		return tokenResponse{}, errInvalidGrant("The refresh token has expired. Connect again.")
	}
	if t.Grant.ClientID != c.ID {
		return tokenResponse{}, errInvalidGrant("The refresh token was issued to another client.")
	}
	granted := scopesOf(t.Grant.Scope)
	for _, sc := range strings.Fields(form.Get("scope")) {
		if !slices.Contains(granted, sc) {
			return tokenResponse{}, errInvalidScope("The scope %q was not granted: ask for %s at most.", truncate(sc, 40), strings.Join(granted, " "))
		}
	}
	won, err := s.db.UseOAuthToken(ctx, access.TokenRefresh, hash)
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	if !won {
		// Two refreshes at once with the same token: the other one won and
		// holds the new pair. This one is refused; presenting the token
		// again later is reuse.
		return tokenResponse{}, errInvalidGrant("The refresh token was just used by another request.")
	}
	return s.issueTokens(ctx, t.Grant)
}

// issueTokens stores a new access token and refresh token of the grant
// (their hashes only; the refresh token names its access token, which ends
// when it is rotated) and returns them.
func (s *Server) issueTokens(ctx context.Context, g access.Grant) (tokenResponse, error) {
	accessToken, err := keys.AccessToken.Generate()
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	refresh, err := keys.RefreshToken.Generate()
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	now := s.db.Now()
	for _, n := range []access.NewOAuthToken{
		{StoreID: g.StoreID, GrantID: g.ID, Kind: access.TokenAccess, Hash: accessToken.Hash, ExpiresAt: now.Add(access.AccessTokenTTL)},
		{StoreID: g.StoreID, GrantID: g.ID, Kind: access.TokenRefresh, Hash: refresh.Hash, AccessHash: accessToken.Hash, ExpiresAt: now.Add(access.RefreshTokenTTL)},
	} {
		if err := s.db.CreateOAuthToken(ctx, n); errors.Is(err, access.ErrKeyRevoked) {
			return tokenResponse{}, errInvalidGrant("The connection was revoked. Connect again.")
		} else if err != nil {
			return tokenResponse{}, errServer(err)
		}
	}
	return tokenResponse{AccessToken: accessToken.Secret, TokenType: "Bearer", ExpiresIn: int64(access.AccessTokenTTL.Seconds()),
		RefreshToken: refresh.Secret, Scope: strings.Join(scopesOf(g.Scope), " ")}, nil
}

// revoke is the revocation endpoint (RFC 7009). Revoking an app's access
// or refresh token ends its whole grant, as a member's revocation does.
// An unknown, malformed or already revoked token is answered 200 as well
// (§2.2): the app's aim, that the token no longer works, holds.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := s.revokeRequest(w, r); err != nil {
		s.refusedToken(r, err)
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}

func (s *Server) revokeRequest(w http.ResponseWriter, r *http.Request) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	if token == "" {
		return errInvalidRequest("The token parameter is missing.")
	}
	c, err := s.requestClient(r)
	if err != nil {
		return err
	}
	// The token's marker says its kind, whatever token_type_hint says
	// (the hint only speeds a search this server does not need).
	var kind string
	var hash []byte
	switch {
	case keys.AccessToken.Has(token):
		kind = access.TokenAccess
		hash, _, err = keys.AccessToken.Parse(token)
	case keys.RefreshToken.Has(token):
		kind = access.TokenRefresh
		hash, _, err = keys.RefreshToken.Parse(token)
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	t, err := s.db.OAuthTokenByHash(r.Context(), kind, hash)
	if errors.Is(err, access.ErrOAuthTokenNotFound) || (err == nil && t.Grant.Revoked()) {
		return nil
	}
	if err != nil {
		return errServer(err)
	}
	if t.Grant.ClientID != c.ID {
		// §2.1: only the client the token was issued to may revoke it.
		return errUnauthorizedClient("The token was issued to another client.")
	}
	// Once asked, the revocation completes even if the app hangs up.
	if _, err := s.db.RevokeGrantForApp(context.WithoutCancel(r.Context()), t.Grant.StoreID, t.Grant.ID, "the app revoked its token"); err != nil && !errors.Is(err, access.ErrGrantNotFound) {
		return errServer(err)
	}
	logging.For(r.Context(), s.log).Info().Int64("grant", t.Grant.ID).Str("client", t.Grant.ClientName).Msg("connected app revoked its token")
	return nil
}

// refusedToken logs a refused token or revocation request by its error
// name only: the request's form holds codes, verifiers and tokens.
func (s *Server) refusedToken(r *http.Request, err error) {
	oe := asOAuthError(err)
	ev := logging.For(r.Context(), s.log).Info()
	if oe.Code == "server_error" {
		ev = logging.For(r.Context(), s.log).Error().Err(oe.cause)
	}
	ev.Str("error", oe.Code).Str("grant_type", r.PostForm.Get("grant_type")).Msg("token request refused")
}

// scopesOf are the OAuth scopes a key scope grants.
func scopesOf(s keys.Scope) []string {
	if s.CanWrite() {
		return []string{"read", "write"}
	}
	return []string{"read"}
}
