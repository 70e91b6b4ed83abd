package inventory

import "testing"

func TestParseApproval(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		needs    map[Money]bool // amount → needs approval
		bad      bool
	}{
		{in: "", want: "never", needs: map[Money]bool{0: false, MaxAmount: false}},
		{in: "never", want: "never"},
		{in: " Always ", want: "always", needs: map[Money]bool{0: true, 1: true}},
		{in: "above:500", want: "above:500.00", needs: map[Money]bool{50000: false, 50001: true}},
		{in: "above:0", want: "above:0.00", needs: map[Money]bool{0: false, 1: true}},
		{in: "above:499.9", want: "above:499.90"},
		{in: "above:1250.05", want: "above:1250.05"},
		{in: "above:-1", bad: true},
		{in: "above:1.001", bad: true},
		{in: "above:", bad: true},
		{in: "above:1e3", bad: true},
		{in: "above:.5", bad: true},
		{in: "above:99999999999999999", bad: true},
		{in: "sometimes", bad: true},
		{in: "above 500", bad: true},
	} {
		a, err := ParseApproval(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q was accepted as %s", tc.in, a)
			}
			continue
		}
		if err != nil || a.String() != tc.want {
			t.Errorf("%q: %s, %v; want %s", tc.in, a, err, tc.want)
		}
		for amount, want := range tc.needs {
			if got := a.Needs(amount); got != want {
				t.Errorf("%s needs approval for %s: %v, want %v", a, amount, got, want)
			}
		}
		back, err := ParseApproval(a.String())
		if err != nil || back != a {
			t.Errorf("%s does not read back: %s, %v", a, back, err)
		}
	}
}
