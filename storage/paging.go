package storage

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
)

// Page limits for every list.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page is a list request's window: at most Limit rows after the cursor.
type Page struct {
	Limit  int
	Cursor string
	// Total, when set, receives how many rows match the filter on every
	// page (the cursor aside), counted with the list's own filter.
	Total *int64
}

// ClampLimit returns the limit to use and whether the asked one was clamped
// (so the result can say so).
func ClampLimit(asked int) (limit int, clamped bool) {
	switch {
	case asked <= 0:
		return DefaultLimit, asked < 0
	case asked > MaxLimit:
		return MaxLimit, true
	}
	return asked, false
}

// Cursors are opaque to callers: base64 of the sort keys of the last row
// returned, so the next page starts after it (keyset paging: no OFFSET).
// Keys must not contain "|".

// EncodeCursor makes a cursor from the last row's sort keys.
func EncodeCursor(keys ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(keys, "|")))
}

// DecodeCursor returns the sort keys in a cursor; n is how many it must hold.
// An empty cursor returns nil.
func DecodeCursor(cursor string, n int) ([]string, error) {
	if cursor == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != n {
		return nil, inventory.Errorf(inventory.Invalid, "cursor %q is not one this server issued: pass next_cursor from the previous page unchanged, or omit it to start over", cursor)
	}
	return parts, nil
}

// DecodeIDCursor reads a cursor holding one id.
func DecodeIDCursor(cursor string) (int64, error) {
	parts, err := DecodeCursor(cursor, 1)
	if err != nil || parts == nil {
		return 0, err
	}
	id, perr := strconv.ParseInt(parts[0], 10, 64)
	if perr != nil {
		return 0, inventory.Errorf(inventory.Invalid, "cursor %q is not one this server issued: pass next_cursor from the previous page unchanged", cursor)
	}
	return id, nil
}

// BadCursor is the refusal for a cursor whose keys do not parse.
func BadCursor(cursor string) error {
	return inventory.Errorf(inventory.Invalid, "cursor %q is not one this server issued: pass next_cursor from the previous page unchanged, or omit it to start over", cursor)
}
