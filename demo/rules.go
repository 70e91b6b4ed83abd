package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/plan"
)

// ruleSpec is one reorder rule before it gets its ids; location -1 means
// every location. low marks a rule set on an item that is already below
// it, which documents must leave alone.
type ruleSpec struct {
	variant, location int
	min, max          *int64
	safetyStock       *int64
	leadTimeDays      *int
	daysOfCover       *int
	low               bool
}

// minRules is the fewest reorder rules the demo has; larger stores get one
// rule per 40 variants.
const minRules = 60

func ptr[T any](v T) *T { return &v }

// lowLevel is the location of a variant's level that has a little stock
// left (1 to 3 units) while it sells, or -1; levels are its starting ones.
func lowLevel(c *catalog, v *genVariant, levels []level) int {
	if v.rate <= 0 || c.products[v.product].class == dead {
		return -1
	}
	for _, lv := range levels {
		if lv.onHand > 0 && lv.onHand <= 3 && lv.committed == 0 {
			return lv.location
		}
	}
	return -1
}

// generateRules picks variants that sell (best sellers first) and gives
// them the kinds of rules a buyer writes: chain-wide min/max, a warehouse
// safety stock with longer cover, and shop min/max. A third of them sit on
// items already low, so the store has variants below their reorder point
// from the start.
func generateRules(seed int64, c *catalog, today time.Time) []ruleSpec {
	r := newRand(seed, streamRules, 0)
	var low, sellers, tail []int
	_ = c.each(func(v *genVariant) error {
		switch class := c.products[v.product].class; {
		case lowLevel(c, v, stockFor(seed, c, v, today)) >= 0:
			low = append(low, v.index)
		case class.sells():
			sellers = append(sellers, v.index)
		case class == longTail:
			tail = append(tail, v.index)
		}
		return nil
	})
	for _, list := range [][]int{low, sellers, tail} {
		r.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	}
	target := max(minRules, c.variants/40)
	nLow := min(len(low), target/3)
	picked := append(low[:nLow:nLow], sellers...)
	picked = append(append(picked, low[nLow:]...), tail...)
	picked = picked[:min(len(picked), target)]

	out := make([]ruleSpec, 0, len(picked))
	for j, i := range picked {
		v := c.variant(i)
		levels := stockFor(seed, c, &v, today)
		daily := v.rate // chain-wide, at an average point of the season
		switch {
		case j < nLow:
			// The location that is low gets a min above what it has.
			loc := lowLevel(c, &v, levels)
			var onHand int64
			for _, lv := range levels {
				if lv.location == loc {
					onHand = lv.onHand
				}
			}
			m := onHand + 2 + r.Int64N(4)
			out = append(out, ruleSpec{variant: i, location: loc, min: ptr(m), max: ptr(m * 3), low: true})
		case j%3 == 0:
			m := max(1, int64(math.Ceil(daily*21)))
			out = append(out, ruleSpec{variant: i, location: -1, min: ptr(m), max: ptr(max(m*3, m+6))})
		case j%3 == 1:
			out = append(out, ruleSpec{variant: i, location: 0, safetyStock: ptr(int64(math.Ceil(daily * 7))),
				daysOfCover: ptr(45 + 15*r.IntN(3)), leadTimeDays: leadOverride(r)})
		default:
			// The first shop that carries it, else the warehouse.
			loc := 0
			for _, lv := range levels {
				if lv.location > 0 {
					loc = lv.location
					break
				}
			}
			m := int64(math.Ceil(daily*v.shares[loc]*14)) + 1
			out = append(out, ruleSpec{variant: i, location: loc, min: ptr(m), max: ptr(m * 4)})
		}
	}
	return out
}

// leadOverride gives a third of warehouse rules their own lead time.
func leadOverride(r *rand.Rand) *int {
	if r.IntN(3) != 0 {
		return nil
	}
	return ptr(10 + r.IntN(30))
}

// setRules writes the reorder rules through the domain operation, in
// batches of the most lines one call takes.
func setRules(ctx context.Context, db *storage.DB, tx backend.Tx, ld *loaded, rules []ruleSpec) error {
	in := make([]plan.ReorderRuleInput, len(rules))
	for k, r := range rules {
		in[k] = plan.ReorderRuleInput{VariantID: ld.variantIDs[r.variant], Min: r.min, Max: r.max,
			SafetyStock: r.safetyStock, LeadTimeDays: r.leadTimeDays, DaysOfCover: r.daysOfCover}
		if r.location >= 0 {
			in[k].Location = locationSpecs[r.location].code
		}
	}
	for len(in) > 0 {
		n := min(len(in), inventory.MaxLines)
		if _, err := plan.New(db).SetReorderRules(ctx, tx, ld.storeID, storage.Actor{}, in[:n]); err != nil {
			return fmt.Errorf("setting reorder rules: %w", err)
		}
		in = in[n:]
	}
	return nil
}
