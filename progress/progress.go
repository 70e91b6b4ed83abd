// Package progress shows how far long work has got (the demo's bulk load,
// a large import) on a terminal: one line on stderr, rewritten in place,
// with the phase, the count so far and the rate.
package progress

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Reporter is told how far long work has got. Work reports as often as
// it likes (every batch); the reporter decides what to show.
type Reporter interface {
	// Report says phase has reached count, of total: 0 when not known,
	// negative when only an estimate (then only the share is shown).
	Report(phase string, count, total int64)
}

// Nop shows nothing: for output that is not a terminal, or --json.
type Nop struct{}

// Report does nothing.
func (Nop) Report(string, int64, int64) {}

// Line shows the latest report as one line rewritten in place, at most
// every Interval, with the rate since its phase began.
type Line struct {
	mu       sync.Mutex
	w        io.Writer
	now      func() time.Time
	interval time.Duration
	phase    string
	start    time.Time // of the phase
	shown    time.Time // when the line was last written
	dirty    bool      // the line holds text to clear
}

// NewLine writes to w, a terminal. now is the clock (nil: time.Now).
func NewLine(w io.Writer, now func() time.Time) *Line {
	if now == nil {
		now = time.Now
	}
	return &Line{w: w, now: now, interval: 100 * time.Millisecond}
}

// Report shows phase's count, unless the line was written less than an
// interval ago in the same phase and the phase is not done.
func (l *Line) Report(phase string, count, total int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if phase != l.phase {
		l.phase, l.start = phase, now
	} else if now.Sub(l.shown) < l.interval && (total <= 0 || count < total) {
		return
	}
	l.shown = now
	l.dirty = true
	fmt.Fprint(l.w, "\r\033[K"+Format(phase, count, total, now.Sub(l.start)))
}

// Done clears the line, so that what follows starts on a clean one.
func (l *Line) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dirty {
		fmt.Fprint(l.w, "\r\033[K")
		l.dirty = false
	}
	l.phase = ""
}

// Format is the text of one report: "phase: 12,345 of 50,000 (24%), 3,086/s"
// (the total and the rate when known; just "phase…" at its start).
func Format(phase string, count, total int64, elapsed time.Duration) string {
	if count == 0 && total == 0 {
		return phase + "…"
	}
	s := phase + ": " + group(count)
	switch {
	case total > 0:
		s += fmt.Sprintf(" of %s (%d%%)", group(total), min(count*100/total, 100))
	case total < 0:
		s += fmt.Sprintf(" (%d%%)", min(count*100/-total, 100))
	}
	if elapsed >= 100*time.Millisecond && count > 0 {
		s += ", " + group(int64(float64(count)/elapsed.Seconds())) + "/s"
	}
	return s
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
