package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// A key's life after its creation (issue 25): expiry, a roll to a
// successor with a grace period, revocation when it leaks, and the
// addresses it may be used from. Each is a column of the key's row, read
// by the one lookup that authenticates every request (Authenticate), so
// each holds on the key's next request on every replica, as revocation
// does: nothing is cached.

// DefaultKeyExpiryDays is a new store's expiry for new keys (the
// migration's column default too).
const DefaultKeyExpiryDays = 365

// RevokedLeaked is the revocation reason of a key found in public.
const RevokedLeaked = "leaked"

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
// statement (storage.CredentialLookup.Scan). A refusal for a reason of
// the lifecycle (expired, outside the allow-list, revoked because it
// leaked: someone trying a leaked key) is made with storage.RefuseKey,
// whose check records it in the audit log; a key a person revoked is refused without an entry, as it
// always was.
func keyRefusal(k APIKey, now time.Time, addr string, hasAddr bool) error {
	switch {
	case k.Revoked() && k.RevokedReason == "":
		return ErrKeyRevoked
	case k.Revoked():
		return storage.RefuseKey(ErrKeyRevoked, k, "revoked: "+k.RevokedReason)
	case k.Expired(now):
		return storage.RefuseKey(&storage.KeyExpiredError{At: *k.ExpiresAt}, k, "expired: "+k.ExpiresAt.UTC().Format(time.RFC3339))
	case k.AllowFrom != "" && hasAddr:
		list, err := keys.ParseAllowList(k.AllowFrom)
		if err == nil && list.Allows(addr) {
			return nil
		}
		return storage.RefuseKey(&storage.AddressError{Addr: addr}, k, "address_not_allowed: "+addr)
	}
	return nil
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
	l.ExpiresAt, l.ExpiryDays, err = exp.Resolve(now, storage.StoreLocation(tz), defaultDays)
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
	// Approval is the new approval setting of a Read & write key.
	Approval *inventory.Approval
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
		if u.Approval != nil {
			// The row just read, locked, is the one to change.
			if err := db.changeApproval(ctx, tx, k, "key", *u.Approval, by); err != nil {
				return err
			}
			k.Approval = u.Approval.For(k.Scope.CanWrite())
		}
		if u.AllowFrom == nil {
			return nil
		}
		before := k.AllowFrom
		k.AllowFrom = list.String()
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET allow_from = $3 WHERE store_id = $1 AND id = $2`, storeID, k.ID, k.AllowFrom); err != nil {
			return err
		}
		return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{
			Action: "key.update", Outcome: storage.OutcomeOK,
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
			entry := storage.AuditEntry{
				At: now, Action: "key.roll", Outcome: storage.OutcomeOK,
				Detail: fmt.Sprintf("rolled to %s; grace %s: the old key stops at %s", ck.Prefix, keys.GraceName(grace), old.ExpiresAt.UTC().Format(time.RFC3339)),
			}.ByKey(old)
			created := storage.AuditEntry{
				At: now, Action: "key.create", Outcome: storage.OutcomeOK, Detail: "scope " + string(ck.Scope) + ", rolled from " + old.Prefix,
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
		leakURL := storage.AuditText(strings.TrimSpace(rep.URL), 2000)
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
				detail += " (source: " + storage.AuditText(rep.Source, 100) + ")"
			}
			return db.RecordAudit(ctx, tx, k.StoreID, storage.AuditEntry{
				At: now, Action: "key.revoke", Outcome: storage.OutcomeOK, Detail: detail, ActorName: LeakActor, Via: ViaSecretScanning,
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
