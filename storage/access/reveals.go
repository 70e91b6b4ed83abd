package access

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// RevealTTL is how long a one-time secret waits for the GET that shows it:
// the redirect follows at once, so minutes are plenty.
const RevealTTL = 5 * time.Minute

// The refusals of TakeReveal. A used or expired reveal still returns its
// Kind and Detail, so that the page can say what was shown once.
var (
	ErrRevealInvalid = errors.New("the one-time page is not available")
	// ErrRevealUnknown: no reveal of this session has that handle.
	ErrRevealUnknown = fmt.Errorf("%w: it is unknown", ErrRevealInvalid)
	// ErrRevealUsed: the secret was shown already; it is shown once.
	ErrRevealUsed = fmt.Errorf("%w: it was already shown", ErrRevealInvalid)
	// ErrRevealExpired: the GET came after RevealTTL.
	ErrRevealExpired = fmt.Errorf("%w: it has expired", ErrRevealInvalid)
)

// NewReveal is a secret to show once, on the next GET of the session that
// made it. Detail is what the page may show without the secret, then and
// afterwards (a key's prefix, a code's scope): it is stored in the clear.
type NewReveal struct {
	Kind, Detail, Secret string
}

// Reveal is a reveal taken by its handle; Secret is empty unless this was
// its one showing.
type Reveal struct {
	Kind, Detail, Secret string
	CreatedAt            time.Time
}

// CreateReveal keeps n.Secret for one GET of session s within RevealTTL
// and returns the handle that GET carries. The database keeps the
// handle's hash and the secret sealed with a key derived from the handle,
// which it never sees again: a copy of the database does not hold the
// secret, and a replica can show it.
func (db *DB) CreateReveal(ctx context.Context, s Session, n NewReveal) (string, error) {
	handle, hash, err := NewSecret()
	if err != nil {
		return "", err
	}
	sealed, err := sealReveal(handle, n.Secret)
	if err != nil {
		return "", err
	}
	now := db.Now()
	if _, err := db.b.Exec(ctx, `INSERT INTO web_reveals (store_id, session_id, hash, kind, detail, sealed, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s.Store.ID, s.ID, hash, n.Kind, n.Detail, sealed, now, now.Add(RevealTTL)); err != nil {
		return "", fmt.Errorf("keeping a one-time %s for its page: %w", n.Kind, err)
	}
	return handle, nil
}

// TakeReveal returns the secret behind handle, once, to the session that
// made it: the same statement marks it used and wipes it, so two GETs at
// once (on any replicas) cannot both show it. A handle of another session
// is unknown; a used or expired one fails with ErrRevealUsed or
// ErrRevealExpired and a Reveal without its secret.
func (db *DB) TakeReveal(ctx context.Context, s Session, handle string) (Reveal, error) {
	if !WellFormedSecret(handle) {
		return Reveal{}, ErrRevealUnknown
	}
	hash := HashSecret(handle)
	now := db.Now()
	var r Reveal
	var sealed []byte
	var refused error
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		refused = nil
		var id int64
		var expires time.Time
		var used *time.Time
		err := tx.QueryRow(ctx, `SELECT id, kind, detail, sealed, created_at, expires_at, used_at FROM web_reveals
			WHERE hash = $1 AND store_id = $2 AND session_id = $3`+db.b.Dialect().ForUpdate, hash, s.Store.ID, s.ID).
			Scan(&id, &r.Kind, &r.Detail, &sealed, &r.CreatedAt, &expires, &used)
		if errors.Is(err, backend.ErrNoRows) {
			return ErrRevealUnknown
		}
		if err != nil {
			return err
		}
		switch {
		case used != nil:
			refused = ErrRevealUsed
		case !now.Before(expires):
			refused = ErrRevealExpired
		}
		// Used or not, the sealed secret goes: it is never shown later.
		_, err = tx.Exec(ctx, `UPDATE web_reveals SET used_at = COALESCE(used_at, $1), sealed = NULL WHERE store_id = $2 AND id = $3`, now, s.Store.ID, id)
		return err
	})
	if errors.Is(err, ErrRevealUnknown) {
		return Reveal{}, err
	}
	if err != nil {
		return Reveal{}, fmt.Errorf("taking a one-time secret: %w", err)
	}
	if refused != nil {
		return r, refused
	}
	if r.Secret, err = openReveal(handle, sealed); err != nil {
		return Reveal{Kind: r.Kind, Detail: r.Detail, CreatedAt: r.CreatedAt}, fmt.Errorf("opening a one-time %s: %w", r.Kind, err)
	}
	return r, nil
}

// revealCipher is AES-256-GCM under a key derived from the handle, apart
// from the hash the row is found by.
func revealCipher(handle string) (cipher.AEAD, error) {
	key := sha256.Sum256([]byte("logistified one-time reveal\x00" + handle))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealReveal(handle, secret string) ([]byte, error) {
	aead, err := revealCipher(handle)
	if err != nil {
		return nil, fmt.Errorf("sealing a one-time secret: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing a one-time secret: %w", err)
	}
	return aead.Seal(nonce, nonce, []byte(secret), nil), nil
}

func openReveal(handle string, sealed []byte) (string, error) {
	aead, err := revealCipher(handle)
	if err != nil {
		return "", err
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("the sealed secret is cut short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}
