package access_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A one-time reveal is shown once, to the session that made it, within
// RevealTTL; the database never holds the secret or the handle in the
// clear; a reveal goes with its session.
func TestReveals(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		mustMember(t, db, s.ID, "Ann Lee", "ann@acme.com")
		mustMember(t, db, other.ID, "Olga", "olga@other.com")
		session := func(storeID int64, email string) access.NewSession {
			t.Helper()
			l, err := access.New(db).CreateSigninLink(ctx, storeID, email)
			if err != nil {
				t.Fatal(err)
			}
			sess, err := access.New(db).SignIn(ctx, l.Token)
			if err != nil {
				t.Fatal(err)
			}
			return sess
		}
		jane, ann, olga := session(s.ID, "jane@acme.com"), session(s.ID, "ann@acme.com"), session(other.ID, "olga@other.com")
		const secret = "lstk_0123456789abcdefghijklmnopqrstuvwxyzAB"
		create := func(sess access.Session) string {
			t.Helper()
			h, err := access.New(db).CreateReveal(ctx, sess, access.NewReveal{Kind: "key", Detail: "lstk_01234567", Secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			return h
		}

		h := create(jane.Session)
		// Nothing in the table holds the secret or the handle.
		rows, err := db.Backend().Query(ctx, `SELECT hash, sealed FROM web_reveals`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var hash, sealed []byte
			if err := rows.Scan(&hash, &sealed); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(sealed, []byte(secret)) || bytes.Contains(hash, []byte(h)) || bytes.Contains(sealed, []byte(h)) {
				t.Error("the table holds the secret or the handle in the clear")
			}
		}
		rows.Close()

		// Another member's session, or another store's, finds nothing.
		for name, sess := range map[string]access.Session{"another member": ann.Session, "another store": olga.Session} {
			if r, err := access.New(db).TakeReveal(ctx, sess, h); !errors.Is(err, access.ErrRevealUnknown) || r.Secret != "" {
				t.Errorf("%s took the reveal: %+v, %v", name, r, err)
			}
		}
		for _, bad := range []string{"", "x", h[:len(h)-1], h + "A"} {
			if _, err := access.New(db).TakeReveal(ctx, jane.Session, bad); !errors.Is(err, access.ErrRevealUnknown) {
				t.Errorf("TakeReveal(%q) = %v", bad, err)
			}
		}

		// The first GET shows it; the next says it was shown, without it.
		r, err := access.New(db).TakeReveal(ctx, jane.Session, h)
		if err != nil || r.Secret != secret || r.Kind != "key" || r.Detail != "lstk_01234567" {
			t.Fatalf("first take: %+v, %v", r, err)
		}
		r, err = access.New(db).TakeReveal(ctx, jane.Session, h)
		if !errors.Is(err, access.ErrRevealUsed) || r.Secret != "" || r.Detail != "lstk_01234567" {
			t.Fatalf("second take: %+v, %v", r, err)
		}

		// Late: expired, and the secret is gone from the row.
		late := create(jane.Session)
		c.Advance(access.RevealTTL)
		r, err = access.New(db).TakeReveal(ctx, jane.Session, late)
		if !errors.Is(err, access.ErrRevealExpired) || r.Secret != "" || r.Kind != "key" {
			t.Fatalf("late take: %+v, %v", r, err)
		}
		var left int
		if err := db.Backend().QueryRow(ctx, `SELECT count(*) FROM web_reveals WHERE sealed IS NOT NULL`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d sealed secrets left after their reveals (%v)", left, err)
		}

		// Signing out ends the session's reveals.
		pending := create(jane.Session)
		if _, err := access.New(db).SignOut(ctx, jane.Secret); err != nil {
			t.Fatal(err)
		}
		if err := db.Backend().QueryRow(ctx, `SELECT count(*) FROM web_reveals WHERE store_id = $1`, s.ID).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d reveals outlived their session (%v)", left, err)
		}
		if _, err := access.New(db).TakeReveal(ctx, jane.Session, pending); !errors.Is(err, access.ErrRevealUnknown) {
			t.Errorf("a signed-out session's reveal: %v", err)
		}

		// Pruning keeps a used reveal a day, then forgets it.
		kept := create(ann.Session)
		if _, err := access.New(db).TakeReveal(ctx, ann.Session, kept); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).PruneSessions(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).TakeReveal(ctx, ann.Session, kept); !errors.Is(err, access.ErrRevealUsed) {
			t.Errorf("after pruning at once: %v", err)
		}
		c.Advance(access.RevealTTL + 25*time.Hour)
		if _, err := access.New(db).PruneSessions(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Backend().QueryRow(ctx, `SELECT count(*) FROM web_reveals`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d reveals left a day later (%v)", left, err)
		}
	}, storage.WithClock(c.Now))
}
