package inventory

// Quantity is one of Shopify's inventory quantity names. available is not
// stored: it is on_hand − committed − reserved − damaged − safety_stock −
// quality_control.
type Quantity string

const (
	OnHand         Quantity = "on_hand"
	Available      Quantity = "available"
	Committed      Quantity = "committed"
	Incoming       Quantity = "incoming"
	Reserved       Quantity = "reserved"
	Damaged        Quantity = "damaged"
	SafetyStock    Quantity = "safety_stock"
	QualityControl Quantity = "quality_control"
)

// StoredQuantities are the quantities kept per variant and location; each
// is a column of inventory_levels and changes only with a ledger row.
var StoredQuantities = []Quantity{OnHand, Committed, Incoming, Reserved, Damaged, SafetyStock, QualityControl}

// Stored reports whether q is a stored quantity (and so a safe column name).
func (q Quantity) Stored() bool {
	for _, s := range StoredQuantities {
		if q == s {
			return true
		}
	}
	return false
}

// Reason says why a quantity changed, in Shopify's words.
type Reason string

const (
	ReasonReceived         Reason = "received"
	ReasonMovementCreated  Reason = "movement_created"
	ReasonMovementReceived Reason = "movement_received"
	ReasonMovementCanceled Reason = "movement_canceled"
	ReasonCycleCount       Reason = "cycle_count_available"
	ReasonCorrection       Reason = "correction"
	ReasonOther            Reason = "other"
)
