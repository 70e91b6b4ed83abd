package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/logistified/mcp-server/imports"
	"github.com/logistified/mcp-server/progress"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/plan"
)

// Imports bring a store's own files in (DESIGN.md §11): package imports
// reads each file into records, and the operations here write them, each
// file in one transaction. Records are read one at a time and written in
// batches, so a file of any size imports in bounded memory; what is held
// for the whole file is an index of the store's catalogue (SKUs, handles,
// locations), which the catalogue's size bounds, not the file's. Any bad
// row rolls the whole file back; every bad row (up to maxImportErrors) is
// reported with its line.

// Import kinds, as the command line names them.
const (
	ImportProducts      = "products"
	ImportInventory     = "inventory"
	ImportOrders        = "orders"
	ImportSales         = "sales"
	ImportSuppliers     = "suppliers"
	ImportSupplierTerms = "supplier-terms"
)

// importBatch is how many records are written at a time.
const importBatch = 5000

// maxImportErrors caps the bad rows listed; the rest are counted.
const maxImportErrors = 100

// ErrImportRefused is returned with a summary whose Errors say why the file
// was refused: nothing of it was applied.
var ErrImportRefused = errors.New("the file has errors, so nothing was imported: fix the rows listed and import it again")

// errImportRollback ends a dry run, or a file with errors, without
// committing.
var errImportRollback = errors.New("import rolled back")

// ImportOptions are what every import takes beside the records.
type ImportOptions struct {
	// FileName names the file in the ledger rows, the audit log and
	// last_import ("-" for standard input).
	FileName string
	// DryRun does all the work and reports it, then rolls back.
	DryRun bool
	// Location is where orders without a location count (orders only).
	Location string
	// Actor names who imports, for the audit log ("cli:user@host").
	Actor string
	// Progress, when set, is told every few thousand rows how many rows
	// have been read ("importing FILE, rows read").
	Progress progress.Reporter
}

// ImportCounts are the records of one kind an import created, updated and
// left unchanged.
type ImportCounts struct {
	Created   int64 `json:"created"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

// ImportSummary is what an import did, or (dry run) would do. Created,
// Updated and Unchanged add up Details.
type ImportSummary struct {
	Kind      string `json:"kind"`
	File      string `json:"file"`
	DryRun    bool   `json:"dry_run"`
	Rows      int64  `json:"rows"`
	Created   int64  `json:"created"`
	Updated   int64  `json:"updated"`
	Unchanged int64  `json:"unchanged"`
	// Skipped counts rows that are read but not imported, by reason (an
	// order cancelled or refunded, a variant not stocked at a location).
	Skipped    map[string]int64         `json:"skipped,omitempty"`
	Details    map[string]*ImportCounts `json:"details"`
	LedgerRows int64                    `json:"ledger_rows,omitempty"`
	Errors     []imports.RowError       `json:"errors"`
	MoreErrors int64                    `json:"more_errors,omitempty"`

	// manyLevels says the import changed more levels than the planning
	// table refreshes row by row.
	manyLevels bool
	// hints are the candidates found for missing names, by name.
	hints importHints
	// grown lists tables the import grew a lot, whose PostgreSQL
	// statistics must be fresh before the planning table is rebuilt from
	// them (else the rebuild plans for the tables as they were).
	grown []string
	// started is when the import began (bulkStamp).
	started time.Time
}

func (s *ImportSummary) counts(kind string) *ImportCounts {
	c := s.Details[kind]
	if c == nil {
		c = &ImportCounts{}
		s.Details[kind] = c
	}
	return c
}

func (s *ImportSummary) skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int64{}
	}
	s.Skipped[reason]++
}

func (s *ImportSummary) fail(e imports.RowError) {
	if len(s.Errors) >= maxImportErrors {
		s.MoreErrors++
		return
	}
	s.Errors = append(s.Errors, e)
}

func (s *ImportSummary) failf(line int, column, format string, args ...any) {
	s.fail(imports.RowError{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

// ok reports whether no row has failed, so writes are still worth doing.
func (s *ImportSummary) ok() bool { return len(s.Errors) == 0 }

// runImport runs body in one transaction and commits only a clean, real
// run; it records the import in the audit log and, when applied, as the
// store's last import of its kind.
func (db *DB) runImport(ctx context.Context, storeID int64, kind string, opts ImportOptions, body func(tx backend.Tx, sum *ImportSummary) error) (ImportSummary, error) {
	if opts.FileName == "" {
		opts.FileName = "-"
	}
	sum := &ImportSummary{Kind: kind, File: opts.FileName, DryRun: opts.DryRun, Details: map[string]*ImportCounts{}, Errors: []imports.RowError{},
		started: db.Now()}
	attempts := 0
	err := db.b.InTx(ctx, func(tx backend.Tx) error {
		// The records are a stream that cannot be read twice, so a
		// transaction the database asks to retry is not retried here.
		if attempts++; attempts > 1 {
			return errors.New("the import conflicted with another change to the store: run it again")
		}
		if err := body(tx, sum); err != nil {
			return err
		}
		for _, c := range sum.Details {
			sum.Created += c.Created
			sum.Updated += c.Updated
			sum.Unchanged += c.Unchanged
		}
		if !sum.ok() || opts.DryRun {
			return errImportRollback
		}
		if err := plan.New(db.DB).CatchUpPlan(ctx, tx, storeID, sum.manyLevels, sum.grown, sum.started); err != nil {
			return err
		}
		now := db.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO store_imports (store_id, kind, file_name, at, created, updated, unchanged, seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT COALESCE(MAX(seq), 0) + 1 FROM store_imports WHERE store_id = $1))
			ON CONFLICT (store_id, kind) DO UPDATE SET file_name = excluded.file_name, at = excluded.at,
			created = excluded.created, updated = excluded.updated, unchanged = excluded.unchanged, seq = excluded.seq`,
			storeID, kind, opts.FileName, now, sum.Created, sum.Updated, sum.Unchanged); err != nil {
			return fmt.Errorf("recording the import: %w", err)
		}
		return db.RecordAudit(ctx, tx, storeID, importAudit(sum, opts.Actor, storage.OutcomeOK))
	})
	switch {
	case errors.Is(err, errImportRollback):
		outcome := storage.OutcomeDryRun
		if !sum.ok() {
			outcome = storage.OutcomeRefused
		}
		if aerr := db.RecordAudit(ctx, nil, storeID, importAudit(sum, opts.Actor, outcome)); aerr != nil {
			return *sum, aerr
		}
		if !sum.ok() {
			return *sum, ErrImportRefused
		}
		return *sum, nil
	case err != nil:
		return *sum, fmt.Errorf("importing %s from %s: %w", kind, opts.FileName, err)
	}
	return *sum, nil
}

func importAudit(sum *ImportSummary, actor, outcome string) storage.AuditEntry {
	if actor == "" {
		actor = "cli"
	}
	args, _ := json.Marshal(map[string]any{"file": sum.File, "dry_run": sum.DryRun})
	detail := fmt.Sprintf("%d rows: %d created, %d updated, %d unchanged", sum.Rows, sum.Created, sum.Updated, sum.Unchanged)
	if n := len(sum.Errors) + int(sum.MoreErrors); n > 0 {
		detail = fmt.Sprintf("%d rows, %d bad (first: %s)", sum.Rows, n, sum.Errors[0].Error())
	}
	return storage.AuditEntry{ActorName: actor, Action: "import." + sum.Kind, Arguments: string(args), Outcome: outcome, Detail: detail}
}

// drain reads every record of src, handing the good ones to fn and noting
// the bad ones in sum.
func drain[T any](src imports.Source[T], sum *ImportSummary, p progress.Reporter, fn func(T) error) error {
	for {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var re *imports.RowError
		if errors.As(err, &re) && re.Line <= 1 {
			sum.fail(*re) // the header: no row was read
			continue
		}
		sum.Rows++
		if p != nil && sum.Rows%5000 == 0 {
			p.Report("importing "+sum.File+", rows read", sum.Rows, 0)
		}
		if re != nil {
			sum.fail(*re)
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// skuIndex maps the store's SKUs to variant ids.
func skuIndex(ctx context.Context, tx backend.Tx, storeID int64) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT sku, id FROM variants WHERE store_id = $1`, storeID)
	if err != nil {
		return nil, fmt.Errorf("reading the store's SKUs: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var sku string
		var id int64
		if err := rows.Scan(&sku, &id); err != nil {
			return nil, fmt.Errorf("reading the store's SKUs: %w", err)
		}
		out[sku] = id
	}
	return out, rows.Err()
}

// locationIndex finds the store's locations by name or code,
// case-insensitively, as the tools do.
type locationIndex map[string]storage.Location

func loadLocations(ctx context.Context, tx backend.Tx, storeID int64) (locationIndex, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, code, kind FROM locations WHERE store_id = $1`, storeID)
	if err != nil {
		return nil, fmt.Errorf("reading the store's locations: %w", err)
	}
	defer rows.Close()
	idx := locationIndex{}
	for rows.Next() {
		var l storage.Location
		if err := rows.Scan(&l.ID, &l.Name, &l.Code, &l.Kind); err != nil {
			return nil, fmt.Errorf("reading the store's locations: %w", err)
		}
		idx.add(l)
	}
	return idx, rows.Err()
}

func (idx locationIndex) add(l storage.Location) {
	idx[strings.ToLower(l.Code)] = l
	idx[strings.ToLower(l.Name)] = l // a name wins over another's code
}

func (idx locationIndex) find(ref string) (storage.Location, bool) {
	l, ok := idx[strings.ToLower(strings.TrimSpace(ref))]
	return l, ok
}

// analyzer refreshes PostgreSQL's statistics of a table once it has grown
// in this transaction, so that foreign-key checks and lookups of the rows
// just loaded use indexes (ANALYZE sees the transaction's own rows), and
// lists it in the summary's grown tables, whose statistics CatchUpPlan
// refreshes again once the whole file is in.
type analyzer struct {
	postgres bool
	sum      *ImportSummary
	done     map[string]bool
}

func (db *DB) newAnalyzer(sum *ImportSummary) *analyzer {
	return &analyzer{postgres: db.b.Dialect().Name == "postgres", sum: sum, done: map[string]bool{}}
}

func (a *analyzer) after(ctx context.Context, tx backend.Tx, table string, loaded int) error {
	if !a.postgres || a.done[table] || loaded < importBatch {
		return nil
	}
	a.done[table] = true
	a.sum.grown = append(a.sum.grown, table)
	if _, err := tx.Exec(ctx, "ANALYZE "+table); err != nil {
		return fmt.Errorf("analyzing %s: %w", table, err)
	}
	return nil
}

// planKeeper keeps the planning table current across an import that
// changes variants or supplier terms. Those changes mark the whole store
// stale (migration 00002's triggers), which makes the next read rebuild
// every row; when the table was current before the import and few variants
// changed, the keeper instead lists just those variants in
// level_plan_dirty, and the next read recomputes only their rows.
type planKeeper struct {
	current  bool
	asOf     time.Time
	changed  map[int64]bool // variants
	products map[int64]bool // products, whose variants all change
}

func (db *DB) newPlanKeeper(ctx context.Context, tx backend.Tx, storeID int64) (*planKeeper, error) {
	asOf, _, found, err := plan.New(db.DB).PlanState(ctx, tx, storeID, db.b.Dialect().ForUpdate)
	if err != nil {
		return nil, err
	}
	today, err := db.StoreToday(ctx, tx, storeID)
	if err != nil {
		return nil, err
	}
	return &planKeeper{current: found && asOf.Equal(today), asOf: asOf, changed: map[int64]bool{}, products: map[int64]bool{}}, nil
}

func (k *planKeeper) tooMany() bool { return len(k.changed)+len(k.products) > plan.MaxIncremental }

func (k *planKeeper) mark(variantID int64) {
	if k.current && !k.tooMany() {
		k.changed[variantID] = true
	}
}

func (k *planKeeper) markProduct(productID int64) {
	if k.current && !k.tooMany() {
		k.products[productID] = true
	}
}

func (k *planKeeper) finish(ctx context.Context, tx backend.Tx, storeID int64) error {
	if !k.current || len(k.changed)+len(k.products) == 0 || k.tooMany() {
		return nil
	}
	if len(k.products) > 0 {
		pids := make([]int64, 0, len(k.products))
		for id := range k.products {
			pids = append(pids, id)
		}
		args := []any{storeID}
		in := storage.Placeholders(&args, pids)
		if _, err := tx.Exec(ctx, `INSERT INTO level_plan_dirty (store_id, variant_id)
			SELECT store_id, id FROM variants WHERE store_id = $1 AND product_id IN (`+in+`)
			ON CONFLICT (store_id, variant_id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("marking changed products for the planning table: %w", err)
		}
	}
	ids := make([]int64, 0, len(k.changed))
	for id := range k.changed {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{storeID}
		var values []string
		for _, id := range ids[:n] {
			args = append(args, id)
			values = append(values, fmt.Sprintf("($1, $%d)", len(args)))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO level_plan_dirty (store_id, variant_id) VALUES `+strings.Join(values, ", ")+
			` ON CONFLICT (store_id, variant_id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("marking changed variants for the planning table: %w", err)
		}
		ids = ids[n:]
	}
	if _, err := tx.Exec(ctx, `UPDATE sales_summary_state SET as_of = $2 WHERE store_id = $1`, storeID, k.asOf); err != nil {
		return fmt.Errorf("keeping the planning table current: %w", err)
	}
	return nil
}
