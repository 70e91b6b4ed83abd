package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestLineRewritesOneLineWithPhaseCountAndRate(t *testing.T) {
	var term bytes.Buffer // what a terminal would receive
	clock := &fakeClock{t: time.Unix(0, 0)}
	l := NewLine(&term, clock.now)

	l.Report("loading variants", 0, 0)
	clock.t = clock.t.Add(2 * time.Second)
	l.Report("loading variants", 20000, 100000)
	clock.t = clock.t.Add(10 * time.Millisecond)
	l.Report("loading variants", 40000, 100000)  // too soon: not shown
	l.Report("loading variants", 100000, 100000) // done: shown at once
	clock.t = clock.t.Add(time.Second)
	l.Report("importing products.csv, rows read", 5000, -20000)
	l.Done()

	writes := strings.Split(term.String(), "\r\033[K")
	want := []string{"", "loading variants…", "loading variants: 20,000 of 100,000 (20%), 10,000/s",
		"loading variants: 100,000 of 100,000 (100%), 49,751/s", "importing products.csv, rows read: 5,000 (25%)", ""}
	if strings.Join(writes, "|") != strings.Join(want, "|") {
		t.Errorf("the terminal got\n%q\nwant\n%q", writes, want)
	}
	if strings.Contains(term.String(), "\n") {
		t.Error("the progress line wrote a newline: it must rewrite one line in place")
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		count, total int64
		elapsed      time.Duration
		want         string
	}{
		{0, 0, 0, "p…"},
		{1234567, 0, 2 * time.Second, "p: 1,234,567, 617,283/s"},
		{50, 200, 0, "p: 50 of 200 (25%)"},
		{300, -200, 0, "p: 300 (100%)"},
	} {
		if got := Format("p", tc.count, tc.total, tc.elapsed); got != tc.want {
			t.Errorf("Format(%d, %d, %v) = %q, want %q", tc.count, tc.total, tc.elapsed, got, tc.want)
		}
	}
}
