package auth

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PerAddress gives each client address an allowance of burst, refilled
// one every refill, for what anyone may do without a key: present a
// secret that does not work (a sign-in link, a connection code: the
// secrets are long enough that this is not what keeps them secret, it
// keeps a scanner from trying them at the speed of the network and from
// filling the logs), or register an app. It counts per process, like
// Limiter.
type PerAddress struct {
	burst   int
	refill  time.Duration
	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// maxAddresses bounds the addresses remembered: past it, everyone is
// forgotten rather than the map grow without bound.
const maxAddresses = 10000

// NewPerAddress allows burst per client address, then one per refill.
func NewPerAddress(burst int, refill time.Duration) *PerAddress {
	return &PerAddress{burst: burst, refill: refill, clients: map[string]*rate.Limiter{}}
}

func (g *PerAddress) get(client string) *rate.Limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	lim, ok := g.clients[client]
	if !ok {
		if len(g.clients) >= maxAddresses {
			g.clients = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(rate.Every(g.refill), g.burst)
		g.clients[client] = lim
	}
	return lim
}

// Exhausted reports whether the request's client used up its allowance:
// the caller refuses it (429) without looking at what it presented, right
// or not.
func (g *PerAddress) Exhausted(r *http.Request) bool { return g.get(ClientAddr(r)).Tokens() < 1 }

// Spend takes one from the request's client's allowance.
func (g *PerAddress) Spend(r *http.Request) { g.get(ClientAddr(r)).Allow() }

// ClientAddr is the address the request came from (without its port), for
// limits and logs.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
