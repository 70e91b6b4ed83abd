package inventory

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMachineCheck(t *testing.T) {
	for _, c := range []struct {
		m       Machine
		status  Status
		action  Action
		allowed bool
		says    string
	}{
		{PurchaseOrders, PODraft, ActionSend, true, ""},
		{PurchaseOrders, POSent, ActionUpdate, false, "PO-1 is sent, so it cannot update; the actions it allows are: confirm, receive, close, cancel, pay"},
		{PurchaseOrders, POReceived, ActionReceive, false, "the actions it allows are: unreceive, close, pay"},
		{PurchaseOrders, POPartiallyReceived, ActionCancel, false, "allows are: confirm, receive, unreceive, close, pay"},
		{PurchaseOrders, POCancelled, ActionClose, false, "the actions it allows are: reopen"},
		{Transfers, TransferPartiallyReceived, ActionCancel, true, ""},
		{Transfers, TransferReceived, ActionCancel, false, "no further actions"},
		{StockTakes, StockTakeInProgress, ActionRecordCounts, true, ""},
		{StockTakes, StockTakeCompleted, ActionRecordCounts, false, "no further actions"},
		{SupplierReturns, ReturnShipped, ActionCancel, false, "allows are: close"},
		{SupplierReturns, Status("bogus"), ActionShip, false, "no further actions"},
	} {
		err := c.m.Check("PO-1", c.status, c.action)
		if c.allowed != (err == nil) || c.allowed != c.m.Allows(c.status, c.action) {
			t.Errorf("%s %s/%s: allowed=%v, err=%v", c.m.Noun, c.status, c.action, c.allowed, err)
			continue
		}
		var ie *Error
		if err != nil && (!errors.As(err, &ie) || ie.Kind != Conflict || !strings.Contains(ie.Msg, c.says)) {
			t.Errorf("%s %s/%s: %v, want a conflict saying %q", c.m.Noun, c.status, c.action, err, c.says)
		}
	}
}

func TestAllowedNeverNil(t *testing.T) {
	for _, m := range []Machine{PurchaseOrders, Transfers, StockTakes, SupplierReturns} {
		for _, s := range m.Statuses() {
			if a := m.Allowed(s); a == nil {
				t.Errorf("%s %s: Allowed is nil, which encodes as null", m.Noun, s)
			}
		}
	}
	b, _ := json.Marshal(Transfers.Allowed(TransferReceived))
	if string(b) != "[]" {
		t.Errorf("received transfer's actions encode as %s", b)
	}
}

func TestParseStatus(t *testing.T) {
	if s, err := Transfers.ParseStatus(" In_Transit "); err != nil || s != TransferInTransit {
		t.Fatalf("ParseStatus: %s, %v", s, err)
	}
	_, err := Transfers.ParseStatus("shipped")
	var ie *Error
	if !errors.As(err, &ie) || ie.Kind != Invalid || !strings.Contains(ie.Msg, "draft, in_transit, partially_received, received, cancelled") {
		t.Fatalf("bad status: %v", err)
	}
}

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		m    Money
		json string
	}{{0, "0.00"}, {5, "0.05"}, {1234, "12.34"}, {-250, "-2.50"}, {100000000, "1000000.00"}} {
		b, err := json.Marshal(c.m)
		if err != nil || string(b) != c.json {
			t.Errorf("%d encodes as %s (%v), want %s", int64(c.m), b, err, c.json)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || back != c.m {
			t.Errorf("%s decodes as %d (%v)", b, back, err)
		}
	}
	for f, want := range map[float64]Money{19.99: 1999, 0.1 + 0.2: 30, -4.005: -401, 12: 1200} {
		if got := MoneyFromFloat(f); got != want {
			t.Errorf("MoneyFromFloat(%v) = %d, want %d", f, got, want)
		}
	}
}

func TestReceiptStatus(t *testing.T) {
	if ReceiptStatus(1, POPartiallyReceived, POReceived) != POPartiallyReceived || ReceiptStatus(0, POPartiallyReceived, POReceived) != POReceived {
		t.Fatal("ReceiptStatus")
	}
}
