package catalog

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// LocationInfo is a location as list_locations shows it.
type LocationInfo struct {
	storage.Location
	Address string `json:"address,omitempty"`
	Active  bool   `json:"active"`
}

// ListLocations returns every location of the store (stores have a
// handful). How much stock each holds is get_inventory_value's answer: it
// would cost a pass over every inventory level here.
func (db *DB) ListLocations(ctx context.Context, storeID int64) ([]LocationInfo, error) {
	return storage.Collect(ctx, db.b, "listing locations", func(r backend.Rows) (LocationInfo, error) {
		var l LocationInfo
		return l, r.Scan(&l.ID, &l.Name, &l.Code, &l.Kind, &l.Address, &l.Active)
	}, `SELECT id, name, code, kind, address, active FROM locations WHERE store_id = $1 ORDER BY id`, storeID)
}

// ProductFilter narrows SearchProducts. Every non-empty field must match,
// case-insensitively and anywhere in the text.
type ProductFilter struct {
	// Query matches the product title, variant title, SKU, barcode, vendor
	// or a supplier's name (text spanning two of the first five, joined by a
	// space, matches too).
	Query    string
	SKU      string
	Barcode  string
	Vendor   string
	Supplier string
	storage.Page
}

// ProductHit is one variant found by SearchProducts.
type ProductHit struct {
	VariantID int64           `json:"variant_id"`
	SKU       string          `json:"sku"`
	Product   string          `json:"product"`
	ProductID int64           `json:"product_id"`
	Options   []string        `json:"options,omitempty"`
	Barcode   string          `json:"barcode,omitempty"`
	Vendor    string          `json:"vendor,omitempty"`
	Price     inventory.Money `json:"price"`
	Cost      inventory.Money `json:"cost"`
	OnHand    int64           `json:"on_hand"`
	Available int64           `json:"available"`
}

// likePattern makes a case-insensitive "contains" pattern for LIKE … ESCAPE
// '\', so that % and _ typed by the caller match themselves.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(strings.TrimSpace(s))) + "%"
}

// pageMarks finds SearchProducts' marks of where a page may be cut.
var pageMarks = regexp.MustCompile(`\{\{page ([a-z.]+)\}\}`)

// SearchProducts finds variants, ordered by id, one page at a time. The
// stock totals are computed for the page's rows only.
func (db *DB) SearchProducts(ctx context.Context, storeID int64, f ProductFilter) ([]ProductHit, string, error) {
	after, err := storage.DecodeIDCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit, _ := storage.ClampLimit(f.Limit)
	args := []any{storeID}
	where := []string{"v.store_id = $1"}
	cut := false // the page may be read from the first matches only
	// A pattern is its placeholder and which index can narrow it. Trigram
	// indexes (PostgreSQL: pg_trgm, migration 00002; SQLite: the FTS5
	// tables of migration 00010) find text of three characters or more;
	// FTS5 takes LIKE without ESCAPE only, which means the same as with it
	// when the text has no wildcard or backslash.
	type pattern struct {
		p       string
		trigram bool // a trigram index narrows it
		fts     bool // SQLite's FTS5 tables do
	}
	sqlite := db.Dialect() != "postgres"
	arg := func(s string) pattern {
		s = strings.TrimSpace(s)
		args = append(args, likePattern(s))
		tri := utf8.RuneCountInString(s) >= 3 && (!sqlite || !strings.ContainsAny(s, `%_\`))
		return pattern{"$" + strconv.Itoa(len(args)), tri, tri && sqlite}
	}
	// A pattern an index narrows is a set of variant ids found through it,
	// so the page is read from the matches rather than by testing every
	// variant of the store. One an index cannot narrow (a letter or two)
	// is tested on each variant in id order, which stops at the page's end:
	// such short text matches most variants. The text of a variant and of
	// its product is what the trigram indexes hold (FTS5's LIKE is SQLite's
	// own, so it matches what lower(text) LIKE matched). CROSS JOIN keeps
	// SQLite's join order, the matches first: without statistics it would
	// rather walk the store's rows and probe the matches for each.
	const variantText = `lower(x.sku || ' ' || x.barcode || ' ' || x.title)`
	const productText = `lower(x.title || ' ' || x.vendor)`
	// pageOnly(col) marks where the page's query (not the count) may cut
	// a set of ids, col, to the page after the cursor.
	pageOnly := func(col string) string { return "{{page " + col + "}}" }
	variantIDs := func(p pattern) string {
		if p.fts {
			return `SELECT id FROM (SELECT rowid AS id FROM variants_search WHERE text LIKE ` + p.p + ` AND store_id = $1` + pageOnly("rowid") + `) fv`
		}
		return `SELECT id FROM (SELECT x.id FROM variants x WHERE x.store_id = $1 AND ` + variantText + ` LIKE ` + p.p + ` ESCAPE '\'` +
			pageOnly("x.id") + `) fv`
	}
	productIDs := func(p pattern) string {
		if p.fts {
			return `SELECT rowid AS id FROM products_search WHERE text LIKE ` + p.p + ` AND store_id = $1`
		}
		return `SELECT x.id FROM products x WHERE x.store_id = $1 AND ` + productText + ` LIKE ` + p.p + ` ESCAPE '\'`
	}
	productVariantIDs := func(p pattern) string {
		if sqlite {
			return `SELECT pv.id FROM (` + productIDs(p) + `) m CROSS JOIN variants pv WHERE pv.store_id = $1 AND pv.product_id = m.id`
		}
		// PostgreSQL may walk the variants in id order to the page's end
		// when the products are many, or read the few products' variants.
		return `SELECT id FROM (SELECT pv.id FROM variants pv WHERE pv.store_id = $1 AND pv.product_id IN (` + productIDs(p) + `)` +
			pageOnly("pv.id") + `) fp`
	}
	// The matching suppliers first (a store has few), then their variants
	// through the (store, supplier, variant) key.
	supplierVariantIDs := func(p pattern) string {
		return `SELECT sv.variant_id FROM suppliers s CROSS JOIN supplier_variants sv
			WHERE s.store_id = $1 AND lower(s.name) LIKE ` + p.p + ` ESCAPE '\' AND sv.store_id = s.store_id AND sv.supplier_id = s.id`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg(q)
		if p.trigram {
			// One set of ids, not an OR of three: an OR made both databases
			// test every variant against each list.
			where = append(where, `v.id IN (`+variantIDs(p)+` UNION ALL `+productVariantIDs(p)+` UNION ALL `+supplierVariantIDs(p)+`)`)
			// The text alone decides: each set's first ids after the cursor
			// hold the page's, so common text (black: 15,000 variants) costs
			// a page, not all (FTS5 reads its matches in id order). Not the
			// suppliers' set: PostgreSQL would walk every supplier's variants
			// for it, and the matching suppliers are few.
			cut = strings.TrimSpace(f.SKU+f.Barcode+f.Vendor+f.Supplier) == ""
		} else {
			where = append(where, `(lower(v.sku || ' ' || v.barcode || ' ' || v.title) LIKE `+p.p+` ESCAPE '\' OR v.product_id IN (`+
				productIDs(p)+`) OR v.id IN (`+supplierVariantIDs(p)+`))`)
		}
	}
	for _, c := range []struct{ value, col string }{{f.SKU, "v.sku"}, {f.Barcode, "v.barcode"}} {
		if strings.TrimSpace(c.value) != "" {
			p := arg(c.value)
			if p.trigram {
				where = append(where, `v.id IN (`+variantIDs(p)+`)`)
			}
			where = append(where, `lower(`+c.col+`) LIKE `+p.p+` ESCAPE '\'`)
		}
	}
	if strings.TrimSpace(f.Vendor) != "" {
		p := arg(f.Vendor)
		if p.trigram {
			where = append(where, `v.id IN (`+productVariantIDs(p)+`)`)
		}
		where = append(where, `lower(p.vendor) LIKE `+p.p+` ESCAPE '\'`)
	}
	if strings.TrimSpace(f.Supplier) != "" {
		where = append(where, `v.id IN (`+supplierVariantIDs(arg(f.Supplier))+`)`)
	}
	if err := storage.Count(ctx, db.b, f.Page, "products", "variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id",
		" WHERE "+pageMarks.ReplaceAllString(strings.Join(where, " AND "), ""), args); err != nil {
		return nil, "", err
	}
	args = append(args, after)
	where = append(where, "v.id > $"+strconv.Itoa(len(args)))
	args = append(args, limit+1)
	for i := range where {
		where[i] = pageMarks.ReplaceAllStringFunc(where[i], func(mark string) string {
			if !cut {
				return ""
			}
			col := pageMarks.FindStringSubmatch(mark)[1]
			return " AND " + col + " > $" + strconv.Itoa(len(args)-1) + " ORDER BY " + col + " LIMIT $" + strconv.Itoa(len(args))
		})
	}
	rows, err := db.b.Query(ctx, `SELECT v.id, v.sku, p.title, p.id, v.option1, v.option2, v.option3, v.barcode, p.vendor,
			v.price_cents, v.cost_cents,
			(SELECT CAST(COALESCE(SUM(l.on_hand), 0) AS BIGINT) FROM inventory_levels l WHERE l.store_id = v.store_id AND l.variant_id = v.id),
			(SELECT CAST(COALESCE(SUM(l.available), 0) AS BIGINT) FROM inventory_levels l WHERE l.store_id = v.store_id AND l.variant_id = v.id)
		FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY v.id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("searching products: %w", err)
	}
	defer rows.Close()
	out := []ProductHit{}
	for rows.Next() {
		var h ProductHit
		var o1, o2, o3 string
		var price, cost int64
		if err := rows.Scan(&h.VariantID, &h.SKU, &h.Product, &h.ProductID, &o1, &o2, &o3, &h.Barcode, &h.Vendor,
			&price, &cost, &h.OnHand, &h.Available); err != nil {
			return nil, "", fmt.Errorf("searching products: %w", err)
		}
		h.Price, h.Cost = inventory.Money(price), inventory.Money(cost)
		for _, o := range []string{o1, o2, o3} {
			if o != "" {
				h.Options = append(h.Options, o)
			}
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("searching products: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = storage.EncodeCursor(strconv.FormatInt(out[limit-1].VariantID, 10))
	}
	return out, next, nil
}

// Levels are the eight quantities of a variant at a location, or summed.
// Only on_hand and available are always written; the others are left out
// when zero, to keep answers short.
type Levels struct {
	OnHand         int64 `json:"on_hand"`
	Available      int64 `json:"available"`
	Committed      int64 `json:"committed,omitempty"`
	Incoming       int64 `json:"incoming,omitempty"`
	Reserved       int64 `json:"reserved,omitempty"`
	Damaged        int64 `json:"damaged,omitempty"`
	SafetyStock    int64 `json:"safety_stock,omitempty"`
	QualityControl int64 `json:"quality_control,omitempty"`
}

func (l *Levels) add(o Levels) {
	l.OnHand += o.OnHand
	l.Available += o.Available
	l.Committed += o.Committed
	l.Incoming += o.Incoming
	l.Reserved += o.Reserved
	l.Damaged += o.Damaged
	l.SafetyStock += o.SafetyStock
	l.QualityControl += o.QualityControl
}

// LocationLevels are a variant's quantities at one location.
type LocationLevels struct {
	LocationID int64  `json:"location_id"`
	Location   string `json:"location"`
	Levels
}

// VariantLevels are a variant's quantities per location and in total.
type VariantLevels struct {
	VariantID int64            `json:"variant_id"`
	SKU       string           `json:"sku"`
	Product   string           `json:"product"`
	Title     string           `json:"title,omitempty"`
	Locations []LocationLevels `json:"locations"`
	Total     Levels           `json:"total"`
}

// MaxLevelVariants bounds one get_inventory_levels call.
const MaxLevelVariants = 100

// InventoryLevels returns the quantities of the named variants (in the
// order named), at the named location when location is not empty. The
// SKUs, ids and location are matched inside the one query that reads the
// levels; only a name that is not exact (a SKU in another case, part of a
// location's name) or not found costs the resolvers' further queries.
func (db *DB) InventoryLevels(ctx context.Context, storeID int64, refs []storage.VariantRef, location string) ([]VariantLevels, error) {
	location = strings.TrimSpace(location)
	levels, exact, err := db.inventoryLevels(ctx, storeID, refs, location, 0)
	if err != nil || exact {
		return levels, err
	}
	variants, err := db.ResolveVariants(ctx, nil, storeID, refs)
	if err != nil {
		return nil, err
	}
	locationID, _, err := storage.Places{Location: location}.Resolve(ctx, db.DB, storeID)
	if err != nil {
		return nil, err
	}
	resolved := make([]storage.VariantRef, len(variants))
	for i, v := range variants {
		resolved[i] = storage.VariantRef{SKU: v.SKU, ID: v.ID}
	}
	levels, _, err = db.inventoryLevels(ctx, storeID, resolved, "", locationID)
	return levels, err
}

// nameLocations sets the name of each level's location from the names
// the request's credential check vouched for, reading them again if a
// location is missing (one added since they were read).
func (db *DB) nameLocations(ctx context.Context, storeID int64, levels []LocationLevels) error {
	names, err := db.LocationNames(ctx, storeID, false)
	for fresh := false; err == nil; fresh = true {
		missing := false
		for i := range levels {
			n, ok := names[levels[i].LocationID]
			levels[i].Location, missing = n, missing || !ok
		}
		if !missing {
			return nil
		}
		if fresh {
			return fmt.Errorf("reading inventory levels: a location of store %d has no name", storeID)
		}
		names, err = db.LocationNames(ctx, storeID, true)
	}
	return err
}

// levelsByVariant sorts levels by their variant's index, then location.
type levelsByVariant struct {
	levels []LocationLevels
	owner  []int
}

func (l levelsByVariant) Len() int { return len(l.levels) }
func (l levelsByVariant) Less(i, j int) bool {
	if l.owner[i] != l.owner[j] {
		return l.owner[i] < l.owner[j]
	}
	return l.levels[i].LocationID < l.levels[j].LocationID
}
func (l levelsByVariant) Swap(i, j int) {
	l.levels[i], l.levels[j] = l.levels[j], l.levels[i]
	l.owner[i], l.owner[j] = l.owner[j], l.owner[i]
}

// inventoryLevels reads the levels of refs, each matched exactly (a ref
// with both a SKU and an id must match both), at the location matched
// exactly by location, or at locationID when that is not 0. exact is
// false when a ref or the location matched nothing.
func (db *DB) inventoryLevels(ctx context.Context, storeID int64, refs []storage.VariantRef, location string, locationID int64) (out []VariantLevels, exact bool, err error) {
	if len(refs) == 0 {
		return nil, true, nil
	}
	var skus []string
	var ids []int64
	for _, r := range refs {
		if r.SKU != "" {
			skus = append(skus, r.SKU)
		} else {
			ids = append(ids, r.ID)
		}
	}
	args := []any{storeID}
	var match []string
	if len(skus) > 0 {
		match = append(match, "v.sku IN ("+storage.Placeholders(&args, skus)+")")
	}
	if len(ids) > 0 {
		match = append(match, "v.id IN ("+storage.Placeholders(&args, ids)+")")
	}
	atLocation := "0"
	switch {
	case locationID != 0:
		args = append(args, locationID)
		atLocation = "CAST($" + strconv.Itoa(len(args)) + " AS BIGINT)"
	case location != "":
		atLocation = storage.LocationMatch(&args, location)
	}
	// One row per variant with each of its levels (at the location, when
	// one is named), the location's id (-1 when the name matched none) in
	// every row, and location 0 for a variant without levels. No column is
	// NULL, so that every row scans into the same variables without an
	// allocation per value. The locations' names are joined in only when
	// the request's credential check does not vouch for the ones
	// remembered (see storage.LocationNames).
	joinNames := !db.LocationNamesVouched(ctx)
	name := "''"
	if joinNames {
		name = "COALESCE(loc.name, '')"
	}
	q := `SELECT v.id, v.sku, p.title, v.title, COALESCE(` + atLocation + `, -1), COALESCE(l.location_id, 0), ` + name + `,
			COALESCE(l.on_hand, 0), COALESCE(l.available, 0), COALESCE(l.committed, 0), COALESCE(l.incoming, 0),
			COALESCE(l.reserved, 0), COALESCE(l.damaged, 0), COALESCE(l.safety_stock, 0), COALESCE(l.quality_control, 0)
		FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		LEFT JOIN inventory_levels l ON l.store_id = v.store_id AND l.variant_id = v.id`
	if atLocation != "0" {
		q += ` AND l.location_id = ` + atLocation
	}
	// Flat joins: SQLite built the whole store's levels-by-location join
	// for a nested one (150 ms at 100,000 variants).
	// No ORDER BY: the rows are gathered by variant below, and a variant's
	// few locations are sorted here, which costs PostgreSQL's sort setup
	// (about an eighth of the statement) on every call.
	if joinNames {
		q += ` LEFT JOIN locations loc ON loc.store_id = l.store_id AND loc.id = l.location_id`
	}
	q += ` WHERE v.store_id = $1 AND (` + strings.Join(match, " OR ") + `)`
	rows, err := db.b.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("reading inventory levels: %w", err)
	}
	defer rows.Close()
	// The rows gathered by variant: found holds each variant once, as first
	// seen, and all every level, owner[j] being the index in found of
	// all[j]'s variant, so that the locations share one array, sorted
	// below.
	var (
		found = make([]VariantLevels, 0, len(refs))
		all   = make([]LocationLevels, 0, 4*len(refs))
		owner = make([]int, 0, 4*len(refs))
		byID  = make(map[int64]int, len(refs))
		bySKU = make(map[string]int, len(refs))
		v     VariantLevels
		at    int64
		level LocationLevels
		dest  = []any{&v.VariantID, &v.SKU, &v.Product, &v.Title, &at, &level.LocationID, &level.Location,
			&level.OnHand, &level.Available, &level.Committed, &level.Incoming, &level.Reserved, &level.Damaged, &level.SafetyStock, &level.QualityControl}
	)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, false, fmt.Errorf("reading inventory levels: %w", err)
		}
		if at < 0 {
			return nil, false, nil // the location is not named exactly
		}
		i, seen := byID[v.VariantID]
		if !seen {
			i = len(found)
			found = append(found, VariantLevels{VariantID: v.VariantID, SKU: v.SKU, Product: v.Product, Title: v.Title})
			byID[v.VariantID], bySKU[v.SKU] = i, i
		}
		if level.LocationID == 0 {
			continue // no level (at that location)
		}
		all, owner = append(all, level), append(owner, i)
		found[i].Total.add(level.Levels)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("reading inventory levels: %w", err)
	}
	if !joinNames {
		// The rows hold their connection until closed: another query
		// meanwhile would take a second one, and requests holding one
		// each could wait on each other for the pool's last.
		rows.Close()
		if err := db.nameLocations(ctx, storeID, all); err != nil {
			return nil, false, err
		}
	}
	sort.Sort(levelsByVariant{all, owner})
	for j := 0; j < len(all); {
		first := j
		for j < len(all) && owner[j] == owner[first] {
			j++
		}
		found[owner[first]].Locations = all[first:j:j]
	}
	for i := range found {
		if found[i].Locations == nil {
			found[i].Locations = all[:0:0] // [] in JSON, not null
		}
	}
	out = make([]VariantLevels, len(refs))
	given := make([]bool, len(found))
	for i, r := range refs {
		j, ok := byID[r.ID]
		if r.SKU != "" {
			j, ok = bySKU[r.SKU]
		}
		if !ok || (r.ID != 0 && found[j].VariantID != r.ID) {
			return nil, false, nil
		}
		out[i] = found[j]
		if given[j] {
			// The same variant asked for twice: each answer its own.
			out[i].Locations = slices.Clone(found[j].Locations)
		}
		given[j] = true
	}
	return out, true, nil
}
