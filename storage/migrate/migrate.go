// Package migrate applies a backend's embedded SQL migrations with goose.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"hash/crc32"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/logistified/mcp-server/storage/backend"
)

// Up applies every pending migration in fsys's migrations folder. It refuses
// a database already migrated past the newest migration this binary knows,
// since running old code on a newer schema can corrupt data.
func Up(ctx context.Context, dialect string, db *sql.DB, fsys fs.FS) error {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return fmt.Errorf("reading embedded migrations: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gooseDialect := goose.DialectSQLite3
	if dialect == "postgres" {
		gooseDialect = goose.DialectPostgres
		// Replicas that start together must not migrate at the same time.
		// The advisory lock is database-wide, so its id names the schema:
		// migrations of different schemas (tests run one per schema) do not
		// wait for each other. A waiter checks again every second, not
		// goose's default five.
		var schema string
		if err := db.QueryRowContext(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
			return fmt.Errorf("reading the database schema name: %w", err)
		}
		lockID := int64(crc32.ChecksumIEEE([]byte("logistified migrations:" + schema)))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("creating migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, db, sub, opts...)
	if err != nil {
		return fmt.Errorf("loading migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the database schema version: %w", err)
	}
	sources := p.ListSources()
	if newest := sources[len(sources)-1].Version; current > newest {
		return fmt.Errorf("%w (database at version %d, this binary knows up to %d): upgrade logistified", backend.ErrSchemaTooNew, current, newest)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	return nil
}
