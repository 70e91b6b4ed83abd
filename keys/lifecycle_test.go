package keys

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Skip("no time zone database")
	}
	for _, tc := range []struct {
		in       string
		loc      *time.Location
		def      int
		at       string // RFC 3339; "" never
		days     int
		parseErr bool
		err      string
	}{
		{in: "", loc: time.UTC, def: 365, at: "2027-03-02T09:30:00Z", days: 365},
		{in: "", loc: time.UTC, def: 0, at: ""},
		{in: "30d", loc: time.UTC, def: 365, at: "2026-04-01T09:30:00Z", days: 30},
		{in: " 90D ", loc: time.UTC, def: 365, at: "2026-05-31T09:30:00Z", days: 90},
		{in: "never", loc: time.UTC, def: 365, at: ""},
		// The last day it works, in the store's zone: the key stops at the
		// next midnight there.
		{in: "2026-03-10", loc: toronto, def: 365, at: "2026-03-11T04:00:00Z", days: 9},
		{in: "2026-03-02", loc: time.UTC, def: 365, at: "2026-03-03T00:00:00Z", days: 1},
		{in: "2026-03-01", loc: time.UTC, err: "in the past"},
		{in: "2040-01-01", loc: time.UTC, err: "more than 3650 days"},
		{in: "45d", parseErr: true},
		{in: "2026-02-30", parseErr: true},
		{in: "soon", parseErr: true},
	} {
		e, err := ParseExpiry(tc.in)
		if tc.parseErr {
			if err == nil {
				t.Errorf("%q: parsed", tc.in)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		at, days, err := e.Resolve(now, tc.loc, tc.def)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		got := ""
		if at != nil {
			got = at.UTC().Format(time.RFC3339)
		}
		if got != tc.at || days != tc.days {
			t.Errorf("%q: %s, %d days; want %s, %d days", tc.in, got, days, tc.at, tc.days)
		}
	}
}

func TestGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "none": 0, "1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * Day} {
		got, err := ParseGrace(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
		if name := GraceName(got); name != map[time.Duration]string{0: "0", time.Hour: "1h", 24 * time.Hour: "24h", 7 * Day: "7d"}[got] {
			t.Errorf("GraceName(%v) = %q", got, name)
		}
	}
	for _, bad := range []string{"2h", "30m", "1w", "-1h"} {
		if _, err := ParseGrace(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAllowList(t *testing.T) {
	l, err := ParseAllowList(" 203.0.113.7, 198.51.100.0/24\n2001:db8::/32 ::ffff:192.0.2.0/120 203.0.113.7 10.1.2.3/8")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "203.0.113.7,198.51.100.0/24,2001:db8::/32,192.0.2.0/24,10.0.0.0/8" {
		t.Fatalf("normalized %q", got)
	}
	for addr, want := range map[string]bool{
		"203.0.113.7": true, "203.0.113.8": false, "198.51.100.255": true, "::ffff:198.51.100.1": true,
		"2001:db8:ffff::1": true, "2001:db9::1": false, "192.0.2.9": true, "10.200.0.1": true,
		"fe80::1%eth0": false, "": false, "nonsense": false,
	} {
		if got := l.Allows(addr); got != want {
			t.Errorf("Allows(%q) = %v, want %v", addr, got, want)
		}
	}
	if !(AllowList(nil)).Allows("anything") {
		t.Error("the empty list refuses an address")
	}
	for _, in := range []string{"", "any", " , "} {
		if l, err := ParseAllowList(in); err != nil || len(l) != 0 {
			t.Errorf("%q: %v %v", in, l, err)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "300.1.1.1", "example.com", "fe80::1%eth0"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	many := strings.Repeat("192.0.2.1,", 1)
	for i := range 60 {
		many += fmt.Sprintf("10.0.%d.1,", i)
	}
	if _, err := ParseAllowList(many); err == nil || !strings.Contains(err.Error(), "at most 50") {
		t.Errorf("61 entries: %v", err)
	}
}
