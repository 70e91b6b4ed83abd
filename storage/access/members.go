package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Member is a person of one store who manages its keys in the browser.
type Member struct {
	ID        int64     `json:"id"`
	StoreID   int64     `json:"-"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// Person is the member as the audit log records them.
func (m Member) Person() Person {
	id := m.ID
	return Person{Name: m.Name, Email: m.Email, MemberID: &id}
}

// NewMember is what AddMember needs.
type NewMember struct {
	Name, Email string
}

// NormalizeEmail trims and lower-cases an email address and checks its
// form. A member's email is unique in the store whatever its case.
func NormalizeEmail(email string) (string, error) {
	e, err := checkEmail("the email address", email)
	if err != nil {
		if strings.TrimSpace(email) == "" {
			return "", errors.New("the email address is empty: give one like jane@example.com")
		}
		return "", err
	}
	return strings.ToLower(e), nil
}

// Validate checks and normalizes n without touching the database.
func (n NewMember) Validate() (NewMember, error) {
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		return n, errors.New("the member's name is empty: give the person's name")
	}
	if len(n.Name) > 200 {
		return n, errors.New("the member's name is longer than 200 characters")
	}
	if err := checkText("the member's name", n.Name); err != nil {
		return n, err
	}
	var err error
	n.Email, err = NormalizeEmail(n.Email)
	return n, err
}

const memberColumns = `id, store_id, name, email, created_at`

func scanMember(r backend.Row, extra ...any) (Member, error) {
	var m Member
	err := r.Scan(append([]any{&m.ID, &m.StoreID, &m.Name, &m.Email, &m.CreatedAt}, extra...)...)
	return m, err
}

// AddMember adds a person to the store. by is who adds them, for the audit
// log.
func (db *DB) AddMember(ctx context.Context, storeID int64, n NewMember, by Person) (Member, error) {
	n, err := n.Validate()
	if err != nil {
		return Member{}, err
	}
	m := Member{StoreID: storeID, Name: n.Name, Email: n.Email, CreatedAt: db.Now()}
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO members (store_id, name, email, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			storeID, m.Name, m.Email, m.CreatedAt).Scan(&m.ID); err != nil {
			return err
		}
		return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{At: m.CreatedAt, Action: "member.add", Outcome: storage.OutcomeOK,
			Detail: m.Name + " <" + m.Email + ">"}.By(by))
	})
	if errors.Is(err, backend.ErrUniqueViolation) {
		return Member{}, fmt.Errorf("%w: %s", ErrMemberExists, m.Email)
	}
	if err != nil {
		return Member{}, fmt.Errorf("adding member %s: %w", m.Email, err)
	}
	return m, nil
}

// EnsureMember returns the store's member with n's email, adding them
// when missing; created says which.
func (db *DB) EnsureMember(ctx context.Context, storeID int64, n NewMember, by Person) (m Member, created bool, err error) {
	n, err = n.Validate()
	if err != nil {
		return Member{}, false, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		m, err = db.MemberByEmail(ctx, storeID, n.Email)
		if !errors.Is(err, ErrMemberNotFound) {
			return m, false, err
		}
		m, err = db.AddMember(ctx, storeID, n, by)
		if !errors.Is(err, ErrMemberExists) {
			return m, err == nil, err
		}
		// Added by someone else meanwhile: read it again.
	}
	return m, false, err
}

// MemberByEmail finds the store's member with that email.
func (db *DB) MemberByEmail(ctx context.Context, storeID int64, email string) (Member, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return Member{}, err
	}
	m, err := scanMember(db.b.QueryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE store_id = $1 AND email = $2`, storeID, e))
	if errors.Is(err, backend.ErrNoRows) {
		return Member{}, fmt.Errorf("%w: %s (see: logistified members list)", ErrMemberNotFound, e)
	}
	if err != nil {
		return Member{}, fmt.Errorf("looking up member %s: %w", e, err)
	}
	return m, nil
}

// ListMembers returns the store's members, by email.
func (db *DB) ListMembers(ctx context.Context, storeID int64) ([]Member, error) {
	rows, err := db.b.Query(ctx, `SELECT `+memberColumns+` FROM members WHERE store_id = $1 ORDER BY email`, storeID)
	if err != nil {
		return nil, fmt.Errorf("listing members: %w", err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("listing members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RemoveMember removes the store's member with that email, and with them
// their sessions and unused sign-in links, in one transaction: they are
// signed out on their next request. The keys they created stay.
func (db *DB) RemoveMember(ctx context.Context, storeID int64, email string, by Person) (Member, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return Member{}, err
	}
	var m Member
	var sessions int64
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		var err error
		m, err = scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE store_id = $1 AND email = $2`+db.b.Dialect().ForUpdate, storeID, e))
		if errors.Is(err, backend.ErrNoRows) {
			return fmt.Errorf("%w: %s (see: logistified members list)", ErrMemberNotFound, e)
		}
		if err != nil {
			return err
		}
		if sessions, err = tx.Exec(ctx, `DELETE FROM member_sessions WHERE store_id = $1 AND member_id = $2`, storeID, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM signin_tokens WHERE store_id = $1 AND member_id = $2`, storeID, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM members WHERE store_id = $1 AND id = $2`, storeID, m.ID); err != nil {
			return err
		}
		return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{Action: "member.remove", Outcome: storage.OutcomeOK,
			Detail: fmt.Sprintf("%s <%s>; %d session(s) ended", m.Name, m.Email, sessions)}.By(by))
	})
	if err != nil && !errors.Is(err, ErrMemberNotFound) {
		return Member{}, fmt.Errorf("removing member %s: %w", e, err)
	}
	return m, err
}
