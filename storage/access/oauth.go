package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Web-chat apps (claude.ai, ChatGPT) connect with OAuth (DESIGN.md §10).
// These are the domain operations behind it; the OAuth protocol itself
// lives in package oauth, which maps its requests onto them.
//
// A grant is one app's standing permission on one store, approved by a
// member. Its record is an api_keys row of kind "app" (scope, approver,
// created, last used, revoked: everything that authenticates it) plus an
// oauth_grants row (the app and the resource its tokens are for), so that
// the audit log, the ledger, idempotency records and the rate limiter name
// a grant exactly as they name a key, and a revocation holds on the next
// request the same way.

// Lifetimes of what the OAuth server issues.
const (
	// ConnectionCodeTTL is how long a connection code can be typed (once).
	ConnectionCodeTTL = 10 * time.Minute
	// AuthorizationCodeTTL is how long an app has to redeem its code (once,
	// with its PKCE verifier).
	AuthorizationCodeTTL = 5 * time.Minute
	// AccessTokenTTL is an access token's life.
	AccessTokenTTL = time.Hour
	// RefreshTokenTTL is a refresh token's life if not rotated before.
	RefreshTokenTTL = 30 * 24 * time.Hour
)

// Kinds of OAuth token rows.
const (
	TokenCode    = "code"
	TokenAccess  = "access"
	TokenRefresh = "refresh"
)

// Ways an app registers.
const (
	RegistrationDynamic          = "dynamic"           // RFC 7591
	RegistrationMetadataDocument = "metadata_document" // Client ID Metadata Document
)

var (
	// ErrOAuthClientNotFound: no app is registered with that client id.
	ErrOAuthClientNotFound = errors.New("no app is registered with that client id")
	// ErrConnectionCodeInvalid is wrapped by every refused connection code.
	ErrConnectionCodeInvalid = errors.New("the connection code is not valid")
	// ErrConnectionCodeUsed: the code was typed before; each works once.
	ErrConnectionCodeUsed = fmt.Errorf("%w: it was already used; generate a new one on the keys page", ErrConnectionCodeInvalid)
	// ErrConnectionCodeExpired: the code is older than ConnectionCodeTTL.
	ErrConnectionCodeExpired = fmt.Errorf("%w: it has expired; generate a new one on the keys page", ErrConnectionCodeInvalid)
	// ErrConnectionCodeUnknown: no code has that value (mistyped).
	ErrConnectionCodeUnknown = fmt.Errorf("%w: check it against the keys page, or generate a new one there", ErrConnectionCodeInvalid)
	// ErrGrantNotFound: the store has no connected app with that id.
	ErrGrantNotFound = errors.New("no connected app of this store has that id")
	// ErrOAuthTokenNotFound: no code or token has that hash.
	ErrOAuthTokenNotFound = errors.New("the code or token is unknown")
)

// OAuthClient is a registered app.
type OAuthClient struct {
	ID           string
	Name         string
	RedirectURIs []string
	Registration string
	CreatedAt    time.Time
	FetchedAt    time.Time
}

// CleanClientName makes an app's self-declared name safe to show and
// store: no control characters, at most 100 characters, never empty.
func CleanClientName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:99]) + "…"
	}
	if name == "" {
		name = "Unnamed app"
	}
	return name
}

// SaveOAuthClient records an app's registration, or refreshes it (a
// metadata document fetched again).
func (db *DB) SaveOAuthClient(ctx context.Context, c OAuthClient) (OAuthClient, error) {
	c.Name = CleanClientName(c.Name)
	now := db.Now()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.FetchedAt = now
	_, err := db.b.Exec(ctx, `INSERT INTO oauth_clients (id, name, redirect_uris, registration, created_at, fetched_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris, fetched_at = excluded.fetched_at`,
		c.ID, c.Name, strings.Join(c.RedirectURIs, "\n"), c.Registration, c.CreatedAt, c.FetchedAt)
	if err != nil {
		return OAuthClient{}, fmt.Errorf("registering app %q: %w", c.Name, err)
	}
	return c, nil
}

// OAuthClientByID returns a registered app.
func (db *DB) OAuthClientByID(ctx context.Context, id string) (OAuthClient, error) {
	var c OAuthClient
	var uris string
	err := db.b.QueryRow(ctx, `SELECT id, name, redirect_uris, registration, created_at, fetched_at FROM oauth_clients WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &uris, &c.Registration, &c.CreatedAt, &c.FetchedAt)
	if errors.Is(err, backend.ErrNoRows) {
		return OAuthClient{}, ErrOAuthClientNotFound
	}
	if err != nil {
		return OAuthClient{}, fmt.Errorf("looking up an app: %w", err)
	}
	if uris != "" {
		c.RedirectURIs = strings.Split(uris, "\n")
	}
	return c, nil
}

// ConnectionCode is a fresh code: Code is shown this once and never stored.
type ConnectionCode struct {
	Code      string             `json:"code"`
	Scope     keys.Scope         `json:"scope"`
	Approval  inventory.Approval `json:"approval"`
	ExpiresAt time.Time          `json:"expires_at"`
}

// CreateConnectionCode issues a one-time code with which member approves
// a web-chat app for the store at that scope (read when empty) and
// approval setting (a read app's is never). The keys page calls it for
// the signed-in member.
func (db *DB) CreateConnectionCode(ctx context.Context, storeID int64, member Member, scope keys.Scope, approval inventory.Approval) (ConnectionCode, error) {
	if scope == "" {
		scope = keys.ScopeRead
	}
	scope, err := keys.ParseScope(string(scope))
	if err != nil {
		return ConnectionCode{}, err
	}
	if member.StoreID != storeID {
		return ConnectionCode{}, fmt.Errorf("%w: %s", ErrMemberNotFound, member.Email)
	}
	for attempt := 0; ; attempt++ {
		code, hash, err := keys.NewConnectionCode()
		if err != nil {
			return ConnectionCode{}, err
		}
		now := db.Now()
		c := ConnectionCode{Code: code, Scope: scope, Approval: approval.For(scope.CanWrite()), ExpiresAt: now.Add(ConnectionCodeTTL)}
		err = db.b.InTx(ctx, func(tx backend.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO oauth_connection_codes (store_id, member_id, hash, scope, created_at, expires_at, approval)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, storeID, member.ID, hash, string(scope), now, c.ExpiresAt, c.Approval.String()); err != nil {
				return err
			}
			return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{At: now, Action: "app.connection_code", Outcome: storage.OutcomeOK,
				Detail: "scope " + string(scope) + "; valid until " + c.ExpiresAt.Format(time.RFC3339)}.By(member.Person()))
		})
		// 40 bits: a clash with a live code is rare, but draw again.
		if errors.Is(err, backend.ErrUniqueViolation) && attempt < 3 {
			continue
		}
		if err != nil {
			return ConnectionCode{}, fmt.Errorf("issuing a connection code: %w", err)
		}
		return c, nil
	}
}

// Grant is a connected app, as the keys page and `apps list` show it.
type Grant struct {
	ID         int64      `json:"id"`
	StoreID    int64      `json:"-"`
	Prefix     string     `json:"prefix"`
	ClientID   string     `json:"client_id"`
	ClientName string     `json:"client"`
	Scope      keys.Scope `json:"scope"`
	ApprovedBy struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"approved_by"`
	ApprovedAt time.Time          `json:"approved_at"`
	LastUsedAt *time.Time         `json:"last_used_at"`
	RevokedAt  *time.Time         `json:"revoked_at"`
	Approval   inventory.Approval `json:"approval"`
	Audience   string             `json:"-"`
}

// Revoked reports whether the grant was revoked.
func (g Grant) Revoked() bool { return g.RevokedAt != nil }

// Key is the grant as its api_keys row, for the audit log.
func (g Grant) Key() APIKey {
	return APIKey{ID: g.ID, StoreID: g.StoreID, Prefix: g.Prefix, Scope: g.Scope, Label: g.ClientName,
		CreatedByName: g.ApprovedBy.Name, CreatedByEmail: g.ApprovedBy.Email, CreatedAt: g.ApprovedAt,
		LastUsedAt: g.LastUsedAt, RevokedAt: g.RevokedAt, Lifecycle: Lifecycle{Approval: g.Approval}}
}

// NewGrant is the app side of an approval.
type NewGrant struct {
	ClientID   string
	ClientName string
	// Audience is the resource (RFC 8707) the grant's tokens are for.
	Audience string
	// Approval is the member's approval setting for the app's writes
	// (ApproveAsMember; a connection code carries its own). Unset for
	// Read & write: always, as on the keys page.
	Approval inventory.Approval
}

// ApproveWithCode redeems a connection code and records the grant it
// approves, in one transaction: the grant is bound to the code's store,
// scope and member. A malformed, unknown, used or expired code wraps
// ErrConnectionCodeInvalid; used and expired ones are also audited,
// refused, in the code's store.
func (db *DB) ApproveWithCode(ctx context.Context, code string, n NewGrant) (Grant, Store, error) {
	hash, err := keys.ParseConnectionCode(code)
	if err != nil {
		return Grant{}, Store{}, fmt.Errorf("%w: %w", ErrConnectionCodeInvalid, err)
	}
	now := db.Now()
	var (
		g       Grant
		st      Store
		m       Member
		refused error
	)
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		refused = nil
		var codeID int64
		var scope, approval string
		var expires time.Time
		var used *time.Time
		m, err = scanMember(tx.QueryRow(ctx, `SELECT m.id, m.store_id, m.name, m.email, m.created_at, c.id, c.scope, c.expires_at, c.used_at, c.approval
			FROM oauth_connection_codes c JOIN members m ON m.store_id = c.store_id AND m.id = c.member_id
			WHERE c.hash = $1`+db.b.Dialect().ForUpdate, hash), &codeID, &scope, &expires, &used, &approval)
		if errors.Is(err, backend.ErrNoRows) {
			return ErrConnectionCodeUnknown
		}
		if err != nil {
			return err
		}
		switch {
		case used != nil:
			refused = ErrConnectionCodeUsed
		case !now.Before(expires):
			refused = ErrConnectionCodeExpired
		}
		if refused != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE oauth_connection_codes SET used_at = $1 WHERE store_id = $2 AND id = $3`, now, m.StoreID, codeID); err != nil {
			return err
		}
		if st, err = scanStore(tx.QueryRow(ctx, `SELECT `+storeColumns+` FROM stores WHERE id = $1`, m.StoreID)); err != nil {
			return err
		}
		n.Approval = inventory.StoredApproval(approval)
		g, err = db.createGrant(ctx, tx, m, keys.Scope(scope), n, now)
		return err
	})
	if errors.Is(err, ErrConnectionCodeUnknown) {
		return Grant{}, Store{}, err
	}
	if err != nil {
		return Grant{}, Store{}, fmt.Errorf("approving %s: %w", CleanClientName(n.ClientName), err)
	}
	if refused != nil {
		reason := "the connection code was already used"
		if refused == ErrConnectionCodeExpired {
			reason = "the connection code had expired"
		}
		if err := db.RecordAudit(ctx, nil, m.StoreID, storage.AuditEntry{At: now, Action: "app.approve", Outcome: storage.OutcomeRefused,
			Detail: CleanClientName(n.ClientName) + ": " + reason}.By(m.Person())); err != nil {
			return Grant{}, Store{}, err
		}
		return Grant{}, Store{}, refused
	}
	return g, st, nil
}

// ApproveAsMember records a grant approved by a member signed in in the
// same browser, at the scope they chose there.
func (db *DB) ApproveAsMember(ctx context.Context, s Session, scope keys.Scope, n NewGrant) (Grant, error) {
	scope, err := keys.ParseScope(string(scope))
	if err != nil {
		return Grant{}, err
	}
	if n.Approval.Mode == "" && scope.CanWrite() {
		n.Approval = inventory.Approval{Mode: inventory.ApprovalAlways}
	}
	var g Grant
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		var err error
		g, err = db.createGrant(ctx, tx, s.Member, scope, n, db.Now())
		return err
	})
	if err != nil {
		return Grant{}, fmt.Errorf("approving %s: %w", CleanClientName(n.ClientName), err)
	}
	return g, nil
}

func (db *DB) createGrant(ctx context.Context, tx backend.Tx, m Member, scope keys.Scope, n NewGrant, now time.Time) (Grant, error) {
	g := Grant{StoreID: m.StoreID, ClientID: n.ClientID, ClientName: CleanClientName(n.ClientName), Scope: scope,
		ApprovedAt: now, Audience: n.Audience, Approval: n.Approval.For(scope.CanWrite())}
	g.ApprovedBy.Name, g.ApprovedBy.Email = m.Name, m.Email
	// The row's hash is of a secret thrown away at once: the grant is
	// reached only through its tokens. Its prefix names it in the audit
	// log; a clash within the store (47 random bits) aborts the approval.
	k, err := keys.AccessToken.Generate()
	if err != nil {
		return Grant{}, err
	}
	g.Prefix = k.Prefix
	if err := tx.QueryRow(ctx, `INSERT INTO api_keys
		(store_id, hash, prefix, scope, label, created_by_name, created_by_email, created_at, kind, approval)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'app', $9) RETURNING id`,
		m.StoreID, k.Hash, g.Prefix, string(scope), g.ClientName, m.Name, m.Email, now, g.Approval.String()).Scan(&g.ID); err != nil {
		return Grant{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO oauth_grants (store_id, key_id, client_id, client_name, member_id, audience)
		VALUES ($1, $2, $3, $4, $5, $6)`, m.StoreID, g.ID, g.ClientID, g.ClientName, m.ID, g.Audience); err != nil {
		return Grant{}, err
	}
	return g, db.RecordAudit(ctx, tx, m.StoreID, storage.AuditEntry{At: now, Action: "app.approve", Outcome: storage.OutcomeOK,
		Detail: g.ClientName + " (" + g.ClientID + "), scope " + string(scope) + g.Approval.AuditNote()}.ByKey(g.Key()).By(m.Person()))
}

const grantColumns = `k.id, k.store_id, k.prefix, g.client_id, g.client_name, k.scope, k.created_by_name, k.created_by_email,
	k.created_at, k.last_used_at, k.revoked_at, g.audience, k.approval`

const grantFrom = ` FROM oauth_grants g JOIN api_keys k ON k.store_id = g.store_id AND k.id = g.key_id `

func scanGrant(r backend.Row, extra ...any) (Grant, error) {
	var g Grant
	var scope, approval string
	err := r.Scan(append([]any{&g.ID, &g.StoreID, &g.Prefix, &g.ClientID, &g.ClientName, &scope, &g.ApprovedBy.Name, &g.ApprovedBy.Email,
		&g.ApprovedAt, &g.LastUsedAt, &g.RevokedAt, &g.Audience, &approval}, extra...)...)
	g.Scope, g.Approval = keys.Scope(scope), inventory.StoredApproval(approval)
	return g, err
}

// ListGrants returns the store's connected apps, revoked ones included,
// oldest first.
func (db *DB) ListGrants(ctx context.Context, storeID int64) ([]Grant, error) {
	rows, err := db.b.Query(ctx, `SELECT `+grantColumns+grantFrom+`WHERE g.store_id = $1 ORDER BY k.id`, storeID)
	if err != nil {
		return nil, fmt.Errorf("listing connected apps: %w", err)
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("listing connected apps: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GrantByID returns one of the store's connected apps.
func (db *DB) GrantByID(ctx context.Context, storeID, grantID int64) (Grant, error) {
	g, err := scanGrant(db.b.QueryRow(ctx, `SELECT `+grantColumns+grantFrom+`WHERE g.store_id = $1 AND g.key_id = $2`, storeID, grantID))
	if errors.Is(err, backend.ErrNoRows) {
		return Grant{}, fmt.Errorf("%w: %d (see: logistified apps list)", ErrGrantNotFound, grantID)
	}
	if err != nil {
		return Grant{}, fmt.Errorf("looking up connected app %d: %w", grantID, err)
	}
	return g, nil
}

// RevokeGrant ends the store's grant: its access and refresh tokens fail
// on their next request, since every request reads the grant. by is who
// revoked it (a member on the keys page, a person at the command line).
// Revoking a revoked grant is not an error.
func (db *DB) RevokeGrant(ctx context.Context, storeID, grantID int64, by Person) (Grant, error) {
	return db.revokeGrant(ctx, storeID, grantID, func(e storage.AuditEntry) storage.AuditEntry { return e.By(by) }, "")
}

// RevokeGrantForApp ends a grant for a reason the OAuth server found: the
// app revoked its token, or presented a rotated refresh token again.
func (db *DB) RevokeGrantForApp(ctx context.Context, storeID, grantID int64, reason string) (Grant, error) {
	return db.revokeGrant(ctx, storeID, grantID, func(e storage.AuditEntry) storage.AuditEntry { return e }, reason)
}

func (db *DB) revokeGrant(ctx context.Context, storeID, grantID int64, actor func(storage.AuditEntry) storage.AuditEntry, detail string) (Grant, error) {
	var g Grant
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		var err error
		g, err = scanGrant(tx.QueryRow(ctx, `SELECT `+grantColumns+grantFrom+`WHERE g.store_id = $1 AND g.key_id = $2`+db.b.Dialect().ForUpdate, storeID, grantID))
		if errors.Is(err, backend.ErrNoRows) {
			return fmt.Errorf("%w: %d (see: logistified apps list)", ErrGrantNotFound, grantID)
		}
		if err != nil || g.Revoked() {
			return err
		}
		now := db.Now()
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE store_id = $2 AND id = $3`, now, storeID, g.ID); err != nil {
			return err
		}
		// The tokens die with the grant; removing them keeps no live hash.
		if _, err := tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE store_id = $1 AND grant_id = $2`, storeID, g.ID); err != nil {
			return err
		}
		g.RevokedAt = &now
		return db.RecordAudit(ctx, tx, storeID, actor(storage.AuditEntry{At: now, Action: "app.revoke", Outcome: storage.OutcomeOK, Detail: detail}.ByKey(g.Key())))
	})
	if err != nil && !errors.Is(err, ErrGrantNotFound) {
		return Grant{}, fmt.Errorf("revoking connected app %d: %w", grantID, err)
	}
	return g, err
}

// OAuthToken is a stored authorization code, access token or refresh
// token of a grant: never the token, only its hash.
type OAuthToken struct {
	ID            int64
	Kind          string
	Grant         Grant
	RedirectURI   string
	CodeChallenge string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
}

// NewOAuthToken is what CreateOAuthToken stores.
type NewOAuthToken struct {
	StoreID, GrantID int64
	Kind             string
	Hash             []byte
	// AccessHash links a refresh token to the access token issued with it.
	AccessHash    []byte
	RedirectURI   string
	CodeChallenge string
	ExpiresAt     time.Time
}

// CreateOAuthToken stores a code or token of a live grant.
func (db *DB) CreateOAuthToken(ctx context.Context, n NewOAuthToken) error {
	if len(n.Hash) == 0 {
		return errors.New("storing an OAuth token: no hash")
	}
	n2, err := db.b.Exec(ctx, `INSERT INTO oauth_tokens (store_id, grant_id, kind, hash, access_hash, redirect_uri, code_challenge, created_at, expires_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM api_keys WHERE store_id = $1 AND id = $2 AND revoked_at IS NULL`,
		n.StoreID, n.GrantID, n.Kind, n.Hash, n.AccessHash, n.RedirectURI, n.CodeChallenge, db.Now(), n.ExpiresAt)
	if err != nil {
		return fmt.Errorf("storing an OAuth %s: %w", n.Kind, err)
	}
	if n2 == 0 {
		return fmt.Errorf("storing an OAuth %s: %w", n.Kind, ErrKeyRevoked)
	}
	return nil
}

// OAuthTokenByHash returns the code or token with that hash and its grant,
// used, expired or of a revoked grant alike: the caller decides.
func (db *DB) OAuthTokenByHash(ctx context.Context, kind string, hash []byte) (OAuthToken, error) {
	var t OAuthToken
	var err error
	t.Grant, err = scanGrant(db.b.QueryRow(ctx, `SELECT `+grantColumns+`, t.id, t.kind, t.redirect_uri, t.code_challenge, t.created_at, t.expires_at, t.used_at
		FROM oauth_tokens t JOIN oauth_grants g ON g.store_id = t.store_id AND g.key_id = t.grant_id
		JOIN api_keys k ON k.store_id = g.store_id AND k.id = g.key_id
		WHERE t.hash = $1 AND t.kind = $2`, hash, kind),
		&t.ID, &t.Kind, &t.RedirectURI, &t.CodeChallenge, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt)
	if errors.Is(err, backend.ErrNoRows) {
		return OAuthToken{}, ErrOAuthTokenNotFound
	}
	if err != nil {
		return OAuthToken{}, fmt.Errorf("looking up an OAuth %s: %w", kind, err)
	}
	return t, nil
}

// UseOAuthToken marks a code redeemed or a refresh token rotated; a
// rotated refresh token's access token ends with it. It reports false when
// the code or token was already used (or is gone): of two concurrent
// redemptions, exactly one wins.
func (db *DB) UseOAuthToken(ctx context.Context, kind string, hash []byte) (bool, error) {
	var won bool
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		var storeID int64
		var access []byte
		err := tx.QueryRow(ctx, `UPDATE oauth_tokens SET used_at = $1 WHERE hash = $2 AND kind = $3 AND used_at IS NULL
			RETURNING store_id, access_hash`, db.Now(), hash, kind).Scan(&storeID, &access)
		if errors.Is(err, backend.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		won = true
		if len(access) > 0 {
			_, err = tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE store_id = $1 AND hash = $2 AND kind = 'access'`, storeID, access)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("using an OAuth %s: %w", kind, err)
	}
	return won, nil
}

// DeleteOAuthToken removes a code or token (an expired one, or one the
// protocol discards).
func (db *DB) DeleteOAuthToken(ctx context.Context, kind string, hash []byte) error {
	if _, err := db.b.Exec(ctx, `DELETE FROM oauth_tokens WHERE hash = $1 AND kind = $2`, hash, kind); err != nil {
		return fmt.Errorf("deleting an OAuth %s: %w", kind, err)
	}
	return nil
}

// UnusedClientTTL is how long a registered app that no member approved is
// kept: registering is open to anyone, so the clients table must not grow
// with registrations that led nowhere.
const UnusedClientTTL = 24 * time.Hour

// PruneOAuth deletes codes and tokens that can no longer be used, old
// connection codes, and apps registered more than UnusedClientTTL ago that
// no grant names. Rotated refresh tokens stay until they expire, so that
// presenting one again is still recognised as reuse.
func (db *DB) PruneOAuth(ctx context.Context) (int64, error) {
	now := db.Now()
	var total int64
	for _, p := range []struct {
		what, sql string
		before    time.Time
	}{
		{"expired OAuth tokens", `DELETE FROM oauth_tokens WHERE expires_at <= $1`, now},
		{"old connection codes", `DELETE FROM oauth_connection_codes WHERE expires_at <= $1`, now.Add(-24 * time.Hour)},
		{"apps registered but never approved", `DELETE FROM oauth_clients WHERE created_at <= $1
			AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.id)`, now.Add(-UnusedClientTTL)},
	} {
		n, err := db.b.Exec(ctx, p.sql, p.before)
		if err != nil {
			return total, fmt.Errorf("deleting %s: %w", p.what, err)
		}
		total += n
	}
	return total, nil
}

// lookupAccessToken is lookupKey for an lsto_ access token: the grant's
// api_keys row stands for the key, so scope, store, audit and last-used
// work as for a key, and Principal.Grant says which app and for which
// resource.
func (db *DB) lookupAccessToken(hash []byte) storage.CredentialLookup {
	return storage.CredentialLookup{
		SQL: `SELECT k.id, k.store_id, k.prefix, k.scope, k.label, k.created_by_name,
			k.created_by_email, k.created_at, k.last_used_at, k.revoked_at,
			s.domain, s.name, s.currency, s.timezone, s.service_level, s.created_at, t.expires_at, g.client_id, g.audience, k.approval
		FROM oauth_tokens t
		JOIN oauth_grants g ON g.store_id = t.store_id AND g.key_id = t.grant_id
		JOIN api_keys k ON k.store_id = g.store_id AND k.id = g.key_id
		JOIN stores s ON s.id = k.store_id
		WHERE t.hash = $1 AND t.kind = 'access'`,
		Args: []any{hash},
		Scan: func(r backend.Row) (Principal, error) {
			var p Principal
			var expires time.Time
			var g GrantRef
			var approval string
			var err error
			p.Key, err = scanKey(r, &p.Store.Domain, &p.Store.Name, &p.Store.Currency, &p.Store.Timezone, &p.Store.ServiceLevel, &p.Store.CreatedAt, &expires, &g.ClientID, &g.Audience, &approval)
			p.Key.Approval = inventory.StoredApproval(approval)
			if errors.Is(err, backend.ErrNoRows) {
				return Principal{}, ErrKeyUnknown
			}
			if err != nil {
				return Principal{}, fmt.Errorf("looking up the access token: %w", err)
			}
			now := db.Now()
			if p.Key.Revoked() || !now.Before(expires) {
				return Principal{}, ErrKeyRevoked
			}
			db.lastUsed().touch(p.Key, now)
			g.ID = p.Key.ID
			p.Grant = &g
			p.Store.ID = p.Key.StoreID
			return p, nil
		},
	}
}
