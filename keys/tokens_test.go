package keys

import (
	"errors"
	"strings"
	"testing"
)

func TestTokenKinds(t *testing.T) {
	for _, k := range []Kind{AccessToken, RefreshToken, AuthorizationCode} {
		t.Run(k.Name, func(t *testing.T) {
			g, err := k.Generate()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(g.Secret, k.Marker) || len(g.Secret) != k.Len() {
				t.Fatalf("generated %q: want marker %s and length %d", g.Secret, k.Marker, k.Len())
			}
			hash, prefix, err := k.Parse(g.Secret)
			if err != nil || string(hash) != string(g.Hash) || prefix != g.Prefix {
				t.Fatalf("Parse(generated) = %x, %q, %v", hash, prefix, err)
			}
			// A mistyped character breaks the checksum; other kinds'
			// markers are refused.
			typo := []byte(g.Secret)
			typo[len(k.Marker)+3] ^= 1
			for _, bad := range []string{string(typo), "", g.Secret[:len(g.Secret)-1], Marker + g.Secret[len(k.Marker):], g.Secret + "x"} {
				if _, _, err := k.Parse(bad); !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), g.Secret[len(k.Marker):]) {
					t.Errorf("Parse(%q) = %v, want ErrMalformed without the token", bad, err)
				}
			}
			if _, _, err := APIKey.Parse(g.Secret); !errors.Is(err, ErrMalformed) {
				t.Errorf("an %s passed as an API key: %v", k.Name, err)
			}
		})
	}
}

func TestConnectionCode(t *testing.T) {
	code, hash, err := NewConnectionCode()
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 9 || code[4] != '-' {
		t.Fatalf("code %q is not XXXX-XXXX", code)
	}
	for _, typed := range []string{code, strings.ToLower(code), " " + strings.ReplaceAll(code, "-", "") + " "} {
		h, err := ParseConnectionCode(typed)
		if err != nil || string(h) != string(hash) {
			t.Errorf("ParseConnectionCode(%q) = %x, %v; want the code's hash", typed, h, err)
		}
	}
	for _, bad := range []string{"", "ABCD-EFG", "ABCD-EFGHJ", "ABCD-EFG0", "ABCD;EFGH", "ÄBCD-EFGH"} {
		if _, err := ParseConnectionCode(bad); !errors.Is(err, ErrMalformedConnectionCode) {
			t.Errorf("ParseConnectionCode(%q) = %v, want malformed", bad, err)
		}
	}
}
