package auth

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Guesses slows down whoever keeps presenting secrets that do not work (a
// sign-in link, a connection code): each client address may make a few
// mistakes, then one every refill. The secrets are long enough that this
// is not what keeps them secret; it keeps a scanner from trying them at
// the speed of the network, and from filling the logs and the database's
// load. It counts per process, like Limiter.
type Guesses struct {
	burst   int
	refill  time.Duration
	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// maxGuessers bounds the addresses remembered: past it, everyone is
// forgotten rather than the map grow without bound.
const maxGuessers = 10000

// NewGuesses allows burst mistakes per client address, then one per refill.
func NewGuesses(burst int, refill time.Duration) *Guesses {
	return &Guesses{burst: burst, refill: refill, clients: map[string]*rate.Limiter{}}
}

func (g *Guesses) get(client string) *rate.Limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	lim, ok := g.clients[client]
	if !ok {
		if len(g.clients) >= maxGuessers {
			g.clients = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(rate.Every(g.refill), g.burst)
		g.clients[client] = lim
	}
	return lim
}

// Blocked reports whether the request's client used up its mistakes: the
// caller refuses it (429) without checking what it presented, right or not.
func (g *Guesses) Blocked(r *http.Request) bool { return g.get(ClientAddr(r)).Tokens() < 1 }

// Mistake counts one secret that did not work against the request's client.
func (g *Guesses) Mistake(r *http.Request) { g.get(ClientAddr(r)).Allow() }

// ClientAddr is the address the request came from (without its port), for
// limits and logs.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
