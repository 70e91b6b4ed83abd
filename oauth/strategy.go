package oauth

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/ory/fosite"

	"github.com/logistified/mcp-server/keys"
)

// tokenStrategy issues codes and tokens in the key format (lstc_, lsto_,
// lstr_: random part and CRC32 checksum) and names each by the hex SHA-256
// of the whole token, which is what fosite calls its signature and all
// that storage keeps. A mistyped token fails its checksum without I/O.
type tokenStrategy struct{}

func signature(token string) string { return hex.EncodeToString(keys.Hash(token)) }

func (tokenStrategy) generate(k keys.Kind) (string, string, error) {
	t, err := k.Generate()
	if err != nil {
		return "", "", err
	}
	return t.Secret, hex.EncodeToString(t.Hash), nil
}

func (tokenStrategy) validate(k keys.Kind, r fosite.Requester, tt fosite.TokenType, token string) error {
	if _, _, err := k.Parse(token); err != nil {
		return fosite.ErrInvalidTokenFormat
	}
	if exp := r.GetSession().GetExpiresAt(tt); !exp.IsZero() && !time.Now().Before(exp) {
		return fosite.ErrTokenExpired
	}
	return nil
}

func (tokenStrategy) AccessTokenSignature(_ context.Context, token string) string {
	return signature(token)
}

func (s tokenStrategy) GenerateAccessToken(context.Context, fosite.Requester) (string, string, error) {
	return s.generate(keys.AccessToken)
}

func (s tokenStrategy) ValidateAccessToken(_ context.Context, r fosite.Requester, token string) error {
	return s.validate(keys.AccessToken, r, fosite.AccessToken, token)
}

func (tokenStrategy) RefreshTokenSignature(_ context.Context, token string) string {
	return signature(token)
}

func (s tokenStrategy) GenerateRefreshToken(context.Context, fosite.Requester) (string, string, error) {
	return s.generate(keys.RefreshToken)
}

func (s tokenStrategy) ValidateRefreshToken(_ context.Context, r fosite.Requester, token string) error {
	return s.validate(keys.RefreshToken, r, fosite.RefreshToken, token)
}

func (tokenStrategy) AuthorizeCodeSignature(_ context.Context, token string) string {
	return signature(token)
}

func (s tokenStrategy) GenerateAuthorizeCode(context.Context, fosite.Requester) (string, string, error) {
	return s.generate(keys.AuthorizationCode)
}

func (s tokenStrategy) ValidateAuthorizeCode(_ context.Context, r fosite.Requester, token string) error {
	return s.validate(keys.AuthorizationCode, r, fosite.AuthorizeCode, token)
}
