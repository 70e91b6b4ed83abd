package documents_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func startStockTake(t *testing.T, f storagetest.Fixture, in documents.NewStockTake) documents.StockTake {
	t.Helper()
	return storagetest.Must(t, f, func(tx backend.Tx) (documents.StockTakeResult, error) {
		return documents.New(f.DB).StartStockTake(context.Background(), tx, f.Store.ID, f.Actor(), in)
	}).StockTake
}

func lineSKUs(st documents.StockTake) []string {
	var out []string
	for _, l := range st.Lines {
		out = append(out, l.SKU)
	}
	sort.Strings(out)
	return out
}

func TestStartStockTake(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		var atDowntown []string
		for sku, locs := range storagetest.Stock {
			if _, ok := locs[storagetest.DowntownShop]; ok {
				atDowntown = append(atDowntown, sku)
			}
		}
		sort.Strings(atDowntown)
		all := startStockTake(t, f, documents.NewStockTake{Location: storagetest.DowntownShop})
		if got := lineSKUs(all); strings.Join(got, ",") != strings.Join(atDowntown, ",") {
			t.Fatalf("stock take of everything at Downtown has %v, want %v", got, atDowntown)
		}
		for _, l := range all.Lines {
			if l.Expected != storagetest.Stock[l.SKU][storagetest.DowntownShop] || l.Counted != nil {
				t.Fatalf("line %+v: expected should be the on_hand snapshot", l)
			}
		}
		if all.Status != inventory.StockTakeInProgress || strings.Join(all.AllowedActions, ",") != "record_counts,complete,cancel" {
			t.Fatalf("new stock take %+v", all)
		}
		// A vendor's variants, including those never stocked there.
		summit := startStockTake(t, f, documents.NewStockTake{Location: "HB", Vendor: "summit gear"})
		if got := strings.Join(lineSKUs(summit), ","); got != "POLE-AL,POLE-CARBON,TRS-40,TRS-42,TRS-44" {
			t.Fatalf("vendor stock take has %s", got)
		}
		skus := startStockTake(t, f, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{SKU: "LAMP-300"}, {ID: f.Variants["SOCK-M"].ID}}})
		if got := strings.Join(lineSKUs(skus), ","); got != "LAMP-300,SOCK-M" || skus.Lines[0].Expected+skus.Lines[1].Expected != 70 {
			t.Fatalf("SKU stock take %+v", skus.Lines)
		}
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		ctx := context.Background()
		start := func(in documents.NewStockTake) func(tx backend.Tx) error {
			return func(tx backend.Tx) error {
				_, err := documents.New(db).StartStockTake(ctx, tx, f.Store.ID, f.Actor(), in)
				return err
			}
		}
		for _, c := range []struct {
			name string
			kind inventory.Kind
			in   documents.NewStockTake
		}{
			{"skus and vendor", inventory.Invalid, documents.NewStockTake{Location: "WH", Vendor: "Summit Gear", SKUs: []storage.VariantRef{{SKU: "TRS-40"}}}},
			{"unknown vendor", inventory.NotFound, documents.NewStockTake{Location: "WH", Vendor: "' OR 1=1 --"}},
			{"unknown location", inventory.NotFound, documents.NewStockTake{Location: "Moon Base"}},
			{"another store's location", inventory.NotFound, documents.NewStockTake{Location: itoa(other.Locations[storagetest.HarbourShop].ID)}},
			{"another store's variant", inventory.NotFound, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{ID: other.Variants["TRS-40"].ID}}}},
			{"same SKU twice", inventory.Invalid, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{SKU: "TRS-40"}, {SKU: "TRS-40"}}}},
		} {
			t.Run(c.name, func(t *testing.T) { storagetest.Refused(t, f, c.kind, start(c.in)) })
		}
	})
}

func TestStockTakeCountAndComplete(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		st := startStockTake(t, f, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{SKU: "TRS-40"}, {SKU: "TRS-42"}, {SKU: "LAMP-300"}}})
		count := func(counts ...documents.CountInput) documents.StockTake {
			return storagetest.Must(t, f, func(tx backend.Tx) (documents.StockTakeResult, error) {
				return documents.New(db).RecordStockCounts(ctx, tx, sid, a, st.Number, counts)
			}).StockTake
		}
		// Counted in two passes; TRS-42 recounted; SHELL-S found on the shelf.
		count(documents.CountInput{SKU: "TRS-40", Counted: 20}, documents.CountInput{SKU: "TRS-42", Counted: 50})
		got := count(documents.CountInput{SKU: "TRS-40", Counted: 8, Mode: "add"}, documents.CountInput{SKU: "TRS-42", Counted: 41, Mode: "set"},
			documents.CountInput{SKU: "SHELL-S", Counted: 15})
		lines := map[string]documents.StockTakeLine{}
		for _, l := range got.Lines {
			lines[l.SKU] = l
		}
		if *lines["TRS-40"].Counted != 28 || *lines["TRS-42"].Counted != 41 || lines["LAMP-300"].Counted != nil || lines["SHELL-S"].Expected != 15 {
			t.Fatalf("after counting: %+v", got.Lines)
		}
		// TRS-40 −2, TRS-42 +1, SHELL-S 0 at $55/$55/$70 cost.
		if got.Totals.Counted != 3 || got.Totals.Uncounted != 1 || got.Totals.VarianceUnits != -1 || got.Totals.VarianceCost != -5500 {
			t.Fatalf("totals %+v", got.Totals)
		}
		// A sale-like movement during the count is kept: 5 shipped out.
		tr := storagetest.Must(t, f, func(tx backend.Tx) (documents.TransferResult, error) {
			r, err := documents.New(db).CreateTransfer(ctx, tx, sid, a, documents.NewTransfer{From: "WH", To: "DT", Lines: []documents.LineInput{{SKU: "TRS-40", Quantity: 5}}})
			if err != nil {
				return r, err
			}
			return documents.New(db).ShipTransfer(ctx, tx, sid, a, r.Transfer.Number)
		})
		_ = tr
		storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error {
			_, err := documents.New(db).RecordStockCounts(ctx, tx, sid, a, st.Number, []documents.CountInput{{SKU: "TRS-40", Counted: -100, Mode: "add"}})
			return err
		})
		storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error {
			_, err := documents.New(db).RecordStockCounts(ctx, tx, sid, a, st.Number, []documents.CountInput{{SKU: "TRS-40", Counted: 1, Mode: "replace"}})
			return err
		})
		res := storagetest.Must(t, f, func(tx backend.Tx) (documents.StockTakeResult, error) {
			return documents.New(db).CompleteStockTake(ctx, tx, sid, a, st.Number)
		})
		if res.StockTake.Status != inventory.StockTakeCompleted || res.StockTake.CompletedAt == nil {
			t.Fatalf("completed %+v", res.StockTake)
		}
		for sku, want := range map[string]int64{"TRS-40": 30 - 5 - 2, "TRS-42": 41, "LAMP-300": 10, "SHELL-S": 15} {
			if got := f.Level(t, sku, storagetest.Warehouse).OnHand; got != want {
				t.Errorf("%s on_hand %d, want %d", sku, got, want)
			}
		}
		if len(res.Changes) != 2 {
			t.Fatalf("changes %+v: want one per line with a variance", res.Changes)
		}
		for _, e := range res.Changes {
			if e.Quantity != "on_hand" {
				t.Fatalf("change %+v", e)
			}
		}
	})
}

// stockTakeDo is c's action on its stock take; its counts count 40
// MUG-ENAMEL.
func stockTakeDo(c docCall) (documents.StockTakeResult, error) {
	switch c.action {
	case inventory.ActionRecordCounts:
		return c.docs.RecordStockCounts(c.ctx, c.tx, c.sid, c.a, c.n, []documents.CountInput{{SKU: "MUG-ENAMEL", Counted: 40}})
	case inventory.ActionComplete:
		return c.docs.CompleteStockTake(c.ctx, c.tx, c.sid, c.a, c.n)
	default:
		return c.docs.CancelStockTake(c.ctx, c.tx, c.sid, c.a, c.n)
	}
}

func TestStockTakeTransitions(t *testing.T) {
	transitions[documents.StockTakeResult]{
		machine: inventory.StockTakes,
		actions: []inventory.Action{inventory.ActionRecordCounts, inventory.ActionComplete, inventory.ActionCancel},
		in: func(t *testing.T, f storagetest.Fixture, status inventory.Status) string {
			n := startStockTake(t, f, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{SKU: "MUG-ENAMEL"}}}).Number
			storagetest.Must(t, f, callOf(f, n, "", inventory.ActionRecordCounts, stockTakeDo))
			switch status {
			case inventory.StockTakeCompleted:
				storagetest.Must(t, f, callOf(f, n, "", inventory.ActionComplete, stockTakeDo))
			case inventory.StockTakeCancelled:
				storagetest.Must(t, f, callOf(f, n, "", inventory.ActionCancel, stockTakeDo))
			}
			return n
		},
		allowed: inventory.StockTakes.Allows,
		do:      stockTakeDo,
		check: func(t *testing.T, f storagetest.Fixture, _ string, _ inventory.Status, action inventory.Action, do func(tx backend.Tx) (documents.StockTakeResult, error)) {
			before := f.Level(t, "MUG-ENAMEL", storagetest.Warehouse).OnHand
			storagetest.Must(t, f, do)
			// MUG-ENAMEL: 48 expected, 40 counted; only complete moves stock,
			// and a completed count applies once.
			want := before
			if action == inventory.ActionComplete {
				want = 40
			}
			if got := f.Level(t, "MUG-ENAMEL", storagetest.Warehouse).OnHand; got != want {
				t.Fatalf("on_hand %d, want %d", got, want)
			}
		},
	}.run(t)
}

// Completing with no counts is refused.
func TestStockTakeCompleteWithoutCounts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		n := startStockTake(t, f, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{SKU: "LAMP-300"}}}).Number
		storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error {
			_, err := callOf(f, n, "", inventory.ActionComplete, stockTakeDo)(tx)
			return err
		})
	})
}

func TestStockTakeConcurrentCounts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		n := startStockTake(t, f, documents.NewStockTake{Location: "DT"}).Number
		var others []string
		for _, s := range f.SKUs() {
			if s != "MUG-STEEL" {
				others = append(others, s)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Backend().InTx(ctx, func(tx backend.Tx) error {
					_, err := documents.New(db).RecordStockCounts(ctx, tx, f.Store.ID, f.Actor(), n, []documents.CountInput{
						{SKU: "MUG-STEEL", Counted: 2, Mode: "add"}, {SKU: others[i], Counted: int64(i), Mode: "set"}})
					return err
				})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		st, err := documents.New(db).GetStockTake(ctx, nil, f.Store.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range st.Lines {
			if l.SKU == "MUG-STEEL" && *l.Counted != 24 {
				t.Fatalf("MUG-STEEL counted %d, want every one of 12 adds of 2", *l.Counted)
			}
		}
		if st.Totals.Counted != 13 {
			t.Fatalf("%d lines counted, want 13", st.Totals.Counted)
		}
	})
}

func TestListStockTakes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		a := startStockTake(t, f, documents.NewStockTake{Location: "WH", Vendor: "Alpine Supply Co"}).Number
		b := startStockTake(t, f, documents.NewStockTake{Location: "DT"}).Number
		storagetest.Must(t, f, func(tx backend.Tx) (documents.StockTakeResult, error) {
			return documents.New(db).CancelStockTake(ctx, tx, f.Store.ID, f.Actor(), b)
		})
		list, _, err := documents.New(db).ListStockTakes(ctx, f.Store.ID, documents.StockTakeFilter{Status: "in_progress", LocationID: f.Locations[storagetest.Warehouse].ID})
		if err != nil || len(list) != 1 || list[0].Number != a || list[0].Lines != 3 || list[0].Scope != "vendor Alpine Supply Co" {
			t.Fatalf("list %+v, %v", list, err)
		}
		list, _, _ = documents.New(db).ListStockTakes(ctx, f.Store.ID, documents.StockTakeFilter{})
		if len(list) != 2 || list[0].Number != b || list[0].Status != inventory.StockTakeCancelled {
			t.Fatalf("list %+v", list)
		}
		_, _, err = documents.New(db).ListStockTakes(ctx, f.Store.ID, documents.StockTakeFilter{Status: "open"})
		wantKind(t, err, inventory.Invalid)
	})
}
