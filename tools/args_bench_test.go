package tools

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkBindStrict500Lines measures binding the largest legitimate write
// (500 lines), control-character check included.
func BenchmarkBindStrict500Lines(b *testing.B) {
	lines := make([]map[string]any, 500)
	for i := range lines {
		lines[i] = map[string]any{"sku": fmt.Sprintf("SKU-%04d", i), "quantity": 10, "unit_cost": 12.5}
	}
	raw, _ := json.Marshal(map[string]any{"supplier": "Summit Gear", "location": "WH", "lines": lines, "note": "rush\nplease"})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var in createPOArgs
		if err := bindStrict(raw, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckControls500Lines is the control-character check alone.
func BenchmarkCheckControls500Lines(b *testing.B) {
	lines := make([]map[string]any, 500)
	for i := range lines {
		lines[i] = map[string]any{"sku": fmt.Sprintf("SKU-%04d", i), "quantity": 10, "unit_cost": 12.5}
	}
	raw, _ := json.Marshal(map[string]any{"supplier": "Summit Gear", "location": "WH", "lines": lines})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := checkControls(raw); err != nil {
			b.Fatal(err)
		}
	}
}
