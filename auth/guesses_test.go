package auth_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/logistified/mcp-server/auth"
)

func TestGuessesBlockAnAddressAfterItsMistakes(t *testing.T) {
	g := auth.NewGuesses(3, time.Hour)
	mallory := httptest.NewRequest("POST", "/", nil)
	mallory.RemoteAddr = "203.0.113.7:50000"
	sameHostOtherPort := httptest.NewRequest("POST", "/", nil)
	sameHostOtherPort.RemoteAddr = "203.0.113.7:50001"
	alice := httptest.NewRequest("POST", "/", nil)
	alice.RemoteAddr = "198.51.100.2:40000"
	for i := range 3 {
		if g.Blocked(mallory) {
			t.Fatalf("blocked after %d mistakes, want 3 allowed", i)
		}
		g.Mistake(mallory)
	}
	if !g.Blocked(mallory) || !g.Blocked(sameHostOtherPort) {
		t.Fatal("an address with no mistakes left is not blocked (on any port)")
	}
	if g.Blocked(alice) {
		t.Fatal("another address is blocked by someone else's mistakes")
	}
}
