package access

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// countingBackend records the last-used writes; Exec blocks while gate is
// held, to stand for a slow or locked database.
type countingBackend struct {
	backend.Backend // nil: any other call panics, proving it is not made
	mu              sync.Mutex
	writes          map[keyRef][]time.Time
	gate            sync.RWMutex
}

func (b *countingBackend) Exec(_ context.Context, _ string, args ...any) (int64, error) {
	b.gate.RLock()
	defer b.gate.RUnlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	ref := keyRef{args[1].(int64), args[2].(int64)}
	b.writes[ref] = append(b.writes[ref], args[0].(time.Time))
	return 1, nil
}

func (b *countingBackend) count(ref keyRef) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.writes[ref])
}

func newCountingWriter(t *testing.T) (*lastUsedWriter, *countingBackend) {
	b := &countingBackend{writes: map[keyRef][]time.Time{}}
	w := newLastUsedWriter(b)
	t.Cleanup(w.Close)
	return w, b
}

func TestLastUsedWriterWritesAtMostOncePerMinute(t *testing.T) {
	w, b := newCountingWriter(t)
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	k := APIKey{StoreID: 1, ID: 7}
	other := APIKey{StoreID: 1, ID: 8}
	ref := keyRef{1, 7}
	for _, step := range []struct {
		name    string
		at      time.Time
		key     APIKey
		touches int
		writes  int // total for k after the step
	}{
		{"first use", t0, k, 100, 1},
		{"10 s later", t0.Add(10 * time.Second), k, 100, 1},
		{"59 s later", t0.Add(59 * time.Second), k, 100, 1},
		{"61 s later", t0.Add(61 * time.Second), k, 100, 2},
		{"another key", t0.Add(62 * time.Second), other, 10, 2},
		{"59 s after the second write", t0.Add(120 * time.Second), k, 1, 2},
		{"a minute after the second write", t0.Add(121 * time.Second), k, 1, 3},
	} {
		for range step.touches {
			w.touch(step.key, step.at)
		}
		w.flush()
		if got := b.count(ref); got != step.writes {
			t.Fatalf("%s: %d writes, want %d", step.name, got, step.writes)
		}
	}
	if got := b.count(keyRef{1, 8}); got != 1 {
		t.Fatalf("the other key was written %d times, want 1", got)
	}
	// A key whose stored last use is recent (another replica wrote it) is
	// not written again.
	recent := t0.Add(200 * time.Second)
	w.touch(APIKey{StoreID: 2, ID: 9, LastUsedAt: &recent}, recent.Add(30*time.Second))
	w.flush()
	if got := b.count(keyRef{2, 9}); got != 0 {
		t.Fatalf("a key used 30 s ago by another replica was written %d times", got)
	}
}

// touch never waits for the database: with every write stuck, thousands of
// notes return at once (overflow is dropped), and a dropped key is noted
// again on its next use.
func TestLastUsedWriterNeverBlocks(t *testing.T) {
	w, b := newCountingWriter(t)
	b.gate.Lock()
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	const n = 3000 // more than the queue holds
	done := make(chan struct{})
	go func() {
		for i := range n {
			w.touch(APIKey{StoreID: 1, ID: int64(i)}, t0)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("touch blocked on a stuck database")
	}
	b.gate.Unlock()
	w.flush()
	var written, dropped int
	for i := range n {
		if b.count(keyRef{1, int64(i)}) > 0 {
			written++
		} else {
			dropped++
		}
	}
	if written == 0 || dropped == 0 {
		t.Fatalf("%d written, %d dropped; want the queue to fill and overflow", written, dropped)
	}
	w.touch(APIKey{StoreID: 1, ID: n - 1}, t0)
	w.flush()
	if b.count(keyRef{1, n - 1}) != 1 {
		t.Fatal("a dropped note was not taken again on the key's next use")
	}
}

// A request that finishes while the database closes does not panic.
func TestLastUsedWriterAfterClose(t *testing.T) {
	w, b := newCountingWriter(t)
	w.Close()
	w.touch(APIKey{StoreID: 1, ID: 1}, time.Now())
	w.Close()
	if got := b.count(keyRef{1, 1}); got != 0 {
		t.Fatalf("%d writes after close", got)
	}
}
