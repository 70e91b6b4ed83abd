package access

import (
	"context"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// The credential check is the kernel's (storage.CredentialLookup): it runs
// the lookup alone or pipelined with a request's first read, and
// remembers what it accepted. What it runs is written here: the
// statement that finds a presented key or access token, and the rules
// that accept it.

// lookupCredential recognises the credential by its prefix. A malformed
// one fails with keys.ErrMalformed before any database call. Each lookup
// notes the principal's use in the keys' last-used writer once it accepts
// it (in Scan, and in Accept where it has one).
func (db *DB) lookupCredential(ctx context.Context, presented string) (storage.CredentialLookup, error) {
	if keys.AccessToken.Has(presented) {
		hash, _, err := keys.AccessToken.Parse(presented)
		if err != nil {
			return storage.CredentialLookup{}, err
		}
		l := db.lookupAccessToken(hash)
		l.ID = "o" + string(hash)
		return l, nil
	}
	hash, _, err := keys.Parse(presented)
	if err != nil {
		return storage.CredentialLookup{}, err
	}
	addr, hasAddr := clientAddrFrom(ctx) // for the key's allow-list
	l := db.lookupKey(hash, addr, hasAddr)
	l.ID = "k" + string(hash)
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
	return db.CheckCredential(ctx, l)
}

// AuthenticateLater is Authenticate for a request that will read: when the
// credential was accepted recently, it returns the principal it had then,
// and a context that carries the check, which the request's first
// statement runs in the same round trip (storage.DB.CheckCredentialLater).
// The caller must call storage.ConfirmCredential before it answers.
func (db *DB) AuthenticateLater(ctx context.Context, presented string) (Principal, context.Context, error) {
	l, err := db.lookupCredential(ctx, presented)
	if err != nil {
		return Principal{}, ctx, err
	}
	return db.CheckCredentialLater(ctx, l)
}
