package access

import (
	"context"
	"sync"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// lastUsedInterval bounds how often a key's last_used_at is written.
const lastUsedInterval = time.Minute

// pendingSweepSize is how many remembered keys trigger dropping the stale
// ones, so that the map stays small in a long-running server.
const pendingSweepSize = 4096

// lastUsedKey names the writer among the database's Workers.
type lastUsedKey struct{}

type keyRef struct{ storeID, keyID int64 }

type touch struct {
	key  keyRef
	at   time.Time
	addr string // the client address; "" when it has none (stdio)
}

// noted is the last note queued for a key.
type noted struct {
	at   time.Time
	addr string
}

// lastUsedWriter records keys' last use off the request path: Authenticate
// hands it a note without waiting, and one goroutine writes at most one
// update per key per minute. A full queue drops notes rather than slow
// requests; the next request after it drains notes the key again.
type lastUsedWriter struct {
	b     backend.Backend
	queue chan touch
	done  chan struct{}

	mu       sync.Mutex
	idle     *sync.Cond       // signalled when inflight drops to zero
	pending  map[keyRef]noted // last note queued
	inflight int              // notes queued and not yet written
	swept    time.Time        // last time stale pending entries were dropped
	closed   bool
}

func newLastUsedWriter(b backend.Backend) *lastUsedWriter {
	w := &lastUsedWriter{b: b, queue: make(chan touch, 1024), done: make(chan struct{}), pending: map[keyRef]noted{}}
	w.idle = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// touch notes that k was used at now. It never blocks: the send is
// non-blocking, so holding the lock across it is cheap, and it keeps a
// request that races with Close from sending on the closed queue.
func (w *lastUsedWriter) touch(k APIKey, now time.Time) { w.touchFrom(k, now, "") }

// touchFrom is touch from client address addr: a use from another address
// than the one recorded is written without waiting for the minute, so the
// keys page shows where the key was last used from.
func (w *lastUsedWriter) touchFrom(k APIKey, now time.Time, addr string) {
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < lastUsedInterval && (addr == "" || addr == k.LastUsedAddr) {
		return
	}
	ref := keyRef{k.StoreID, k.ID}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if last, ok := w.pending[ref]; ok && now.Sub(last.at) < lastUsedInterval && (addr == "" || addr == last.addr) {
		return
	}
	if len(w.pending) >= pendingSweepSize && now.Sub(w.swept) >= lastUsedInterval {
		w.swept = now
		for r, at := range w.pending {
			if now.Sub(at.at) >= lastUsedInterval {
				delete(w.pending, r)
			}
		}
	}
	select {
	case w.queue <- touch{ref, now, addr}:
		w.pending[ref] = noted{now, addr}
		w.inflight++
	default:
	}
}

func (w *lastUsedWriter) run() {
	defer close(w.done)
	for t := range w.queue {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// The condition keeps a slow write from moving the time backwards
		// and lets replicas skip a write another one just made, unless the
		// key is used from another address.
		_, _ = w.b.Exec(ctx, `UPDATE api_keys SET last_used_at = $1,
				last_used_addr = CASE WHEN $5 = '' THEN last_used_addr ELSE $5 END
			WHERE store_id = $2 AND id = $3 AND (last_used_at IS NULL OR last_used_at < $4 OR ($5 <> '' AND last_used_addr <> $5 AND last_used_at <= $1))`,
			t.at, t.key.storeID, t.key.keyID, t.at.Add(-lastUsedInterval), t.addr)
		cancel()
		w.mu.Lock()
		if w.inflight--; w.inflight == 0 {
			w.idle.Broadcast()
		}
		w.mu.Unlock()
	}
}

// flush waits until every queued note is written (for tests).
func (w *lastUsedWriter) flush() {
	w.mu.Lock()
	for w.inflight > 0 {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

// Close writes what is queued and stops; later notes are ignored.
func (w *lastUsedWriter) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}
