package auth_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/logistified/mcp-server/auth"
)

func TestPerAddressExhaustsOneAddressOnly(t *testing.T) {
	g := auth.NewPerAddress(3, time.Hour)
	mallory := httptest.NewRequest("POST", "/", nil)
	mallory.RemoteAddr = "203.0.113.7:50000"
	sameHostOtherPort := httptest.NewRequest("POST", "/", nil)
	sameHostOtherPort.RemoteAddr = "203.0.113.7:50001"
	alice := httptest.NewRequest("POST", "/", nil)
	alice.RemoteAddr = "198.51.100.2:40000"
	for i := range 3 {
		if g.Exhausted(mallory) {
			t.Fatalf("blocked after %d mistakes, want 3 allowed", i)
		}
		g.Spend(mallory)
	}
	if !g.Exhausted(mallory) || !g.Exhausted(sameHostOtherPort) {
		t.Fatal("an address with no mistakes left is not blocked (on any port)")
	}
	if g.Exhausted(alice) {
		t.Fatal("another address is blocked by someone else's mistakes")
	}
}
