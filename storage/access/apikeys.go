package access

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// NewKey is what CreateKey needs.
type NewKey struct {
	Scope          keys.Scope
	Label          string
	CreatedByName  string
	CreatedByEmail string
	// MemberID names the member who creates the key on the keys page, for
	// the audit log; the creator's name and email are then the member's.
	MemberID *int64
	// Expires is the key's expiry as keys.ParseExpiry reads it (30d,
	// 90d, 365d, a date, never); empty: the store's default.
	Expires string
	// AllowFrom is the key's allow-list (keys.ParseAllowList); empty:
	// anywhere.
	AllowFrom string
	// Approval is when the key's writes need a person's approval
	// (inventory.ParseApproval); empty: never. A read key has none.
	Approval string
}

// CreatedKey is a new key's record and, this once, its secret.
type CreatedKey struct {
	APIKey
	Secret string
}

// Validate checks and normalizes n without touching the database, so that
// the command line can refuse bad input before it opens one.
func (n NewKey) Validate() (NewKey, error) {
	if n.Scope == "" {
		n.Scope = keys.ScopeRead
	}
	scope, err := keys.ParseScope(string(n.Scope))
	if err != nil {
		return n, err
	}
	n.Scope = scope
	n.Label = strings.TrimSpace(n.Label)
	if len(n.Label) > 100 {
		return n, errors.New("the key label is longer than 100 characters")
	}
	if err := checkText("the key label", n.Label); err != nil {
		return n, err
	}
	n.CreatedByName = strings.TrimSpace(n.CreatedByName)
	if n.CreatedByName == "" {
		return n, errors.New("the creator's name is empty: say who is creating the key")
	}
	if len(n.CreatedByName) > 200 {
		return n, errors.New("the creator's name is longer than 200 characters")
	}
	if err := checkText("the creator's name", n.CreatedByName); err != nil {
		return n, err
	}
	n.CreatedByEmail, err = checkEmail("the creator's email address", n.CreatedByEmail)
	if err != nil {
		return n, err
	}
	return n.validateLifecycle()
}

// checkEmail trims an email address and checks that it is one plain
// address (no display name, a dot in the domain).
func checkEmail(what, email string) (string, error) {
	email = strings.TrimSpace(email)
	if len(email) > 254 {
		return email, fmt.Errorf("%s is longer than 254 characters", what)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(addr.Address[strings.LastIndexByte(addr.Address, '@'):], ".") {
		return email, fmt.Errorf("%q is not a valid email address: give one like jane@example.com", email)
	}
	return email, nil
}

// CreateKey issues a key for the store and records it in the audit log.
func (db *DB) CreateKey(ctx context.Context, storeID int64, n NewKey) (CreatedKey, error) {
	n, err := n.Validate()
	if err != nil {
		return CreatedKey{}, err
	}
	// A display prefix has 47 random bits; a clash within one store is
	// unlikely but would make revocation by prefix ambiguous, so draw again.
	for attempt := 0; ; attempt++ {
		k, err := keys.Generate()
		if err != nil {
			return CreatedKey{}, err
		}
		ck := CreatedKey{Secret: k.Secret, APIKey: APIKey{
			StoreID: storeID, Prefix: k.Prefix, Scope: n.Scope, Label: n.Label,
			CreatedByName: n.CreatedByName, CreatedByEmail: n.CreatedByEmail, CreatedAt: db.Now(),
		}}
		err = db.b.InTx(ctx, func(tx backend.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO api_keys
				(store_id, hash, prefix, scope, label, created_by_name, created_by_email, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				storeID, k.Hash, k.Prefix, string(n.Scope), n.Label, n.CreatedByName, n.CreatedByEmail, ck.CreatedAt).Scan(&ck.ID); err != nil {
				return err
			}
			if ck.Lifecycle, err = db.setKeyLifecycle(ctx, tx, storeID, ck.ID, n, ck.CreatedAt); err != nil {
				return err
			}
			return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{
				At: ck.CreatedAt, KeyID: &ck.ID, KeyPrefix: ck.Prefix, KeyLabel: ck.Label,
				ActorName: n.CreatedByName, ActorEmail: n.CreatedByEmail, MemberID: n.MemberID,
				Action: "key.create", Outcome: storage.OutcomeOK, Detail: "scope " + string(n.Scope) + ck.Approval.AuditNote(),
			})
		})
		if errors.Is(err, backend.ErrUniqueViolation) && attempt < 3 {
			continue
		}
		if isInvalid(err) {
			return CreatedKey{}, err
		}
		if err != nil {
			return CreatedKey{}, fmt.Errorf("creating a key: %w", err)
		}
		return ck, nil
	}
}

const keyColumns = `id, store_id, prefix, scope, label, created_by_name, created_by_email, created_at, last_used_at, revoked_at, ` + lifecycleColumns

func scanKey(r backend.Row, extra ...any) (APIKey, error) {
	var k APIKey
	var scope string
	dest := append([]any{&k.ID, &k.StoreID, &k.Prefix, &scope, &k.Label, &k.CreatedByName, &k.CreatedByEmail, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt}, extra...)
	err := r.Scan(dest...)
	k.Scope = keys.Scope(scope)
	return k, err
}

// ListKeys returns every key of the store, revoked ones included, oldest first.
func (db *DB) ListKeys(ctx context.Context, storeID int64) ([]APIKey, error) {
	rows, err := db.b.Query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE store_id = $1 AND kind = 'key' ORDER BY id`, storeID)
	if err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	defer rows.Close()
	out := []APIKey{}
	for rows.Next() {
		k, err := scanFullKey(rows)
		if err != nil {
			return nil, fmt.Errorf("listing keys: %w", err)
		}
		out = append(out, k)
	}
	linkRolls(out)
	return out, rows.Err()
}

// Revoker says who revoked a key, for the audit log.
type Revoker = Person

// RevokeKey revokes the store's key named by its display prefix or id (or
// the whole key, if that is what the user has at hand). It
// takes effect on the key's next request, since every request reads the key
// from the database. Revoking a revoked key is not an error.
func (db *DB) RevokeKey(ctx context.Context, storeID int64, prefixOrID string, by Revoker) (APIKey, error) {
	column, arg, ref, err := parseKeyRef(prefixOrID)
	if err != nil {
		return APIKey{}, err
	}
	var k APIKey
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		var err error
		k, err = scanFullKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE store_id = $1 AND kind = 'key' AND `+column+` = $2`+db.b.Dialect().ForUpdate, storeID, arg))
		if errors.Is(err, backend.ErrNoRows) {
			return fmt.Errorf("%w: %s (see: logistified keys list)", ErrKeyNotFound, ref)
		}
		if err != nil || k.Revoked() {
			return err
		}
		now := db.Now()
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE store_id = $2 AND id = $3`, now, storeID, k.ID); err != nil {
			return err
		}
		k.RevokedAt = &now
		return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{
			At: now, KeyID: &k.ID, KeyPrefix: k.Prefix, KeyLabel: k.Label,
			Action: "key.revoke", Outcome: storage.OutcomeOK,
		}.By(by))
	})
	if err != nil && !errors.Is(err, ErrKeyNotFound) {
		return APIKey{}, fmt.Errorf("revoking key %s: %w", ref, err)
	}
	return k, err
}

// parseKeyRef reads how a command or form names one of a store's keys:
// its display prefix, its id, or the whole key. It returns the column and
// value to find it by, and how to name it in a message (never the key).
func parseKeyRef(prefixOrID string) (column string, arg any, ref string, err error) {
	ref = strings.TrimSpace(prefixOrID)
	column, arg = "prefix", ref
	if hash, prefix, err := keys.Parse(ref); err == nil {
		// Someone pasted the whole key: find it by its hash, and never
		// repeat it in a message.
		column, arg, ref = "hash", hash, prefix
	} else if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		column, arg = "id", id
	} else if strings.HasPrefix(ref, keys.Marker) && len(ref) > len(keys.Marker)+keys.PrefixLen {
		// Perhaps a mistyped whole key: do not echo it.
		return "", nil, "", errors.New("that is not a key prefix: give lstk_ and the 8 characters that keys list shows, or the key's id")
	} else if !keys.LooksLikePrefix(ref) {
		return "", nil, "", fmt.Errorf("%q is neither a key prefix (lstk_ and 8 characters, as keys list shows) nor a key id", prefixOrID)
	}
	return column, arg, ref, nil
}

// LiveKey returns the store's key whose secret is presented, and whether
// it is live (not revoked). Unlike Authenticate it is no use of the key:
// it leaves last_used_at alone, for a check of keys held elsewhere (the
// demo's keys file).
func (db *DB) LiveKey(ctx context.Context, storeID int64, secret string) (APIKey, bool, error) {
	hash, _, err := keys.Parse(secret)
	if err != nil {
		return APIKey{}, false, nil
	}
	k, err := scanFullKey(db.b.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE store_id = $1 AND kind = 'key' AND hash = $2`, storeID, hash))
	if errors.Is(err, backend.ErrNoRows) {
		return APIKey{}, false, nil
	}
	if err != nil {
		return APIKey{}, false, fmt.Errorf("looking up the API key: %w", err)
	}
	return k, !k.Revoked() && !k.Expired(db.Now()), nil
}

// lookupKey is the statement that turns a presented key into its store
// and record with one indexed lookup, and the rule that accepts it: an
// unknown key is ErrKeyUnknown, a revoked one ErrKeyRevoked; an expired
// one (a roll's grace end included) or one presented from an address its
// allow-list does not name is refused too (keyRefusal). addr is the
// client address (hasAddr false: stdio, which has none).
func (db *DB) lookupKey(hash []byte, addr string, hasAddr bool) storage.CredentialLookup {
	// accept is the rule for the request and the time, on a principal
	// read now or remembered with an unchanged row version; it notes the
	// key's use, and from which address (none without one: stdio).
	accept := func(p Principal) error {
		now := db.Now()
		if err := keyRefusal(p.Key, now, addr, hasAddr); err != nil {
			return err
		}
		db.lastUsed().touchFrom(p.Key, now, addr)
		return nil
	}
	rv := db.b.Dialect().RowVersions
	l := storage.CredentialLookup{SQL: keyLookupSQL, Args: []any{hash}}
	// Where rows have versions, the principal is remembered with those of
	// its key and store rows: any write to either (a revocation, a new
	// scope, approval or currency; not the last-used writer's) moves one,
	// and the next request reads the rows in full.
	if rv {
		l.SQL = keyLookupVersionedSQL
		l.VersionSQL = keyVersionSQL
		l.ScanVersion = scanRowsVersion
		l.Accept = accept
	}
	l.Scan = func(r backend.Row) (Principal, error) {
		var p Principal
		var v [2]int64
		extra := []any{&p.Store.Domain, &p.Store.Name, &p.Store.Currency, &p.Store.Timezone, &p.Store.ServiceLevel, &p.Store.CreatedAt, &p.Store.KeyExpiryDays}
		if rv {
			extra = append(extra, &v[0], &v[1])
		}
		var err error
		p.Key, err = scanFullKey(r, extra...)
		if errors.Is(err, backend.ErrNoRows) {
			return Principal{}, ErrKeyUnknown
		}
		if err != nil {
			return Principal{}, fmt.Errorf("looking up the API key: %w", err)
		}
		if err := accept(p); err != nil {
			return Principal{}, err
		}
		p.Store.ID = p.Key.StoreID
		if rv {
			p.Version = v
		}
		return p, nil
	}
	return l
}

// The key lookup's statements, built once: the full lookup, and with row
// versions (the backend's RowVersion column, which only PostgreSQL has) the
// full lookup with the versions and the statement of the versions alone.
const (
	keyLookupColumns = `SELECT k.id, k.store_id, k.prefix, k.scope, k.label, k.created_by_name,
			k.created_by_email, k.created_at, k.last_used_at, k.revoked_at, ` + lifecycleColumnsK + `,
			s.domain, s.name, s.currency, s.timezone, s.service_level, s.created_at, s.key_expiry_days`
	keyLookupFrom = `
		FROM api_keys k JOIN stores s ON s.id = k.store_id WHERE k.hash = $1 AND k.kind = 'key'`
	keyLookupSQL          = keyLookupColumns + keyLookupFrom
	keyLookupVersionedSQL = keyLookupColumns + `, k.row_version, s.row_version` + keyLookupFrom
	keyVersionSQL         = `SELECT k.row_version, s.row_version` + keyLookupFrom
)

// scanRowsVersion reads keyVersionSQL's row.
func scanRowsVersion(r backend.Row) ([2]int64, error) {
	var v [2]int64
	err := r.Scan(&v[0], &v[1])
	return v, err
}

// Revocation is what the holder of a revoked key is told: which key of
// which store, and when and by whom it was revoked.
type Revocation struct {
	Key   APIKey
	Store Store
	// By is who revoked it, from the audit log: empty when the entry has
	// been pruned. MemberID is set when a member revoked it on the keys
	// page.
	By Person
}

// RevocationOf describes the revocation of a presented key. It is for the
// stdio face, whose caller holds both the key and the database, so nothing
// is told that the caller could not read: the HTTP faces keep unknown and
// revoked keys alike. A key the database does not know, or that is live,
// is ErrKeyUnknown.
func (db *DB) RevocationOf(ctx context.Context, presented string) (Revocation, error) {
	hash, _, err := keys.Parse(presented)
	if err != nil {
		return Revocation{}, err
	}
	var r Revocation
	r.Key, err = scanKey(db.b.QueryRow(ctx, `SELECT k.id, k.store_id, k.prefix, k.scope, k.label, k.created_by_name,
			k.created_by_email, k.created_at, k.last_used_at, k.revoked_at, s.domain, s.name
		FROM api_keys k JOIN stores s ON s.id = k.store_id WHERE k.hash = $1 AND k.kind = 'key'`, hash),
		&r.Store.Domain, &r.Store.Name)
	if errors.Is(err, backend.ErrNoRows) || (err == nil && !r.Key.Revoked()) {
		return Revocation{}, ErrKeyUnknown
	}
	if err != nil {
		return Revocation{}, fmt.Errorf("looking up the revoked key: %w", err)
	}
	r.Store.ID = r.Key.StoreID
	err = db.b.QueryRow(ctx, `SELECT actor_name, actor_email, member_id FROM audit_log
		WHERE store_id = $1 AND key_id = $2 AND action = 'key.revoke' ORDER BY id DESC LIMIT 1`, r.Key.StoreID, r.Key.ID).
		Scan(&r.By.Name, &r.By.Email, &r.By.MemberID)
	if err != nil && !errors.Is(err, backend.ErrNoRows) {
		return Revocation{}, fmt.Errorf("reading who revoked the key: %w", err)
	}
	return r, nil
}
