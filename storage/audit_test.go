package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Creating and revoking a key are recorded: who, when, which key (id,
// prefix, label), newest first, in the key's store only.
func TestAuditKeyLifecycle(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		created := c.Now()
		k, err := access.New(db).CreateKey(ctx, s.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "Claude Desktop", CreatedByName: "Jane Doe", CreatedByEmail: "jane@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
		revoked := c.Now()
		if _, err := access.New(db).RevokeKey(ctx, s.ID, k.Prefix, access.Revoker{Name: "cli:ops@host1", Email: "ops@acme.com"}); err != nil {
			t.Fatal(err)
		}
		log, err := db.AuditLog(ctx, s.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 {
			t.Fatalf("audit log has %d entries, want 2: %+v", len(log), log)
		}
		for i, want := range []storage.AuditEntry{
			{At: revoked, KeyPrefix: k.Prefix, KeyLabel: "Claude Desktop", ActorName: "cli:ops@host1", ActorEmail: "ops@acme.com", Action: "key.revoke", Outcome: storage.OutcomeOK},
			{At: created, KeyPrefix: k.Prefix, KeyLabel: "Claude Desktop", ActorName: "Jane Doe", ActorEmail: "jane@acme.com", Action: "key.create", Outcome: storage.OutcomeOK, Detail: "scope write"},
		} {
			got := log[i]
			if got.KeyID == nil || *got.KeyID != k.ID {
				t.Errorf("entry %d names key %v, want %d", i, got.KeyID, k.ID)
			}
			if !got.At.Equal(want.At) {
				t.Errorf("entry %d at %v, want %v", i, got.At, want.At)
			}
			got.ID, got.KeyID, got.At = 0, nil, want.At
			if got != want {
				t.Errorf("entry %d = %+v, want %+v", i, got, want)
			}
		}
		if theirs, err := db.AuditLog(ctx, other.ID, 10); err != nil || len(theirs) != 0 {
			t.Fatalf("another store's audit log shows %+v, %v", theirs, err)
		}
		if one, err := db.AuditLog(ctx, s.ID, 1); err != nil || len(one) != 1 || one[0].Action != "key.revoke" {
			t.Fatalf("AuditLog limit 1 = %+v, %v", one, err)
		}
	}, storage.WithClock(c.Now))
}

// An audit entry written in a transaction commits or rolls back with it;
// with no transaction it stands on its own.
func TestRecordAuditFollowsItsTransaction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		refused := errors.New("refused")
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			if err := db.RecordAudit(ctx, tx, s.ID, storage.AuditEntry{Action: "test.rolled_back", Outcome: storage.OutcomeOK}); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatal(err)
		}
		if err := db.RecordAudit(ctx, nil, s.ID, storage.AuditEntry{Action: "test.refused", Outcome: storage.OutcomeRefused, Arguments: `{"sku":"x'); DROP TABLE audit_log;--"}`}); err != nil {
			t.Fatal(err)
		}
		log, err := db.AuditLog(ctx, s.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 || log[0].Action != "test.refused" || log[0].Arguments != `{"sku":"x'); DROP TABLE audit_log;--"}` || log[0].At.IsZero() {
			t.Fatalf("audit log = %+v; want only the entry recorded outside the rolled-back transaction", log)
		}
	})
}
