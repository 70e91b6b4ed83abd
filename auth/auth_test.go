package auth

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rate
		err  bool
	}{
		{"", DefaultRate, false},
		{"0", Rate{}, false},
		{"10", Rate{Limit: 10, Burst: 20}, false},
		{"0.5", Rate{Limit: 0.5, Burst: 1}, false},
		{"5:7", Rate{Limit: 5, Burst: 7}, false},
		{" 5 : 7 ", Rate{Limit: 5, Burst: 7}, false},
		{"fast", Rate{}, true},
		{"-1", Rate{}, true},
		{"5:0", Rate{}, true},
		{"5:x", Rate{}, true},
		{"NaN", Rate{}, true},
		{"Inf", Rate{}, true},
	} {
		got, err := ParseRate(c.in)
		if (err != nil) != c.err || (err == nil && got != c.want) {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestLimiter(t *testing.T) {
	if d := NewLimiter(Rate{}).Allow(1); !d.Allowed || d.Limit != 0 {
		t.Fatalf("an off limiter refused or set headers: %+v", d)
	}
	l := NewLimiter(Rate{Limit: 1, Burst: 3})
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if d := l.Allow(7); !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	d := l.Allow(7)
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Second {
		t.Fatalf("over the burst: %+v", d)
	}
	h := http.Header{}
	d.SetHeaders(h)
	if h.Get("Retry-After") != "1" || h.Get("RateLimit-Limit") != "3" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") != "3" {
		t.Fatalf("headers %v", h)
	}
	if other := l.Allow(8); !other.Allowed {
		t.Fatal("another key shares the budget")
	}
	// A refused request takes nothing: one second later one request fits.
	now = now.Add(time.Second)
	if d := l.Allow(7); !d.Allowed {
		t.Fatalf("after a second: %+v", d)
	}
	// Idle keys are forgotten once their bucket would be full anyway.
	now = now.Add(time.Hour)
	l.Allow(9)
	if n := l.size(); n != 1 {
		t.Fatalf("%d keys remembered after an hour idle, want only the active one", n)
	}
}

func TestBearer(t *testing.T) {
	for _, c := range []struct {
		values      []string
		key         string
		present, ok bool
	}{
		{nil, "", false, false},
		{[]string{"  "}, "", false, false},
		{[]string{"Bearer lstk_x"}, "lstk_x", true, true},
		{[]string{"bearer  lstk_x "}, "lstk_x", true, true},
		{[]string{"Basic abc"}, "", true, false},
		{[]string{"Bearer"}, "", true, false},
		{[]string{"Bearer a b"}, "", true, false},
		{[]string{"Bearer a", "Bearer b"}, "", true, false},
	} {
		key, present, ok := Bearer(c.values)
		if key != c.key || present != c.present || ok != c.ok {
			t.Errorf("Bearer(%q) = %q, %v, %v", c.values, key, present, ok)
		}
	}
}
