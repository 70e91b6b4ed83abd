package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636), S256 only: the plain method would let whoever sees the
// authorization request redeem the code, so it is refused (OAuth 2.1
// §4.1.1 lets a server require S256).

// Lengths of RFC 7636 §4.1: a verifier is 43 to 128 characters; an S256
// challenge is the base64url (no padding) of a SHA-256 hash, 43 characters.
const (
	minVerifierLen = 43
	maxVerifierLen = 128
	challengeLen   = 43
)

// unreserved reports whether c is one of RFC 3986's unreserved characters,
// the verifier's alphabet (RFC 7636 §4.1).
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// verifierProblem says what is wrong with a code verifier, or "" if
// nothing is.
func verifierProblem(v string) string {
	if len(v) < minVerifierLen || len(v) > maxVerifierLen {
		return "The PKCE code verifier must be 43 to 128 characters long."
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return "The PKCE code verifier may contain only letters, digits and - . _ ~."
		}
	}
	return ""
}

// validChallenge reports whether c can be an S256 challenge: 43 characters
// of the base64url alphabet.
func validChallenge(c string) bool {
	if len(c) != challengeLen {
		return false
	}
	for i := 0; i < len(c); i++ {
		if ch := c[i]; !unreserved(ch) || ch == '.' || ch == '~' {
			return false
		}
	}
	return true
}

// s256 is the S256 challenge of a verifier (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// verifierMatches reports whether the verifier's S256 challenge is the one
// the code was issued for, in constant time.
func verifierMatches(verifier, challenge string) bool {
	return subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(challenge)) == 1
}
