package catalog

import (
	"context"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// An import row that names a supplier, location or SKU the store does not
// have says which ones it may have meant, found as the tools' resolvers
// find their candidates (Candidate.Partial, Closest, FindNearSKUs), so a
// typo in a file is as easy to fix as one in a tool call.

// maxImportSKULookups bounds the missing SKUs an import looks up near
// ones for: each costs a few index queries, and a file of another store
// misses every SKU.
const maxImportSKULookups = 20

// importHints remembers the hints an import found, so that a name missing
// on many rows is looked up once.
type importHints struct {
	byRef      map[string]string
	skuLookups int
}

// hint returns the hint for a missing ref of kind, finding it once, and
// none once the errors listed are at their cap (the row is only counted).
func (s *ImportSummary) hint(kind, ref string, find func() (string, error)) (string, error) {
	if len(s.Errors) >= maxImportErrors {
		return "", nil
	}
	h := &s.hints
	key := kind + "\x00" + ref
	if found, ok := h.byRef[key]; ok {
		return found, nil
	}
	found, err := find()
	if err != nil {
		return "", err
	}
	if h.byRef == nil {
		h.byRef = map[string]string{}
	}
	h.byRef[key] = found
	return found, nil
}

// nameHint is " (did you mean …?)" naming the rows (suppliers or
// locations) ref may have meant: those ref names partly, else those
// within a few edits of it; else " (the closest are …)"; "" when the store
// has none.
func nameHint(rows []storage.Candidate, ref string) string {
	if len(rows) == 0 || storage.TooLong(ref) {
		return ""
	}
	var partial []storage.Candidate
	for _, c := range rows {
		if c.Partial(ref) {
			partial = append(partial, c)
		}
	}
	if len(partial) > 0 {
		return " (did you mean " + fileLabels(storage.Closest(partial, ref, storage.MaxCandidates)) + "?)"
	}
	return nearHint(storage.Closest(rows, ref, 3), ref)
}

// nearHint says "did you mean" of the candidates (closest first) when the
// first is a few edits from ref, else lists them as the closest.
func nearHint(cs []storage.Candidate, ref string) string {
	if len(cs) == 0 {
		return ""
	}
	if cs[0].Distance(ref) <= max(2, len([]rune(ref))/3) {
		var near []storage.Candidate
		for _, c := range cs {
			if c.Distance(ref) <= max(2, len([]rune(ref))/3) {
				near = append(near, c)
			}
		}
		return " (did you mean " + fileLabels(near) + "?)"
	}
	return " (the closest are " + fileLabels(cs) + ")"
}

// skuHint is the hint for a SKU the store does not have.
func (db *DB) skuHint(ctx context.Context, tx backend.Tx, storeID int64, sum *ImportSummary, sku string) (string, error) {
	return sum.hint("sku", sku, func() (string, error) {
		if storage.TooLong(sku) || sum.hints.skuLookups >= maxImportSKULookups {
			return "", nil
		}
		sum.hints.skuLookups++
		near, err := storage.FindNearSKUs(ctx, tx, storeID, sku)
		if err != nil {
			return "", err
		}
		switch {
		case len(near.Same) > 0:
			return " (did you mean " + fileLabels(storage.SKUCandidates(near.Same)) + "?)", nil
		case len(near.Starts) > 0:
			return " (did you mean " + fileLabels(storage.Closest(storage.SKUCandidates(near.Starts), sku, storage.MaxCandidates)) + "?)", nil
		}
		return nearHint(near.Closest, sku), nil
	})
}

// fileLabel names a candidate as a file would: by its name (or SKU), with
// a location's code or a variant's product beside it, and no id.
func fileLabel(c storage.Candidate) string {
	s := strconv.Quote(c.Name)
	switch {
	case c.Code != "" && !strings.EqualFold(c.Code, c.Name):
		s += " (code " + c.Code + ")"
	case c.Extra != "":
		s += " (" + c.Extra + ")"
	}
	return s
}

// fileLabels lists candidates as "A", "B" or "C".
func fileLabels(cs []storage.Candidate) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fileLabel(c)
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}

// locationHint is the hint for a location the store does not have.
func (s *salesStage) locationHint(ref string) string {
	h, _ := s.sum.hint("location", ref, func() (string, error) { return nameHint(s.locs.candidates(), ref), nil })
	return h
}

// candidates are the store's locations, once each, for hints.
func (idx locationIndex) candidates() []storage.Candidate {
	seen := map[int64]bool{}
	var out []storage.Candidate
	for _, l := range idx {
		if !seen[l.ID] {
			seen[l.ID] = true
			out = append(out, storage.Candidate{ID: l.ID, Name: l.Name, Code: l.Code})
		}
	}
	return out
}

// failMissingSKU notes a row naming a SKU the store does not have, with
// the SKUs it may have meant; about says more of the row (an order).
func (db *DB) failMissingSKU(ctx context.Context, tx backend.Tx, storeID int64, sum *ImportSummary, line int, column, sku, about string) error {
	hint, err := db.skuHint(ctx, tx, storeID, sum, sku)
	if err != nil {
		return err
	}
	sum.failf(line, column, "SKU %q%s is not in this store%s: import the product export first, or fix the SKU", sku, about, hint)
	return nil
}
