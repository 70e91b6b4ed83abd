package storage

import (
	"context"
	"errors"
	"reflect"
	"sync"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/backend"
)

// Every request is authenticated against the database, so that a key
// revoked, or an access token expired, anywhere fails on its next request
// on every replica. That check costs a round trip of its own unless it
// travels with the request's first read: AuthenticateLater predicts the
// principal from the last time the credential was accepted (a key never
// changes store) and attaches the check to the context; the request's
// first statement carries it in the same round trip (PostgreSQL's
// pipeline), and the face confirms it with ConfirmCredential before it
// answers. A credential refused by the check, or whose principal has
// changed since it was remembered, makes the face discard what it
// computed.

// credentialLookup is the one statement that turns a presented credential
// into its principal, and the rules that accept it (in scan).
type credentialLookup struct {
	// id names the credential in memory: its kind and hash, never the
	// credential itself.
	id   string
	sql  string
	args []any
	scan func(backend.Row) (Principal, error)
}

// lookupCredential recognises the credential by its prefix. A malformed
// one fails with keys.ErrMalformed before any database call.
func (db *DB) lookupCredential(ctx context.Context, presented string) (credentialLookup, error) {
	if keys.AccessToken.Has(presented) {
		hash, _, err := keys.AccessToken.Parse(presented)
		if err != nil {
			return credentialLookup{}, err
		}
		l := db.lookupAccessToken(hash)
		l.id = "o" + string(hash)
		return l, nil
	}
	hash, _, err := keys.Parse(presented)
	if err != nil {
		return credentialLookup{}, err
	}
	addr, hasAddr := clientAddrFrom(ctx) // for the key's allow-list
	l := db.lookupKey(hash, addr, hasAddr)
	l.id = "k" + string(hash)
	return l, nil
}

// Authenticate turns a presented credential (an lstk_ key or an lsto_
// access token) into its principal with one indexed lookup. A malformed
// credential fails with keys.ErrMalformed before any database call; an
// unknown one with ErrKeyUnknown; a revoked or expired one with
// ErrKeyRevoked.
func (db *DB) Authenticate(ctx context.Context, presented string) (Principal, error) {
	l, err := db.lookupCredential(ctx, presented)
	if err != nil {
		return Principal{}, err
	}
	p, err := l.scan(db.b.QueryRow(ctx, l.sql, l.args...))
	if err != nil {
		db.auditRefusal(ctx, err)
		return Principal{}, err
	}
	db.accepted(l.id, p)
	return p, nil
}

// accepted notes a principal's use and remembers it for AuthenticateLater.
func (db *DB) accepted(id string, p Principal) {
	db.lastUsed.touch(p.Key, db.Now())
	if _, known := db.recent.Swap(id, p); known {
		return
	}
	// A credential not remembered before: past the bound, the memory
	// starts again empty (the next request of each is checked at once).
	if db.recentCount.Add(1) > maxRecentCredentials {
		db.recent.Clear()
		db.recentCount.Store(0)
	}
}

// maxRecentCredentials bounds the principals remembered for
// AuthenticateLater; past it the memory starts again empty.
const maxRecentCredentials = 10000

// IsCredentialRefusal reports whether err is a statement's refusal because
// the request's credential was refused by the check it carried: the face
// answers 401, not an internal error.
func IsCredentialRefusal(err error) bool {
	return isKeyRefusal(err) || errors.Is(err, ErrPrincipalChanged)
}

// ErrPrincipalChanged is ConfirmCredential's answer when the credential is
// still accepted but its principal (scope, store settings) changed since
// it was remembered: whatever was computed with the old one is discarded
// and the request runs again with the fresh principal.
var ErrPrincipalChanged = errors.New("the credential's principal changed since it was last seen")

// AuthenticateLater is Authenticate for a request that will read: when the
// credential was accepted recently, it returns the principal it had then,
// and a context that carries the check, which the request's first
// statement runs in the same round trip. Otherwise it authenticates now,
// and the context carries no check. The caller must call
// ConfirmCredential before it answers.
func (db *DB) AuthenticateLater(ctx context.Context, presented string) (Principal, context.Context, error) {
	l, err := db.lookupCredential(ctx, presented)
	if err != nil {
		return Principal{}, ctx, err
	}
	v, ok := db.recent.Load(l.id)
	if !ok {
		p, err := db.Authenticate(ctx, presented)
		return p, ctx, err
	}
	direct := db.b
	if cb, ok := direct.(checkedBackend); ok {
		direct = cb.Backend
	}
	c := &credentialCheck{db: db, direct: direct, lookup: l, predicted: v.(Principal)}
	return c.predicted, context.WithValue(ctx, credentialCheckKey{}, c), nil
}

// ConfirmCredential returns the verdict on the credential check that ctx
// carries, running it now if no statement carried it: nil when the
// credential is accepted with the principal that was predicted,
// ErrPrincipalChanged with the fresh principal, or the refusal
// (ErrKeyRevoked, ErrKeyUnknown, or a failure to ask). A context without a
// check was authenticated already: nil.
func ConfirmCredential(ctx context.Context) (Principal, error) {
	c, ok := ctx.Value(credentialCheckKey{}).(*credentialCheck)
	if !ok {
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
	lookup    credentialLookup
	predicted Principal

	mu    sync.Mutex
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
	if !c.done {
		_ = c.judge(c.direct.QueryRow(ctx, c.lookup.sql, c.lookup.args...))
	}
	return c.fresh, c.err
}

// judge reads the check's row and records the verdict; c.mu is held.
func (c *credentialCheck) judge(r backend.Row) error {
	p, err := c.lookup.scan(r)
	c.done, c.fresh, c.err = true, p, err
	if err != nil {
		if !isKeyRefusal(err) {
			// The database could not be asked: the next statement may
			// carry the check again.
			c.done = false
		}
		c.db.recent.Delete(c.lookup.id)
		return err
	}
	c.db.accepted(c.lookup.id, p)
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
	return reflect.DeepEqual(a, b)
}

// statement is the check as the first statement of a pipeline.
func (c *credentialCheck) statement() backend.Statement {
	return backend.Statement{SQL: c.lookup.sql, Args: c.lookup.args, Scan: c.judge}
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
		err := c.err
		c.mu.Unlock()
		if err != nil && !errors.Is(err, ErrPrincipalChanged) {
			return nil, err
		}
		return b.Backend.Query(ctx, sql, args...)
	}
	defer c.mu.Unlock()
	if p, ok := b.Backend.(backend.Pipeliner); ok {
		return p.QueryAfter(ctx, c.statement(), sql, args...)
	}
	if err := c.judge(b.Backend.QueryRow(ctx, c.lookup.sql, c.lookup.args...)); err != nil {
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
