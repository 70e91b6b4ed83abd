package storage

import (
	"fmt"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
)

// Who calls, as the write path, the ledger and the audit log record it:
// these types stay in the kernel because RunWrite, the ledger's Actor and
// the audit entry take them, and the kernel imports no subject. Their
// operations (creating, listing, revoking, signing in) are in package
// storage/access, which names them with aliases.

// Principal is who is calling: a live key and its store. A web-chat app
// calling with an OAuth access token is its grant's key row, with Grant
// set.
type Principal struct {
	Store Store
	Key   APIKey
	Grant *GrantRef
	// Version is the version of the rows the principal was read from,
	// the key's then the store's, where the backend has one
	// (CredentialLookup.VersionSQL); zero otherwise. It names no property
	// of the principal. The store's also vouches for the names of its
	// locations (see LocationNames).
	Version [2]int64
}

// Store is a tenant: one Shopify shop.
type Store struct {
	ID       int64  `json:"id"`
	Domain   string `json:"domain"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Timezone string `json:"timezone"`
	// ServiceLevel is the store's default cycle service level for reorder
	// advice, in percent.
	ServiceLevel float64   `json:"service_level"`
	CreatedAt    time.Time `json:"created_at"`
	// KeyExpiryDays is the expiry of new keys, in days (0: never).
	KeyExpiryDays int `json:"key_expiry_days"`
}

// APIKey is a key's stored record. It never holds the key itself.
type APIKey struct {
	ID             int64      `json:"id"`
	StoreID        int64      `json:"-"`
	Prefix         string     `json:"prefix"`
	Scope          keys.Scope `json:"scope"`
	Label          string     `json:"label"`
	CreatedByName  string     `json:"-"`
	CreatedByEmail string     `json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	LastUsedAt     *time.Time `json:"last_used_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
	Lifecycle
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return k.RevokedAt != nil }

// Lifecycle is the part of a key's record that its lifecycle sets.
type Lifecycle struct {
	// ExpiresAt is when the key stops working; nil: never. A roll moves
	// the old key's to the end of the grace period.
	ExpiresAt *time.Time `json:"expires_at"`
	// ExpiryDays is the key's lifetime, which a roll gives its successor
	// (0: never).
	ExpiryDays int `json:"expiry_days"`
	// AllowFrom lists the addresses and CIDR ranges the key may be used
	// from (keys.AllowList's form); empty: anywhere.
	AllowFrom string `json:"allow_from"`
	// LastUsedAddr is the client address of the key's last recorded use
	// over HTTP.
	LastUsedAddr string `json:"last_used_addr,omitempty"`
	ReplacesID   *int64 `json:"-"`
	ReplacedByID *int64 `json:"-"`
	// Replaces and ReplacedBy are the prefixes of the keys a roll linked
	// this one to (filled by ListKeys).
	Replaces   string `json:"replaces,omitempty"`
	ReplacedBy string `json:"replaced_by,omitempty"`
	// RevokedReason is why the key was revoked when no person did it
	// (RevokedLeaked); LeakURL is where the leak was found.
	RevokedReason string `json:"revoked_reason,omitempty"`
	LeakURL       string `json:"leak_url,omitempty"`
	// Approval is when the key's writes need a person's approval
	// (inventory.Approval); a read key's is never.
	Approval inventory.Approval `json:"approval"`
}

// ExpiryWarningWindow is how close to its expiry a key is flagged: on the
// keys page, and to the assistant in get_store_overview.
const ExpiryWarningWindow = 14 * keys.Day

// Expired reports whether the key has stopped working by now.
func (k APIKey) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// ExpiresSoon reports whether the live key stops within
// ExpiryWarningWindow of now.
func (k APIKey) ExpiresSoon(now time.Time) bool {
	return k.ExpiresAt != nil && !k.Revoked() && !k.Expired(now) && k.ExpiresAt.Sub(now) <= ExpiryWarningWindow
}

// DaysLeft is the number of days, rounded up, until the key stops.
func (k APIKey) DaysLeft(now time.Time) int {
	if k.ExpiresAt == nil {
		return 0
	}
	d := k.ExpiresAt.Sub(now)
	return int((d + keys.Day - 1) / keys.Day)
}

// ExpiryWarning is what the assistant is told when its own key stops
// within ExpiryWarningWindow; "" otherwise.
func (p Principal) ExpiryWarning(now time.Time) string {
	k := p.Key
	if p.IsApp() || !k.ExpiresSoon(now) {
		return ""
	}
	n := k.DaysLeft(now)
	when := fmt.Sprintf("in %d days", n)
	if n <= 1 {
		when = "within a day"
	}
	what := "Ask a member of the store to roll it on the keys page (/keys, Roll key), or run logistified keys roll --store " + p.Store.Domain + " " + k.Prefix
	if k.Scope.CanWrite() {
		what += ", or roll it yourself with POST /api/v1/key/roll"
	}
	if k.ReplacedByID != nil {
		return fmt.Sprintf("%s was rolled and stops %s (%s): switch to its successor, which was shown once when it was made.",
			p.Subject(), when, k.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("%s expires %s (%s), and every request after that is refused. %s, then use the new key.",
		p.Subject(), when, k.ExpiresAt.UTC().Format(time.RFC3339), what)
}

// Person is who acts, for the audit log: a member of the store (MemberID
// set), or a person at the command line.
type Person struct {
	Name, Email string
	MemberID    *int64
}

// GrantRef names the connected app behind a principal that presented an
// OAuth access token.
type GrantRef struct {
	ID       int64
	ClientID string
	// Audience is the resource the token was issued for; the face that
	// accepts it checks that it is itself.
	Audience string
}
