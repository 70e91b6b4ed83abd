// Package faulttest holds end-to-end fault tests of the real binary: it
// builds logistified, loads the demo store, serves it over HTTP and drives
// it with JSON-RPC tools/call requests while the database fails underneath.
//
//   - TestPostgresRestart starts a private PostgreSQL cluster (initdb into a
//     temporary directory, its own port), restarts it in the middle of a
//     mixed load of reads and idempotent writes, and checks that /readyz
//     tells the truth during the outage, that reads recover by themselves,
//     that every acknowledged write is stored exactly once, that a client
//     retrying with the same idempotency_key never duplicates anything, and
//     that the inventory ledger still balances.
//   - TestSQLiteKill kills a SQLite-backed server with SIGKILL in the middle
//     of a write load and checks the file: PRAGMA integrity_check, every
//     acknowledged write present, no half-applied document (a document, its
//     lines, its stock movements, its idempotency record and its audit entry
//     exist together or not at all), and the ledger.
//
// The package has no non-test code. The PostgreSQL test needs PostgreSQL's
// server binaries (initdb, pg_ctl); without them it is skipped with a
// message containing "fault tests skipped", and fails instead when CI is set.
// Set FAULTTEST_KEEP_LOGS to a directory to keep each server's log there.
package faulttest
