package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/backend"
)

// PreviewTTL is how long a dry run's preview_token can apply its write.
const PreviewTTL = 15 * time.Minute

// A sealed preview: every dry run returns a preview_token, kept only as
// its hash and bound to the key that asked, the tool, the canonical
// arguments and the outcome the preview showed. A write that names it is
// applied only if, in its own transaction, it does exactly what the
// preview showed (so nothing it read has moved: levels, documents,
// terms), once, within PreviewTTL. Otherwise nothing is applied and the
// caller gets a fresh preview to show instead (preview_stale).

// errPreviewStale rolls back a write whose outcome is not its preview's.
var errPreviewStale = errors.New("the preview is stale")

// seal is a preview token presented with a write.
type seal struct {
	hash    []byte
	outcome string // the outcome the preview showed, once looked up
	request string // the request it previewed
}

// parseSeal reads a presented preview token without any I/O.
func parseSeal(tool, token string) (*seal, error) {
	hash, _, err := keys.PreviewToken.Parse(strings.TrimSpace(token))
	if err != nil {
		return nil, inventory.FieldErrorf("preview_token", inventory.Invalid,
			"preview_token is malformed: pass the preview_token of a dry run of %s exactly as it was returned", tool)
	}
	return &seal{hash: hash}, nil
}

// openSeal locks the preview's record and checks that it may still apply
// this write: the same key, tool and store, unexpired and unused. The
// request it previewed is kept for the comparison after the write ran.
func (db *DB) openSeal(ctx context.Context, tx backend.Tx, p Principal, tool string, s *seal, now time.Time) error {
	var keyID int64
	var sealedTool string
	var expires time.Time
	var used *time.Time
	err := tx.QueryRow(ctx, `SELECT key_id, tool, request_hash, outcome_hash, expires_at, used_at FROM preview_tokens
		WHERE hash = $1 AND store_id = $2`+db.b.Dialect().ForUpdate, s.hash, p.Store.ID).
		Scan(&keyID, &sealedTool, &s.request, &s.outcome, &expires, &used)
	if errors.Is(err, backend.ErrNoRows) || (err == nil && (keyID != p.Key.ID || !now.Before(expires))) {
		return inventory.FieldErrorf("preview_token", inventory.Invalid,
			"preview_token is unknown, has expired or belongs to another key (a preview lasts %d minutes, for the key that asked for it): call %s with dry_run again and use the preview_token it returns",
			int(PreviewTTL.Minutes()), tool)
	}
	if err != nil {
		return fmt.Errorf("looking up the preview_token of %s: %w", tool, err)
	}
	if sealedTool != tool {
		return inventory.FieldErrorf("preview_token", inventory.Invalid,
			"preview_token is from a preview of %s, not %s: pass the token of a dry run of %s", sealedTool, tool, tool)
	}
	if used != nil {
		return inventory.FieldErrorf("preview_token", inventory.Conflict,
			"preview_token was already used: a preview applies once; call %s with dry_run again for a new one", tool)
	}
	return nil
}

// spendSeal marks the preview used, in the write's transaction.
func spendSeal(ctx context.Context, tx backend.Tx, p Principal, s *seal, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE preview_tokens SET used_at = $1 WHERE hash = $2 AND store_id = $3`, now, s.hash, p.Store.ID); err != nil {
		return fmt.Errorf("spending the preview_token: %w", err)
	}
	return nil
}

// issueSeal records a dry run's preview and returns its token. It writes
// on its own: the dry run's transaction rolled back.
func (db *DB) issueSeal(ctx context.Context, p Principal, w WriteRequest, request, outcome string) (string, error) {
	k, err := keys.PreviewToken.Generate()
	if err != nil {
		return "", fmt.Errorf("drawing a preview_token: %w", err)
	}
	now := db.Now()
	if _, err := db.b.Exec(context.WithoutCancel(ctx), `INSERT INTO preview_tokens (hash, store_id, key_id, tool, request_hash, outcome_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, k.Hash, p.Store.ID, p.Key.ID, w.Tool, request, outcome, now, now.Add(PreviewTTL)); err != nil {
		return "", fmt.Errorf("recording the preview of %s: %w", w.Tool, err)
	}
	return k.Secret, nil
}

// outcomeHash fingerprints what a write does: its result without the
// fields that differ between a preview and the real call by their nature
// (times, the provisional mark).
func outcomeHash(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var tree any
	if err := d.Decode(&tree); err != nil {
		return "", err
	}
	h := sha256.New()
	writeOutcome(h, tree)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeOutcome(h interface{ Write([]byte) (int, error) }, v any) {
	switch v := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(v))
		for name := range v {
			if strings.HasSuffix(name, "_at") || name == "number_provisional" {
				continue
			}
			names = append(names, name)
		}
		sort.Strings(names)
		h.Write([]byte("{"))
		for _, name := range names {
			fmt.Fprintf(h, "%q:", name)
			writeOutcome(h, v[name])
		}
		h.Write([]byte("}"))
	case []any:
		h.Write([]byte("["))
		for _, e := range v {
			writeOutcome(h, e)
		}
		h.Write([]byte("]"))
	default:
		b, _ := json.Marshal(v)
		h.Write(b)
	}
}

// PrunePreviews forgets previews that have expired.
func (db *DB) PrunePreviews(ctx context.Context) (int64, error) {
	n, err := db.b.Exec(ctx, `DELETE FROM preview_tokens WHERE expires_at < $1`, db.Now())
	if err != nil {
		return 0, fmt.Errorf("forgetting expired previews: %w", err)
	}
	return n, nil
}
