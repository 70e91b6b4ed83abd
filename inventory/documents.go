package inventory

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Status is a document's state.
type Status string

// Action is something a caller can do to a document; a document lists the
// actions its status allows as allowed_actions.
type Action string

// Purchase order statuses.
const (
	PODraft             Status = "draft"
	POSent              Status = "sent"
	POPartiallyReceived Status = "partially_received"
	POReceived          Status = "received"
	POClosed            Status = "closed"
	POCancelled         Status = "cancelled"
)

// Transfer statuses.
const (
	TransferDraft             Status = "draft"
	TransferInTransit         Status = "in_transit"
	TransferPartiallyReceived Status = "partially_received"
	TransferReceived          Status = "received"
	TransferCancelled         Status = "cancelled"
)

// Stock take statuses.
const (
	StockTakeInProgress Status = "in_progress"
	StockTakeCompleted  Status = "completed"
	StockTakeCancelled  Status = "cancelled"
)

// Supplier return statuses.
const (
	ReturnDraft     Status = "draft"
	ReturnShipped   Status = "shipped"
	ReturnClosed    Status = "closed"
	ReturnCancelled Status = "cancelled"
)

// Actions on documents.
const (
	ActionUpdate       Action = "update"
	ActionSend         Action = "send"
	ActionReceive      Action = "receive"
	ActionClose        Action = "close"
	ActionCancel       Action = "cancel"
	ActionShip         Action = "ship"
	ActionRecordCounts Action = "record_counts"
	ActionComplete     Action = "complete"
	// Purchase orders as merchants run them (issue 22).
	ActionConfirm   Action = "confirm"
	ActionUnreceive Action = "unreceive"
	ActionReopen    Action = "reopen"
	ActionDelete    Action = "delete"
	ActionPay       Action = "pay"
)

// Machine is one document type's state machine: for each status, the
// actions it allows, in the order they are listed to callers. Where an
// action leads depends on quantities (a receipt may be partial), so the
// storage operation picks the next status; the machine only says whether
// the action may start.
type Machine struct {
	// Noun names the document in messages ("purchase order").
	Noun    string
	actions map[Status][]Action
	order   []Status
}

// PurchaseOrders is the purchase order state machine (DESIGN.md §5). A
// received order can still be closed, which changes nothing but marks it
// done; cancel is allowed only before anything was received. The supplier
// confirms a sent order; a receipt can be un-received until the order
// ends; an ended order can be reopened; only a draft can be deleted; an
// order is paid once sent, closed or not.
var PurchaseOrders = Machine{Noun: "purchase order", order: []Status{PODraft, POSent, POPartiallyReceived, POReceived, POClosed, POCancelled},
	actions: map[Status][]Action{
		PODraft:             {ActionUpdate, ActionSend, ActionCancel, ActionDelete},
		POSent:              {ActionConfirm, ActionReceive, ActionClose, ActionCancel, ActionPay},
		POPartiallyReceived: {ActionConfirm, ActionReceive, ActionUnreceive, ActionClose, ActionPay},
		POReceived:          {ActionUnreceive, ActionClose, ActionPay},
		POClosed:            {ActionReopen, ActionPay},
		POCancelled:         {ActionReopen},
	}}

// Transfers is the transfer order state machine.
var Transfers = Machine{Noun: "transfer", order: []Status{TransferDraft, TransferInTransit, TransferPartiallyReceived, TransferReceived, TransferCancelled},
	actions: map[Status][]Action{
		TransferDraft:             {ActionShip, ActionCancel},
		TransferInTransit:         {ActionReceive, ActionCancel},
		TransferPartiallyReceived: {ActionReceive, ActionCancel},
	}}

// StockTakes is the stock take state machine.
var StockTakes = Machine{Noun: "stock take", order: []Status{StockTakeInProgress, StockTakeCompleted, StockTakeCancelled},
	actions: map[Status][]Action{
		StockTakeInProgress: {ActionRecordCounts, ActionComplete, ActionCancel},
	}}

// SupplierReturns is the supplier return state machine.
var SupplierReturns = Machine{Noun: "supplier return", order: []Status{ReturnDraft, ReturnShipped, ReturnClosed, ReturnCancelled},
	actions: map[Status][]Action{
		ReturnDraft:   {ActionShip, ActionCancel},
		ReturnShipped: {ActionClose},
	}}

// Statuses lists the machine's statuses in lifecycle order.
func (m Machine) Statuses() []Status { return append([]Status(nil), m.order...) }

// Allowed returns the actions status s allows (never nil, so it encodes as
// an empty JSON list).
func (m Machine) Allowed(s Status) []string {
	out := []string{}
	for _, a := range m.actions[s] {
		out = append(out, string(a))
	}
	return out
}

// Allows reports whether status s allows action a.
func (m Machine) Allows(s Status, a Action) bool {
	for _, x := range m.actions[s] {
		if x == a {
			return true
		}
	}
	return false
}

// Check returns nil when the document's status allows the action, and
// otherwise a Conflict error naming the status and what it does allow.
func (m Machine) Check(number string, s Status, a Action) error {
	if m.Allows(s, a) {
		return nil
	}
	allowed := m.Allowed(s)
	if len(allowed) == 0 {
		return Errorf(Conflict, "%s is %s, so it cannot %s; it allows no further actions", number, s, a)
	}
	return Errorf(Conflict, "%s is %s, so it cannot %s; the actions it allows are: %s", number, s, a, strings.Join(allowed, ", "))
}

// ParseStatus checks a status filter, returning an Invalid error that lists
// the machine's statuses when s is not one of them.
func (m Machine) ParseStatus(s string) (Status, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, x := range m.order {
		if string(x) == s {
			return x, nil
		}
	}
	names := make([]string, len(m.order))
	for i, x := range m.order {
		names[i] = string(x)
	}
	return "", Errorf(Invalid, "status %q is not a %s status: use one of %s", s, m.Noun, strings.Join(names, ", "))
}

// ReceiptStatus is where a receipt leaves a purchase order or transfer:
// received when nothing is open any more, else partially received.
func ReceiptStatus(open int64, partial, done Status) Status {
	if open > 0 {
		return partial
	}
	return done
}

// MaxLines caps the lines of one document or one call, so a single request
// cannot hold a transaction for long.
const MaxLines = 500

// Money is an amount in hundredths of the store currency. It is stored and
// computed as an integer and written to JSON as a decimal number (1234 →
// 12.34), which is what a person and a model expect to read.
type Money int64

// MarshalJSON writes the amount as a decimal number with two places.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// UnmarshalJSON reads a decimal number (12.34) back, so results can be
// decoded by clients and tests.
func (m *Money) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("reading money amount %s: %w", b, err)
	}
	*m = MoneyFromFloat(f)
	return nil
}

// MoneyFromFloat converts a decimal amount from a caller (12.34) to Money,
// rounding to the nearest hundredth.
func MoneyFromFloat(f float64) Money { return Money(math.Round(f * 100)) }
