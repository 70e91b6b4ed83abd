package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/backend"
)

// Natural identifiers: the tools name locations, suppliers and variants
// by name, code, SKU or id, and every subject resolves those names here,
// with the same candidates when one is wrong.

// Location is a warehouse or shop of a store.
type Location struct {
	ID   int64  `json:"location_id"`
	Name string `json:"name"`
	Code string `json:"code"`
	Kind string `json:"kind"`
}

// DocLocation names a document's location.
type DocLocation struct {
	ID   int64  `json:"location_id"`
	Name string `json:"name"`
}

// Supplier is who a store buys from.
type Supplier struct {
	ID           int64  `json:"supplier_id"`
	Name         string `json:"name"`
	Email        string `json:"email,omitempty"`
	LeadTimeDays int    `json:"lead_time_days"`
}

// Variant is a sellable item, named by its SKU.
type Variant struct {
	ID           int64  `json:"variant_id"`
	ProductID    int64  `json:"product_id"`
	SKU          string `json:"sku"`
	ProductTitle string `json:"product"`
	Title        string `json:"title,omitempty"`
	Vendor       string `json:"vendor,omitempty"`
	PriceCents   int64  `json:"-"`
	CostCents    int64  `json:"-"`
}

// VariantRef names a variant by SKU or by id, as tools accept either.
type VariantRef struct {
	SKU string
	ID  int64
}

func (r VariantRef) String() string {
	if r.SKU != "" {
		return r.SKU
	}
	return "variant_id " + strconv.FormatInt(r.ID, 10)
}

// Placeholders appends values to args and returns "$n, $n+1, …" for an IN
// list; the same text works on both backends, unlike PostgreSQL's = ANY.
func Placeholders[T any](args *[]any, values []T) string {
	var b strings.Builder
	for i, v := range values {
		*args = append(*args, v)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(len(*args)))
	}
	return b.String()
}

// Names an assistant gets slightly wrong. Every location, supplier and SKU
// a tool names goes through ResolveLocation, ResolveSupplier or
// ResolveVariants, which read q to know whether they serve a read or a
// write: a read (q nil, the read pool) resolves a unique case-insensitive or
// partial match; a write (q a transaction, as RunWrite gives every write)
// acts only on an exact match, since it must never act on a guess. Either
// way, a name that matches nothing or more than one thing fails with the
// closest candidates (names with ids), so that the next call succeeds.
// Candidates come from the caller's store only.

// MaxCandidates is how many candidates an error lists.
const MaxCandidates = 5

// maxMatchLen bounds the names matched inexactly: no location, supplier or
// SKU is longer, and edit distances over megabytes of hostile input would
// cost seconds.
const maxMatchLen = 200

func TooLong(ref string) bool { return len(ref) > maxMatchLen }

// Candidate is a named row a wrong name may have meant.
type Candidate struct {
	ID    int64
	Name  string
	Code  string // locations only
	Extra string // how a SKU's variant is described
}

func (c Candidate) label(idName string) string {
	s := strconv.Quote(c.Name) + " (" + idName + " " + strconv.FormatInt(c.ID, 10)
	if c.Code != "" && !strings.EqualFold(c.Code, c.Name) {
		s += ", code " + c.Code
	}
	if c.Extra != "" {
		s += ", " + c.Extra
	}
	return s + ")"
}

func labels(cs []Candidate, idName string) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label(idName)
	}
	return strings.Join(out, ", ")
}

// Partial reports whether ref names c partly: a part of its name or code,
// or every word of ref found in its name (case-insensitive).
func (c Candidate) Partial(ref string) bool {
	r := strings.ToLower(ref)
	n, code := strings.ToLower(c.Name), strings.ToLower(c.Code)
	if strings.Contains(n, r) || (code != "" && strings.Contains(code, r)) {
		return true
	}
	words := strings.Fields(r)
	for _, w := range words {
		if !strings.Contains(n, w) {
			return false
		}
	}
	return len(words) > 1
}

// Distance is how far ref is from c: the edit distance to its name, code or
// the start of its name of ref's length, whichever is least.
func (c Candidate) Distance(ref string) int {
	r := strings.ToLower(ref)
	n := strings.ToLower(c.Name)
	d := editDistance(r, n)
	if rn := []rune(n); len(rn) > len([]rune(r)) {
		d = min(d, editDistance(r, string(rn[:len([]rune(r))]))+1)
	}
	if c.Code != "" {
		d = min(d, editDistance(r, strings.ToLower(c.Code)))
	}
	return d
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Closest orders cs by distance from ref (then name) and keeps the first n.
func Closest(cs []Candidate, ref string, n int) []Candidate {
	type scored struct {
		c Candidate
		d int
	}
	s := make([]scored, len(cs))
	for i, c := range cs {
		s[i] = scored{c, c.Distance(ref)}
	}
	slices.SortStableFunc(s, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.c.Name, b.c.Name)
	})
	out := make([]Candidate, 0, min(n, len(s)))
	for i := 0; i < len(s) && i < n; i++ {
		out = append(out, s[i].c)
	}
	return out
}

// maxNamedRows bounds the locations or suppliers read to find candidates:
// stores have tens of them, and a hostile store must not make one wrong
// name read millions of rows.
const maxNamedRows = 2000

// matchName resolves ref among a store's named rows (locations or
// suppliers) when no row has it as id, code or name: a unique partial match
// for a read, else an error with the closest candidates.
func matchName(rows []Candidate, ref string, lenient bool, noun, idName, listTool string) (Candidate, error) {
	if TooLong(ref) {
		return Candidate{}, inventory.Errorf(inventory.NotFound, "no %s matches the %d-character name given: give a %s name or id from %s", noun, len(ref), noun, listTool)
	}
	var partial []Candidate
	for _, c := range rows {
		if c.Partial(ref) {
			partial = append(partial, c)
		}
	}
	switch {
	case len(partial) == 1 && lenient:
		return partial[0], nil
	case len(partial) == 1:
		return Candidate{}, inventory.Errorf(inventory.NotFound,
			"no %s is named exactly %q: did you mean %s? A change is never made on a partial name: call again with that name or id",
			noun, ref, partial[0].label(idName))
	case len(partial) > 1:
		return Candidate{}, inventory.Errorf(inventory.NotFound,
			"%s %q matches %d %ss: %s: call again with one of these names or ids",
			noun, ref, len(partial), noun, labels(Closest(partial, ref, MaxCandidates), idName))
	case len(rows) == 0:
		return Candidate{}, inventory.Errorf(inventory.NotFound, "no %s matches %q, and this store has none yet (see %s)", noun, ref, listTool)
	}
	return Candidate{}, inventory.Errorf(inventory.NotFound,
		"no %s matches %q; the closest are %s: call again with one of these names or ids (%s lists them all)",
		noun, ref, labels(Closest(rows, ref, MaxCandidates), idName), listTool)
}

// LocationMatch binds ref in args and returns a query, in parentheses,
// for the id of the store's ($1) location that ref names exactly: by id,
// code or name, in any case, an exact-case match winning. Queries that
// take a location's name embed it, so that naming a location costs no
// round trip of its own; ResolveLocation runs it first.
func LocationMatch(args *[]any, ref string) string {
	id, r := bindRef(args, ref)
	return `(SELECT id FROM locations WHERE store_id = $1 AND (id = ` + id + ` OR lower(code) = lower(` + r + `) OR lower(name) = lower(` + r + `))
		ORDER BY id = ` + id + ` DESC, code = ` + r + ` DESC, name = ` + r + ` DESC, lower(code) = lower(` + r + `) DESC LIMIT 1)`
}

// bindRef appends ref as a number (0 when it is none) and as text to args,
// and returns their placeholders.
func bindRef(args *[]any, ref string) (idArg, refArg string) {
	id, _ := strconv.ParseInt(ref, 10, 64)
	*args = append(*args, id, ref)
	return "$" + strconv.Itoa(len(*args)-1), "$" + strconv.Itoa(len(*args))
}

// ResolveLocation finds a location by id, code or name (case-insensitive).
// Reads (q nil) also take a unique partial name; see "Names an assistant
// gets slightly wrong" above.
func (db *DB) ResolveLocation(ctx context.Context, q backend.Querier, storeID int64, ref string) (Location, error) {
	lenient := q == nil
	q = db.Querier(q)
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Location{}, inventory.Errorf(inventory.Invalid, "location is empty: give a location name, code or id (see list_locations)")
	}
	var l Location
	args := []any{storeID}
	err := q.QueryRow(ctx, `SELECT id, name, code, kind FROM locations WHERE store_id = $1 AND id = `+LocationMatch(&args, ref), args...).
		Scan(&l.ID, &l.Name, &l.Code, &l.Kind)
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, backend.ErrNoRows) {
		return Location{}, fmt.Errorf("looking up location %q: %w", ref, err)
	}
	rows, err := Collect(ctx, q, "looking up locations like "+strconv.Quote(ref), func(r backend.Rows) (Candidate, error) {
		var c Candidate
		return c, r.Scan(&c.ID, &c.Name, &c.Code)
	}, `SELECT id, name, code FROM locations WHERE store_id = $1 ORDER BY id LIMIT `+strconv.Itoa(maxNamedRows), storeID)
	if err != nil {
		return Location{}, err
	}
	c, err := matchName(rows, ref, lenient, "location", "location_id", "list_locations")
	if err != nil {
		return Location{}, err
	}
	err = q.QueryRow(ctx, `SELECT id, name, code, kind FROM locations WHERE store_id = $1 AND id = $2`, storeID, c.ID).Scan(&l.ID, &l.Name, &l.Code, &l.Kind)
	if err != nil {
		return Location{}, fmt.Errorf("reading location %d: %w", c.ID, err)
	}
	return l, nil
}

// SupplierMatch is LocationMatch for suppliers: by id or name, in any
// case, an exact-case match winning.
func SupplierMatch(args *[]any, ref string) string {
	id, r := bindRef(args, ref)
	return `(SELECT id FROM suppliers WHERE store_id = $1 AND (id = ` + id + ` OR lower(name) = lower(` + r + `))
		ORDER BY id = ` + id + ` DESC, name = ` + r + ` DESC LIMIT 1)`
}

// ResolveSupplier finds a supplier by id or name (case-insensitive). Reads
// (q nil) also take a unique partial name.
func (db *DB) ResolveSupplier(ctx context.Context, q backend.Querier, storeID int64, ref string) (Supplier, error) {
	lenient := q == nil
	q = db.Querier(q)
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Supplier{}, inventory.Errorf(inventory.Invalid, "supplier is empty: give a supplier name or id (see list_suppliers)")
	}
	const cols = `SELECT id, name, email, lead_time_days FROM suppliers`
	var s Supplier
	args := []any{storeID}
	err := q.QueryRow(ctx, cols+` WHERE store_id = $1 AND id = `+SupplierMatch(&args, ref), args...).Scan(&s.ID, &s.Name, &s.Email, &s.LeadTimeDays)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, backend.ErrNoRows) {
		return Supplier{}, fmt.Errorf("looking up supplier %q: %w", ref, err)
	}
	rows, err := Collect(ctx, q, "looking up suppliers like "+strconv.Quote(ref), func(r backend.Rows) (Candidate, error) {
		var c Candidate
		return c, r.Scan(&c.ID, &c.Name)
	}, `SELECT id, name FROM suppliers WHERE store_id = $1 ORDER BY id LIMIT `+strconv.Itoa(maxNamedRows), storeID)
	if err != nil {
		return Supplier{}, err
	}
	c, err := matchName(rows, ref, lenient, "supplier", "supplier_id", "list_suppliers")
	if err != nil {
		return Supplier{}, err
	}
	if err := q.QueryRow(ctx, cols+` WHERE store_id = $1 AND id = $2`, storeID, c.ID).Scan(&s.ID, &s.Name, &s.Email, &s.LeadTimeDays); err != nil {
		return Supplier{}, fmt.Errorf("reading supplier %d: %w", c.ID, err)
	}
	return s, nil
}

// ResolveVariants finds every referenced variant in one query, in the order
// given. A SKU not found exactly is looked for without regard to case and as
// the start of a SKU (through the variants_sku_lower index): a read (q nil)
// takes a unique such match; otherwise the call fails naming the SKU and
// the closest SKUs of the store.
func (db *DB) ResolveVariants(ctx context.Context, q backend.Querier, storeID int64, refs []VariantRef) ([]Variant, error) {
	lenient := q == nil
	q = db.Querier(q)
	if len(refs) == 0 {
		return nil, nil
	}
	var skus []string
	var ids []int64
	for _, r := range refs {
		switch {
		case r.SKU != "":
			skus = append(skus, r.SKU)
		case r.ID > 0:
			ids = append(ids, r.ID)
		default:
			return nil, inventory.Errorf(inventory.Invalid, "a line names no variant: give sku (or variant_id)")
		}
	}
	args := []any{storeID}
	var where []string
	if len(skus) > 0 {
		where = append(where, "v.sku IN ("+Placeholders(&args, skus)+")")
	}
	if len(ids) > 0 {
		where = append(where, "v.id IN ("+Placeholders(&args, ids)+")")
	}
	found, err := Collect(ctx, q, "looking up variants", scanVariant, variantSelect+` WHERE v.store_id = $1 AND (`+strings.Join(where, " OR ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	bySKU := map[string]Variant{}
	byID := map[int64]Variant{}
	for _, v := range found {
		bySKU[v.SKU], byID[v.ID] = v, v
	}
	out := make([]Variant, len(refs))
	var problems []string
	var missingIDs []string
	looked := 0
	for i, r := range refs {
		v, ok := bySKU[r.SKU]
		if r.SKU == "" {
			v, ok = byID[r.ID]
			if !ok {
				missingIDs = append(missingIDs, r.String())
			}
		} else if !ok {
			if looked >= MaxCandidates {
				problems = append(problems, fmt.Sprintf("no variant has SKU %q", r.SKU))
				continue
			}
			looked++
			var problem string
			v, problem, err = db.nearSKU(ctx, q, storeID, r.SKU, lenient)
			if err != nil {
				return nil, err
			}
			ok = problem == ""
			if !ok {
				problems = append(problems, problem)
			}
		}
		if ok && r.SKU != "" && r.ID != 0 && r.ID != v.ID {
			// Both given and they disagree: which one was meant cannot be
			// guessed, and guessing would change the wrong variant.
			return nil, inventory.FieldErrorf("variant_id", inventory.Invalid,
				"sku %q is variant_id %d, but variant_id %d was given with it: give only sku or only variant_id, or make them name the same variant", r.SKU, v.ID, r.ID)
		}
		out[i] = v
	}
	if len(missingIDs) > 0 {
		problems = append(problems, "no variant in this store has "+QuoteList(missingIDs))
	}
	if len(problems) > 0 {
		if len(problems) > MaxCandidates+1 {
			problems = append(problems[:MaxCandidates+1:MaxCandidates+1], fmt.Sprintf("%d more SKUs are not found", len(problems)-MaxCandidates-1))
		}
		return nil, inventory.Errorf(inventory.NotFound, "%s: give SKUs exactly as listed (search_products finds them)", strings.Join(problems, "; "))
	}
	return out, nil
}

const variantSelect = `SELECT v.id, v.product_id, v.sku, p.title, v.title, p.vendor, v.price_cents, v.cost_cents
	FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id`

func scanVariant(r backend.Rows) (Variant, error) {
	var v Variant
	return v, r.Scan(&v.ID, &v.ProductID, &v.SKU, &v.ProductTitle, &v.Title, &v.Vendor, &v.PriceCents, &v.CostCents)
}

// skuCandidate describes a variant for an error that lists it.
func skuCandidate(v Variant) Candidate {
	extra := v.ProductTitle
	if v.Title != "" {
		extra += " / " + v.Title
	}
	return Candidate{ID: v.ID, Name: v.SKU, Extra: extra}
}

// nearSKU looks for a SKU that was not found exactly (see FindNearSKUs).
// It returns the variant a read may take, or a sentence naming the
// closest SKUs.
func (db *DB) nearSKU(ctx context.Context, q backend.Querier, storeID int64, sku string, lenient bool) (Variant, string, error) {
	if TooLong(sku) {
		return Variant{}, fmt.Sprintf("no variant has the %d-character SKU given", len(sku)), nil
	}
	near, err := FindNearSKUs(ctx, q, storeID, sku)
	if err != nil {
		return Variant{}, "", err
	}
	same, starts := near.Same, near.Starts
	switch {
	case len(same) == 1 && lenient:
		return same[0], "", nil
	case len(same) == 1:
		return Variant{}, fmt.Sprintf("no variant has SKU %q exactly: did you mean %s? A change is never made on a guessed SKU", sku, labels(SKUCandidates(same), "variant_id")), nil
	case len(same) > 1:
		return Variant{}, fmt.Sprintf("SKU %q matches %s in other cases", sku, labels(SKUCandidates(same), "variant_id")), nil
	case len(starts) == 1 && lenient:
		return starts[0], "", nil
	case len(starts) >= 1:
		what := "is only the start of"
		if len(starts) > 1 {
			what = fmt.Sprintf("begins %d SKUs, among them", len(starts))
		}
		return Variant{}, fmt.Sprintf("no variant has SKU %q; it %s %s", sku, what, labels(Closest(SKUCandidates(starts), sku, MaxCandidates), "variant_id")), nil
	case len(near.Closest) == 0:
		return Variant{}, fmt.Sprintf("no variant in this store has SKU %q", sku), nil
	}
	return Variant{}, fmt.Sprintf("no variant has SKU %q; the closest are %s", sku, labels(near.Closest, "variant_id")), nil
}

// NearSKUs are the store's variants a SKU not found exactly may have
// meant.
type NearSKUs struct {
	Same    []Variant   // the same SKU in another case
	Starts  []Variant   // SKUs that begin with it
	Closest []Candidate // when neither: the closest SKUs, closest first
}

// FindNearSKUs looks for the SKUs near one that was not found exactly: the
// same SKU in another case, then SKUs that start with it, then neighbours
// of it in SKU order and SKUs sharing its first characters. Every query is
// a range of the variants_sku_lower index of this store.
func FindNearSKUs(ctx context.Context, q backend.Querier, storeID int64, sku string) (NearSKUs, error) {
	var near NearSKUs
	lower := strings.ToLower(sku)
	const limit = 50
	// From lower up: the same SKU in another case and the SKUs it begins.
	after, err := Collect(ctx, q, "looking up SKUs like "+strconv.Quote(sku), scanVariant,
		variantSelect+` WHERE v.store_id = $1 AND lower(v.sku) >= $2 ORDER BY lower(v.sku) LIMIT `+strconv.Itoa(limit), storeID, lower)
	if err != nil {
		return near, err
	}
	for _, v := range after {
		l := strings.ToLower(v.SKU)
		if l == lower {
			near.Same = append(near.Same, v)
		} else if strings.HasPrefix(l, lower) {
			near.Starts = append(near.Starts, v)
		}
	}
	if len(near.Same) > 0 || len(near.Starts) > 0 {
		return near, nil
	}
	// Unknown: its neighbours in SKU order, and SKUs that share its first
	// characters (a letter dropped or changed further on).
	pool := SKUCandidates(after[:min(len(after), 10)])
	before, err := Collect(ctx, q, "looking up SKUs like "+strconv.Quote(sku), scanVariant,
		variantSelect+` WHERE v.store_id = $1 AND lower(v.sku) < $2 ORDER BY lower(v.sku) DESC LIMIT 10`, storeID, lower)
	if err != nil {
		return near, err
	}
	pool = append(pool, SKUCandidates(before)...)
	for _, n := range []int{len([]rune(lower)) * 2 / 3, len([]rune(lower)) / 2, 3} {
		if n < 2 || n >= len([]rune(lower)) {
			continue
		}
		prefix := string([]rune(lower)[:n])
		more, err := Collect(ctx, q, "looking up SKUs like "+strconv.Quote(sku), scanVariant,
			variantSelect+` WHERE v.store_id = $1 AND lower(v.sku) >= $2 ORDER BY lower(v.sku) LIMIT `+strconv.Itoa(limit), storeID, prefix)
		if err != nil {
			return near, err
		}
		for _, v := range more {
			if strings.HasPrefix(strings.ToLower(v.SKU), prefix) {
				pool = append(pool, skuCandidate(v))
			}
		}
	}
	seen := map[int64]bool{}
	uniq := pool[:0]
	for _, c := range pool {
		if !seen[c.ID] {
			seen[c.ID] = true
			uniq = append(uniq, c)
		}
	}
	near.Closest = Closest(uniq, sku, MaxCandidates)
	return near, nil
}

func SKUCandidates(vs []Variant) []Candidate {
	cs := make([]Candidate, len(vs))
	for i, v := range vs {
		cs[i] = skuCandidate(v)
	}
	return cs
}

func QuoteList(items []string) string {
	if len(items) > 10 {
		items = append(items[:10:10], fmt.Sprintf("… (%d more)", len(items)-10))
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// Places are a planning read's location and supplier filters as the
// caller named them. They are matched exactly inside the read's query, so
// that naming them costs no round trip of their own; when the read finds
// nothing, Resolve tells a name that matches nothing (an error naming the
// closest candidates) from one that is not exact (a read takes a unique
// partial name), and the read runs again with the ids.
type Places struct {
	Location string // a location's name, code or id
	Supplier string // a supplier's name or id
}

// Named reports whether a location or a supplier is named.
func (p Places) Named() bool { return p.Location != "" || p.Supplier != "" }

// Filter narrows a level_plan query (aliased lp; $1 the store) to the
// exact matches of the names given.
func (p Places) Filter(args []any, where []string) ([]any, []string) {
	if p.Location != "" {
		where = append(where, "lp.location_id = "+LocationMatch(&args, p.Location))
	}
	if p.Supplier != "" {
		where = append(where, "lp.supplier_id = "+SupplierMatch(&args, p.Supplier))
	}
	return args, where
}

// Resolve finds the ids of the names given (0 for a name not given).
func (p Places) Resolve(ctx context.Context, db *DB, storeID int64) (locationID, supplierID int64, err error) {
	if p.Location != "" {
		l, err := db.ResolveLocation(ctx, nil, storeID, p.Location)
		if err != nil {
			return 0, 0, err
		}
		locationID = l.ID
	}
	if p.Supplier != "" {
		s, err := db.ResolveSupplier(ctx, nil, storeID, p.Supplier)
		if err != nil {
			return 0, 0, err
		}
		supplierID = s.ID
	}
	return locationID, supplierID, nil
}
