package storage

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// Every request is authenticated against the database, so that a key
// revoked, or an access token expired, anywhere fails on its next request
// on every replica. That check costs a round trip of its own unless it
// travels with the request's first read: CheckCredentialLater predicts the
// principal from the last time the credential was accepted (a key never
// changes store) and attaches the check to the context; the request's
// first statement carries it in the same round trip (PostgreSQL's
// pipeline), and the face confirms it with ConfirmCredential before it
// answers. A credential refused by the check, or whose principal has
// changed since it was remembered, makes the face discard what it
// computed.

// CredentialLookup is the one statement that turns a presented credential
// into its principal, and the rules that accept it (in Scan). Package
// access writes it (the keys' and access tokens' SQL); the kernel runs it,
// alone or pipelined with a request's first read, and remembers what it
// accepted.
type CredentialLookup struct {
	// ID names the credential in memory: its kind and hash, never the
	// credential itself.
	ID   string
	SQL  string
	Args []any
	// Scan reads the statement's row into the principal, or refuses it:
	// ErrKeyUnknown, ErrKeyRevoked, or a refusal made with RefuseKey.
	Scan func(backend.Row) (Principal, error)

	// VersionSQL, where the backend has row versions, reads only the
	// version of the rows the principal is read from, with Args; Scan
	// sets that version in Principal.Version. A remembered principal
	// whose version is unchanged stands without its row being read
	// again (a row written since, revoked or not, is read in full), and
	// Accept applies to it the rules that depend on the request and the
	// time, as Scan does, and notes its use. Empty: the full statement
	// checks every request.
	VersionSQL  string
	ScanVersion func(backend.Row) ([2]int64, error)
	Accept      func(Principal) error
}

// CheckCredential runs the lookup l now: the principal it accepts, or its
// refusal (recorded in the audit log when the key's lifecycle refused it).
func (db *DB) CheckCredential(ctx context.Context, l CredentialLookup) (Principal, error) {
	p, err := l.Scan(db.b.QueryRow(ctx, l.SQL, l.Args...))
	if err != nil {
		db.auditRefusal(ctx, err)
		return Principal{}, err
	}
	db.accepted(l.ID, p)
	return p, nil
}

// accepted remembers a principal for CheckCredentialLater. (Its use is
// noted by the lookup's Scan, which knows the key's last-used writer.)
func (db *DB) accepted(id string, p Principal) {
	// Past the bound, the next request of each credential is checked at
	// once.
	db.recent.put(id, p, maxRecentCredentials)
}

// maxRecentCredentials bounds the principals remembered for
// CheckCredentialLater; past it the memory starts again empty.
const maxRecentCredentials = 10000

// IsCredentialRefusal reports whether err is a statement's refusal because
// the request's credential was refused by the check it carried: the face
// answers 401, not an internal error.
func IsCredentialRefusal(err error) bool {
	return isKeyRefusal(err) || errors.Is(err, ErrPrincipalChanged)
}

var (
	// ErrKeyUnknown: no key has that hash.
	ErrKeyUnknown = errors.New("the API key is unknown or revoked")
	// ErrKeyRevoked: the key exists but was revoked. Callers outside the
	// server must not tell it apart from ErrKeyUnknown.
	ErrKeyRevoked = errors.New("the API key is unknown or revoked")
)

// ErrPrincipalChanged is ConfirmCredential's answer when the credential is
// still accepted but its principal (scope, store settings) changed since
// it was remembered: whatever was computed with the old one is discarded
// and the request runs again with the fresh principal.
var ErrPrincipalChanged = errors.New("the credential's principal changed since it was last seen")

// CheckCredentialLater is CheckCredential for a request that will read:
// when the credential was accepted recently, it returns the principal it
// had then, and a context that carries the check, which the request's
// first statement runs in the same round trip. Otherwise it checks now,
// and the context carries no check. The caller must call
// ConfirmCredential before it answers.
func (db *DB) CheckCredentialLater(ctx context.Context, l CredentialLookup) (Principal, context.Context, error) {
	v, ok := db.recent.Load(l.ID)
	if !ok {
		p, err := db.CheckCredential(ctx, l)
		return p, ctx, err
	}
	c := &credentialCheck{db: db, direct: db.direct(), lookup: l, predicted: v.(Principal)}
	c.quick = l.VersionSQL != "" && c.predicted.Version != [2]int64{}
	return c.predicted, context.WithValue(ctx, credentialCheckKey{}, c), nil
}

// ConfirmCredential returns the verdict on the credential check that ctx
// carries, running it now if no statement carried it: nil when the
// credential is accepted with the principal that was predicted,
// ErrPrincipalChanged with the fresh principal, or the refusal
// (ErrKeyRevoked, ErrKeyUnknown, or a failure to ask). A context without a
// check was authenticated already: nil.
func ConfirmCredential(ctx context.Context) (Principal, error) {
	c := pendingCheck(ctx)
	if c == nil {
		return Principal{}, nil
	}
	p, err := c.confirm(ctx)
	if err != nil {
		c.db.auditRefusal(ctx, err)
	}
	return p, err
}

type credentialCheckKey struct{}

// credentialCheck is a request's pending credential check.
type credentialCheck struct {
	db *DB
	// direct runs the check's own statement, past checkedBackend.
	direct    backend.Querier
	lookup    CredentialLookup
	predicted Principal

	mu sync.Mutex
	// quick: the check reads the rows' version only, until it differs
	// from the predicted principal's.
	quick bool
	done  bool
	fresh Principal
	err   error
}

func pendingCheck(ctx context.Context) *credentialCheck {
	c, _ := ctx.Value(credentialCheckKey{}).(*credentialCheck)
	return c
}

// confirm runs the check on its own if no statement carried it.
func (c *credentialCheck) confirm(ctx context.Context) (Principal, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runAlone(ctx, c.direct)
	return c.fresh, c.err
}

// runAlone runs the check as a statement of its own on q unless it is
// done, and leaves its verdict in c. A version that differs leaves the
// check to do in full: at most two statements. c.mu is held.
func (c *credentialCheck) runAlone(ctx context.Context, q backend.Querier) {
	for range 2 {
		if c.done {
			return
		}
		st := c.statement()
		if err := st.Scan(q.QueryRow(ctx, st.SQL, st.Args...)); err != nil && !errors.Is(err, errVersionChanged) {
			return
		}
	}
}

// refusal is the verdict's error when it stops the request's reads: a
// refusal or a failure to ask, not ErrPrincipalChanged (reads go on, and
// the face serves the request again). c.mu is held.
func (c *credentialCheck) refusal() error {
	if errors.Is(c.err, ErrPrincipalChanged) {
		return nil
	}
	return c.err
}

// errVersionChanged is judgeVersion's answer when the rows were written
// since the principal was remembered: the read that followed is abandoned,
// and the check runs again in full.
var errVersionChanged = errors.New("the credential's rows changed since they were last read")

// judgeVersion reads the rows' version and accepts the predicted principal
// when it is unchanged; otherwise the check is left to do in full (done
// stays false, errVersionChanged). c.mu is held.
func (c *credentialCheck) judgeVersion(r backend.Row) error {
	v, err := c.lookup.ScanVersion(r)
	if err != nil && !errors.Is(err, backend.ErrNoRows) {
		// The database could not be asked: the next statement may carry
		// the check again.
		c.fresh, c.err = Principal{}, err
		return err
	}
	c.quick = false
	if err != nil || v != c.predicted.Version {
		return errVersionChanged
	}
	c.done, c.fresh, c.err = true, c.predicted, c.lookup.Accept(c.predicted)
	if c.err != nil {
		c.fresh = Principal{}
		c.db.recent.Delete(c.lookup.ID)
		return c.err
	}
	return nil
}

// judge reads the check's row and records the verdict; c.mu is held.
func (c *credentialCheck) judge(r backend.Row) error {
	p, err := c.lookup.Scan(r)
	c.quick = false
	c.done, c.fresh, c.err = true, p, err
	if err != nil {
		if !isKeyRefusal(err) {
			// The database could not be asked: the next statement may
			// carry the check again.
			c.done = false
		}
		c.db.recent.Delete(c.lookup.ID)
		return err
	}
	c.db.accepted(c.lookup.ID, p)
	if !samePrincipal(p, c.predicted) {
		// Reads go on (the face discards them and serves the request
		// again); writes wait for the verdict and are refused (ready).
		c.err = ErrPrincipalChanged
	}
	return nil
}

// samePrincipal compares everything but the time and address of last
// use, which the check itself moves.
func samePrincipal(a, b Principal) bool {
	a.Key.LastUsedAt, b.Key.LastUsedAt = nil, nil
	a.Key.LastUsedAddr, b.Key.LastUsedAddr = "", ""
	a.Version, b.Version = [2]int64{}, [2]int64{}
	return reflect.DeepEqual(a, b)
}

// statement is the check as the first statement of a pipeline.
func (c *credentialCheck) statement() backend.Statement {
	if c.quick {
		return backend.Statement{SQL: c.lookup.VersionSQL, Args: c.lookup.Args, Scan: c.judgeVersion}
	}
	return backend.Statement{SQL: c.lookup.SQL, Args: c.lookup.Args, Scan: c.judge}
}

// checkedBackend carries a request's pending credential check on its first
// statement: pipelined with a read where the backend can, else just before
// it. A statement that writes, and a transaction, wait for the verdict.
type checkedBackend struct {
	backend.Backend
}

// ready runs ctx's pending check before a statement that cannot carry it.
func ready(ctx context.Context) error {
	c := pendingCheck(ctx)
	if c == nil {
		return nil
	}
	_, err := c.confirm(ctx)
	return err
}

func (b checkedBackend) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := ready(ctx); err != nil {
		return 0, err
	}
	return b.Backend.Exec(ctx, sql, args...)
}

func (b checkedBackend) InTx(ctx context.Context, fn func(tx backend.Tx) error) error {
	if err := ready(ctx); err != nil {
		return err
	}
	return b.Backend.InTx(ctx, fn)
}

func (b checkedBackend) Query(ctx context.Context, sql string, args ...any) (backend.Rows, error) {
	c := pendingCheck(ctx)
	if c == nil {
		return b.Backend.Query(ctx, sql, args...)
	}
	c.mu.Lock()
	if c.done {
		err := c.refusal()
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return b.Backend.Query(ctx, sql, args...)
	}
	defer c.mu.Unlock()
	if p, ok := b.Backend.(backend.Pipeliner); ok {
		rows, err := p.QueryAfter(ctx, c.statement(), sql, args...)
		if !errors.Is(err, errVersionChanged) {
			return rows, err
		}
		// The rows changed: the check runs in full before the read, so a
		// revoked key reads nothing (one more round trip, rarely).
	}
	c.runAlone(ctx, b.Backend)
	if err := c.refusal(); err != nil {
		return nil, err
	}
	return b.Backend.Query(ctx, sql, args...)
}

func (b checkedBackend) QueryRow(ctx context.Context, sql string, args ...any) backend.Row {
	if pendingCheck(ctx) == nil {
		return b.Backend.QueryRow(ctx, sql, args...)
	}
	return checkedRow{b: b, ctx: ctx, sql: sql, args: args}
}

// checkedRow runs its query, and the check with it, when scanned.
type checkedRow struct {
	b    checkedBackend
	ctx  context.Context
	sql  string
	args []any
}

func (r checkedRow) Scan(dest ...any) error {
	rows, err := r.b.Query(r.ctx, r.sql, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return backend.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
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

// keyRefused is a key refused by its lifecycle: what its holder is told
// (err) and what the store's audit log records.
type keyRefused struct {
	err    error // ErrKeyRevoked, *KeyExpiredError or *AddressError
	key    APIKey
	detail string
	once   sync.Once
}

// RefuseKey is the lookup's refusal of key k for a reason of its
// lifecycle: err is what its holder is told (ErrKeyRevoked,
// *KeyExpiredError or *AddressError), detail what the store's audit log
// records, once, when the check reports it.
func RefuseKey(err error, k APIKey, detail string) error {
	return &keyRefused{err: err, key: k, detail: detail}
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
