package keys

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

func mustGenerate(t testing.TB) Key {
	t.Helper()
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateFormat(t *testing.T) {
	seen := map[string]bool{}
	used := map[rune]bool{}
	for i := 0; i < 1000; i++ {
		k := mustGenerate(t)
		if len(k.Secret) != Len || !strings.HasPrefix(k.Secret, Marker) {
			t.Fatalf("key %d has the wrong form (length %d)", i, len(k.Secret))
		}
		body := k.Secret[len(Marker):]
		for _, r := range body {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("key %d holds %q, outside base62", i, r)
			}
		}
		for _, r := range body[:RandomLen] {
			used[r] = true
		}
		if want := Marker + body[:PrefixLen]; k.Prefix != want {
			t.Fatalf("prefix %q, want %q", k.Prefix, want)
		}
		if sum := sha256.Sum256([]byte(k.Secret)); !bytes.Equal(k.Hash, sum[:]) {
			t.Fatal("hash is not SHA-256 of the whole key")
		}
		hash, prefix, err := Parse(k.Secret)
		if err != nil || prefix != k.Prefix || !bytes.Equal(hash, k.Hash) {
			t.Fatalf("Parse(generated key) = %x, %q, %v", hash, prefix, err)
		}
		if !LooksLikePrefix(k.Prefix) {
			t.Fatalf("LooksLikePrefix(%q) = false", k.Prefix)
		}
		if seen[k.Secret] || seen[k.Prefix] {
			t.Fatal("Generate repeated a key or a prefix")
		}
		seen[k.Secret], seen[k.Prefix] = true, true
	}
	// 32,000 random characters: every one of the 62 shows up unless the
	// generator is biased or broken.
	if len(used) != len(alphabet) {
		t.Fatalf("only %d of %d base62 characters were drawn", len(used), len(alphabet))
	}
}

// Every single-character substitution, anywhere in the key, with any
// base62 character or a likely stray one, is refused by the checksum or the
// form check: a mistyped key never reaches the database.
func TestParseRefusesEverySingleCharacterTypo(t *testing.T) {
	candidates := alphabet + "-_ .+/=lI0O\x00"
	for n := 0; n < 20; n++ {
		secret := mustGenerate(t).Secret
		for i := 0; i < len(secret); i++ {
			for j := 0; j < len(candidates); j++ {
				c := candidates[j]
				if c == secret[i] {
					continue
				}
				typo := secret[:i] + string(c) + secret[i+1:]
				if _, _, err := Parse(typo); !errors.Is(err, ErrMalformed) {
					t.Fatalf("a typo at position %d (%q for %q) was accepted: %v", i, c, secret[i], err)
				}
			}
		}
	}
}

func TestParseRefusesAdjacentTranspositionsInTheRandomPart(t *testing.T) {
	for n := 0; n < 50; n++ {
		secret := mustGenerate(t).Secret
		for i := len(Marker); i < len(Marker)+RandomLen-1; i++ {
			if secret[i] == secret[i+1] {
				continue
			}
			b := []byte(secret)
			b[i], b[i+1] = b[i+1], b[i]
			if _, _, err := Parse(string(b)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("swapping positions %d and %d was accepted", i, i+1)
			}
		}
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	secret := mustGenerate(t).Secret
	for name, s := range map[string]string{
		"empty":              "",
		"marker only":        Marker,
		"upper-case marker":  "LSTK_" + secret[len(Marker):],
		"other marker":       "sk_" + secret[len(Marker):],
		"one character less": secret[:len(secret)-1],
		"one character more": secret + "a",
		"leading space":      " " + secret[:len(secret)-1],
		"with Bearer":        "Bearer " + secret,
		"doubled":            secret + secret,
		"prefix only":        secret[:len(Marker)+PrefixLen],
		"non-ASCII":          secret[:len(secret)-2] + "é",
		"huge":               strings.Repeat("a", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Parse(s); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse accepted %s: %v", name, err)
			}
		})
	}
}

func TestMalformedErrorDoesNotEchoTheKey(t *testing.T) {
	secret := mustGenerate(t).Secret
	_, _, err := Parse(secret + "x")
	if err == nil || strings.Contains(err.Error(), secret[len(Marker):len(Marker)+8]) {
		t.Fatalf("error %v repeats the presented key", err)
	}
}

func TestLooksLikePrefix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"lstk_AbCd1234", true},
		{"lstk_AbCd123", false},
		{"lstk_AbCd12345", false},
		{"LSTK_AbCd1234", false},
		{"lstk_AbCd-234", false},
		{"12", false},
		{"", false},
		{"lstk_'; DROP", false},
	} {
		if got := LooksLikePrefix(tc.in); got != tc.want {
			t.Errorf("LooksLikePrefix(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseScope(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  Scope
		valid bool
	}{
		{"read", ScopeRead, true},
		{"write", ScopeWrite, true},
		{" Write ", ScopeWrite, true},
		{"READ", ScopeRead, true},
		{"", "", false},
		{"admin", "", false},
		{"readwrite", "", false},
		{"read,write", "", false},
	} {
		got, err := ParseScope(tc.in)
		if (err == nil) != tc.valid || got != tc.want {
			t.Errorf("ParseScope(%q) = %q, %v", tc.in, got, err)
		}
	}
	if ScopeRead.CanWrite() || !ScopeWrite.CanWrite() {
		t.Error("only write keys may write")
	}
}

func BenchmarkParse(b *testing.B) {
	secret := mustGenerate(b).Secret
	for b.Loop() {
		if _, _, err := Parse(secret); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParse: Parse never panics, and whatever it accepts has the key's
// form, the matching prefix and hash.
func FuzzParse(f *testing.F) {
	k := mustGenerate(f)
	for _, s := range []string{"", Marker, k.Secret, k.Secret[:Len-1] + "0", strings.ToUpper(k.Secret), k.Secret + k.Secret} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hash, prefix, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error %v is not ErrMalformed", err)
			}
			return
		}
		sum := sha256.Sum256([]byte(s))
		if len(s) != Len || prefix != s[:len(Marker)+PrefixLen] || !bytes.Equal(hash, sum[:]) || !LooksLikePrefix(prefix) {
			t.Fatalf("Parse accepted %q as prefix %q", s, prefix)
		}
	})
}
