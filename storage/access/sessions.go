package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Lifetimes of sign-in links and sessions.
const (
	// SigninLinkTTL is how long a sign-in link can be followed (once).
	SigninLinkTTL = 15 * time.Minute
	// SessionIdleTimeout ends a session nobody used for that long.
	SessionIdleTimeout = 12 * time.Hour
	// SessionMaxAge ends a session that long after sign-in, used or not.
	SessionMaxAge = 7 * 24 * time.Hour
	// sessionTouchEvery bounds how often a session's last_seen_at is
	// written: not on every page view.
	sessionTouchEvery = time.Minute
)

// secretLen is the length of a sign-in token or session id: 32 random
// bytes, base64url without padding.
const secretLen = 43

// NewSecret returns a fresh random secret and the SHA-256 hash that is all
// the database keeps of it. 256 random bits make a fast unsalted hash safe.
func NewSecret() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("drawing a random secret: %w", err)
	}
	s := base64.RawURLEncoding.EncodeToString(b)
	return s, HashSecret(s), nil
}

func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// WellFormedSecret reports whether s has the form of a sign-in token or
// session id, so that garbage is refused before any database call.
func WellFormedSecret(s string) bool {
	if len(s) != secretLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// SigninLink is a fresh one-time sign-in token: Token is shown this once
// (in the link) and never stored.
type SigninLink struct {
	Token     string
	ExpiresAt time.Time
	Member    Member
}

// CreateSigninLink issues a one-time sign-in token for the store's member
// with that email, valid for SigninLinkTTL.
func (db *DB) CreateSigninLink(ctx context.Context, storeID int64, email string) (SigninLink, error) {
	m, err := db.MemberByEmail(ctx, storeID, email)
	if err != nil {
		return SigninLink{}, err
	}
	token, hash, err := NewSecret()
	if err != nil {
		return SigninLink{}, err
	}
	now := db.Now()
	l := SigninLink{Token: token, ExpiresAt: now.Add(SigninLinkTTL), Member: m}
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO signin_tokens (store_id, member_id, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			storeID, m.ID, hash, now, l.ExpiresAt); err != nil {
			return err
		}
		return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{At: now, Action: "member.signin_link", Outcome: storage.OutcomeOK,
			Detail: "valid until " + l.ExpiresAt.Format(time.RFC3339)}.By(m.Person()))
	})
	if err != nil {
		return SigninLink{}, fmt.Errorf("issuing a sign-in link for %s: %w", m.Email, err)
	}
	return l, nil
}

// Session is a member's signed-in browser.
type Session struct {
	ID         int64
	Store      Store
	Member     Member
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute limit; idleness may end it sooner
}

// NewSession is a session just begun: Secret goes into the cookie and is
// never stored.
type NewSession struct {
	Session
	Secret string
}

// SignIn redeems a sign-in token: in one transaction it marks the token
// used and begins a session. A malformed, unknown, used or expired token
// fails with an error that wraps ErrSigninInvalid (and says which); a used
// or expired one is also recorded, refused, in the store's audit log.
func (db *DB) SignIn(ctx context.Context, token string) (NewSession, error) {
	if !WellFormedSecret(token) {
		return NewSession{}, ErrSigninMalformed
	}
	secret, hash, err := NewSecret()
	if err != nil {
		return NewSession{}, err
	}
	now := db.Now()
	var s NewSession
	var refused error
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		refused = nil
		var tokenID int64
		var expires time.Time
		var used *time.Time
		m, err := scanMember(tx.QueryRow(ctx, `SELECT m.id, m.store_id, m.name, m.email, m.created_at, t.id, t.expires_at, t.used_at
			FROM signin_tokens t JOIN members m ON m.store_id = t.store_id AND m.id = t.member_id
			WHERE t.hash = $1`+db.b.Dialect().ForUpdate, HashSecret(token)), &tokenID, &expires, &used)
		if errors.Is(err, backend.ErrNoRows) {
			return ErrSigninUnknown
		}
		if err != nil {
			return err
		}
		s.Member = m
		switch {
		case used != nil:
			refused = ErrSigninUsed
		case !now.Before(expires):
			refused = ErrSigninExpired
		}
		if refused != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE signin_tokens SET used_at = $1 WHERE store_id = $2 AND id = $3`, now, m.StoreID, tokenID); err != nil {
			return err
		}
		s.Secret, s.CreatedAt, s.LastSeenAt, s.ExpiresAt = secret, now, now, now.Add(SessionMaxAge)
		if err := tx.QueryRow(ctx, `INSERT INTO member_sessions (store_id, member_id, hash, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.StoreID, m.ID, hash, now, now, s.ExpiresAt).Scan(&s.ID); err != nil {
			return err
		}
		if s.Store, err = scanStore(tx.QueryRow(ctx, `SELECT `+storeColumns+` FROM stores WHERE id = $1`, m.StoreID)); err != nil {
			return err
		}
		return db.RecordAudit(ctx, tx, m.StoreID, storage.AuditEntry{At: now, Action: "member.signin", Outcome: storage.OutcomeOK}.By(m.Person()))
	})
	if errors.Is(err, ErrSigninUnknown) {
		return NewSession{}, err
	}
	if err != nil {
		return NewSession{}, fmt.Errorf("signing in: %w", err)
	}
	if refused != nil {
		reason := "the link was already used"
		if refused == ErrSigninExpired {
			reason = "the link had expired"
		}
		if err := db.RecordAudit(ctx, nil, s.Member.StoreID, storage.AuditEntry{At: now, Action: "member.signin",
			Outcome: storage.OutcomeRefused, Detail: reason}.By(s.Member.Person())); err != nil {
			return NewSession{}, err
		}
		return NewSession{}, refused
	}
	return s, nil
}

// SessionBySecret returns the live session whose cookie holds secret. A
// session past its absolute limit or idle for SessionIdleTimeout is ended
// and fails, like an unknown one, with ErrSessionInvalid; so does the
// session of a removed member, whose rows are gone.
func (db *DB) SessionBySecret(ctx context.Context, secret string) (Session, error) {
	if !WellFormedSecret(secret) {
		return Session{}, ErrSessionInvalid
	}
	hash := HashSecret(secret)
	var s Session
	m, err := scanMember(db.b.QueryRow(ctx, `SELECT m.id, m.store_id, m.name, m.email, m.created_at,
			x.id, x.created_at, x.last_seen_at, x.expires_at,
			st.id, st.domain, st.name, st.currency, st.timezone, st.service_level, st.created_at, st.key_expiry_days
		FROM member_sessions x
		JOIN members m ON m.store_id = x.store_id AND m.id = x.member_id
		JOIN stores st ON st.id = x.store_id
		WHERE x.hash = $1`, hash),
		&s.ID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt,
		&s.Store.ID, &s.Store.Domain, &s.Store.Name, &s.Store.Currency, &s.Store.Timezone, &s.Store.ServiceLevel, &s.Store.CreatedAt, &s.Store.KeyExpiryDays)
	if errors.Is(err, backend.ErrNoRows) {
		return Session{}, ErrSessionInvalid
	}
	if err != nil {
		return Session{}, fmt.Errorf("looking up the session: %w", err)
	}
	s.Member = m
	now := db.Now()
	if !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(SessionIdleTimeout)) {
		if _, err := db.b.Exec(ctx, `DELETE FROM member_sessions WHERE store_id = $1 AND id = $2`, s.Store.ID, s.ID); err != nil {
			return Session{}, fmt.Errorf("ending an expired session: %w", err)
		}
		return Session{}, ErrSessionInvalid
	}
	if now.Sub(s.LastSeenAt) >= sessionTouchEvery {
		if _, err := db.b.Exec(ctx, `UPDATE member_sessions SET last_seen_at = $1 WHERE store_id = $2 AND id = $3`, now, s.Store.ID, s.ID); err != nil {
			return Session{}, fmt.Errorf("recording the session's use: %w", err)
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// SignOut ends the session whose cookie holds secret and records it. An
// unknown or already ended session fails with ErrSessionInvalid.
func (db *DB) SignOut(ctx context.Context, secret string) (Session, error) {
	s, err := db.SessionBySecret(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM member_sessions WHERE store_id = $1 AND id = $2`, s.Store.ID, s.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrSessionInvalid
		}
		return db.RecordAudit(ctx, tx, s.Store.ID, storage.AuditEntry{Action: "member.signout", Outcome: storage.OutcomeOK}.By(s.Member.Person()))
	})
	if err != nil && !errors.Is(err, ErrSessionInvalid) {
		return Session{}, fmt.Errorf("signing out: %w", err)
	}
	return s, err
}

// RevealKept is how long a used or expired reveal is kept, so that a late
// reload still hears "shown once" and the prefix rather than nothing.
const RevealKept = 24 * time.Hour

// PruneSessions deletes sessions, sign-in links and one-time reveals that
// can no longer be used. Every replica may run it: the deletes are idempotent.
func (db *DB) PruneSessions(ctx context.Context) (int64, error) {
	now := db.Now()
	n, err := db.b.Exec(ctx, `DELETE FROM member_sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-SessionIdleTimeout))
	if err != nil {
		return 0, fmt.Errorf("deleting ended sessions: %w", err)
	}
	// Keep used and expired links a day, so that a late click still gets
	// "already used" or "expired" rather than "unknown".
	m, err := db.b.Exec(ctx, `DELETE FROM signin_tokens WHERE expires_at <= $1`, now.Add(-24*time.Hour))
	if err != nil {
		return n, fmt.Errorf("deleting old sign-in links: %w", err)
	}
	// One-time reveals go with their session; a used or expired one is
	// kept a day, so that a late reload still hears what was shown once.
	r, err := db.b.Exec(ctx, `DELETE FROM web_reveals WHERE expires_at <= $1`, now.Add(-RevealKept))
	if err != nil {
		return n + m, fmt.Errorf("deleting old one-time reveals: %w", err)
	}
	return n + m + r, nil
}
