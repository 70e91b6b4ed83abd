package plan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/planning"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// The demand model: for each inventory level, storage reads what the
// planning package needs (the level's daily sales over up to two years,
// the days that ended out of stock, the lead times its supplier's receipts
// show, the rule and the service level), lets planning forecast and plan,
// and keeps the result in the level's sales_summary row, from which
// level_plan takes the reorder point and target its lists filter by.

// modelLevel is one inventory level's inputs to the model.
type modelLevel struct {
	variantID, locationID int64
	available             int64
	rule                  modelRule
	supplierID            int64
	statedLead            *int64
	serviceLevel          float64 // the store's
}

type modelRule struct {
	min, max, safety *int64
	lead, cover      *int64
	serviceLevel     *float64
}

// modelSales is one (variant, location, day) of sales.
type modelSales struct {
	variantID, locationID int64
	day                   time.Time
	units, revenue        int64
}

// levelKey names an inventory level.
type levelKey struct{ variant, location int64 }

// leadSamples are receipts' lead times in days, per supplier and variant
// (variant 0: any variant of the supplier).
type leadSamples map[levelKey][]float64

// modelRow is a computed sales_summary row.
type modelRow struct {
	key                levelKey
	units7, units28    int64
	units90, revenue90 int64
	lastSale           *time.Time
	plan               planning.Plan
	accuracy           planning.Accuracy
	reorderPoint       *float64
	forecast           string
}

// modelLevels reads the inputs of the levels cond selects ($1 the store;
// cond on the bare column variant_id, with its own placeholders from $2).
func (db *DB) modelLevels(ctx context.Context, q backend.Querier, storeID int64, cond string, args []any) ([]modelLevel, error) {
	lcond := strings.ReplaceAll(cond, "variant_id", "l.variant_id")
	svcond := strings.ReplaceAll(cond, "variant_id", "sv0.variant_id")
	return storage.Collect(ctx, q, "reading the levels to plan", func(r backend.Rows) (modelLevel, error) {
		var m modelLevel
		err := r.Scan(&m.variantID, &m.locationID, &m.available, &m.rule.min, &m.rule.max, &m.rule.safety,
			&m.rule.lead, &m.rule.cover, &m.rule.serviceLevel, &m.supplierID, &m.statedLead, &m.serviceLevel)
		return m, err
	}, `SELECT l.variant_id, l.location_id, l.available,
			COALESCE(rl.min_qty, ra.min_qty), COALESCE(rl.max_qty, ra.max_qty), COALESCE(rl.safety_stock, ra.safety_stock),
			COALESCE(rl.lead_time_days, ra.lead_time_days), COALESCE(rl.days_of_cover, ra.days_of_cover),
			COALESCE(rl.service_level, ra.service_level),
			COALESCE(sv.supplier_id, 0), COALESCE(sv.lead_time_days, s.lead_time_days), st.service_level
		FROM inventory_levels l
		JOIN stores st ON st.id = l.store_id
		LEFT JOIN reorder_rules rl ON rl.store_id = l.store_id AND rl.variant_id = l.variant_id AND rl.location_id = l.location_id
		LEFT JOIN reorder_rules ra ON ra.store_id = l.store_id AND ra.variant_id = l.variant_id AND ra.location_id = 0
		LEFT JOIN (SELECT sv0.variant_id, COALESCE(MIN(CASE WHEN sv0.is_primary THEN sv0.supplier_id END), MIN(sv0.supplier_id)) AS supplier_id
			FROM supplier_variants sv0 WHERE sv0.store_id = $1`+svcond+` GROUP BY sv0.variant_id) ps ON ps.variant_id = l.variant_id
		LEFT JOIN supplier_variants sv ON sv.store_id = l.store_id AND sv.variant_id = l.variant_id AND sv.supplier_id = ps.supplier_id
		LEFT JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
		WHERE l.store_id = $1`+lcond+` ORDER BY l.variant_id, l.location_id`, args...)
}

// modelSalesOf reads the daily sales of the variants cond selects from day
// from on (today's too). On SQLite the bound is written +day: with a plain
// day bound it walks the store's (store_id, day) index, every variant's
// sales, instead of these variants' rows (EXPLAIN QUERY PLAN).
func (db *DB) modelSalesOf(ctx context.Context, q backend.Querier, storeID int64, cond string, args []any, from time.Time) ([]modelSales, error) {
	a := append(append([]any{}, args...), from)
	day := "day"
	if db.Dialect() == "sqlite" {
		day = "+day"
	}
	return storage.Collect(ctx, q, "reading sales history", func(r backend.Rows) (modelSales, error) {
		var s modelSales
		err := r.Scan(&s.variantID, &s.locationID, &s.day, &s.units, &s.revenue)
		s.day = storage.UTCDate(s.day)
		return s, err
	}, `SELECT variant_id, location_id, day, units, revenue_cents FROM daily_sales
		WHERE store_id = $1`+cond+` AND `+day+` >= $`+strconv.Itoa(len(a))+` ORDER BY variant_id, location_id, day`, a...)
}

// lastSalesBefore reads the last day with a sale before day from of the
// levels cond selects: the last sale of a level that sold nothing since.
func (db *DB) lastSalesBefore(ctx context.Context, q backend.Querier, storeID int64, cond string, args []any, from time.Time) (map[levelKey]time.Time, error) {
	a := append(append([]any{}, args...), from)
	day := "day"
	if db.Dialect() == "sqlite" {
		day = "+day"
	}
	type last struct {
		k   levelKey
		day time.Time
	}
	rows, err := storage.Collect(ctx, q, "reading last sales", func(r backend.Rows) (last, error) {
		var l last
		return l, r.Scan(&l.k.variant, &l.k.location, &l.day)
	}, `SELECT variant_id, location_id, MAX(day) FROM daily_sales WHERE store_id = $1`+cond+` AND units > 0 AND `+day+` < $`+strconv.Itoa(len(a))+`
		GROUP BY variant_id, location_id`, a...)
	out := map[levelKey]time.Time{}
	for _, l := range rows {
		out[l.k] = storage.UTCDate(l.day)
	}
	return out, err
}

// stockoutSpan is a time a level was out of stock (end nil: still is).
type stockoutSpan struct {
	start time.Time
	end   *time.Time
}

func (db *DB) stockouts(ctx context.Context, q backend.Querier, storeID int64, cond string, args []any, since time.Time) (map[levelKey][]stockoutSpan, error) {
	a := append(append([]any{}, args...), since)
	type row struct {
		k levelKey
		s stockoutSpan
	}
	rows, err := storage.Collect(ctx, q, "reading stock-outs", func(r backend.Rows) (row, error) {
		var x row
		return x, r.Scan(&x.k.variant, &x.k.location, &x.s.start, &x.s.end)
	}, `SELECT variant_id, location_id, started_at, ended_at FROM stockout_spans
		WHERE store_id = $1`+cond+` AND (ended_at IS NULL OR ended_at >= $`+strconv.Itoa(len(a))+`)`, a...)
	out := map[levelKey][]stockoutSpan{}
	for _, x := range rows {
		out[x.k] = append(out[x.k], x.s)
	}
	return out, err
}

// leadTimes reads the lead times, sent to received, of the receipts of the
// suppliers named (every supplier when nil) in the last two years: per supplier and variant, and
// per supplier (variant 0).
func (db *DB) leadTimes(ctx context.Context, q backend.Querier, storeID int64, suppliers []int64, since time.Time) (leadSamples, error) {
	out := leadSamples{}
	args := []any{storeID, since}
	which := ""
	if suppliers != nil {
		if len(suppliers) == 0 {
			return out, nil
		}
		which = ` AND po.supplier_id IN (` + storage.Placeholders(&args, suppliers) + `)`
	}
	type receipt struct {
		supplier, variant int64
		sent, at          time.Time
	}
	// document_number <> '' (a purchase order's number never is) lets the
	// join use the partial index of documents' ledger rows: without it
	// PostgreSQL scanned every ledger row (200 ms at a million variants,
	// on every get_demand).
	rows, err := storage.Collect(ctx, q, "reading receipts' lead times", func(r backend.Rows) (receipt, error) {
		var x receipt
		return x, r.Scan(&x.supplier, &x.variant, &x.sent, &x.at)
	}, // CROSS JOIN keeps SQLite's order: the supplier's orders first, then
		// their receipts by number (left to itself it walked every ledger
		// row of the store: 34 ms at 100,000 variants).
		`SELECT po.supplier_id, a.variant_id, po.sent_at, a.at FROM purchase_orders po
		CROSS JOIN inventory_adjustments a
		WHERE a.store_id = po.store_id AND a.document_number = po.number AND a.document_number <> ''
		AND po.store_id = $1`+which+` AND po.sent_at IS NOT NULL AND po.sent_at >= $2
		AND a.reason = 'received' AND a.quantity_name = 'on_hand' AND a.delta > 0
		ORDER BY a.at`, args...)
	if err != nil {
		return nil, err
	}
	for _, x := range rows {
		days := x.at.Sub(x.sent).Hours() / 24
		if days < 0 {
			continue
		}
		out[levelKey{x.supplier, x.variant}] = append(out[levelKey{x.supplier, x.variant}], days)
		out[levelKey{x.supplier, 0}] = append(out[levelKey{x.supplier, 0}], days)
	}
	return out, nil
}

// historyDays is how much daily history the model reads; minHistoryDays
// the least a level that sold is given (the backtest's origins reach back
// that far).
const (
	historyDays    = planning.MaxHistoryDays
	minHistoryDays = 28 + planning.BacktestDays*planning.BacktestOrigins
)

// computeModels computes and writes the sales_summary rows of the levels
// cond selects ($1 the store; cond on the bare column variant_id, with its
// own placeholders from $2) for the day asOf; the caller deleted the old
// ones. leads, when not nil, are the store's receipts already read (a
// rebuild reads them once for all its chunks).
func (db *DB) computeModels(ctx context.Context, tx backend.Tx, storeID int64, asOf time.Time, cond string, args []any, leads leadSamples) error {
	rows, err := db.models(ctx, tx, storeID, asOf, cond, args, leads)
	if err != nil {
		return err
	}
	return db.insertModels(ctx, tx, storeID, rows)
}

// models computes the model rows of the levels cond selects.
func (db *DB) models(ctx context.Context, q backend.Querier, storeID int64, asOf time.Time, cond string, args []any, leads leadSamples) ([]modelRow, error) {
	levels, err := db.modelLevels(ctx, q, storeID, cond, args)
	if err != nil || len(levels) == 0 {
		return nil, err
	}
	from := asOf.AddDate(0, 0, -historyDays)
	sales, err := db.modelSalesOf(ctx, q, storeID, cond, args, from)
	if err != nil {
		return nil, err
	}
	lasts, err := db.lastSalesBefore(ctx, q, storeID, cond, args, from)
	if err != nil {
		return nil, err
	}
	tz, err := db.StoreZone(ctx, q, storeID)
	if err != nil {
		return nil, err
	}
	spans, err := db.stockouts(ctx, q, storeID, cond, args, from)
	if err != nil {
		return nil, err
	}
	if leads == nil {
		seen := map[int64]bool{}
		ids := []int64{}
		for _, l := range levels {
			if l.supplierID != 0 && !seen[l.supplierID] {
				seen[l.supplierID] = true
				ids = append(ids, l.supplierID)
			}
		}
		if leads, err = db.leadTimes(ctx, q, storeID, ids, asOf.AddDate(-2, 0, 0)); err != nil {
			return nil, err
		}
	}
	bySales := map[levelKey][]modelSales{}
	for i := 0; i < len(sales); {
		j := i
		k := levelKey{sales[i].variantID, sales[i].locationID}
		for j < len(sales) && sales[j].variantID == k.variant && sales[j].locationID == k.location {
			j++
		}
		bySales[k] = sales[i:j]
		i = j
	}
	loc := storage.StoreLocation(tz)
	out := make([]modelRow, 0, len(levels))
	for _, l := range levels {
		k := levelKey{l.variantID, l.locationID}
		h, row := levelHistory(bySales[k], spans[k], asOf, loc, l.available)
		row.key = k
		if row.lastSale == nil {
			if d, ok := lasts[k]; ok {
				row.lastSale = &d
			}
		}
		row.plan, row.accuracy = planLevel(l, h, leads)
		if row.plan.Reorders {
			rp := row.plan.ReorderPoint
			row.reorderPoint = &rp
		}
		row.forecast = encodeForecast(row.plan.Forecast.Daily)
		out = append(out, row)
	}
	return out, nil
}

// levelHistory lays a level's sales out as the days before asOf, oldest
// first, marking the days that ended out of stock. Before stock-outs were
// recorded, a run of days without sales that reaches today while the level
// is out of stock counts as out of stock too.
func levelHistory(sales []modelSales, spans []stockoutSpan, asOf time.Time, loc *time.Location, available int64) (planning.History, modelRow) {
	// The history starts at the first sale in the window (the days before
	// it say nothing: the model measures from the first sale), but no
	// shorter than the backtest needs, so that most levels, which sold
	// little or long ago, cost little.
	n := 0
	for _, s := range sales {
		if ago := daysBetween(s.day, asOf); ago >= 1 && ago <= historyDays && s.units > 0 {
			n = max(n, ago)
		}
	}
	if n > 0 {
		n = min(max(n, minHistoryDays), historyDays)
	}
	first := asOf.AddDate(0, 0, -n)
	h := planning.History{Units: make([]float64, n), Censored: make([]bool, n)}
	var row modelRow
	for _, s := range sales {
		ago := daysBetween(s.day, asOf) // 1 = yesterday
		if s.units > 0 {                // sales come in day order: the last one stays
			d := s.day
			row.lastSale = &d
		}
		if ago >= 1 {
			if ago <= 7 {
				row.units7 += s.units
			}
			if ago <= 28 {
				row.units28 += s.units
			}
			if ago <= 90 {
				row.units90 += s.units
				row.revenue90 += s.revenue
			}
			if ago <= n {
				h.Units[n-ago] += float64(s.units)
			}
		}
	}
	for _, sp := range spans {
		for i := range h.Censored {
			// The day ended out of stock when its end (the next local
			// midnight) falls inside the span.
			d := first.AddDate(0, 0, i+1)
			end := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			if !end.Before(sp.start) && (sp.end == nil || end.Before(*sp.end)) {
				h.Censored[i] = true
			}
		}
	}
	if available <= 0 {
		for i := n - 1; i >= 0 && h.Units[i] == 0; i-- {
			h.Censored[i] = true
		}
	}
	return h, row
}

func daysBetween(day, asOf time.Time) int {
	return int(math.Round(asOf.Sub(day).Hours() / 24))
}

// encodeForecast keeps the daily forecast as text, two decimals a day.
func encodeForecast(daily []float64) string {
	var b strings.Builder
	for i, v := range daily {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64))
	}
	return b.String()
}

func decodeForecast(s string) []float64 {
	out := []float64{}
	if s == "" {
		return out
	}
	for _, p := range strings.Split(s, ",") {
		v, _ := strconv.ParseFloat(p, 64)
		out = append(out, v)
	}
	return out
}

// modelColumns are sales_summary's columns in insertModels' order.
const modelColumns = `store_id, variant_id, location_id, units_7, units_28, units_90, last_sale_day, method, demand_class, forecast, rate,
	sigma_d, lead_mean, lead_sigma, lead_source, lead_receipts, service_level, z, safety_stock, reorder_point, target, revenue_90,
	bt_abs_error, bt_error, bt_actual`

const modelColumnCount = 25

// insertModels writes model rows, many per statement: on PostgreSQL
// hundreds (one round trip each); on SQLite, in process, a few, since the
// driver looks each parameter up by name in a list as long as the
// statement's (binding 400 rows' 10,000 parameters took 90% of a rollover).
func (db *DB) insertModels(ctx context.Context, tx backend.Tx, storeID int64, rows []modelRow) error {
	perStatement := 400
	if db.Dialect() == "sqlite" {
		perStatement = 4
	}
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		chunk := rows[:n]
		rows = rows[n:]
		args := make([]any, 0, n*modelColumnCount)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO sales_summary (` + modelColumns + `) VALUES `)
		for i, r := range chunk {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for c := 0; c < modelColumnCount; c++ {
				if c > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString("$" + strconv.Itoa(len(args)+c+1))
			}
			sb.WriteByte(')')
			p := r.plan
			args = append(args, storeID, r.key.variant, r.key.location, r.units7, r.units28, r.units90, r.lastSale,
				string(p.Forecast.Method), string(p.Forecast.Class), r.forecast, finite(p.Rate),
				finite(p.Forecast.SigmaD), finite(p.LeadTime.Mean), finite(p.LeadTime.Sigma), p.LeadTime.Source, int64(p.LeadTime.Receipts),
				p.ServiceLevel, p.Z, finite(p.SafetyStock), finitePtr(r.reorderPoint), finite(p.Target), r.revenue90,
				finite(r.accuracy.AbsError), finite(r.accuracy.Error), finite(r.accuracy.Actual))
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("writing the demand model: %w", err)
		}
	}
	return nil
}

// finite keeps imported extremes from writing infinities the databases
// refuse.
func finite(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(-1e15, math.Min(v, 1e15))
}

func finitePtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	f := finite(*v)
	return &f
}

// modelChunk is how many variants a rebuild computes the model of at once
// (their histories are in memory together).
const modelChunk = 500

// storeFigures keeps the store-wide figures of the day's build in its
// state row: forecast accuracy summed over every level's backtest, and the
// revenue thresholds of the ABC classes.
func (db *DB) storeFigures(ctx context.Context, tx backend.Tx, storeID int64) error {
	revenues, err := storage.Collect(ctx, tx, "reading revenue for ABC classes", func(r backend.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	}, `SELECT CAST(SUM(revenue_90) AS BIGINT) FROM sales_summary WHERE store_id = $1 GROUP BY variant_id HAVING SUM(revenue_90) > 0`, storeID)
	if err != nil {
		return err
	}
	a, b := planning.ABCThresholds(revenues)
	var absErr, bias, actual float64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(bt_abs_error), 0), COALESCE(SUM(bt_error), 0), COALESCE(SUM(bt_actual), 0)
		FROM sales_summary WHERE store_id = $1`, storeID).Scan(&absErr, &bias, &actual); err != nil {
		return fmt.Errorf("summing forecast accuracy: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE sales_summary_state SET bt_abs_error = $2, bt_error = $3, bt_actual = $4, abc_a_cents = $5, abc_b_cents = $6
		WHERE store_id = $1`, storeID, absErr, bias, actual, a, b); err != nil {
		return fmt.Errorf("keeping the store's planning figures: %w", err)
	}
	return nil
}

// stockOutDay is how many days from today available stock runs out by the
// daily forecast (the days of cover at the mean rate beyond it).
func stockOutDay(available int64, daily []float64, cover float64) int {
	left := float64(available)
	for i, v := range daily {
		if left -= v; left < 0 {
			return i
		}
	}
	return int(math.Floor(cover))
}

// variantModel is a variant's plan at one location or all of them, as
// get_demand shows it.
type variantModel struct {
	plan     planning.Plan
	accuracy planning.Accuracy
	abc      string
	sales    []modelSales // the history read, every location
}

// demandModel computes the model of a variant at a location (0: all its
// locations, their histories summed, a day out of stock when every
// location ended it out of stock).
func (db *DB) demandModel(ctx context.Context, storeID, variantID, locationID int64, asOf time.Time) (variantModel, error) {
	cond, args := ` AND variant_id = $2`, []any{storeID, variantID}
	levels, err := db.modelLevels(ctx, db.b, storeID, cond, args)
	if err != nil {
		return variantModel{}, err
	}
	from := asOf.AddDate(0, 0, -historyDays)
	sales, err := db.modelSalesOf(ctx, db.b, storeID, cond, args, from)
	if err != nil {
		return variantModel{}, err
	}
	spans, err := db.stockouts(ctx, db.b, storeID, cond, args, from)
	if err != nil {
		return variantModel{}, err
	}
	tz, err := db.StoreZone(ctx, db.b, storeID)
	if err != nil {
		return variantModel{}, err
	}
	var thresholdA, thresholdB *int64
	if err := db.b.QueryRow(ctx, `SELECT abc_a_cents, abc_b_cents FROM sales_summary_state WHERE store_id = $1`, storeID).Scan(&thresholdA, &thresholdB); err != nil && !errors.Is(err, backend.ErrNoRows) {
		return variantModel{}, fmt.Errorf("reading the store's ABC thresholds: %w", err)
	}
	m := variantModel{sales: sales}
	var revenue int64
	for _, s := range sales {
		if ago := daysBetween(s.day, asOf); ago >= 1 && ago <= 90 {
			revenue += s.revenue
		}
	}
	m.abc = "C"
	if thresholdA != nil && thresholdB != nil {
		m.abc = planning.ABC(revenue, *thresholdA, *thresholdB)
	}
	var hs []planning.History
	var level *modelLevel
	for i := range levels {
		l := &levels[i]
		if locationID != 0 && l.locationID != locationID {
			continue
		}
		if level == nil {
			level = l
		}
		var own []modelSales
		for _, s := range sales {
			if s.locationID == l.locationID {
				own = append(own, s)
			}
		}
		h, _ := levelHistory(own, spans[levelKey{l.variantID, l.locationID}], asOf, storage.StoreLocation(tz), l.available)
		hs = append(hs, h)
	}
	merged := mergeHistories(hs)
	if level == nil {
		// No stock record here: plan from the sales alone, by the
		// supplier's terms of any level.
		var own []modelSales
		for _, s := range sales {
			if locationID == 0 || s.locationID == locationID {
				own = append(own, s)
			}
		}
		merged, _ = levelHistory(own, nil, asOf, storage.StoreLocation(tz), 1)
		level = &modelLevel{serviceLevel: planning.DefaultServiceLevel}
		if len(levels) > 0 {
			level = &levels[0]
		}
	}
	leads, err := db.leadTimes(ctx, db.b, storeID, []int64{level.supplierID}, asOf.AddDate(-2, 0, 0))
	if err != nil {
		return variantModel{}, err
	}
	m.plan, m.accuracy = planLevel(*level, merged, leads)
	return m, nil
}

// planLevel forecasts a level's history and plans it by its rule, its
// supplier's lead time and its service level; the accuracy is its
// forecast method's backtest.
func planLevel(l modelLevel, h planning.History, leads leadSamples) (planning.Plan, planning.Accuracy) {
	ruleLead := -1
	if l.rule.lead != nil {
		ruleLead = int(*l.rule.lead)
	}
	stated := 0.0
	if l.statedLead != nil {
		stated = float64(*l.statedLead)
	}
	lt := planning.LeadTimeOf(leads[levelKey{l.supplierID, l.variantID}], leads[levelKey{l.supplierID, 0}], stated, ruleLead)
	pol := planning.Policy{ServiceLevel: l.serviceLevel, Min: l.rule.min, Max: l.rule.max, SafetyStock: l.rule.safety}
	if l.rule.serviceLevel != nil {
		pol.ServiceLevel = *l.rule.serviceLevel
	}
	if l.rule.cover != nil {
		pol.DaysOfCover = int(*l.rule.cover)
	}
	f := planning.NewForecast(h, planning.HorizonDays(lt, pol.DaysOfCover))
	var acc planning.Accuracy
	if f.Method != planning.NoSales {
		acc = planning.Backtest(h)
	}
	return planning.NewPlan(f, lt, pol), acc
}

// mergeHistories sums histories that end on the same day (their lengths
// differ: each starts at its own first sale); a day counts as out of stock
// when it ended out of stock everywhere that has it.
func mergeHistories(hs []planning.History) planning.History {
	n := 0
	for _, h := range hs {
		n = max(n, len(h.Units))
	}
	m := planning.History{Units: make([]float64, n), Censored: make([]bool, n)}
	for d := range m.Censored {
		m.Censored[d] = len(hs) > 0
	}
	for _, h := range hs {
		off := n - len(h.Units)
		for d := range off {
			m.Censored[d] = false // before this one's first sale: in stock, no sale
		}
		for d, u := range h.Units {
			m.Units[off+d] += u
			m.Censored[off+d] = m.Censored[off+d] && h.Censored[d]
		}
	}
	return m
}
