package storage

import (
	"context"
	"sync"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// lastUsedInterval bounds how often a key's last_used_at is written.
const lastUsedInterval = time.Minute

type keyRef struct{ storeID, keyID int64 }

type touch struct {
	key keyRef
	at  time.Time
}

// lastUsedWriter records keys' last use off the request path: Authenticate
// hands it a note without waiting, and one goroutine writes at most one
// update per key per minute. A full queue drops notes rather than slow
// requests; the next request after it drains notes the key again.
type lastUsedWriter struct {
	b       backend.Backend
	queue   chan touch
	done    chan struct{}
	mu      sync.Mutex
	pending map[keyRef]time.Time // last time a write was queued
	once    sync.Once
}

func newLastUsedWriter(b backend.Backend) *lastUsedWriter {
	w := &lastUsedWriter{b: b, queue: make(chan touch, 1024), done: make(chan struct{}), pending: map[keyRef]time.Time{}}
	go w.run()
	return w
}

func (w *lastUsedWriter) touch(k APIKey, now time.Time) {
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < lastUsedInterval {
		return
	}
	ref := keyRef{k.StoreID, k.ID}
	w.mu.Lock()
	if last, ok := w.pending[ref]; ok && now.Sub(last) < lastUsedInterval {
		w.mu.Unlock()
		return
	}
	w.pending[ref] = now
	w.mu.Unlock()
	select {
	case w.queue <- touch{ref, now}:
	default:
		w.mu.Lock()
		delete(w.pending, ref)
		w.mu.Unlock()
	}
}

func (w *lastUsedWriter) run() {
	defer close(w.done)
	for t := range w.queue {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// The condition keeps a slow write from moving the time backwards
		// and lets replicas skip a write another one just made.
		_, _ = w.b.Exec(ctx, `UPDATE api_keys SET last_used_at = $1
			WHERE store_id = $2 AND id = $3 AND (last_used_at IS NULL OR last_used_at < $4)`,
			t.at, t.key.storeID, t.key.keyID, t.at.Add(-lastUsedInterval))
		cancel()
	}
}

// close writes what is queued and stops.
func (w *lastUsedWriter) close() {
	w.once.Do(func() { close(w.queue) })
	<-w.done
}
