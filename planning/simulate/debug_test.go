package simulate

import (
	"testing"

	"github.com/logistified/mcp-server/planning"
)

func TestDebugSeeds(t *testing.T) {
	sc := Scenario{Class: Classes(Try)[3], LeadTime: LeadTimeCases[0]}
	for seed := uint64(1); seed <= 20; seed++ {
		w := NewWorld(sc, Try, seed)
		r := Run(w, NewRule{Policy: planning.Policy{}})
		t.Logf("seed %d fill %.3f csl %.3f inv %.1f orders %d meanQ %.1f", seed, r.FillRate(), r.CSL(), r.Inventory(), r.Orders, r.MeanOrder())
	}
}
