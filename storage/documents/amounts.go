package documents

import (
	"math"

	"github.com/logistified/mcp-server/inventory"
)

// The amount of a document write (storage.WriteAmount), which an approval
// setting of "above" compares with its limit: what the merchant would call
// the size of the change, from the totals the result already shows.

// WriteAmount is the order's value at unit cost.
func (r PurchaseOrderResult) WriteAmount() inventory.Money { return r.PurchaseOrder.Totals.Total }

// WriteAmount is the stock the transfer moves, at the variants' cost.
func (r TransferResult) WriteAmount() inventory.Money { return r.Transfer.moved }

// WriteAmount is the stock the count's variances move, at cost, gains and
// losses alike (a net variance of zero can hide large moves).
func (r StockTakeResult) WriteAmount() inventory.Money { return r.StockTake.moved }

// WriteAmount is the value of the stock returned, at unit cost.
func (r SupplierReturnResult) WriteAmount() inventory.Money { return r.SupplierReturn.Totals.Value }

// addSaturating and timesSaturating compute an amount that only decides
// whether approval is needed: past the largest amount they stay there
// (approval needed) rather than fail the write.
func addSaturating(a, b inventory.Money) inventory.Money {
	s, err := a.Add(b)
	if err != nil {
		return math.MaxInt64
	}
	return s
}

func timesSaturating(m inventory.Money, qty int64) inventory.Money {
	p, err := m.Times(qty)
	if err != nil {
		if (m < 0) != (qty < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return p
}
