package access_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

var cli = storage.Person{Name: "cli:ops@host1"}

func mustMember(t testing.TB, db *storage.DB, storeID int64, name, email string) access.Member {
	t.Helper()
	m, err := access.New(db).AddMember(context.Background(), storeID, access.NewMember{Name: name, Email: email}, cli)
	if err != nil {
		t.Fatalf("adding member %s: %v", email, err)
	}
	return m
}

func TestMembers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		jane, err := access.New(db).AddMember(ctx, s.ID, access.NewMember{Name: "  Jane Doe ", Email: " Jane@Acme.COM "}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if jane.Name != "Jane Doe" || jane.Email != "jane@acme.com" || jane.StoreID != s.ID {
			t.Errorf("added %+v, want Jane Doe <jane@acme.com> of store %d", jane, s.ID)
		}
		// The same person may belong to another store.
		mustMember(t, db, other.ID, "Jane Doe", "jane@acme.com")
		mustMember(t, db, s.ID, "Ann Lee", "ann@acme.com")

		before := storagetest.Count(t, db, "members")
		for _, tc := range []struct {
			name string
			in   access.NewMember
			want string
		}{
			{"same email, other case", access.NewMember{Name: "J", Email: "JANE@acme.com"}, "already has that email"},
			{"empty name", access.NewMember{Name: " ", Email: "x@acme.com"}, "name is empty"},
			{"long name", access.NewMember{Name: strings.Repeat("n", 201), Email: "x@acme.com"}, "longer than 200"},
			{"control character", access.NewMember{Name: "Jane\x1b[31m", Email: "x@acme.com"}, "control character"},
			{"empty email", access.NewMember{Name: "X", Email: ""}, "email address is empty"},
			{"display name", access.NewMember{Name: "X", Email: "X <x@acme.com>"}, "not a valid email"},
			{"no dot", access.NewMember{Name: "X", Email: "x@localhost"}, "not a valid email"},
			{"sql", access.NewMember{Name: "X", Email: "x'); DROP TABLE members;--@acme.com"}, "not a valid email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := access.New(db).AddMember(ctx, s.ID, tc.in, cli)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("AddMember(%+v) = %v, want an error containing %q", tc.in, err, tc.want)
				}
			})
		}
		if n := storagetest.Count(t, db, "members"); n != before {
			t.Errorf("refused members changed the table: %d rows, want %d", n, before)
		}

		list, err := access.New(db).ListMembers(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Email != "ann@acme.com" || list[1].Email != "jane@acme.com" {
			t.Errorf("members of acme: %+v, want ann and jane by email", list)
		}
		if _, err := access.New(db).MemberByEmail(ctx, other.ID, "ann@acme.com"); !errors.Is(err, access.ErrMemberNotFound) {
			t.Errorf("another store's member found: %v", err)
		}
		m, created, err := access.New(db).EnsureMember(ctx, s.ID, access.NewMember{Name: "Other Name", Email: "JANE@acme.com"}, cli)
		if err != nil || created || m.ID != jane.ID {
			t.Errorf("EnsureMember of an existing member = %+v, %v, %v; want jane, not created", m, created, err)
		}
		m, created, err = access.New(db).EnsureMember(ctx, s.ID, access.NewMember{Name: "Bo", Email: "bo@acme.com"}, cli)
		if err != nil || !created || m.Email != "bo@acme.com" {
			t.Errorf("EnsureMember of a new member = %+v, %v, %v; want bo, created", m, created, err)
		}
		if _, err := access.New(db).RemoveMember(ctx, other.ID, "ann@acme.com", cli); !errors.Is(err, access.ErrMemberNotFound) {
			t.Errorf("removing another store's member: %v, want ErrMemberNotFound", err)
		}
		if _, err := access.New(db).RemoveMember(ctx, s.ID, "Ann@acme.com", cli); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).MemberByEmail(ctx, s.ID, "ann@acme.com"); !errors.Is(err, access.ErrMemberNotFound) {
			t.Errorf("removed member still found: %v", err)
		}
		log, err := db.AuditLog(ctx, s.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) == 0 || log[0].Action != "member.remove" || log[0].ActorName != "cli:ops@host1" || !strings.Contains(log[0].Detail, "ann@acme.com") {
			t.Errorf("newest audit entry %+v, want member.remove of ann by the command line", log[0])
		}
	})
}

func TestSigninLinks(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		jane := mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		if _, err := access.New(db).CreateSigninLink(ctx, s.ID, "nobody@acme.com"); !errors.Is(err, access.ErrMemberNotFound) {
			t.Errorf("link for a non-member: %v, want ErrMemberNotFound", err)
		}
		l, err := access.New(db).CreateSigninLink(ctx, s.ID, "JANE@acme.com")
		if err != nil {
			t.Fatal(err)
		}
		if l.Member.ID != jane.ID || !l.ExpiresAt.Equal(c.Now().Add(15*time.Minute)) || !access.WellFormedSecret(l.Token) {
			t.Errorf("link %+v: want jane's, valid 15 minutes", l)
		}
		assertNotStored(t, db, l.Token)

		// Refused before the link is used: nothing signs in.
		for _, tc := range []struct {
			token string
			want  error
		}{
			{"", access.ErrSigninMalformed},
			{"short", access.ErrSigninMalformed},
			{l.Token[:42] + "!", access.ErrSigninMalformed},
			{strings.Repeat("A", 43), access.ErrSigninUnknown},
			{"' OR 1=1 --" + strings.Repeat("A", 32), access.ErrSigninMalformed},
		} {
			if _, err := access.New(db).SignIn(ctx, tc.token); !errors.Is(err, tc.want) || !errors.Is(err, access.ErrSigninInvalid) {
				t.Errorf("SignIn(%q) = %v, want %v", tc.token, err, tc.want)
			}
		}
		if n := storagetest.Count(t, db, "member_sessions"); n != 0 {
			t.Fatalf("%d sessions after refused links", n)
		}

		c.Advance(14 * time.Minute)
		sess, err := access.New(db).SignIn(ctx, l.Token)
		if err != nil {
			t.Fatal(err)
		}
		if sess.Member.ID != jane.ID || sess.Store.ID != s.ID || sess.Store.Domain != s.Domain || !access.WellFormedSecret(sess.Secret) {
			t.Errorf("session %+v: want jane's in acme", sess.Session)
		}
		if !sess.ExpiresAt.Equal(c.Now().Add(access.SessionMaxAge)) {
			t.Errorf("session expires %v, want 7 days on", sess.ExpiresAt)
		}
		assertNotStored(t, db, sess.Secret)
		if _, err := access.New(db).SignIn(ctx, l.Token); !errors.Is(err, access.ErrSigninUsed) {
			t.Errorf("second use of a link: %v, want ErrSigninUsed", err)
		}

		late, err := access.New(db).CreateSigninLink(ctx, s.ID, "jane@acme.com")
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(15 * time.Minute)
		if _, err := access.New(db).SignIn(ctx, late.Token); !errors.Is(err, access.ErrSigninExpired) {
			t.Errorf("link followed after 15 minutes: %v, want ErrSigninExpired", err)
		}
		if n := storagetest.Count(t, db, "member_sessions"); n != 1 {
			t.Errorf("%d sessions, want only the one signed in", n)
		}

		log, err := db.AuditLog(ctx, s.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action+":"+e.Outcome)
			if strings.HasPrefix(e.Action, "member.signin") && (e.MemberID == nil || *e.MemberID != jane.ID || e.ActorEmail != "jane@acme.com") {
				t.Errorf("audit entry %+v does not name jane as the member", e)
			}
		}
		want := "member.signin:refused member.signin_link:ok member.signin:refused member.signin:ok member.signin_link:ok member.add:ok"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("audit log %s\nwant %s", got, want)
		}
	}, storage.WithClock(c.Now))
}

func TestSessions(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		mustMember(t, db, s.ID, "Ann Lee", "ann@acme.com")
		signIn := func(email string) string {
			t.Helper()
			l, err := access.New(db).CreateSigninLink(ctx, s.ID, email)
			if err != nil {
				t.Fatal(err)
			}
			sess, err := access.New(db).SignIn(ctx, l.Token)
			if err != nil {
				t.Fatal(err)
			}
			return sess.Secret
		}
		live := func(secret string) bool {
			t.Helper()
			_, err := access.New(db).SessionBySecret(ctx, secret)
			if err != nil && !errors.Is(err, access.ErrSessionInvalid) {
				t.Fatal(err)
			}
			return err == nil
		}

		// Idle: a session used within 12 hours stays; one left alone ends.
		start := c.Now()
		used, idle := signIn("jane@acme.com"), signIn("jane@acme.com")
		for range 3 {
			c.Advance(11 * time.Hour)
			if !live(used) {
				t.Fatal("a session used every 11 hours ended")
			}
		}
		if live(idle) {
			t.Error("a session idle for 33 hours is still live")
		}
		// Absolute: even a session in use ends 7 days after sign-in.
		for c.Now().Before(start.Add(access.SessionMaxAge - 11*time.Hour)) {
			c.Advance(10 * time.Hour)
			if !live(used) {
				t.Fatalf("a session in use ended before 7 days, at %v", c.Now())
			}
		}
		c.Advance(11 * time.Hour)
		if live(used) {
			t.Error("a session in use for more than 7 days is still live")
		}

		// Sign-out ends that session only.
		one, two := signIn("jane@acme.com"), signIn("jane@acme.com")
		got, err := access.New(db).SignOut(ctx, one)
		if err != nil || got.Member.Email != "jane@acme.com" {
			t.Fatalf("SignOut = %+v, %v", got, err)
		}
		if live(one) || !live(two) {
			t.Error("sign-out did not end exactly its own session")
		}
		if _, err := access.New(db).SignOut(ctx, one); !errors.Is(err, access.ErrSessionInvalid) {
			t.Errorf("second sign-out: %v, want ErrSessionInvalid", err)
		}

		// Removing a member ends their sessions and links at once, not others'.
		ann := signIn("ann@acme.com")
		pending, err := access.New(db).CreateSigninLink(ctx, s.ID, "jane@acme.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).RemoveMember(ctx, s.ID, "jane@acme.com", cli); err != nil {
			t.Fatal(err)
		}
		if live(two) {
			t.Error("a removed member's session is still live")
		}
		if !live(ann) {
			t.Error("removing jane ended ann's session")
		}
		if _, err := access.New(db).SignIn(ctx, pending.Token); !errors.Is(err, access.ErrSigninInvalid) {
			t.Errorf("a removed member's link: %v, want it refused", err)
		}
		for _, garbage := range []string{"", "x", strings.Repeat("A", 43), ann + "A"} {
			if live(garbage) {
				t.Errorf("session %q is live", garbage)
			}
		}

		// Pruning forgets sessions that can no longer be used.
		c.Advance(access.SessionMaxAge + 25*time.Hour)
		if _, err := access.New(db).PruneSessions(ctx); err != nil {
			t.Fatal(err)
		}
		if n := storagetest.Count(t, db, "member_sessions") + storagetest.Count(t, db, "signin_tokens"); n != 0 {
			t.Errorf("%d sessions and links left after pruning, want 0", n)
		}
	}, storage.WithClock(c.Now))
}

// A key created and revoked by a member is audited with the member.
func TestKeyAuditByMember(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		jane := mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		p := jane.Person()
		k, err := access.New(db).CreateKey(ctx, s.ID, access.NewKey{Scope: keys.ScopeRead, Label: "Claude", CreatedByName: jane.Name, CreatedByEmail: jane.Email, MemberID: p.MemberID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).RevokeKey(ctx, s.ID, k.Prefix, p); err != nil {
			t.Fatal(err)
		}
		log, err := db.AuditLog(ctx, s.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i, action := range []string{"key.revoke", "key.create"} {
			e := log[i]
			if e.Action != action || e.MemberID == nil || *e.MemberID != jane.ID || e.ActorName != "Jane Doe" || e.ActorEmail != "jane@acme.com" {
				t.Errorf("entry %d = %+v, want %s by member jane", i, e, action)
			}
		}
	})
}

// assertNotStored fails when secret, or its text in any form, is in the
// database file or tables (SQLite: the file; PostgreSQL: the sessions and
// links tables).
func assertNotStored(t *testing.T, db *storage.DB, secret string) {
	t.Helper()
	assertNoHashIs(t, db, secret,
		`SELECT count(*) FROM signin_tokens WHERE hash = $1`,
		`SELECT count(*) FROM member_sessions WHERE hash = $1`)
	var found int
	if err := db.Backend().QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM audit_log WHERE detail LIKE '%' || $1 || '%' OR arguments LIKE '%' || $1 || '%')`, secret).Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found != 0 || bytes.Contains([]byte(secret), []byte{0}) {
		t.Error("a secret appears in the audit log")
	}
}

// assertNoHashIs fails when any of counts, each counting the rows whose
// hash column is $1, counts a row whose hash is secret itself.
func assertNoHashIs(t *testing.T, db *storage.DB, secret string, counts ...string) {
	t.Helper()
	for _, q := range counts {
		var n int
		if err := db.Backend().QueryRow(context.Background(), q, []byte(secret)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("a secret is stored in clear (%s)", q)
		}
	}
}
