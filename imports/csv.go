// Package imports reads the files a merchant brings a store in with:
// Shopify's product, inventory and orders exports and the project's own
// sales, supplier and supplier-terms files (DESIGN.md §11). It turns each
// row into a typed record carrying its line number, and knows no SQL:
// package storage writes the records.
//
// Every reader streams: it holds one row at a time, so a file of any size
// reads in bounded memory. A bad row comes back as a *RowError and the
// reader goes on with the next row, so that one pass names every bad row;
// a file that cannot be read further (an unterminated quote, say) ends
// with a *RowError and then io.EOF.
package imports

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RowError is what is wrong with one row (or, on line 1, the header).
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %q: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// Source yields a file's records one at a time: a *RowError for a bad row
// (call Next again for the next row), io.EOF at the end, and any other
// error when the file cannot be read.
type Source[T any] interface {
	Next() (T, error)
}

// column is one column a format knows, by its canonical name and every
// header Shopify has used for it.
type column struct {
	name     string
	headers  []string
	required bool
}

// table reads a CSV file with a header row, mapping the columns a format
// knows to their positions.
type table struct {
	r      *csv.Reader
	g      *guard
	line   int               // the last row's line
	pos    map[string]int    // canonical name → index
	header map[string]string // canonical name → header as written
	width  int               // fields in the header row
	done   bool
}

// normHeader compares headers case-insensitively and ignoring spacing.
func normHeader(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

// openTable reads the header row. A missing required column is a
// *RowError on line 1 naming it.
func openTable(r io.Reader, cols []column) (*table, error) {
	g := &guard{r: r}
	br := bufio.NewReaderSize(g, 64<<10)
	// A UTF-8 byte order mark, which spreadsheet programs write, is not
	// part of the first header.
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &RowError{Line: 1, Message: "the file is empty: export it again with its header row"}
	}
	if errors.Is(err, errRowTooLong) {
		return nil, &RowError{Line: 1, Message: "the header row is longer than 1 MB: is this a CSV export?"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	t := &table{r: cr, g: g, pos: map[string]int{}, header: map[string]string{}, width: len(head)}
	byHeader := map[string]int{}
	for i, h := range head {
		n := normHeader(h)
		if _, dup := byHeader[n]; !dup {
			byHeader[n] = i
		}
	}
	var missing []string
	for _, c := range cols {
		found := false
		for _, h := range c.headers {
			if i, ok := byHeader[normHeader(h)]; ok {
				t.pos[c.name], t.header[c.name] = i, head[i]
				found = true
				break
			}
		}
		if !found && c.required {
			missing = append(missing, strconv.Quote(c.headers[0]))
		}
	}
	if len(missing) > 0 {
		return nil, &RowError{Line: 1, Message: fmt.Sprintf("the header has no %s column: is this the right file? (columns are matched by name, in any order)",
			strings.Join(missing, ", "))}
	}
	return t, nil
}

// has reports whether the file has the column.
func (t *table) has(name string) bool { _, ok := t.pos[name]; return ok }

// row is one data row of a table.
type row struct {
	t    *table
	rec  []string
	line int
}

// next reads the next row; a row with the wrong number of fields (a file
// cut short, for instance) is a *RowError and reading goes on.
func (t *table) next() (row, error) {
	if t.done {
		return row{}, io.EOF
	}
	for {
		t.g.n = 0
		rec, err := t.r.Read()
		if errors.Is(err, errRowTooLong) {
			t.done = true
			return row{}, &RowError{Line: t.line + 1, Message: fmt.Sprintf("a row is longer than %d MB: is this a CSV export, with its quotes closed?", maxRowBytes>>20)}
		}
		line, _ := t.r.FieldPos(0)
		t.line = line
		if errors.Is(err, io.EOF) {
			t.done = true
			return row{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return row{}, &RowError{Line: pe.StartLine, Message: fmt.Sprintf("the row has %d fields where the header has %d: is the file complete, and are commas inside values quoted?",
				len(rec), t.width)}
		}
		if err != nil {
			// Anything else (an unterminated or stray quote) leaves the
			// rest of the file unreadable.
			t.done = true
			return row{}, csvError(err)
		}
		if blank(rec) {
			continue
		}
		return row{t: t, rec: rec, line: line}, nil
	}
}

// maxRowBytes bounds one row, so that a file without line breaks (or
// with a quote never closed) cannot make a reader hold all of it.
const maxRowBytes = 1 << 20

var errRowTooLong = errors.New("row too long")

// guard counts the bytes read since n was last reset (once per row) and
// fails past maxRowBytes, on top of the read-ahead buffer.
type guard struct {
	r io.Reader
	n int
}

func (g *guard) Read(p []byte) (int, error) {
	if g.n > maxRowBytes+128<<10 {
		return 0, errRowTooLong
	}
	n, err := g.r.Read(p)
	g.n += n
	return n, err
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			msg = "a quoted value is not closed before the end of the file: the file may be cut short; export it again"
		case errors.Is(pe.Err, csv.ErrBareQuote):
			msg = "a double quote appears inside an unquoted value: quote the value and double the quote (\"\")"
		}
		return &RowError{Line: pe.StartLine, Message: msg}
	}
	return fmt.Errorf("reading the file: %w", err)
}

// raw is the column's value as written, "" when the file lacks the column.
func (r row) raw(name string) string {
	i, ok := r.t.pos[name]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return r.rec[i]
}

func (r row) errorf(name, format string, args ...any) *RowError {
	return &RowError{Line: r.line, Column: r.t.header[name], Message: fmt.Sprintf(format, args...)}
}

// maxText bounds a text value, so one cell cannot store megabytes.
const maxText = 255

// text is a trimmed text value. It is stored as written, formulas and
// control characters included (outputs are JSON, which escapes them),
// except NUL, which PostgreSQL cannot store.
func (r row) text(name string) (string, *RowError) {
	v := strings.TrimSpace(strings.ReplaceAll(r.raw(name), "\x00", ""))
	if !utf8.ValidString(v) {
		return "", r.errorf(name, "the value is not valid UTF-8: save the file as UTF-8 and import it again")
	}
	if len(v) > maxText {
		return "", r.errorf(name, "the value is longer than %d characters: shorten it", maxText)
	}
	return v, nil
}

// maxQuantity bounds quantities well inside int64 and any real stock.
const maxQuantity = 1_000_000_000

// integer parses a whole number; empty gives def.
func (r row) integer(name string, def int64, allowNegative bool) (int64, *RowError) {
	v := strings.TrimSpace(r.raw(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, r.errorf(name, "%s is not a whole number: give digits only, like 12", strconv.Quote(v))
	}
	if n < 0 && !allowNegative {
		return 0, r.errorf(name, "%d is negative: give zero or more", n)
	}
	if n > maxQuantity || n < -maxQuantity {
		return 0, r.errorf(name, "%d is out of range: give at most %d", n, maxQuantity)
	}
	return n, nil
}

// maxCents bounds money amounts (ten billion in the store's currency).
const maxCents = 1_000_000_000_000

// money parses an amount like 19.99 into hundredths; empty gives 0. More
// than two decimals are rounded half away from zero.
func (r row) money(name string) (int64, *RowError) {
	v := strings.TrimSpace(r.raw(name))
	if v == "" {
		return 0, nil
	}
	cents, ok := parseCents(v)
	if !ok {
		return 0, r.errorf(name, "%s is not an amount: give a number like 19.99, without a currency sign or thousands separator", strconv.Quote(v))
	}
	if cents < 0 {
		return 0, r.errorf(name, "%s is negative: give zero or more", v)
	}
	if cents > maxCents {
		return 0, r.errorf(name, "%s is out of range", v)
	}
	return cents, nil
}

func parseCents(v string) (int64, bool) {
	neg := false
	if v[0] == '-' || v[0] == '+' {
		neg = v[0] == '-'
		v = v[1:]
	}
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" && frac == "" || len(whole) > 13 || len(frac) > 6 || !digits(whole) || !digits(frac) {
		return 0, false
	}
	var cents int64
	for _, c := range whole {
		cents = cents*10 + int64(c-'0')
	}
	frac += "000"
	cents = cents*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	if frac[2] >= '5' {
		cents++
	}
	if neg {
		cents = -cents
	}
	return cents, true
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
