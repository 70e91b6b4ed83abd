package access

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// NewStore is what CreateStore needs.
type NewStore struct {
	Domain, Name, Currency, Timezone string
}

var (
	domainPattern   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// NormalizeDomain lower-cases a shop domain and checks its form.
func NormalizeDomain(domain string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	if d == "" {
		return "", errors.New("the store domain is empty: give one like acme.myshopify.com")
	}
	if len(d) > 253 || !domainPattern.MatchString(d) {
		return "", fmt.Errorf("store domain %q is not a valid host name: give one like acme.myshopify.com", domain)
	}
	return d, nil
}

// Validate checks and normalizes n without touching the database, so that
// the command line can refuse bad input before it opens one.
func (n NewStore) Validate() (NewStore, error) {
	var err error
	if n.Domain, err = NormalizeDomain(n.Domain); err != nil {
		return n, err
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		return n, errors.New("the store name is empty: give the shop's name")
	}
	if len(n.Name) > 200 {
		return n, errors.New("the store name is longer than 200 characters")
	}
	if err := checkText("the store name", n.Name); err != nil {
		return n, err
	}
	if n.Currency == "" {
		n.Currency = "USD"
	}
	n.Currency = strings.ToUpper(strings.TrimSpace(n.Currency))
	if !currencyPattern.MatchString(n.Currency) {
		return n, fmt.Errorf("currency %q is not an ISO 4217 code: use three letters such as USD or EUR", n.Currency)
	}
	if n.Timezone == "" {
		n.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(n.Timezone); err != nil || n.Timezone == "Local" {
		return n, fmt.Errorf("timezone %q is not an IANA time zone: use one such as UTC or America/New_York", n.Timezone)
	}
	return n, nil
}

// checkText refuses control characters (a name printed in a terminal
// table must not be able to move the cursor or recolour it) and invalid
// UTF-8 (PostgreSQL refuses it and SQLite would keep it).
func checkText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8 text", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s contains a control character: use plain text", what)
		}
	}
	return nil
}

// CreateStore adds a tenant.
func (db *DB) CreateStore(ctx context.Context, n NewStore) (Store, error) {
	n, err := n.Validate()
	if err != nil {
		return Store{}, err
	}
	s := Store{Domain: n.Domain, Name: n.Name, Currency: n.Currency, Timezone: n.Timezone, ServiceLevel: inventory.DefaultServiceLevel, CreatedAt: db.Now(), KeyExpiryDays: DefaultKeyExpiryDays}
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		return tx.QueryRow(ctx,
			`INSERT INTO stores (domain, name, currency, timezone, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			s.Domain, s.Name, s.Currency, s.Timezone, s.CreatedAt).Scan(&s.ID)
	})
	if errors.Is(err, backend.ErrUniqueViolation) {
		return Store{}, fmt.Errorf("%w: %s", ErrStoreExists, s.Domain)
	}
	if err != nil {
		return Store{}, fmt.Errorf("creating store %s: %w", s.Domain, err)
	}
	return s, nil
}

const storeColumns = `id, domain, name, currency, timezone, service_level, created_at, key_expiry_days`

func scanStore(r backend.Row) (Store, error) {
	var s Store
	err := r.Scan(&s.ID, &s.Domain, &s.Name, &s.Currency, &s.Timezone, &s.ServiceLevel, &s.CreatedAt, &s.KeyExpiryDays)
	return s, err
}

// StoreSettings changes a store's settings; nil leaves one as it is.
type StoreSettings struct {
	ServiceLevel *float64
	// KeyExpiryDays is the expiry of new keys in days (0: never).
	KeyExpiryDays *int
}

// UpdateStore changes a store's settings. A new service level moves every
// reorder point, so the store's planning rows are rebuilt on the next read.
func (db *DB) UpdateStore(ctx context.Context, storeID int64, set StoreSettings) (Store, error) {
	if v := set.ServiceLevel; v != nil && !inventory.ServiceLevelInRange(*v) {
		return Store{}, inventory.Errorf(inventory.Invalid, "service level %g is out of range: give a percentage from %g to %g (95 means 95%% of replenishment cycles end without a stock-out)",
			*v, inventory.MinServiceLevel, inventory.MaxServiceLevel)
	}
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		if set.KeyExpiryDays != nil {
			if err := db.setStoreKeyExpiry(ctx, tx, storeID, *set.KeyExpiryDays); err != nil {
				return err
			}
		}
		if set.ServiceLevel == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE stores SET service_level = $2 WHERE id = $1`, storeID, *set.ServiceLevel); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sales_summary_state SET as_of = $2 WHERE store_id = $1`, storeID, storage.StaleAsOf)
		return err
	})
	if isInvalid(err) {
		return Store{}, err
	}
	if err != nil {
		return Store{}, fmt.Errorf("updating store %d: %w", storeID, err)
	}
	return db.StoreByID(ctx, storeID)
}

// StoreByDomain finds a tenant by its domain.
func (db *DB) StoreByDomain(ctx context.Context, domain string) (Store, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return Store{}, err
	}
	s, err := scanStore(db.b.QueryRow(ctx, `SELECT `+storeColumns+` FROM stores WHERE domain = $1`, d))
	if errors.Is(err, backend.ErrNoRows) {
		return Store{}, fmt.Errorf("%w: no store has the domain %s (see: logistified stores list)", ErrStoreNotFound, d)
	}
	if err != nil {
		return Store{}, fmt.Errorf("looking up store %s: %w", d, err)
	}
	return s, nil
}

// StoreByID finds a tenant by id.
func (db *DB) StoreByID(ctx context.Context, id int64) (Store, error) {
	s, err := scanStore(db.b.QueryRow(ctx, `SELECT `+storeColumns+` FROM stores WHERE id = $1`, id))
	if errors.Is(err, backend.ErrNoRows) {
		return Store{}, fmt.Errorf("%w: id %d", ErrStoreNotFound, id)
	}
	if err != nil {
		return Store{}, fmt.Errorf("looking up store %d: %w", id, err)
	}
	return s, nil
}

// ListStores returns every tenant, by domain.
func (db *DB) ListStores(ctx context.Context) ([]Store, error) {
	rows, err := db.b.Query(ctx, `SELECT `+storeColumns+` FROM stores ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("listing stores: %w", err)
	}
	defer rows.Close()
	out := []Store{}
	for rows.Next() {
		s, err := scanStore(rows)
		if err != nil {
			return nil, fmt.Errorf("listing stores: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
