package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// KeyFileName is the file, in $LOGISTIFIED_HOME, that holds the demo
// store's keys in plaintext, readable by its owner only, so that `serve
// --demo` can show the same keys again rather than issue two more each run.
// It holds the demo stores' keys only, never another store's.
const KeyFileName = "demo-keys.json"

// KeyFile is where the demo's keys are kept for a database.
type KeyFile struct {
	// Path is the file, normally $LOGISTIFIED_HOME/demo-keys.json.
	Path string
	// Database names the database the keys belong to (its URL); only a
	// hash of it is written, so the file carries no database password.
	Database string
}

// KeysOutcome says where a Result's keys came from.
type KeysOutcome string

const (
	// KeysIssued: a new pair, and there was no earlier live demo pair.
	KeysIssued KeysOutcome = "issued"
	// KeysReused: the pair held in the key file, still live.
	KeysReused KeysOutcome = "reused"
	// KeysReplaced: a new pair, and the earlier demo keys, whose
	// plaintext the key file did not hold, were revoked.
	KeysReplaced KeysOutcome = "replaced"
)

// keyFileEntry is one database's demo store's keys.
type keyFileEntry struct {
	Database string `json:"database"` // "sha256:" and the hash of the URL
	Domain   string `json:"domain"`
	ReadKey  string `json:"read_key"`
	WriteKey string `json:"write_key"`
}

type keyFileData struct {
	Note   string         `json:"note"`
	Stores []keyFileEntry `json:"stores"`
}

func (f *KeyFile) database() string {
	h := sha256.Sum256([]byte(f.Database))
	return "sha256:" + hex.EncodeToString(h[:])
}

// read returns the file's entries; a missing file has none.
func (f *KeyFile) read() (keyFileData, error) {
	var d keyFileData
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("reading the demo's keys from %s: %w", f.Path, err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		// Damaged: start again, as if it were missing.
		return keyFileData{}, nil
	}
	return d, nil
}

// load returns the pair held for this database's store domain.
func (f *KeyFile) load(domain string) (read, write string, ok bool, err error) {
	d, err := f.read()
	if err != nil {
		return "", "", false, err
	}
	db := f.database()
	for _, e := range d.Stores {
		if e.Database == db && e.Domain == domain {
			return e.ReadKey, e.WriteKey, true, nil
		}
	}
	return "", "", false, nil
}

// save records the pair for this database's store domain, replacing the
// one held before. The file is written whole and renamed into place,
// readable by its owner only.
func (f *KeyFile) save(domain, read, write string) error {
	d, err := f.read()
	if err != nil {
		return err
	}
	db := f.database()
	kept := d.Stores[:0]
	for _, e := range d.Stores {
		if e.Database != db || e.Domain != domain {
			kept = append(kept, e)
		}
	}
	d.Stores = append(kept, keyFileEntry{Database: db, Domain: domain, ReadKey: read, WriteKey: write})
	d.Note = "The demo store's API keys, kept by `logistified serve --demo` so that it shows the same keys each run. " +
		"Delete this file to have the next run issue new keys and revoke these."
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keeping the demo's keys in %s: %w", f.Path, err)
	}
	tmp, err := os.CreateTemp(dir, ".demo-keys-*") // created 0600
	if err != nil {
		return fmt.Errorf("keeping the demo's keys in %s: %w", f.Path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("keeping the demo's keys in %s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keeping the demo's keys in %s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("keeping the demo's keys in %s: %w", f.Path, err)
	}
	return nil
}

// keyLabels are the labels of the demo's keys.
func keyLabel(scope keys.Scope) string { return "demo " + string(scope) }

// ensureKeys gives res the demo's keys. Without a key file (opts.Keys) or
// with opts.FreshKeys, it issues a new pair (and keeps it in the file, if
// any). Otherwise it reuses the pair the file holds when both keys are
// still live; else it issues a new pair, keeps it, and revokes every
// earlier demo key still live, whose plaintext is lost, so that the store
// never collects twins.
func ensureKeys(ctx context.Context, acc *access.DB, store storage.Store, opts Options, res *Result) error {
	kf := opts.Keys
	res.KeysFile = ""
	if kf != nil {
		res.KeysFile = kf.Path
	}
	if kf != nil && !opts.FreshKeys {
		read, write, ok, err := kf.load(store.Domain)
		if err != nil {
			return err
		}
		if ok {
			r, rLive, err := acc.LiveKey(ctx, store.ID, read)
			if err != nil {
				return err
			}
			w, wLive, err := acc.LiveKey(ctx, store.ID, write)
			if err != nil {
				return err
			}
			if rLive && wLive && r.Scope == keys.ScopeRead && w.Scope == keys.ScopeWrite {
				res.ReadKey = access.CreatedKey{APIKey: r, Secret: read}
				res.WriteKey = access.CreatedKey{APIKey: w, Secret: write}
				res.Keys = KeysReused
				return nil
			}
		}
	}
	for _, k := range []struct {
		scope keys.Scope
		dst   *access.CreatedKey
	}{{keys.ScopeRead, &res.ReadKey}, {keys.ScopeWrite, &res.WriteKey}} {
		var err error
		*k.dst, err = acc.CreateKey(ctx, store.ID, access.NewKey{Scope: k.scope, Label: keyLabel(k.scope),
			CreatedByName: creatorName, CreatedByEmail: creatorEmail})
		if err != nil {
			return fmt.Errorf("issuing the demo %s key: %w", k.scope, err)
		}
	}
	res.Keys = KeysIssued
	if kf == nil {
		return nil
	}
	if err := kf.save(store.Domain, res.ReadKey.Secret, res.WriteKey.Secret); err != nil {
		return err
	}
	if opts.FreshKeys {
		return nil
	}
	all, err := acc.ListKeys(ctx, store.ID)
	if err != nil {
		return err
	}
	for _, k := range all {
		earlier := k.ID != res.ReadKey.ID && k.ID != res.WriteKey.ID && !k.Revoked() &&
			k.CreatedByEmail == creatorEmail && k.Label == keyLabel(k.Scope)
		if !earlier {
			continue
		}
		revoked, err := acc.RevokeKey(ctx, store.ID, strconv.FormatInt(k.ID, 10), storage.Person{Name: creatorName, Email: creatorEmail})
		if err != nil {
			return fmt.Errorf("revoking the earlier demo key %s: %w", k.Prefix, err)
		}
		res.Revoked = append(res.Revoked, revoked)
		res.Keys = KeysReplaced
	}
	return nil
}
