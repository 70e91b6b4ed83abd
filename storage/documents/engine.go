package documents

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// The document engine: what the four document types do alike, written
// once. Reading a document by number, creating one, listing them a page
// at a time and moving one from status to status are the same steps for
// every type; a docType says only what differs: its table and state
// machine (docKind), how its head and lines are read, how a line adds to
// its totals, and how its result names it. Each type's file keeps its own
// rules: what a create checks, and what each transition changes in
// inventory.

// docType describes one document type D, with lines L, whose writes
// return R.
type docType[D, L, R any] struct {
	docKind
	// parts finds the head and body every document embeds.
	parts func(*D) (*docHead, *docBody[L])
	// head selects a document's head, up to WHERE (the table under its
	// alias); scanHead scans one.
	head     string
	scanHead func(d *D, r backend.Row) error
	// lineCols are the columns of a line after its variant's, from the
	// lines' table as x; scanLine scans one line of d, prefixed by
	// lineVariant's columns.
	lineCols string
	scanLine func(d *D, r backend.Rows, number string) (L, error)
	// addLine adds a line to d's totals.
	addLine func(d *D, l L, number string) error
	// finish, when set, completes d once its lines are read.
	finish func(ctx context.Context, db *DB, q backend.Querier, storeID int64, d *D) error
	// result is what a write returns: the document and the write's outcome.
	result func(D, docOutcome) R
}

// read reads a document by number for a Get call; q is a transaction, or
// nil for the read pool.
func (t *docType[D, L, R]) read(ctx context.Context, db *DB, q backend.Querier, storeID int64, number string) (D, error) {
	return t.get(ctx, db, db.Querier(q), storeID, normalizeNumber(number))
}

// get reads a document by its normalized number: its head, every line and
// the totals over them.
func (t *docType[D, L, R]) get(ctx context.Context, db *DB, q backend.Querier, storeID int64, number string) (D, error) {
	var zero D
	if number == "" {
		return zero, t.notFound("")
	}
	var d D
	err := t.scanHead(&d, q.QueryRow(ctx, t.head+` WHERE `+t.alias+`.store_id = $1 AND `+t.alias+`.number = $2`, storeID, number))
	if errors.Is(err, backend.ErrNoRows) {
		return zero, t.notFound(number)
	}
	if err != nil {
		return zero, fmt.Errorf("reading %s: %w", number, err)
	}
	head, body := t.parts(&d)
	body.AllowedActions = t.machine.Allowed(head.Status)
	body.Lines, err = storage.Collect(ctx, q, "reading the lines of "+number, func(r backend.Rows) (L, error) { return t.scanLine(&d, r, number) },
		`SELECT v.id, v.sku, p.title, v.title, `+t.lineCols+` FROM `+t.lines+` x
		JOIN variants v ON v.store_id = x.store_id AND v.id = x.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE x.store_id = $1 AND x.`+t.docCol+` = $2 ORDER BY x.position, v.sku`, storeID, head.id)
	if err != nil {
		return zero, err
	}
	for _, l := range body.Lines {
		if err := t.addLine(&d, l, number); err != nil {
			return zero, err
		}
	}
	if t.finish != nil {
		if err := t.finish(ctx, db, q, storeID, &d); err != nil {
			return zero, err
		}
	}
	return d, nil
}

// asWritten reads a document as a write leaves it, with the first page of
// its lines: what the write's result shows. (Paging a copy after it was
// put in the result would show every line.)
func (t *docType[D, L, R]) asWritten(ctx context.Context, db *DB, tx backend.Tx, storeID int64, number string) (D, error) {
	d, err := t.get(ctx, db, tx, storeID, number)
	if err != nil {
		return d, err
	}
	_, body := t.parts(&d)
	return d, body.PageLines(LinePage{Limit: WriteResultLines})
}

// written is a write's result: the document as the write leaves it, and o.
func (t *docType[D, L, R]) written(ctx context.Context, db *DB, tx backend.Tx, storeID int64, number string, o docOutcome) (R, error) {
	d, err := t.asWritten(ctx, db, tx, storeID, number)
	return t.result(d, o), err
}

// docInsert is a document a create call writes: the head's columns
// beside store, number, status and times, and its lines.
type docInsert struct {
	status inventory.Status
	cols   string // "supplier_id, location_id"
	vals   []any
	// note, when noted, is the caller's note, checked and written to the
	// note column.
	note  string
	noted bool
	// lineCols are the lines' columns beside store, document, variant and
	// position.
	lineCols string
	lines    []lineInsert
	// fill, when set, writes the lines instead (a stock take's snapshot).
	fill func(id int64, number string) error
}

// lineInsert is one line a write inserts: its variant and the values of
// the insert's lineCols.
type lineInsert struct {
	variant storage.Variant
	vals    []any
}

// inserts makes the lines a write inserts from a type's validated lines.
func inserts[T any](lines []T, insert func(l T, i int) lineInsert) []lineInsert {
	out := make([]lineInsert, len(lines))
	for i, l := range lines {
		out[i] = insert(l, i)
	}
	return out
}

// create allocates the next number, inserts the document and its lines,
// and returns the result a create shows: the number is provisional in a
// dry run, and its kind's undoCreate undoes it.
func (t *docType[D, L, R]) create(ctx context.Context, db *DB, tx backend.Tx, storeID int64, in docInsert) (R, error) {
	var zero R
	if in.noted {
		note, err := checkNote("note", in.note)
		if err != nil {
			return zero, err
		}
		in.cols, in.vals = in.cols+", note", append(in.vals, note)
	}
	number, err := db.NextNumber(ctx, tx, storeID, t.prefix)
	if err != nil {
		return zero, err
	}
	args := []any{storeID, number, string(in.status), db.Now()}
	vals := storage.Placeholders(&args, in.vals)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO `+t.table+` (store_id, number, status, created_at, updated_at, `+in.cols+`)
		VALUES ($1, $2, $3, $4, $4, `+vals+`) RETURNING id`, args...).Scan(&id); err != nil {
		return zero, fmt.Errorf("%s: %w", t.creating, err)
	}
	if err := t.insertLines(ctx, tx, storeID, id, 0, in.lineCols, in.lines); err != nil {
		return zero, err
	}
	if in.fill != nil {
		if err := in.fill(id, number); err != nil {
			return zero, err
		}
	}
	o := outcome(nil, UndoByNumber(t.undoCreate, number))
	o.created = true
	return t.written(ctx, db, tx, storeID, number, o)
}

// insertLines inserts lines into document id, at the positions after
// after.
func (t *docType[D, L, R]) insertLines(ctx context.Context, tx backend.Tx, storeID, id int64, after int, cols string, lines []lineInsert) error {
	for i, l := range lines {
		args := []any{storeID, id, l.variant.ID, after + i + 1}
		vals := storage.Placeholders(&args, l.vals)
		if _, err := tx.Exec(ctx, `INSERT INTO `+t.lines+` (store_id, `+t.docCol+`, variant_id, position, `+cols+`) VALUES ($1, $2, $3, $4, `+vals+`)`,
			args...); err != nil {
			return fmt.Errorf("adding %s to %s: %w", l.variant.SKU, t.the, err)
		}
	}
	return nil
}

// move is what a transition does to its locked document: the inventory
// it changes (under reason in the ledger), the status it leaves the
// document in, with any other columns it sets, and the call that undoes
// it.
type move struct {
	reason  inventory.Reason
	changes []storage.Change
	status  inventory.Status
	set     []any // "column", value pairs (constant column names)
	undo    storage.Reversal
}

// act runs a transition that needs the document as it stands: plan
// decides the move from the locked document and its content.
func (t *docType[D, L, R]) act(ctx context.Context, db *DB, tx backend.Tx, storeID int64, actor storage.Actor, number string,
	action inventory.Action, plan func(d lockedDoc, doc D) (move, error)) (R, error) {
	return t.actOnLock(ctx, db, tx, storeID, actor, number, action, func(d lockedDoc) (move, error) {
		doc, err := t.get(ctx, db, tx, storeID, d.Number)
		if err != nil {
			return move{}, err
		}
		return plan(d, doc)
	})
}

// actOnLock runs a transition: it locks the document, whose status must
// allow action, lets plan decide the move (plan may write the document's
// lines), applies its changes, sets the status and returns the result.
func (t *docType[D, L, R]) actOnLock(ctx context.Context, db *DB, tx backend.Tx, storeID int64, actor storage.Actor, number string,
	action inventory.Action, plan func(d lockedDoc) (move, error)) (R, error) {
	var zero R
	d, err := db.lockDoc(ctx, tx, t.docKind, storeID, number, action)
	if err != nil {
		return zero, err
	}
	m, err := plan(d)
	if err != nil {
		return zero, err
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: m.reason, Document: d.Number, Actor: actor}, m.changes)
	if err != nil {
		return zero, err
	}
	if err := db.setStatus(ctx, tx, t.docKind, storeID, d, m.status, m.set...); err != nil {
		return zero, err
	}
	return t.written(ctx, db, tx, storeID, d.Number, outcome(effects, m.undo))
}

// listed is what a list shows of a document: a summary that knows the
// document's id, by which the list pages and totals its lines.
type listed interface{ docID() int64 }

// docList is what one type's list call adds to the engine's paging: the
// conditions of its filter, the summaries S it selects and how the sums
// over a document's lines complete its summary.
type docList[S listed] struct {
	page   storage.Page
	status string
	// where adds the filter's other conditions, each " AND …".
	where func(args *[]any) (string, error)
	// sel selects the summaries, up to WHERE (the table under its alias).
	sel  string
	scan func(backend.Rows) (S, error)
	// sums are aggregates over each document's lines (see lineSums);
	// total puts them in its summary.
	sums  []string
	total func(s *S, sums []int64)
}

// listDocs lists documents of kind k, newest first, one page at a time:
// one query counts them (see storage.Count), one reads the page and one
// totals its lines.
func listDocs[S listed](ctx context.Context, db *DB, k docKind, storeID int64, l docList[S]) ([]S, string, error) {
	page, err := newIDPage(l.page)
	if err != nil {
		return nil, "", err
	}
	args := []any{storeID}
	where, err := statusFilter(k, l.status, &args)
	if err != nil {
		return nil, "", err
	}
	if l.where != nil {
		cond, err := l.where(&args)
		if err != nil {
			return nil, "", err
		}
		where += cond
	}
	where = ` WHERE ` + k.alias + `.store_id = $1` + where
	if err := storage.Count(ctx, db.b, l.page, k.plural, k.table+" "+k.alias, where, args); err != nil {
		return nil, "", err
	}
	where += page.where(&args, k.alias+".id")
	list, err := storage.Collect(ctx, db.b, "listing "+k.plural, l.scan, l.sel+where+` ORDER BY `+k.alias+`.id DESC`+page.limitClause(), args...)
	if err != nil {
		return nil, "", err
	}
	list, next := pageOut(page, list)
	sums, err := lineSums(ctx, db.b, k, storeID, list, l.sums...)
	if err != nil {
		return nil, "", err
	}
	for i := range list {
		l.total(&list[i], sums(list[i]))
	}
	return list, next, nil
}

// hasVariant is the condition that a document of kind k has a line for
// variantID (none when it is 0).
func (k docKind) hasVariant(args *[]any, variantID int64) string {
	if variantID == 0 {
		return ""
	}
	*args = append(*args, variantID)
	return ` AND EXISTS (SELECT 1 FROM ` + k.lines + ` x WHERE x.store_id = ` + k.alias + `.store_id AND x.` + k.docCol + ` = ` + k.alias + `.id
		AND x.variant_id = $` + strconv.Itoa(len(*args)) + `)`
}
