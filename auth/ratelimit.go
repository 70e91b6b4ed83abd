package auth

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a per-key request rate: Limit requests per second on average,
// with bursts of up to Burst.
type Rate struct {
	Limit float64
	Burst int
}

// DefaultRate suits a busy agent or integration: 20 requests per second,
// bursts of 40.
var DefaultRate = Rate{Limit: 20, Burst: 40}

// ParseRate reads LOGISTIFIED_RATE_LIMIT: RATE[:BURST] in requests per
// second; "0" turns limiting off (a zero Rate); "" is DefaultRate. BURST
// defaults to twice RATE (at least 1).
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultRate, nil
	}
	rs, bs, hasBurst := strings.Cut(s, ":")
	r, err := strconv.ParseFloat(strings.TrimSpace(rs), 64)
	if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return Rate{}, fmt.Errorf("rate limit %q: RATE must be requests per second, a number such as 20 (0 turns limiting off)", s)
	}
	if r == 0 {
		return Rate{}, nil
	}
	burst := int(math.Max(1, math.Ceil(2*r)))
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(bs))
		if err != nil || b < 1 {
			return Rate{}, fmt.Errorf("rate limit %q: BURST must be a whole number of requests, at least 1", s)
		}
		burst = b
	}
	return Rate{Limit: r, Burst: burst}, nil
}

// Off reports whether the rate turns limiting off.
func (r Rate) Off() bool { return r.Limit <= 0 }

// Limiter limits each key's requests, in this process: a deployment with
// several replicas multiplies the budget by their number unless something
// in front limits too. Its memory is bounded by the keys active recently:
// a key idle long enough to have refilled its bucket is forgotten, which
// changes nothing for that key.
type Limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	keys    map[int64]*limiterEntry
	swept   time.Time
	idleTTL time.Duration
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter returns a limiter at r; a nil *Limiter (from an Off rate)
// allows everything.
func NewLimiter(r Rate) *Limiter {
	if r.Off() {
		return nil
	}
	if r.Burst < 1 {
		r.Burst = 1
	}
	// A bucket refills completely in Burst/Limit seconds; after that an
	// entry is the same as a fresh one.
	ttl := time.Duration(float64(r.Burst)/r.Limit*float64(time.Second)) + time.Second
	return &Limiter{rate: r, now: time.Now, keys: map[int64]*limiterEntry{}, idleTTL: ttl}
}

// Decision is what the limiter said about one request, for the response
// headers.
type Decision struct {
	Allowed    bool
	Limit      int           // the burst: requests available at once
	Remaining  int           // requests left right now
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // until the next request is allowed (refused only)
}

// Allow takes one request from keyID's budget.
func (l *Limiter) Allow(keyID int64) Decision {
	if l == nil {
		return Decision{Allowed: true}
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.idleTTL {
		for id, e := range l.keys {
			if now.Sub(e.seen) > l.idleTTL {
				delete(l.keys, id)
			}
		}
		l.swept = now
	}
	e := l.keys[keyID]
	if e == nil {
		e = &limiterEntry{lim: rate.NewLimiter(rate.Limit(l.rate.Limit), l.rate.Burst)}
		l.keys[keyID] = e
	}
	e.seen = now
	d := Decision{Limit: l.rate.Burst}
	res := e.lim.ReserveN(now, 1)
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		d.RetryAfter = delay
	} else {
		d.Allowed = true
	}
	tokens := e.lim.TokensAt(now)
	d.Remaining = max(0, int(math.Floor(tokens)))
	d.Reset = time.Duration((float64(l.rate.Burst) - tokens) / l.rate.Limit * float64(time.Second))
	return d
}

// size is how many keys the limiter remembers, for tests.
func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// SetHeaders writes the RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset headers (seconds, rounded up) and, when the request was
// refused, Retry-After.
func (d Decision) SetHeaders(h http.Header) {
	if d.Limit == 0 {
		return // limiting is off
	}
	h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(d.Reset)))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(d.RetryAfter))))
	}
}

// Message is the sentence a refused caller sees.
func (d Decision) Message() string {
	return fmt.Sprintf("this key made more than %d requests in a burst: slow down and retry after %d second(s)",
		d.Limit, max(1, ceilSeconds(d.RetryAfter)))
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}
