package plan

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/planning"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Overview is what get_store_overview reports beside the store and the key:
// how big the catalogue is, which documents are open, and how many stock
// positions need attention.
type Overview struct {
	Locations int64 `json:"locations"`
	Products  int64 `json:"products"`
	Variants  int64 `json:"variants"`
	// OpenDocuments counts open documents by kind ("purchase_orders",
	// "transfers", "stock_takes", "supplier_returns") and status; every open
	// status is present, zero or not, so the model sees the full picture.
	OpenDocuments map[string]map[string]int64 `json:"open_documents"`
	// OutOfStock counts variant-location pairs with nothing available that
	// sell (by the forecast).
	OutOfStock int64 `json:"out_of_stock"`
	// BelowReorderPoint counts variant-location pairs whose available +
	// incoming is at or below the reorder point (planning.Plan).
	BelowReorderPoint int64 `json:"below_reorder_point"`
	// LastImport is the store's most recent file import; nil when none.
	LastImport *LastImport `json:"last_import,omitempty"`
	// OverduePOs counts purchase orders sent (or partly received) and
	// expected before today, as list_purchase_orders' overdue filter does;
	// MostOverdue are the few longest overdue.
	OverduePOs  int64       `json:"overdue_purchase_orders"`
	MostOverdue []OverduePO `json:"most_overdue,omitempty"`
	StockValue  StockValue  `json:"stock_value"`
	TopRisks    []StockRisk `json:"top_risks"`
	// ForecastAccuracy is the store-wide backtest of the day's forecasts
	// (every level's, summed): how far to trust the reorder advice.
	ForecastAccuracy *Accuracy `json:"forecast_accuracy,omitempty"`
	AsOf             string    `json:"as_of"`
}

// LastImport is a store's most recent import, for get_store_overview.
type LastImport struct {
	Kind      string    `json:"kind"`
	File      string    `json:"file"`
	At        time.Time `json:"at"`
	Created   int64     `json:"created"`
	Updated   int64     `json:"updated"`
	Unchanged int64     `json:"unchanged"`
}

// OverduePO is a purchase order past its expected date.
type OverduePO struct {
	Number       string `json:"number"`
	Supplier     string `json:"supplier"`
	Location     string `json:"location"`
	ExpectedDate string `json:"expected_date"`
	DaysOverdue  int    `json:"days_overdue"`
}

// StockValue is the store's stock on hand at cost and at retail, as
// get_inventory_value totals it.
type StockValue struct {
	Units  int64           `json:"units"`
	Cost   inventory.Money `json:"cost_value"`
	Retail inventory.Money `json:"retail_value"`
}

// overviewTopRisks is how many of the most urgent risks the overview shows.
const overviewTopRisks = 5

// overviewOverdue is how many overdue purchase orders it names.
const overviewOverdue = 3

// openStatuses are, by document table, the statuses in which a document
// still asks for work.
var openStatuses = []struct {
	table    string
	statuses []inventory.Status
}{
	{"purchase_orders", []inventory.Status{inventory.PODraft, inventory.POSent, inventory.POPartiallyReceived}},
	{"transfers", []inventory.Status{inventory.TransferDraft, inventory.TransferInTransit, inventory.TransferPartiallyReceived}},
	{"stock_takes", []inventory.Status{inventory.StockTakeInProgress}},
	{"supplier_returns", []inventory.Status{inventory.ReturnDraft, inventory.ReturnShipped}},
}

// StoreOverview counts the store's catalogue, open documents and stock
// risks. The risk counts come from the planning table that list_stock_risks
// reads, so the overview and that tool always agree.
func (db *DB) StoreOverview(ctx context.Context, storeID int64) (Overview, error) {
	asOf, err := db.ensurePlan(ctx, storeID)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{AsOf: asOf.Format(time.DateOnly)}
	today, err := db.StoreToday(ctx, nil, storeID)
	if err != nil {
		return Overview{}, err
	}
	// One round trip for every count and sum, the open documents and the
	// last import. The catalogue's size and the risk counts are kept by
	// triggers (migration 00015: counting them took 73–111 ms at a million
	// variants on PostgreSQL); the stock value is kept with the planning
	// rows' state (summing every level took up to a second on SQLite at
	// 100,000 variants).
	args := []any{storeID, true, string(inventory.POSent), string(inventory.POPartiallyReceived), today}
	var docCounts []string
	var docs []*int64
	o.OpenDocuments = map[string]map[string]int64{}
	for _, d := range openStatuses {
		o.OpenDocuments[d.table] = map[string]int64{}
		for _, st := range d.statuses {
			args = append(args, string(st))
			docCounts = append(docCounts, `(SELECT COUNT(*) FROM `+d.table+` WHERE store_id = $1 AND status = $`+strconv.Itoa(len(args))+`)`)
			docs = append(docs, new(int64))
		}
	}
	var units, cost, retail int64
	var acc planning.Accuracy
	var li LastImport
	var liKind *string
	dest := []any{&o.Locations, &o.Products, &o.Variants, &o.OutOfStock, &o.BelowReorderPoint, &o.OverduePOs, &units, &cost, &retail,
		&liKind, &li.File, &li.At, &li.Created, &li.Updated, &li.Unchanged,
		&acc.AbsError, &acc.Error, &acc.Actual}
	for _, n := range docs {
		dest = append(dest, n)
	}
	err = db.b.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM locations WHERE store_id = $1 AND active = $2),
			COALESCE((SELECT products FROM catalog_counts WHERE store_id = $1), 0),
			COALESCE((SELECT variants FROM catalog_counts WHERE store_id = $1), 0),
			`+planRiskCounts+`,
			(SELECT COUNT(*) FROM purchase_orders WHERE store_id = $1 AND status IN ($3, $4) AND expected_date < $5),
			st.units_on_hand, st.cost_cents, st.retail_cents,
			si.kind, COALESCE(si.file_name, ''), COALESCE(si.at, st.built_at), COALESCE(si.created, 0), COALESCE(si.updated, 0), COALESCE(si.unchanged, 0),
			st.bt_abs_error, st.bt_error, st.bt_actual,
			`+strings.Join(docCounts, ", ")+`
		FROM sales_summary_state st
		LEFT JOIN store_imports si ON si.store_id = st.store_id AND si.seq = (SELECT MAX(seq) FROM store_imports WHERE store_id = $1)
		WHERE st.store_id = $1`, args...).Scan(dest...)
	if err != nil {
		return Overview{}, fmt.Errorf("counting the store: %w", err)
	}
	acc.Origins = planning.BacktestOrigins
	o.ForecastAccuracy = accuracyOf(acc)
	i := 0
	for _, d := range openStatuses {
		for _, st := range d.statuses {
			o.OpenDocuments[d.table][string(st)] = *docs[i]
			i++
		}
	}
	if liKind != nil {
		li.Kind, li.At = *liKind, li.At.UTC()
		o.LastImport = &li
	}
	o.StockValue = StockValue{Units: units, Cost: inventory.Money(cost), Retail: inventory.Money(retail)}
	if o.OverduePOs > 0 {
		if o.MostOverdue, err = db.mostOverdue(ctx, storeID, today); err != nil {
			return Overview{}, err
		}
	}
	if o.TopRisks, _, err = db.stockRisksAt(ctx, storeID, RiskFilter{Page: storage.Page{Limit: overviewTopRisks}}); err != nil {
		return Overview{}, err
	}
	return o, nil
}

func (db *DB) mostOverdue(ctx context.Context, storeID int64, today time.Time) ([]OverduePO, error) {
	return storage.Collect(ctx, db.b, "listing overdue purchase orders", func(r backend.Rows) (OverduePO, error) {
		var p OverduePO
		var expected time.Time
		err := r.Scan(&p.Number, &p.Supplier, &p.Location, &expected)
		expected = storage.UTCDate(expected)
		p.ExpectedDate = expected.Format(time.DateOnly)
		p.DaysOverdue = int(today.Sub(expected).Hours()/24 + 0.5)
		return p, err
	}, `SELECT po.number, s.name, l.name, po.expected_date FROM purchase_orders po
		JOIN suppliers s ON s.store_id = po.store_id AND s.id = po.supplier_id
		JOIN locations l ON l.store_id = po.store_id AND l.id = po.location_id
		WHERE po.store_id = $1 AND po.status IN ($2, $3) AND po.expected_date < $4
		ORDER BY po.expected_date, po.id LIMIT `+fmt.Sprint(overviewOverdue),
		storeID, string(inventory.POSent), string(inventory.POPartiallyReceived), today)
}
