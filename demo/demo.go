// Package demo builds the demo store: an outdoor gear and apparel shop with
// a warehouse and three shops, suppliers and their terms, half a year of
// sales, stock with the problems real shops have, documents in every status
// and reorder rules, so that an assistant's first answers are believable.
//
// The data is deterministic: the same seed gives the same store. The
// catalog, supplier terms, starting stock and sales are bulk-loaded (COPY on
// PostgreSQL) in the same transaction as the documents, which go through the
// domain operations; so the store appears whole or not at all, and the
// inventory ledger balances from its first row.
package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logistified/mcp-server/progress"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/plan"
)

// Defaults for Options.
const (
	DefaultDomain   = "demo-store.myshopify.com"
	DefaultName     = "Trailhead Outfitters"
	DefaultVariants = 2000
	DefaultSeed     = 20260101
	// MinVariants is the smallest store that still has every kind of data
	// the demo promises (best sellers, dead stock, rules for 50+ variants).
	MinVariants = 200
	// MaxVariants keeps a typo from filling the disk.
	MaxVariants = 1_000_000
)

// Options says which demo store to make.
type Options struct {
	// Domain defaults to DefaultDomain.
	Domain string
	// Name defaults to DefaultName.
	Name string
	// Variants defaults to DefaultVariants.
	Variants int
	// Seed picks the data; zero means DefaultSeed.
	Seed int64
	// Now is the day the sales history ends (yesterday's sales are the
	// last); zero means the database's clock.
	Now time.Time
	// Keys, when set, keeps the demo's keys in plaintext in a file, so
	// that a later run shows the same pair while it is live rather than
	// issuing another (see ensureKeys).
	Keys *KeyFile
	// Progress is told how far the build has got (nil: nobody).
	Progress progress.Reporter
	// FreshKeys issues a new pair even when Keys holds a live one, and
	// keeps it there (the demo command, which promises fresh keys).
	FreshKeys bool
}

// Counts are how many of each thing the demo store has, read from the
// database.
type Counts struct {
	Locations            int64 `json:"locations"`
	Suppliers            int64 `json:"suppliers"`
	Products             int64 `json:"products"`
	Variants             int64 `json:"variants"`
	PurchaseOrders       int64 `json:"purchase_orders"`
	Transfers            int64 `json:"transfers"`
	StockTakes           int64 `json:"stock_takes"`
	SupplierReturns      int64 `json:"supplier_returns"`
	ReorderRules         int64 `json:"reorder_rules"`
	SupplierTerms        int64 `json:"supplier_terms"`
	InventoryLevels      int64 `json:"inventory_levels"`
	InventoryAdjustments int64 `json:"inventory_adjustments"`
	DailySales           int64 `json:"daily_sales"`
}

// Result is the demo store, its two fresh keys (whose secrets are shown
// this once), its owner with a fresh sign-in link, and its counts.
type Result struct {
	Store    storage.Store
	Created  bool // false when the store already existed
	ReadKey  access.CreatedKey
	WriteKey access.CreatedKey
	// Keys says whether the pair is new or the one kept in KeysFile
	// (Options.Keys), and Revoked lists the earlier demo keys revoked
	// when a new pair replaced them.
	Keys     KeysOutcome
	KeysFile string
	Revoked  []storage.APIKey
	// Owner is the demo store's member; Signin signs them in to the keys
	// page, once, within 15 minutes.
	Owner  access.Member
	Signin access.SigninLink
	Counts Counts
}

// The demo store's member, who signs in to the keys page (DESIGN.md §8).
const (
	OwnerName  = "Demo Owner"
	OwnerEmail = "owner@demo-store.example"
)

// The demo's keys and ledger rows are made by this actor.
const (
	creatorName  = "Logistified demo"
	creatorEmail = "demo@logistified.example"
)

func (o Options) withDefaults(db *storage.DB) (Options, error) {
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	d, err := access.NormalizeDomain(o.Domain)
	if err != nil {
		return o, err
	}
	o.Domain = d
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.Variants == 0 {
		o.Variants = DefaultVariants
	}
	if o.Variants < MinVariants || o.Variants > MaxVariants {
		return o, fmt.Errorf("a demo store has %d to %d variants, not %d: choose a number in that range", MinVariants, MaxVariants, o.Variants)
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Progress == nil {
		o.Progress = progress.Nop{}
	}
	if o.Now.IsZero() {
		o.Now = db.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Microsecond)
	return o, nil
}

// Ensure makes sure the demo store exists, building it when it is missing
// (or has no locations yet), and gives it a read key and a write key: a
// fresh pair, or with opts.Keys the pair kept from an earlier run while it
// is live. Running it again builds nothing twice.
func Ensure(ctx context.Context, db *storage.DB, opts Options) (Result, error) {
	opts, err := opts.withDefaults(db)
	if err != nil {
		return Result{}, err
	}
	acc := access.New(db)
	store, err := acc.StoreByDomain(ctx, opts.Domain)
	if errors.Is(err, access.ErrStoreNotFound) {
		store, err = acc.CreateStore(ctx, access.NewStore{Domain: opts.Domain, Name: opts.Name, Currency: "USD", Timezone: "UTC"})
		if errors.Is(err, access.ErrStoreExists) { // another process made it first
			store, err = acc.StoreByDomain(ctx, opts.Domain)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("finding the demo store: %w", err)
	}
	res := Result{Store: store}
	if res.Created, err = build(ctx, db, store, opts); err != nil {
		return Result{}, fmt.Errorf("building the demo store %s: %w", store.Domain, err)
	}
	if res.Created && db.Dialect() == "postgres" {
		opts.Progress.Report("tidying up", 0, 0)
		// The build marked every variant for refolding (the sales'
		// triggers) and its plan build cleared them all: reclaim the dead
		// marks now, so that the reads' look at level_plan_dirty does not
		// step over them until autovacuum comes. The tables the reads
		// count are vacuumed too: a bulk load leaves their visibility map
		// empty, so until autovacuum came every count (the overview's
		// variants and products, the reorder totals, a supplier's
		// variants) read the table itself rather than its index, hundreds
		// of milliseconds at a million variants. VACUUM cannot run in the
		// build's transaction.
		if _, err := db.Backend().Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(vacuumed, ", ")); err != nil {
			return Result{}, fmt.Errorf("vacuuming the demo's tables: %w", err)
		}
	}
	if err := ensureKeys(ctx, acc, store, opts, &res); err != nil {
		return Result{}, err
	}
	if res.Owner, _, err = acc.EnsureMember(ctx, store.ID, access.NewMember{Name: OwnerName, Email: OwnerEmail},
		storage.Person{Name: creatorName, Email: creatorEmail}); err != nil {
		return Result{}, fmt.Errorf("adding the demo store's owner: %w", err)
	}
	if res.Signin, err = acc.CreateSigninLink(ctx, store.ID, OwnerEmail); err != nil {
		return Result{}, fmt.Errorf("issuing the demo owner's sign-in link: %w", err)
	}
	if res.Counts, err = CountsOf(ctx, db, store.ID); err != nil {
		return Result{}, err
	}
	return res, nil
}

// vacuumed are the tables the demo vacuums after its build (PostgreSQL).
// The documents' tables, the suppliers and the kept totals are small, and
// written after the bulk load's own ANALYZEs: under autovacuum's threshold
// (50 changed rows) they were never analyzed, so PostgreSQL guessed their
// size, and get_demand's receipts query walked all 1.3 million ledger rows
// rather than the index of the 14 purchase orders' rows (165 ms at a
// million variants, on every call).
var vacuumed = []string{"level_plan_dirty", "products", "variants", "supplier_variants", "level_plan", "sales_summary", "inventory_levels",
	"suppliers", "locations", "purchase_orders", "purchase_order_lines", "transfers", "transfer_lines", "stock_takes", "stock_take_lines",
	"supplier_returns", "supplier_return_lines", "stockout_spans", "level_plan_totals", "level_plan_counts", "supplier_counts", "catalog_counts"}

// build fills the store in one transaction, unless it already has
// locations. The store row is locked first, so two processes starting
// with --demo at once build it once.
func build(ctx context.Context, db *storage.DB, store storage.Store, opts Options) (bool, error) {
	storeID := store.ID
	built := false
	err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
		built = false
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM stores WHERE id = $1`+db.Backend().Dialect().ForUpdate, storeID).Scan(&id); err != nil {
			return fmt.Errorf("locking the store: %w", err)
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM locations WHERE store_id = $1`, storeID).Scan(&n); err != nil {
			return fmt.Errorf("checking for existing data: %w", err)
		}
		if n > 0 {
			return nil
		}
		c := generateCatalog(opts.Seed, opts.Variants)
		ld, err := loadCatalog(ctx, tx, db.Dialect() == "postgres", storeID, opts.Seed, c, opts.Now, store.Timezone, opts.Progress)
		if err != nil {
			return err
		}
		opts.Progress.Report("setting reorder rules", 0, 0)
		rules := generateRules(opts.Seed, c, ld.today)
		if err := setRules(ctx, db, tx, ld, rules); err != nil {
			return err
		}
		opts.Progress.Report("creating documents", 0, 0)
		if err := createDocuments(ctx, db, tx, ld, c, rules, opts.Seed); err != nil {
			return err
		}
		// The plan is built last, inside the transaction, so the store
		// appears with its planning rows current and no variant marked for
		// refolding: the first read is as quick as any other.
		if err := plan.New(db).BuildPlan(ctx, tx, storeID, "daily_sales", "inventory_adjustments", "reorder_rules"); err != nil {
			return fmt.Errorf("building the planning rows: %w", err)
		}
		built = true
		return db.RecordAudit(ctx, tx, storeID, storage.AuditEntry{
			ActorName: creatorName, ActorEmail: creatorEmail, Action: "demo.create", Outcome: storage.OutcomeOK,
			Detail: fmt.Sprintf("%d variants from seed %d", opts.Variants, opts.Seed),
		})
	})
	return built, err
}

// CountsOf reads the demo's counts for a store from the database.
func CountsOf(ctx context.Context, db *storage.DB, storeID int64) (Counts, error) {
	var c Counts
	tables := []struct {
		table string
		dst   *int64
	}{
		{"locations", &c.Locations}, {"suppliers", &c.Suppliers}, {"products", &c.Products}, {"variants", &c.Variants},
		{"purchase_orders", &c.PurchaseOrders}, {"transfers", &c.Transfers}, {"stock_takes", &c.StockTakes},
		{"supplier_returns", &c.SupplierReturns}, {"reorder_rules", &c.ReorderRules}, {"supplier_variants", &c.SupplierTerms},
		{"inventory_levels", &c.InventoryLevels}, {"inventory_adjustments", &c.InventoryAdjustments}, {"daily_sales", &c.DailySales},
	}
	for _, t := range tables {
		if err := db.Backend().QueryRow(ctx, `SELECT count(*) FROM `+t.table+` WHERE store_id = $1`, storeID).Scan(t.dst); err != nil {
			return Counts{}, fmt.Errorf("counting %s: %w", t.table, err)
		}
	}
	return c, nil
}
