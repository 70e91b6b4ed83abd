package keys

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// Kind is a family of credentials that share the key format (marker,
// random part, CRC32 checksum) and differ by marker: API keys, and the
// OAuth tokens and codes issued to web-chat apps. One format means one
// parser, one scanner rule per marker, and a mistyped token refused before
// any I/O, whatever its kind.
type Kind struct {
	Marker string
	// Name is how the kind is named in sentences ("access token").
	Name string
}

// The kinds of credential the server issues.
var (
	APIKey = Kind{Marker: Marker, Name: "API key"}
	// AccessToken is an OAuth access token (lsto_), valid one hour.
	AccessToken = Kind{Marker: "lsto_", Name: "access token"}
	// RefreshToken is an OAuth refresh token (lstr_), rotated on use.
	RefreshToken = Kind{Marker: "lstr_", Name: "refresh token"}
	// AuthorizationCode is an OAuth authorization code (lstc_), valid a few
	// minutes and used once.
	AuthorizationCode = Kind{Marker: "lstc_", Name: "authorization code"}
	// PreviewToken seals a dry run (lstp_): the write that names it applies
	// only what was previewed, once, within 15 minutes.
	PreviewToken = Kind{Marker: "lstp_", Name: "preview token"}
)

// Len is the length of a whole credential of the kind.
func (k Kind) Len() int { return len(k.Marker) + RandomLen + ChecksumLen }

// Has reports whether s starts with the kind's marker (it may still be
// malformed).
func (k Kind) Has(s string) bool { return strings.HasPrefix(s, k.Marker) }

// Generate draws a new credential of the kind from crypto/rand.
func (k Kind) Generate() (Key, error) {
	random, err := randomPart(RandomLen)
	if err != nil {
		return Key{}, err
	}
	secret := k.Marker + random + checksum([]byte(random))
	return Key{Secret: secret, Prefix: k.Marker + random[:PrefixLen], Hash: Hash(secret)}, nil
}

// Parse checks a presented credential's marker, length, alphabet and
// checksum without any I/O and returns its hash and display prefix. The
// error matches ErrMalformed.
func (k Kind) Parse(s string) (hash []byte, prefix string, err error) {
	if k.Marker == Marker {
		return Parse(s)
	}
	if len(s) != k.Len() || !strings.HasPrefix(s, k.Marker) {
		return nil, "", k.malformed()
	}
	body := s[len(k.Marker):]
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return nil, "", k.malformed()
		}
	}
	random := body[:RandomLen]
	if checksum([]byte(random)) != body[RandomLen:] {
		return nil, "", k.malformed()
	}
	return Hash(s), k.Marker + random[:PrefixLen], nil
}

func (k Kind) malformed() error {
	return malformedError{fmt.Sprintf("the %s is malformed: it should be %s followed by %d letters and digits", k.Name, k.Marker, RandomLen+ChecksumLen)}
}

// malformedError is a malformed credential of a kind other than an API
// key: its own sentence, and errors.Is(err, ErrMalformed).
type malformedError struct{ msg string }

func (e malformedError) Error() string        { return e.msg }
func (e malformedError) Is(target error) bool { return target == ErrMalformed }

func randomPart(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 64)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			// 248 = 4 × 62: rejecting the rest keeps every character equally likely.
			if b < 248 && len(out) < n {
				out = append(out, alphabet[b%62])
			}
		}
	}
	return string(out), nil
}

// Connection codes are what a member reads off the keys page and types
// into a web-chat app's approval page: short, so they are typed rather
// than pasted, and therefore single-use, short-lived and checked online
// only. The alphabet leaves out 0, O, 1, I and L, which people confuse.
const (
	connAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	connHalf     = 4
)

// ErrMalformedConnectionCode means the text cannot be a connection code.
var ErrMalformedConnectionCode = fmt.Errorf("the connection code is malformed: it is 8 letters and digits shown as XXXX-XXXX on the keys page")

// NewConnectionCode draws a connection code, shown as XXXX-XXXX, and the
// hash that is all storage keeps (of the normalized form).
func NewConnectionCode() (code string, hash []byte, err error) {
	out := make([]byte, 0, 2*connHalf)
	buf := make([]byte, 32)
	for len(out) < 2*connHalf {
		if _, err := rand.Read(buf); err != nil {
			return "", nil, fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			// 248 = 8 × 31.
			if b < 248 && len(out) < 2*connHalf {
				out = append(out, connAlphabet[b%byte(len(connAlphabet))])
			}
		}
	}
	s := string(out)
	return s[:connHalf] + "-" + s[connHalf:], Hash(s), nil
}

// ParseConnectionCode accepts a code as people type it (any case, with or
// without the dash, spaces around) and returns its hash.
func ParseConnectionCode(s string) ([]byte, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.ReplaceAll(strings.ReplaceAll(s, "-", ""), " ", "")
	if len(s) != 2*connHalf {
		return nil, ErrMalformedConnectionCode
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(connAlphabet, s[i]) < 0 {
			return nil, ErrMalformedConnectionCode
		}
	}
	return Hash(s), nil
}
