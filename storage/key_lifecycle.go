package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/backend"
)

// A key's life after its creation (issue 25): expiry, a roll to a
// successor with a grace period, revocation when it leaks, and the
// addresses it may be used from. Each is a column of the key's row, read
// by the one lookup that authenticates every request (Authenticate), so
// each holds on the key's next request on every replica, as revocation
// does: nothing is cached.

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
	// (approval.go); a read key's is never.
	Approval inventory.Approval `json:"approval"`
}

// DefaultKeyExpiryDays is a new store's expiry for new keys (the
// migration's column default too).
const DefaultKeyExpiryDays = 365

// RevokedLeaked is the revocation reason of a key found in public.
const RevokedLeaked = "leaked"

// ExpiryWarningWindow is how close to its expiry a key is flagged: on the
// keys page, and to the assistant in get_store_overview.
const ExpiryWarningWindow = 14 * keys.Day

const lifecycleColumns = `expires_at, expiry_days, allow_from, last_used_addr, replaces, replaced_by, revoked_reason, leak_url, approval`

// lifecycleColumnsK is lifecycleColumns in a query that names api_keys k.
const lifecycleColumnsK = `k.expires_at, k.expiry_days, k.allow_from, k.last_used_addr, k.replaces, k.replaced_by, k.revoked_reason, k.leak_url, k.approval`

// scanFullKey scans keyColumns (which end with lifecycleColumns), then
// extra.
func scanFullKey(r backend.Row, extra ...any) (APIKey, error) {
	var l Lifecycle
	var approval string
	dest := append([]any{&l.ExpiresAt, &l.ExpiryDays, &l.AllowFrom, &l.LastUsedAddr, &l.ReplacesID, &l.ReplacedByID, &l.RevokedReason, &l.LeakURL, &approval}, extra...)
	k, err := scanKey(r, dest...)
	l.Approval = inventory.StoredApproval(approval)
	k.Lifecycle = l
	return k, err
}

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

// ErrKeyExpired is wrapped by a refused expired key (KeyExpiredError).
var ErrKeyExpired = errors.New("the API key has expired")

// KeyExpiredError is an expired key: when it expired, and its successor
// when a roll's grace period ended.
type KeyExpiredError struct {
	At         time.Time
	ReplacedBy string
}

func (e *KeyExpiredError) Error() string {
	at := e.At.UTC().Format("2006-01-02 15:04 UTC")
	if e.ReplacedBy != "" {
		return "the API key was rolled and its grace period ended on " + at + ": use its successor " + e.ReplacedBy + ", shown once when it was made (or create a new key)"
	}
	return "the API key expired on " + at + ": create a new key on the keys page (/keys) or with logistified keys create, or roll this one before it expires next time"
}

func (e *KeyExpiredError) Is(target error) bool { return target == ErrKeyExpired }

// ErrAddressNotAllowed is wrapped by a key used from an address outside
// its allow-list (AddressError).
var ErrAddressNotAllowed = errors.New("the API key may not be used from this address")

// AddressError is a key used from outside its allow-list.
type AddressError struct{ Addr string }

func (e *AddressError) Error() string {
	addr := e.Addr
	if addr == "" {
		addr = "an unknown address"
	}
	return "this API key may not be used from " + addr + ": its allow-list does not include it. A member of the store can add the address on the keys page (/keys) or with logistified keys update --allow-from"
}

func (e *AddressError) Is(target error) bool { return target == ErrAddressNotAllowed }

type clientAddrKey struct{}

// WithClientAddr returns a context in which Authenticate checks the key's
// allow-list against addr, the client address as the server sees it
// (after the trusted proxies). The HTTP faces set it on every request;
// stdio does not, as a local process has no address.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

func clientAddrFrom(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(clientAddrKey{}).(string)
	return a, ok
}

// keyRefusal is the rule of a key's lifecycle in the key lookup: revoked,
// expired (a roll's grace end included), or presented from an address its
// allow-list does not name (hasAddr false: stdio, which has no address).
// It reads nothing but the key's row, so it may run inside the lookup's
// statement (credentialLookup.scan). A refusal for a reason of the
// lifecycle (expired, outside the allow-list, revoked because it leaked:
// someone trying a leaked key) is a *keyRefused, which auditRefusal
// records; a key a person revoked is refused without an entry, as it
// always was.
func keyRefusal(k APIKey, now time.Time, addr string, hasAddr bool) error {
	switch {
	case k.Revoked() && k.RevokedReason == "":
		return ErrKeyRevoked
	case k.Revoked():
		return &keyRefused{err: ErrKeyRevoked, key: k, detail: "revoked: " + k.RevokedReason}
	case k.Expired(now):
		return &keyRefused{err: &KeyExpiredError{At: *k.ExpiresAt}, key: k, detail: "expired: " + k.ExpiresAt.UTC().Format(time.RFC3339)}
	case k.AllowFrom != "" && hasAddr:
		list, err := keys.ParseAllowList(k.AllowFrom)
		if err == nil && list.Allows(addr) {
			return nil
		}
		return &keyRefused{err: &AddressError{Addr: addr}, key: k, detail: "address_not_allowed: " + addr}
	}
	return nil
}

// keyRefused is a key refused by its lifecycle: what its holder is told
// (err) and what the store's audit log records.
type keyRefused struct {
	err    error // ErrKeyRevoked, *KeyExpiredError or *AddressError
	key    APIKey
	detail string
	once   sync.Once
}

func (r *keyRefused) Error() string { return r.err.Error() }
func (r *keyRefused) Unwrap() error { return r.err }

// isKeyRefusal reports whether err is the key lookup's refusal of the
// credential (as opposed to a failure to ask).
func isKeyRefusal(err error) bool {
	for _, e := range []error{ErrKeyRevoked, ErrKeyUnknown, ErrKeyExpired, ErrAddressNotAllowed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// auditRefusal records a lifecycle refusal in the key's store, once
// however often the refusal is asked for, and names an expired key's
// successor in it. It writes past the request's pending credential check
// (which is the refusal itself, and would refuse the write); a failure to
// record goes to the audit failure hook, and the refusal stands.
func (db *DB) auditRefusal(ctx context.Context, err error) {
	var r *keyRefused
	if !errors.As(err, &r) {
		return
	}
	r.once.Do(func() {
		q := db.direct()
		if e, ok := r.err.(*KeyExpiredError); ok && r.key.ReplacedByID != nil {
			_ = q.QueryRow(ctx, `SELECT prefix FROM api_keys WHERE store_id = $1 AND id = $2`, r.key.StoreID, *r.key.ReplacedByID).Scan(&e.ReplacedBy)
			if e.ReplacedBy != "" {
				r.detail += " (rolled to " + e.ReplacedBy + ")"
			}
		}
		aerr := db.RecordAudit(ctx, q, r.key.StoreID, AuditEntry{
			Action: "key.refused", Outcome: OutcomeRefused, Detail: r.detail,
		}.ByKey(r.key))
		if aerr != nil && db.auditFailed != nil {
			db.auditFailed(ctx, "key.refused", aerr)
		}
	})
}

// direct is the backend past a request's pending credential check.
func (db *DB) direct() backend.Backend {
	if cb, ok := db.b.(checkedBackend); ok {
		return cb.Backend
	}
	return db.b
}

// setKeyLifecycle sets a new key's expiry and allow-list, in the
// transaction that inserts it: n.Expires, or the store's default.
func (db *DB) setKeyLifecycle(ctx context.Context, tx backend.Tx, storeID, keyID int64, n NewKey, now time.Time) (Lifecycle, error) {
	var l Lifecycle
	exp, err := keys.ParseExpiry(n.Expires)
	if err != nil {
		return l, inventory.Errorf(inventory.Invalid, "%s", err.Error())
	}
	list, err := keys.ParseAllowList(n.AllowFrom)
	if err != nil {
		return l, inventory.Errorf(inventory.Invalid, "%s", err.Error())
	}
	var defaultDays int
	var tz string
	if err := tx.QueryRow(ctx, `SELECT key_expiry_days, timezone FROM stores WHERE id = $1`, storeID).Scan(&defaultDays, &tz); err != nil {
		return l, fmt.Errorf("reading the store's key expiry: %w", err)
	}
	l.ExpiresAt, l.ExpiryDays, err = exp.Resolve(now, StoreLocation(tz), defaultDays)
	if err != nil {
		return l, inventory.Errorf(inventory.Invalid, "%s", err.Error())
	}
	l.AllowFrom = list.String()
	if l.Approval, err = inventory.ApprovalFor(n.Scope.CanWrite(), n.Approval); err != nil {
		return l, inventory.Errorf(inventory.Invalid, "%s", err.Error())
	}
	_, err = tx.Exec(ctx, `UPDATE api_keys SET expires_at = $3, expiry_days = $4, allow_from = $5, approval = $6 WHERE store_id = $1 AND id = $2`,
		storeID, keyID, l.ExpiresAt, l.ExpiryDays, l.AllowFrom, l.Approval.String())
	return l, err
}

// validateLifecycle checks a new key's expiry and allow-list, for
// NewKey.Validate.
func (n NewKey) validateLifecycle() (NewKey, error) {
	if _, err := keys.ParseExpiry(n.Expires); err != nil {
		return n, err
	}
	list, err := keys.ParseAllowList(n.AllowFrom)
	if err != nil {
		return n, err
	}
	n.AllowFrom = list.String()
	_, err = inventory.ApprovalFor(n.Scope.CanWrite(), n.Approval)
	return n, err
}

// linkRolls fills Replaces and ReplacedBy from the ids, within one store's
// list.
func linkRolls(list []APIKey) {
	prefix := make(map[int64]string, len(list))
	for _, k := range list {
		prefix[k.ID] = k.Prefix
	}
	for i := range list {
		if id := list[i].ReplacesID; id != nil {
			list[i].Replaces = prefix[*id]
		}
		if id := list[i].ReplacedByID; id != nil {
			list[i].ReplacedBy = prefix[*id]
		}
	}
}

// KeyByRef finds the store's key named by its display prefix, id or
// whole key (as keys revoke takes it).
func (db *DB) KeyByRef(ctx context.Context, storeID int64, prefixOrID string) (APIKey, error) {
	column, arg, ref, err := parseKeyRef(prefixOrID)
	if err != nil {
		return APIKey{}, err
	}
	k, err := scanFullKey(db.b.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE store_id = $1 AND kind = 'key' AND `+column+` = $2`, storeID, arg))
	if errors.Is(err, backend.ErrNoRows) {
		return APIKey{}, fmt.Errorf("%w: %s (see: logistified keys list)", ErrKeyNotFound, ref)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("looking up key %s: %w", ref, err)
	}
	return k, nil
}

// KeyUpdate changes a key's settings; nil leaves one as it is.
type KeyUpdate struct {
	// AllowFrom is the new allow-list ("" allows every address).
	AllowFrom *string
}

// UpdateKey changes the settings of the store's key named by prefix or id,
// and audits it. It takes effect on the key's next request.
func (db *DB) UpdateKey(ctx context.Context, storeID int64, prefixOrID string, u KeyUpdate, by Person) (APIKey, error) {
	column, arg, ref, err := parseKeyRef(prefixOrID)
	if err != nil {
		return APIKey{}, err
	}
	var list keys.AllowList
	if u.AllowFrom != nil {
		if list, err = keys.ParseAllowList(*u.AllowFrom); err != nil {
			return APIKey{}, inventory.Errorf(inventory.Invalid, "%s", err.Error())
		}
	}
	var k APIKey
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		var err error
		k, err = scanFullKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE store_id = $1 AND kind = 'key' AND `+column+` = $2`+db.b.Dialect().ForUpdate, storeID, arg))
		if errors.Is(err, backend.ErrNoRows) {
			return fmt.Errorf("%w: %s (see: logistified keys list)", ErrKeyNotFound, ref)
		}
		if err != nil {
			return err
		}
		if k.Revoked() {
			return inventory.Errorf(inventory.Invalid, "key %s is revoked: its settings no longer matter; create a new key instead", k.Prefix)
		}
		if u.AllowFrom == nil {
			return nil
		}
		before := k.AllowFrom
		k.AllowFrom = list.String()
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET allow_from = $3 WHERE store_id = $1 AND id = $2`, storeID, k.ID, k.AllowFrom); err != nil {
			return err
		}
		return db.RecordAudit(ctx, tx, storeID, AuditEntry{
			Action: "key.update", Outcome: OutcomeOK,
			Detail: "allow-list " + anywhere(before) + " → " + anywhere(k.AllowFrom),
		}.ByKey(k).By(by))
	})
	if err != nil && !errors.Is(err, ErrKeyNotFound) && !isInvalid(err) {
		return APIKey{}, fmt.Errorf("updating key %s: %w", ref, err)
	}
	return k, err
}

func anywhere(allow string) string {
	if allow == "" {
		return "(any address)"
	}
	return allow
}

// Roller is who rolls a key: a member or a person at the command line,
// or (Self) the key itself over REST.
type Roller struct {
	Person
	// Self is set when the key rolls itself: the successor keeps the old
	// key's creator, and the audit names the key.
	Self bool
}

// RolledKey is the result of a roll: the successor, shown once, and the
// old key with its new end.
type RolledKey struct {
	New CreatedKey
	Old APIKey
	// Grace is the time the old key keeps working.
	Grace time.Duration
}

// RollKey issues the successor of the store's key named by prefix or id:
// same label, scope, expiry rule and allow-list, shown once. The old key
// keeps working for grace (0, 1h, 24h or 7d) and then stops, on its next
// request after that on every replica. Both rows are linked, and the roll
// is audited with who did it.
func (db *DB) RollKey(ctx context.Context, storeID int64, prefixOrID string, grace time.Duration, by Roller) (RolledKey, error) {
	if keys.GraceName(grace) == "" || (grace != 0 && grace != time.Hour && grace != 24*time.Hour && grace != 7*keys.Day) {
		return RolledKey{}, inventory.Errorf(inventory.Invalid, "grace period %s is not one of 0, 1h, 24h or 7d", grace)
	}
	column, arg, ref, err := parseKeyRef(prefixOrID)
	if err != nil {
		return RolledKey{}, err
	}
	for attempt := 0; ; attempt++ {
		nk, err := keys.Generate()
		if err != nil {
			return RolledKey{}, err
		}
		var out RolledKey
		out.Grace = grace
		err = db.b.InTx(ctx, func(tx backend.Tx) error {
			old, err := scanFullKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE store_id = $1 AND kind = 'key' AND `+column+` = $2`+db.b.Dialect().ForUpdate, storeID, arg))
			if errors.Is(err, backend.ErrNoRows) {
				return fmt.Errorf("%w: %s (see: logistified keys list)", ErrKeyNotFound, ref)
			}
			if err != nil {
				return err
			}
			now := db.Now()
			switch {
			case old.Revoked():
				return inventory.Errorf(inventory.Invalid, "key %s is revoked, so it cannot be rolled: create a new key instead", old.Prefix)
			case old.Expired(now):
				return inventory.Errorf(inventory.Invalid, "key %s has expired, so it cannot be rolled: create a new key instead", old.Prefix)
			case old.ReplacedByID != nil:
				var succ string
				_ = tx.QueryRow(ctx, `SELECT prefix FROM api_keys WHERE store_id = $1 AND id = $2`, storeID, *old.ReplacedByID).Scan(&succ)
				return inventory.Errorf(inventory.Invalid, "key %s was already rolled to %s: roll %s instead", old.Prefix, succ, succ)
			}
			name, email := by.Name, by.Email
			if by.Self {
				name, email = old.CreatedByName, old.CreatedByEmail
			}
			ck := CreatedKey{Secret: nk.Secret, APIKey: APIKey{
				StoreID: storeID, Prefix: nk.Prefix, Scope: old.Scope, Label: old.Label,
				CreatedByName: name, CreatedByEmail: email, CreatedAt: now,
			}}
			ck.ExpiryDays, ck.AllowFrom, ck.ReplacesID, ck.Replaces = old.ExpiryDays, old.AllowFrom, &old.ID, old.Prefix
			ck.Approval = old.Approval
			if old.ExpiryDays > 0 {
				t := now.Add(time.Duration(old.ExpiryDays) * keys.Day)
				ck.ExpiresAt = &t
			}
			if err := tx.QueryRow(ctx, `INSERT INTO api_keys
				(store_id, hash, prefix, scope, label, created_by_name, created_by_email, created_at, expires_at, expiry_days, allow_from, replaces, approval)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
				storeID, nk.Hash, nk.Prefix, string(ck.Scope), ck.Label, name, email, now, ck.ExpiresAt, ck.ExpiryDays, ck.AllowFrom, old.ID, ck.Approval.String()).Scan(&ck.ID); err != nil {
				return err
			}
			end := now.Add(grace)
			if old.ExpiresAt == nil || end.Before(*old.ExpiresAt) {
				old.ExpiresAt = &end
			}
			old.ReplacedByID, old.ReplacedBy = &ck.ID, ck.Prefix
			if _, err := tx.Exec(ctx, `UPDATE api_keys SET expires_at = $3, replaced_by = $4 WHERE store_id = $1 AND id = $2`,
				storeID, old.ID, old.ExpiresAt, ck.ID); err != nil {
				return err
			}
			entry := AuditEntry{
				At: now, Action: "key.roll", Outcome: OutcomeOK,
				Detail: fmt.Sprintf("rolled to %s; grace %s: the old key stops at %s", ck.Prefix, keys.GraceName(grace), old.ExpiresAt.UTC().Format(time.RFC3339)),
			}.ByKey(old)
			created := AuditEntry{
				At: now, Action: "key.create", Outcome: OutcomeOK, Detail: "scope " + string(ck.Scope) + ", rolled from " + old.Prefix,
			}.ByKey(ck.APIKey)
			if !by.Self {
				entry, created = entry.By(by.Person), created.By(by.Person)
			}
			if err := db.RecordAudit(ctx, tx, storeID, entry); err != nil {
				return err
			}
			out.New, out.Old = ck, old
			return db.RecordAudit(ctx, tx, storeID, created)
		})
		if errors.Is(err, backend.ErrUniqueViolation) && attempt < 3 {
			continue
		}
		if err != nil && !errors.Is(err, ErrKeyNotFound) && !isInvalid(err) {
			return RolledKey{}, fmt.Errorf("rolling key %s: %w", ref, err)
		}
		return out, err
	}
}

// LeakReport is one token of a secret-scanning alert: the token found, and
// where.
type LeakReport struct {
	Token  string
	URL    string
	Source string
}

// LeakActor names the secret-scanning service in the audit log, and
// ViaSecretScanning the way its revocations came.
const (
	LeakActor         = "GitHub secret scanning"
	ViaSecretScanning = "secret-scanning"
)

// RevokeLeaked revokes, at once, every live key whose secret is among the
// reported tokens, recording `revoked: leaked` with the URL where it was
// found; it answers, per token, whether it is a key of this server (a key
// already revoked counts, and is left as it is, so a repeated alert
// changes nothing). Tokens are matched by their SHA-256 hash with the
// unique index, never compared as text, and a token that matches nothing
// is stored nowhere.
func (db *DB) RevokeLeaked(ctx context.Context, reports []LeakReport) ([]bool, error) {
	out := make([]bool, len(reports))
	for i, rep := range reports {
		hash, _, err := keys.Parse(rep.Token)
		if err != nil {
			continue // not of the key's form: a false positive
		}
		leakURL := AuditText(strings.TrimSpace(rep.URL), 2000)
		err = db.b.InTx(ctx, func(tx backend.Tx) error {
			k, err := scanFullKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = $1 AND kind = 'key'`+db.b.Dialect().ForUpdate, hash))
			if errors.Is(err, backend.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			out[i] = true
			if k.Revoked() {
				return nil
			}
			now := db.Now()
			if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $3, revoked_reason = $4, leak_url = $5 WHERE store_id = $1 AND id = $2`,
				k.StoreID, k.ID, now, RevokedLeaked, leakURL); err != nil {
				return err
			}
			detail := "revoked: leaked, found at " + leakURL
			if rep.Source != "" {
				detail += " (source: " + AuditText(rep.Source, 100) + ")"
			}
			return db.RecordAudit(ctx, tx, k.StoreID, AuditEntry{
				At: now, Action: "key.revoke", Outcome: OutcomeOK, Detail: detail, ActorName: LeakActor, Via: ViaSecretScanning,
			}.ByKey(k))
		})
		if err != nil {
			return nil, fmt.Errorf("revoking a leaked key: %w", err)
		}
	}
	return out, nil
}

// SetStoreKeyExpiry sets the store's expiry for new keys, in days (0:
// never). Existing keys keep theirs.
func (db *DB) setStoreKeyExpiry(ctx context.Context, tx backend.Tx, storeID int64, days int) error {
	if days < 0 || days > keys.MaxExpiryDays {
		return inventory.Errorf(inventory.Invalid, "key expiry %d is not a number of days from 1 to %d, or 0 for never", days, keys.MaxExpiryDays)
	}
	_, err := tx.Exec(ctx, `UPDATE stores SET key_expiry_days = $2 WHERE id = $1`, storeID, days)
	return err
}

// isInvalid reports whether err is a bad-input error the caller is shown
// as it is.
func isInvalid(err error) bool {
	var ie *inventory.Error
	return errors.As(err, &ie) && ie.Kind == inventory.Invalid
}
