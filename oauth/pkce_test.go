package oauth

import (
	"strings"
	"testing"
)

// TestS256 checks the challenge against RFC 7636's own example (Appendix
// B) and the verifier's and challenge's forms against §4.1 and §4.2.
func TestS256(t *testing.T) {
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := s256(verifier); got != challenge {
		t.Errorf("s256(RFC 7636 example) = %s, want %s", got, challenge)
	}
	if !verifierMatches(verifier, challenge) || verifierMatches(verifier[1:]+"a", challenge) || verifierMatches(verifier, challenge[:42]) {
		t.Error("verifierMatches does not compare the whole challenge")
	}
	for _, tc := range []struct {
		verifier string
		ok       bool
	}{
		{verifier, true},
		{strings.Repeat("a", 43), true},
		{strings.Repeat("~", 128), true},
		{"abc-._~XYZ019" + strings.Repeat("q", 30), true},
		{strings.Repeat("a", 42), false},
		{strings.Repeat("a", 129), false},
		{"", false},
		{strings.Repeat("a", 42) + "+", false},
		{strings.Repeat("a", 42) + "/", false},
		{strings.Repeat("a", 42) + "=", false},
		{strings.Repeat("a", 42) + "%", false},
		{strings.Repeat("a", 42) + "\x00", false},
		{strings.Repeat("a", 41) + "é", false},
	} {
		if got := verifierProblem(tc.verifier) == ""; got != tc.ok {
			t.Errorf("verifier %q (%d bytes): accepted %v, want %v", tc.verifier, len(tc.verifier), got, tc.ok)
		}
	}
	for _, tc := range []struct {
		challenge string
		ok        bool
	}{
		{challenge, true},
		{challenge[:42], false},
		{challenge + "A", false},
		{challenge[:42] + "=", false},
		{challenge[:42] + "+", false},
		{challenge[:42] + "~", false},
		{challenge[:42] + ".", false},
	} {
		if got := validChallenge(tc.challenge); got != tc.ok {
			t.Errorf("challenge %q: accepted %v, want %v", tc.challenge, got, tc.ok)
		}
	}
}
