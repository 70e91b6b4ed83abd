package simulate

import (
	"testing"

	"github.com/logistified/mcp-server/planning"
)

type tracer struct {
	t *testing.T
	p NewRule
}

func (tr tracer) Order(s *State) int64 {
	q := tr.p.Order(s)
	if q > 0 {
		lt := planning.LeadTimeOf(s.Receipts, s.Supplier, s.Stated, -1)
		h := planning.History{Units: s.Sales, Censored: s.Censored}
		f := planning.NewForecast(h, planning.HorizonDays(lt, 30))
		pl := planning.NewPlan(f, lt, planning.Policy{})
		tr.t.Logf("day %d pos %d q %d method %s rate %.2f sd %.2f sl %.2f rop %.1f tgt %.1f", s.Day, s.Position(), q, f.Method, pl.Rate, f.SigmaD, f.SigmaLevel, pl.ReorderPoint, pl.Target)
	}
	return q
}

func TestDebugTrace(t *testing.T) {
	sc := Scenario{Class: Classes(Try)[3], LeadTime: LeadTimeCases[0]}
	w := NewWorld(sc, Try, 8)
	t.Log(w.Demand[:40])
	Run(w, tracer{t: t})
}
