// Package keys holds the lstk_ API key format: generation, the checksum that
// refuses a mistyped key before any database call, the display prefix, the
// hash kept at rest, and the scopes a key can carry.
package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
)

const (
	// Marker starts every key, so secret scanners can match the format.
	Marker = "lstk_"
	// RandomLen is the number of base62 characters drawn from crypto/rand:
	// 32 × log2(62) ≈ 190 bits.
	RandomLen = 32
	// ChecksumLen base62 characters hold a CRC32 (62^6 > 2^32).
	ChecksumLen = 6
	// PrefixLen random characters follow the marker in the display prefix.
	PrefixLen = 8
	// Len is the length of a whole key.
	Len = len(Marker) + RandomLen + ChecksumLen
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Scope is what a key may do.
type Scope string

const (
	// ScopeRead keys read the store's data and change nothing.
	ScopeRead Scope = "read"
	// ScopeWrite keys also operate documents and reorder rules.
	ScopeWrite Scope = "write"
)

// ParseScope accepts "read" or "write".
func ParseScope(s string) (Scope, error) {
	switch Scope(strings.ToLower(strings.TrimSpace(s))) {
	case ScopeRead:
		return ScopeRead, nil
	case ScopeWrite:
		return ScopeWrite, nil
	}
	return "", fmt.Errorf("scope %q is not valid: use read or write", s)
}

// CanWrite reports whether the scope allows write tools.
func (s Scope) CanWrite() bool { return s == ScopeWrite }

// ErrMalformed means the text cannot be a key: wrong marker, length,
// alphabet or checksum.
var ErrMalformed = errors.New("the API key is malformed: it should be lstk_ followed by 38 letters and digits, as printed when it was created")

// Key is a freshly generated key. Secret is shown to the user once.
type Key struct {
	Secret string
	Prefix string
	Hash   []byte
}

// Generate draws a new key from crypto/rand.
func Generate() (Key, error) {
	random := make([]byte, RandomLen)
	buf := make([]byte, 64)
	for i := 0; i < RandomLen; {
		if _, err := rand.Read(buf); err != nil {
			return Key{}, fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			// 248 = 4 × 62: rejecting the rest keeps every character equally likely.
			if b < 248 && i < RandomLen {
				random[i] = alphabet[b%62]
				i++
			}
		}
	}
	secret := Marker + string(random) + checksum(random)
	return Key{Secret: secret, Prefix: Marker + string(random[:PrefixLen]), Hash: Hash(secret)}, nil
}

// Parse checks a presented key's form and checksum without any I/O and
// returns its hash and display prefix.
func Parse(s string) (hash []byte, prefix string, err error) {
	if len(s) != Len || !strings.HasPrefix(s, Marker) {
		return nil, "", ErrMalformed
	}
	body := s[len(Marker):]
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return nil, "", ErrMalformed
		}
	}
	random := body[:RandomLen]
	if checksum([]byte(random)) != body[RandomLen:] {
		return nil, "", ErrMalformed
	}
	return Hash(s), Marker + random[:PrefixLen], nil
}

// Hash is what storage keeps: SHA-256 of the whole key. The key has ~190
// random bits, so a fast unsalted hash is safe and allows an indexed lookup.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func checksum(random []byte) string {
	c := crc32.ChecksumIEEE(random)
	out := make([]byte, ChecksumLen)
	for i := ChecksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[c%62]
		c /= 62
	}
	return string(out)
}

// LooksLikePrefix reports whether s has the form of a display prefix.
func LooksLikePrefix(s string) bool {
	if len(s) != len(Marker)+PrefixLen || !strings.HasPrefix(s, Marker) {
		return false
	}
	for i := len(Marker); i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
