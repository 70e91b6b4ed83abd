package oauth

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// session is what fosite carries between the approval and the tokens: the
// grant, which names the store, scope and member.
type session struct {
	StoreID, GrantID int64
	Expires          map[fosite.TokenType]time.Time
}

func newSession(storeID, grantID int64) *session {
	return &session{StoreID: storeID, GrantID: grantID, Expires: map[fosite.TokenType]time.Time{}}
}

func (s *session) SetExpiresAt(key fosite.TokenType, exp time.Time) {
	if s.Expires == nil {
		s.Expires = map[fosite.TokenType]time.Time{}
	}
	s.Expires[key] = exp
}

func (s *session) GetExpiresAt(key fosite.TokenType) time.Time { return s.Expires[key] }
func (s *session) GetUsername() string                         { return "" }
func (s *session) GetSubject() string                          { return requestID(s.StoreID, s.GrantID) }

func (s *session) Clone() fosite.Session {
	c := newSession(s.StoreID, s.GrantID)
	for k, v := range s.Expires {
		c.Expires[k] = v
	}
	return c
}

// requestID is fosite's name for a grant's chain of codes and tokens: the
// grant itself.
func requestID(storeID, grantID int64) string { return fmt.Sprintf("%d.%d", storeID, grantID) }

func parseRequestID(id string) (storeID, grantID int64, err error) {
	a, b, ok := strings.Cut(id, ".")
	if ok {
		if storeID, err = strconv.ParseInt(a, 10, 64); err == nil {
			grantID, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("%w: request id %q", fosite.ErrNotFound, id)
	}
	return storeID, grantID, nil
}

// scopesOf are the OAuth scopes a key scope grants.
func scopesOf(s keys.Scope) fosite.Arguments {
	if s.CanWrite() {
		return fosite.Arguments{"read", "write"}
	}
	return fosite.Arguments{"read"}
}

// fositeStore maps fosite's storage interfaces onto storage's domain
// operations, which know nothing of fosite.
type fositeStore struct {
	srv *Server
}

func hashOf(sig string) []byte {
	b, err := hex.DecodeString(sig)
	if err != nil {
		// Not a signature we made: a hash nothing has.
		return []byte{0}
	}
	return b
}

func (f fositeStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := f.srv.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return f.srv.fositeClient(c), nil
}

// Client assertions (private_key_jwt) are not offered: apps are public
// clients with PKCE.
func (fositeStore) ClientAssertionJWTValid(context.Context, string) error { return fosite.ErrJTIKnown }
func (fositeStore) SetClientAssertionJWT(context.Context, string, time.Time) error {
	return errors.New("client assertions are not supported")
}

func sessionOf(r fosite.Requester) (*session, error) {
	s, ok := r.GetSession().(*session)
	if !ok || s.GrantID == 0 {
		return nil, errors.New("the request carries no grant")
	}
	return s, nil
}

func (f fositeStore) create(ctx context.Context, kind, sig string, r fosite.Requester, tt fosite.TokenType, access string) error {
	s, err := sessionOf(r)
	if err != nil {
		return err
	}
	n := storage.NewOAuthToken{StoreID: s.StoreID, GrantID: s.GrantID, Kind: kind, Hash: hashOf(sig), ExpiresAt: s.GetExpiresAt(tt)}
	if access != "" {
		n.AccessHash = hashOf(access)
	}
	if kind == storage.TokenCode {
		n.RedirectURI = r.GetRequestForm().Get("redirect_uri")
		n.CodeChallenge = r.GetRequestForm().Get("code_challenge")
	}
	if n.ExpiresAt.IsZero() {
		return fmt.Errorf("the %s has no expiry", kind)
	}
	return f.srv.db.CreateOAuthToken(ctx, n)
}

// load returns the stored code or token as the fosite request that made
// it. A revoked grant's tokens are gone, so they are not found.
func (f fositeStore) load(ctx context.Context, kind, sig string) (fosite.Requester, storage.OAuthToken, error) {
	t, err := f.srv.db.OAuthTokenByHash(ctx, kind, hashOf(sig))
	if errors.Is(err, storage.ErrOAuthTokenNotFound) {
		return nil, t, fosite.ErrNotFound
	}
	if err != nil {
		return nil, t, err
	}
	if t.Grant.Revoked() {
		return nil, t, fosite.ErrNotFound
	}
	c, err := f.srv.db.OAuthClientByID(ctx, t.Grant.ClientID)
	if err != nil {
		return nil, t, err
	}
	sess := newSession(t.Grant.StoreID, t.Grant.ID)
	tt := map[string]fosite.TokenType{storage.TokenCode: fosite.AuthorizeCode, storage.TokenAccess: fosite.AccessToken, storage.TokenRefresh: fosite.RefreshToken}[kind]
	sess.SetExpiresAt(tt, t.ExpiresAt)
	r := fosite.NewRequest()
	r.ID = requestID(t.Grant.StoreID, t.Grant.ID)
	r.RequestedAt = t.CreatedAt
	r.Client = f.srv.fositeClient(c)
	r.Session = sess
	r.RequestedScope = scopesOf(t.Grant.Scope)
	r.GrantedScope = scopesOf(t.Grant.Scope)
	r.RequestedAudience = fosite.Arguments{t.Grant.Audience}
	r.GrantedAudience = fosite.Arguments{t.Grant.Audience}
	if kind == storage.TokenCode {
		r.Form.Set("redirect_uri", t.RedirectURI)
		r.Form.Set("code_challenge", t.CodeChallenge)
		r.Form.Set("code_challenge_method", "S256")
	}
	return r, t, nil
}

func (f fositeStore) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return f.create(ctx, storage.TokenCode, sig, r, fosite.AuthorizeCode, "")
}

func (f fositeStore) GetAuthorizeCodeSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, t, err := f.load(ctx, storage.TokenCode, sig)
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil {
		// A code presented twice may have been stolen: fosite then revokes
		// the grant's tokens (RevokeAccessToken, RevokeRefreshToken).
		f.srv.appRevokes(ctx, t.Grant, "an authorization code was presented a second time")
		return r, fosite.ErrInvalidatedAuthorizeCode
	}
	return r, nil
}

func (f fositeStore) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	won, err := f.srv.db.UseOAuthToken(ctx, storage.TokenCode, hashOf(sig))
	if err == nil && !won {
		return fosite.ErrInvalidatedAuthorizeCode
	}
	return err
}

// PKCE: the challenge is kept with the code it belongs to.
func (f fositeStore) CreatePKCERequestSession(context.Context, string, fosite.Requester) error {
	return nil
}

func (f fositeStore) GetPKCERequestSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, _, err := f.load(ctx, storage.TokenCode, sig)
	return r, err
}

func (f fositeStore) DeletePKCERequestSession(context.Context, string) error { return nil }

func (f fositeStore) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	return f.create(ctx, storage.TokenAccess, sig, r, fosite.AccessToken, "")
}

func (f fositeStore) GetAccessTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, _, err := f.load(ctx, storage.TokenAccess, sig)
	return r, err
}

func (f fositeStore) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	return f.srv.db.DeleteOAuthToken(ctx, storage.TokenAccess, hashOf(sig))
}

func (f fositeStore) CreateRefreshTokenSession(ctx context.Context, sig, accessSig string, r fosite.Requester) error {
	return f.create(ctx, storage.TokenRefresh, sig, r, fosite.RefreshToken, accessSig)
}

func (f fositeStore) GetRefreshTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, t, err := f.load(ctx, storage.TokenRefresh, sig)
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil {
		// A rotated refresh token presented again: one of its holders is
		// not the app. The whole grant ends.
		f.srv.appRevokes(ctx, t.Grant, "a rotated refresh token was presented again")
		return r, fosite.ErrInactiveToken
	}
	return r, nil
}

func (f fositeStore) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	return f.srv.db.DeleteOAuthToken(ctx, storage.TokenRefresh, hashOf(sig))
}

func (f fositeStore) RotateRefreshToken(ctx context.Context, _ string, sig string) error {
	won, err := f.srv.db.UseOAuthToken(ctx, storage.TokenRefresh, hashOf(sig))
	if err == nil && !won {
		// Another request rotated it first.
		return fosite.ErrNotFound
	}
	return err
}

// RevokeRefreshToken and RevokeAccessToken end the whole grant: fosite
// calls them when the app revokes a token (RFC 7009) and on reuse.
func (f fositeStore) RevokeRefreshToken(ctx context.Context, id string) error {
	return f.revoke(ctx, id)
}

func (f fositeStore) RevokeAccessToken(ctx context.Context, id string) error {
	return f.revoke(ctx, id)
}

func (f fositeStore) revoke(ctx context.Context, id string) error {
	storeID, grantID, err := parseRequestID(id)
	if err != nil {
		return err
	}
	_, err = f.srv.db.RevokeGrantForApp(ctx, storeID, grantID, "the app revoked its token")
	if errors.Is(err, storage.ErrGrantNotFound) {
		return fosite.ErrNotFound
	}
	return err
}
