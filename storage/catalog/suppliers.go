package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// SupplierInfo is a supplier with its terms and how much the store buys
// from it.
type SupplierInfo struct {
	ID           int64           `json:"supplier_id"`
	Name         string          `json:"name"`
	Email        string          `json:"email,omitempty"`
	Phone        string          `json:"phone,omitempty"`
	Currency     string          `json:"currency,omitempty"`
	LeadTimeDays int             `json:"lead_time_days"`
	MinOrder     inventory.Money `json:"min_order,omitempty"`
	// Variants counts the variants it supplies; Primary those for which it
	// is the primary supplier (get_supplier only: counting them for every
	// supplier of a list would read every supplier term).
	Variants   int64 `json:"variants,omitempty"`
	Primary    int64 `json:"primary_for,omitempty"`
	OpenOrders int64 `json:"open_purchase_orders"`
	// OpenPurchaseOrders lists them (get_supplier only).
	OpenPurchaseOrders []SupplierPO `json:"open_orders,omitempty"`
	// Purchasing is what the store owes it (get_supplier only).
	Purchasing *SupplierPurchasing `json:"purchasing,omitempty"`
}

// SupplierPO is an open purchase order of a supplier.
type SupplierPO struct {
	Number       string `json:"number"`
	Status       string `json:"status"`
	Location     string `json:"location"`
	ExpectedDate string `json:"expected_date,omitempty"`
	Overdue      bool   `json:"overdue,omitempty"`
}

// supplierSelect reads a SupplierInfo with its count of open purchase
// orders (an index lookup per supplier returned).
const supplierSelect = `SELECT s.id, s.name, s.email, s.phone, s.currency, s.lead_time_days, s.min_order_cents,
	(SELECT COUNT(*) FROM purchase_orders po WHERE po.store_id = s.store_id AND po.supplier_id = s.id
		AND po.status IN ('draft', 'sent', 'partially_received'))`

func scanSupplier(r backend.Rows) (SupplierInfo, error) {
	var s SupplierInfo
	return s, scanSupplierInto(r, &s)
}

// scanSupplierInto scans supplierSelect's columns into s, and any further
// columns into extra.
func scanSupplierInto(r backend.Rows, s *SupplierInfo, extra ...any) error {
	var min int64
	err := r.Scan(append([]any{&s.ID, &s.Name, &s.Email, &s.Phone, &s.Currency, &s.LeadTimeDays, &min, &s.OpenOrders}, extra...)...)
	s.MinOrder = inventory.Money(min)
	return err
}

// SupplierFilter narrows ListSuppliers: Query matches part of the name,
// email or phone, case-insensitively.
type SupplierFilter struct {
	Query string
	storage.Page
}

// ListSuppliers returns suppliers in id order, one page at a time.
func (db *DB) ListSuppliers(ctx context.Context, storeID int64, f SupplierFilter) ([]SupplierInfo, string, error) {
	limit, _ := storage.ClampLimit(f.Limit)
	after, err := storage.DecodeIDCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	args := []any{storeID}
	where := "s.store_id = $1"
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likePattern(q))
		n := "$" + strconv.Itoa(len(args))
		where += ` AND (lower(s.name) LIKE ` + n + ` ESCAPE '\' OR lower(s.email) LIKE ` + n + ` ESCAPE '\' OR lower(s.phone) LIKE ` + n + ` ESCAPE '\')`
	}
	if err := storage.Count(ctx, db.b, f.Page, "suppliers", "suppliers s", " WHERE "+where, args); err != nil {
		return nil, "", err
	}
	args = append(args, after)
	where += " AND s.id > $" + strconv.Itoa(len(args))
	out, err := storage.Collect(ctx, db.b, "listing suppliers", scanSupplier,
		supplierSelect+` FROM suppliers s WHERE `+where+` ORDER BY s.id LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = storage.EncodeCursor(strconv.FormatInt(out[limit-1].ID, 10))
	}
	return out, next, nil
}

// GetSupplier returns one supplier (by name or id) with its open purchase
// orders, soonest expected first. A name given exactly is matched in the
// query that reads the supplier; another costs ResolveSupplier's queries.
func (db *DB) GetSupplier(ctx context.Context, storeID int64, ref string) (SupplierInfo, error) {
	ref = strings.TrimSpace(ref)
	// The counts of its terms are kept by triggers (migration 00015:
	// counting a brand's 133,000 terms took up to 100 ms at a million
	// variants on PostgreSQL); a supplier without terms has no row.
	const detail = supplierSelect + `, COALESCE(sc.variants, 0), COALESCE(sc.primary_variants, 0)
		FROM suppliers s LEFT JOIN supplier_counts sc ON sc.store_id = s.store_id AND sc.supplier_id = s.id
		WHERE s.store_id = $1 AND s.id = `
	read := func(r backend.Rows) (SupplierInfo, error) {
		var info SupplierInfo
		return info, scanSupplierInto(r, &info, &info.Variants, &info.Primary)
	}
	args := []any{storeID}
	infos, err := storage.Collect(ctx, db.b, "reading supplier "+strconv.Quote(ref), read, detail+storage.SupplierMatch(&args, ref), args...)
	if err != nil {
		return SupplierInfo{}, err
	}
	if len(infos) == 0 {
		s, err := db.ResolveSupplier(ctx, nil, storeID, ref)
		if err != nil {
			return SupplierInfo{}, err
		}
		if infos, err = storage.Collect(ctx, db.b, "reading supplier "+strconv.Quote(s.Name), read, detail+`$2`, storeID, s.ID); err != nil {
			return SupplierInfo{}, err
		}
		if len(infos) == 0 {
			return SupplierInfo{}, fmt.Errorf("reading supplier %d: it vanished", s.ID)
		}
	}
	info := infos[0]
	today, err := db.StoreToday(ctx, nil, storeID)
	if err != nil {
		return SupplierInfo{}, err
	}
	info.OpenPurchaseOrders, err = storage.Collect(ctx, db.b, "reading open purchase orders", func(r backend.Rows) (SupplierPO, error) {
		var po SupplierPO
		var expected *time.Time
		err := r.Scan(&po.Number, &po.Status, &po.Location, &expected)
		po.ExpectedDate = storage.DateString(expected)
		po.Overdue = expected != nil && po.Status != "draft" && storage.UTCDate(*expected).Before(today)
		return po, err
	}, `SELECT po.number, po.status, loc.name, po.expected_date FROM purchase_orders po
		JOIN locations loc ON loc.store_id = po.store_id AND loc.id = po.location_id
		WHERE po.store_id = $1 AND po.supplier_id = $2 AND po.status IN ('draft', 'sent', 'partially_received')
		ORDER BY po.expected_date IS NULL, po.expected_date, po.id LIMIT 50`, storeID, info.ID)
	if err != nil {
		return SupplierInfo{}, err
	}
	owed, err := db.SupplierOwed(ctx, nil, storeID, info.ID)
	info.Purchasing = &owed
	return info, err
}

// SupplierPurchasing is what the store owes a supplier: the value of what
// its orders delivered (received units at unit cost) less the payments
// that are not void. Negative: paid ahead of delivery.
type SupplierPurchasing struct {
	ReceivedValue inventory.Money `json:"received_value"`
	Paid          inventory.Money `json:"paid"`
	AmountOwed    inventory.Money `json:"amount_owed"`
}

// SupplierOwed totals what the store owes a supplier.
func (db *DB) SupplierOwed(ctx context.Context, q backend.Querier, storeID, supplierID int64) (SupplierPurchasing, error) {
	var s SupplierPurchasing
	q = db.Querier(q)
	var received *int64
	if err := q.QueryRow(ctx, `SELECT (SELECT `+storage.SQLDocMoney(db.Dialect(), "pl.quantity_received", "pl.unit_cost_cents")+`
		FROM purchase_order_lines pl JOIN purchase_orders po ON po.store_id = pl.store_id AND po.id = pl.purchase_order_id
		WHERE pl.store_id = $1 AND po.supplier_id = $2),
		(SELECT COALESCE(SUM(paid_cents), 0) FROM purchase_orders WHERE store_id = $1 AND supplier_id = $2)`,
		storeID, supplierID).Scan(&received, &s.Paid); err != nil {
		return s, fmt.Errorf("totalling what the store owes the supplier: %w", err)
	}
	if received != nil {
		s.ReceivedValue = inventory.Money(*received)
	}
	s.AmountOwed = s.ReceivedValue - s.Paid
	return s, nil
}
