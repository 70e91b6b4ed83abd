package keys

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The rules of a key's life that need no database: how an expiry, a roll's
// grace period and an allow-list are written, and what they mean. Storage
// keeps the results; every face parses with these, so the command line,
// the keys page and REST accept the same words.

// Day is the unit of expiries.
const Day = 24 * time.Hour

// ExpiryChoices are the expiries offered by name, besides a date.
var ExpiryChoices = []string{"30d", "90d", "365d", "never"}

// MaxExpiryDays bounds an expiry, so that "never" is said when meant.
const MaxExpiryDays = 3650

// Expiry is a chosen expiry: a number of days from creation, a date, or
// never. The zero Expiry is "the store's default".
type Expiry struct {
	// Days is the key's lifetime in days (0 with Never: no expiry). A
	// roll gives the successor the same lifetime.
	Days int
	// Date is the last day the key works, when a date was chosen.
	Date  string
	Never bool
}

// IsDefault reports whether nothing was chosen.
func (e Expiry) IsDefault() bool { return e == Expiry{} }

// ParseExpiry reads an expiry as `keys create --expires` and the keys page
// take it: 30d, 90d, 365d, a date (YYYY-MM-DD, the last day the key works)
// or never. Empty is the store's default.
func ParseExpiry(s string) (Expiry, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "":
		return Expiry{}, nil
	case "never":
		return Expiry{Never: true}, nil
	case "30d", "90d", "365d":
		n, _ := strconv.Atoi(strings.TrimSuffix(s, "d"))
		return Expiry{Days: n}, nil
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return Expiry{Date: s}, nil
	}
	return Expiry{}, fmt.Errorf("expiry %q is not one of 30d, 90d, 365d, a date such as 2027-03-31 (the last day the key works) or never", s)
}

// Resolve gives the moment a key created at now stops working, and the
// lifetime in days a roll copies (nil: never). defaultDays is the store's
// default (0: never); loc is the store's time zone, in which a date ends.
func (e Expiry) Resolve(now time.Time, loc *time.Location, defaultDays int) (at *time.Time, days int, err error) {
	switch {
	case e.Never:
		return nil, 0, nil
	case e.Date != "":
		d, err := time.ParseInLocation(time.DateOnly, e.Date, loc)
		if err != nil {
			return nil, 0, fmt.Errorf("expiry %q is not a date such as 2027-03-31", e.Date)
		}
		end := d.AddDate(0, 0, 1).UTC() // the key works through the day named
		if !end.After(now) {
			return nil, 0, fmt.Errorf("expiry date %s is in the past: give a later date, or 30d, 90d, 365d or never", e.Date)
		}
		days = int(math.Ceil(end.Sub(now).Hours() / 24))
		if days > MaxExpiryDays {
			return nil, 0, fmt.Errorf("expiry date %s is more than %d days away: give an earlier date, or never", e.Date, MaxExpiryDays)
		}
		return &end, days, nil
	case e.Days > 0:
		days = e.Days
	default:
		days = defaultDays
	}
	if days <= 0 {
		return nil, 0, nil
	}
	t := now.Add(time.Duration(days) * Day)
	return &t, days, nil
}

// ParseExpiryDays reads a store's default expiry for new keys
// (`stores update --key-expiry`): a number of days (365 or 365d) or never
// (0).
func ParseExpiryDays(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "never" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if err != nil || n < 1 || n > MaxExpiryDays {
		return 0, fmt.Errorf("key expiry %q is not a number of days from 1 to %d (such as 90 or 365) or never", s, MaxExpiryDays)
	}
	return n, nil
}

// GraceChoices are the grace periods a roll offers, as typed.
var GraceChoices = []string{"0", "1h", "24h", "7d"}

// ParseGrace reads a roll's grace period: 0 (or none), 1h, 24h or 7d.
// Empty is none.
func ParseGrace(s string) (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "none", "0s", "0h":
		return 0, nil
	case "1h":
		return time.Hour, nil
	case "24h", "1d":
		return 24 * time.Hour, nil
	case "7d", "168h":
		return 7 * Day, nil
	}
	return 0, fmt.Errorf("grace period %q is not one of 0 (the old key stops at once), 1h, 24h or 7d", s)
}

// GraceName is how a grace period is written back: 0, 1h, 24h or 7d.
func GraceName(d time.Duration) string {
	switch d {
	case 0:
		return "0"
	case 7 * Day:
		return "7d"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// MaxAllowList bounds the entries of an allow-list.
const MaxAllowList = 50

// AllowList is where a key may be used from: addresses and CIDR ranges,
// IPv4 and IPv6. The empty list allows every address.
type AllowList []netip.Prefix

// ParseAllowList reads an allow-list: addresses or CIDR ranges separated by
// commas, spaces or new lines. "" (or "any") clears it.
func ParseAllowList(s string) (AllowList, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	if len(fields) == 1 && strings.EqualFold(fields[0], "any") {
		return nil, nil
	}
	var out AllowList
	seen := map[netip.Prefix]bool{}
	for _, f := range fields {
		var p netip.Prefix
		if strings.Contains(f, "/") {
			pp, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR range: give one like 203.0.113.0/24 or 2001:db8::/32", f)
			}
			p = netip.PrefixFrom(pp.Addr().Unmap(), pp.Bits()-unmapBits(pp.Addr())).Masked()
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not an IP address: give one like 203.0.113.7 or 2001:db8::7, or a CIDR range", f)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) > MaxAllowList {
		return nil, fmt.Errorf("the allow-list has %d entries; at most %d are allowed: use CIDR ranges to cover several addresses", len(out), MaxAllowList)
	}
	return out, nil
}

// unmapBits is how many leading bits an IPv4-mapped IPv6 prefix loses when
// written as IPv4.
func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// String is the list as stored and shown: comma-separated, single
// addresses without a length.
func (l AllowList) String() string {
	parts := make([]string, len(l))
	for i, p := range l {
		if p.IsSingleIP() {
			parts[i] = p.Addr().String()
		} else {
			parts[i] = p.String()
		}
	}
	return strings.Join(parts, ",")
}

// Allows reports whether the client address addr (as the server sees it,
// after the trusted proxies) is in the list. The empty list allows every
// address; an address that does not parse is allowed only by the empty
// list.
func (l AllowList) Allows(addr string) bool {
	if len(l) == 0 {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
