package tools_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type transferResult struct {
	Transfer struct {
		Number  string   `json:"number"`
		Status  string   `json:"status"`
		Allowed []string `json:"allowed_actions"`
		Date    string   `json:"expected_date"`
		Lines   []struct {
			SKU      string `json:"sku"`
			Quantity int64  `json:"quantity"`
			Received int64  `json:"received"`
			Open     int64  `json:"open"`
		} `json:"lines"`
	} `json:"transfer"`
	Changes []wEffect `json:"inventory_changes"`
	DryRun  bool      `json:"dry_run"`
}

func (e *wEnv) transfer(t *testing.T, tool, args string) transferResult {
	t.Helper()
	var r transferResult
	e.ok(t, tool, args, &r)
	return r
}

func TestTransferLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		wh, dt := storagetest.Warehouse, storagetest.DowntownShop
		trsWH, trsDT := e.Level(t, "TRS-40", wh), e.Level(t, "TRS-40", dt)
		shWH, shDT := e.Level(t, "SHELL-M", wh), e.Level(t, "SHELL-M", dt)

		to := e.transfer(t, "create_transfer", `{"from_location":"WH","to_location":"Downtown Shop","expected_date":"2026-04-02",
			"lines":[{"sku":"TRS-40","quantity":5},{"sku":"SHELL-M","quantity":3}]}`)
		if to.Transfer.Number != "TO-1001" || to.Transfer.Status != "draft" || strings.Join(to.Transfer.Allowed, ",") != "ship,cancel" ||
			len(to.Changes) != 0 || to.Transfer.Date != "2026-04-02" {
			t.Fatalf("created: %+v", to)
		}
		if e.Level(t, "TRS-40", wh) != trsWH {
			t.Fatal("a draft transfer moved stock")
		}

		shipped := e.transfer(t, "ship_transfer", `{"number":"TO-1001"}`)
		want := fmt.Sprintf("SHELL-M@Downtown Shop incoming +3=%d; SHELL-M@Warehouse on_hand -3=%d; TRS-40@Downtown Shop incoming +5=%d; TRS-40@Warehouse on_hand -5=%d",
			shDT.Incoming+3, shWH.OnHand-3, trsDT.Incoming+5, trsWH.OnHand-5)
		if shipped.Transfer.Status != "in_transit" || wEffects(shipped.Changes) != want {
			t.Fatalf("shipped: %s\nwant     %s", wEffects(shipped.Changes), want)
		}

		rec := e.transfer(t, "receive_transfer", `{"number":"TO-1001","lines":[{"sku":"TRS-40","quantity":2}]}`)
		if rec.Transfer.Status != "partially_received" ||
			wEffects(rec.Changes) != fmt.Sprintf("TRS-40@Downtown Shop incoming -2=%d; TRS-40@Downtown Shop on_hand +2=%d", trsDT.Incoming+3, trsDT.OnHand+2) {
			t.Fatalf("partial receipt: %s %+v", wEffects(rec.Changes), rec.Transfer)
		}

		// Cancelling in transit sends what was not received back to the origin.
		cancelled := e.transfer(t, "cancel_transfer", `{"number":"TO-1001"}`)
		if cancelled.Transfer.Status != "cancelled" || len(cancelled.Changes) != 4 {
			t.Fatalf("cancelled: %+v", cancelled)
		}
		for _, c := range []struct {
			sku, loc         string
			onHand, incoming int64
		}{
			{"TRS-40", wh, trsWH.OnHand - 2, trsWH.Incoming},
			{"TRS-40", dt, trsDT.OnHand + 2, trsDT.Incoming},
			{"SHELL-M", wh, shWH.OnHand, shWH.Incoming},
			{"SHELL-M", dt, shDT.OnHand, shDT.Incoming},
		} {
			if l := e.Level(t, c.sku, c.loc); l.OnHand != c.onHand || l.Incoming != c.incoming {
				t.Fatalf("%s at %s after cancel: %+v, want on_hand %d incoming %d", c.sku, c.loc, l, c.onHand, c.incoming)
			}
		}

		// A full receipt ends the transfer; it can no longer be cancelled.
		num := e.transfer(t, "create_transfer", `{"from_location":"Warehouse","to_location":"HB","lines":[{"sku":"MUG-ENAMEL","quantity":6}]}`).Transfer.Number
		e.transfer(t, "ship_transfer", `{"number":"`+num+`"}`)
		done := e.transfer(t, "receive_transfer", `{"number":"`+num+`","lines":[{"sku":"MUG-ENAMEL","quantity":6}]}`)
		if done.Transfer.Status != "received" || len(done.Transfer.Allowed) != 0 {
			t.Fatalf("received: %+v", done.Transfer)
		}
		e.refused(t, "cancel_transfer", `{"number":"`+num+`"}`, num, "received", "no further actions")

		// A draft cancels with no inventory effect.
		draft := e.transfer(t, "create_transfer", `{"from_location":"Warehouse","to_location":"HB","lines":[{"sku":"MUG-ENAMEL","quantity":6}]}`).Transfer.Number
		if c := e.transfer(t, "cancel_transfer", `{"number":"`+draft+`"}`); c.Transfer.Status != "cancelled" || len(c.Changes) != 0 {
			t.Fatalf("cancel draft: %+v", c)
		}
	})
}

func TestTransferBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		draft := e.transfer(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-40","quantity":5}]}`).Transfer.Number
		short := e.transfer(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-42","quantity":1},{"sku":"LAMP-300","quantity":11}]}`).Transfer.Number
		moving := e.transfer(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-44","quantity":4}]}`).Transfer.Number
		e.transfer(t, "ship_transfer", `{"number":"`+moving+`"}`)
		create := func(lines string) string {
			return `{"from_location":"WH","to_location":"DT","lines":` + lines + `}`
		}
		cases := []struct {
			name, tool, args string
			want             []string
		}{
			{"same location twice", "create_transfer", `{"from_location":"WH","to_location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`, []string{"Warehouse", "two different"}},
			{"unknown origin", "create_transfer", `{"from_location":"Attic","to_location":"DT","lines":[{"sku":"TRS-40","quantity":1}]}`, []string{`"Attic"`}},
			{"unknown SKU", "create_transfer", create(`[{"sku":"TRS-99","quantity":1}]`), []string{`"TRS-99"`}},
			{"zero quantity", "create_transfer", create(`[{"sku":"TRS-40","quantity":0}]`), []string{"TRS-40", "not positive"}},
			{"negative quantity", "create_transfer", create(`[{"sku":"TRS-40","quantity":-2}]`), []string{"-2"}},
			{"fractional quantity", "create_transfer", create(`[{"sku":"TRS-40","quantity":0.5}]`), []string{"whole number", "0.5"}},
			{"same SKU twice", "create_transfer", create(`[{"sku":"TRS-40","quantity":1},{"sku":"TRS-40","quantity":1}]`), []string{"TRS-40", "twice"}},
			{"bad date", "create_transfer", `{"from_location":"WH","to_location":"DT","expected_date":"next week","lines":[{"sku":"TRS-40","quantity":1}]}`, []string{`"next week"`, "YYYY-MM-DD"}},
			{"shipping more than is available", "ship_transfer", `{"number":"` + short + `"}`, []string{"LAMP-300", "Warehouse", "has 10"}},
			{"receiving a draft", "receive_transfer", `{"number":"` + draft + `","lines":[{"sku":"TRS-40","quantity":1}]}`, []string{"draft", "ship, cancel"}},
			{"shipping twice", "ship_transfer", `{"number":"` + moving + `"}`, []string{"in_transit", "receive, cancel"}},
			{"receiving more than is open", "receive_transfer", `{"number":"` + moving + `","lines":[{"sku":"TRS-44","quantity":5}]}`, []string{"4", "TRS-44", "open"}},
			{"receiving a SKU not on it", "receive_transfer", `{"number":"` + moving + `","lines":[{"sku":"TRS-40","quantity":1}]}`, []string{"TRS-40", "not on"}},
			{"unknown number", "cancel_transfer", `{"number":"TO-7777"}`, []string{`"TO-7777"`}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.refused(t, c.tool, c.args, c.want...)
				e.refused(t, c.tool, addOptions(c.args, `"dry_run":true`), c.want...)
			})
		}
	})
}

func TestTransferConcurrentShipsShipOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		before := e.Level(t, "POLE-AL", storagetest.Warehouse)
		num := e.transfer(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"POLE-AL","quantity":7}]}`).Transfer.Number
		const calls = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		shipped := 0
		for i := 0; i < calls; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				text, isErr, err := e.try(e.ctx, "ship_transfer", `{"number":"`+num+`"}`)
				if err != nil {
					t.Error(err)
					return
				}
				if isErr && !strings.Contains(text, "in_transit") {
					t.Errorf("unexpected refusal: %s", text)
				}
				mu.Lock()
				if !isErr {
					shipped++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if shipped != 1 {
			t.Fatalf("%d ships succeeded; want exactly 1", shipped)
		}
		if l := e.Level(t, "POLE-AL", storagetest.Warehouse); l.OnHand != before.OnHand-7 {
			t.Fatalf("POLE-AL at the Warehouse: %+v, was %+v", l, before)
		}
		if l := e.Level(t, "POLE-AL", storagetest.DowntownShop); l.Incoming != 7 {
			t.Fatalf("POLE-AL incoming downtown: %+v", l)
		}
		e.CheckLedger(t)
	})
}
