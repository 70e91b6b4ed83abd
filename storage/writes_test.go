package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// writeEnv is a store with one variant at one location, a write key and a
// read key, and a write that receives units of that variant into stock and
// allocates a document number, as the document operations do.
type writeEnv struct {
	db          *storage.DB
	write, read storage.Principal
	variant     storage.Variant
	location    storage.Location
}

func newWriteEnv(t *testing.T, db *storage.DB) *writeEnv {
	t.Helper()
	ctx := context.Background()
	s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "writes.myshopify.com", Name: "Writes"})
	if err != nil {
		t.Fatal(err)
	}
	e := &writeEnv{db: db}
	err = db.Backend().InTx(ctx, func(tx backend.Tx) error {
		if e.location, err = catalog.New(db).CreateLocation(ctx, tx, s.ID, catalog.NewLocation{Name: "Main", Code: "MAIN"}); err != nil {
			return err
		}
		p, err := catalog.New(db).CreateProduct(ctx, tx, s.ID, catalog.NewProduct{Title: "Mug", Variants: []catalog.NewVariant{{SKU: "MUG-1"}}})
		if err != nil {
			return err
		}
		e.variant = p.Variants[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, scope := range []keys.Scope{keys.ScopeWrite, keys.ScopeRead} {
		k, err := access.New(db).CreateKey(ctx, s.ID, access.NewKey{Scope: scope, Label: string(scope) + " agent", CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := access.New(db).Authenticate(ctx, k.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if scope == keys.ScopeWrite {
			e.write = p
		} else {
			e.read = p
		}
	}
	return e
}

type receiveResult struct {
	Number  string           `json:"number"`
	Changes []storage.Effect `json:"inventory_changes"`
	DryRun  bool             `json:"dry_run"`
	Replay  bool             `json:"replayed"`
}

// receive adds qty to on_hand under a new document number.
func (e *writeEnv) receive(ctx context.Context, qty int64) storage.WriteFunc {
	return func(tx backend.Tx, actor storage.Actor) (any, error) {
		number, err := documents.New(e.db).NextNumber(ctx, tx, e.write.Store.ID, "PO")
		if err != nil {
			return nil, err
		}
		effects, err := e.db.ApplyChanges(ctx, tx, e.write.Store.ID, storage.Movement{Reason: inventory.ReasonReceived, Document: number, Actor: actor},
			[]storage.Change{{VariantID: e.variant.ID, LocationID: e.location.ID, Quantity: inventory.OnHand, Delta: qty, SKU: e.variant.SKU, Location: e.location.Name}})
		if err != nil {
			return nil, err
		}
		return receiveResult{Number: number, Changes: effects}, nil
	}
}

func (e *writeEnv) run(t *testing.T, p storage.Principal, w storage.WriteRequest, fn storage.WriteFunc) (receiveResult, bool, error) {
	t.Helper()
	raw, replayed, err := e.db.RunWrite(context.Background(), p, w, fn)
	var r receiveResult
	if err == nil {
		if jerr := json.Unmarshal(raw, &r); jerr != nil {
			t.Fatalf("result %s: %v", raw, jerr)
		}
	}
	return r, replayed, err
}

// state is everything a write may change that the tests compare.
type state struct {
	OnHand      int64
	LedgerRows  int64
	Idempotency int64
	NextNumber  int64
}

func (e *writeEnv) state(t *testing.T) state {
	t.Helper()
	ctx := context.Background()
	b := e.db.Backend()
	var s state
	id := e.write.Store.ID
	if err := b.QueryRow(ctx, `SELECT coalesce(sum(on_hand), 0) FROM inventory_levels WHERE store_id = $1`, id).Scan(&s.OnHand); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(ctx, `SELECT count(*) FROM inventory_adjustments WHERE store_id = $1`, id).Scan(&s.LedgerRows); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(ctx, `SELECT count(*) FROM idempotency_keys WHERE store_id = $1`, id).Scan(&s.Idempotency); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(ctx, `SELECT coalesce(max(next), 1001) FROM document_counters WHERE store_id = $1`, id).Scan(&s.NextNumber); err != nil {
		t.Fatal(err)
	}
	mismatches, err := e.db.CheckLedger(ctx, id)
	if err != nil || len(mismatches) > 0 {
		t.Fatalf("ledger: %+v %v", mismatches, err)
	}
	return s
}

func (e *writeEnv) lastAudit(t *testing.T) storage.AuditEntry {
	t.Helper()
	log, err := e.db.AuditLog(context.Background(), e.write.Store.ID, 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log: %v %v", log, err)
	}
	return log[0]
}

func req(args string, key string, dry bool) storage.WriteRequest {
	return storage.WriteRequest{Tool: "receive_test", Arguments: json.RawMessage(args), IdempotencyKey: key, DryRun: dry}
}

func TestRunWriteAppliesAndAudits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		before := e.state(t)
		r, replayed, err := e.run(t, e.write, req(`{ "sku": "MUG-1", "quantity": 5 }`, "", false), e.receive(context.Background(), 5))
		if err != nil || replayed {
			t.Fatalf("write: %v replayed=%v", err, replayed)
		}
		if r.Number != "PO-1001" || len(r.Changes) != 1 || r.Changes[0].NewValue != 5 || r.DryRun {
			t.Fatalf("result: %+v", r)
		}
		after := e.state(t)
		if after.OnHand != before.OnHand+5 || after.LedgerRows != before.LedgerRows+1 || after.Idempotency != 0 {
			t.Fatalf("before %+v after %+v", before, after)
		}
		a := e.lastAudit(t)
		if a.Action != "receive_test" || a.Outcome != storage.OutcomeOK || a.KeyID == nil || *a.KeyID != e.write.Key.ID ||
			a.KeyPrefix != e.write.Key.Prefix || a.KeyLabel != "write agent" || a.Arguments != `{"quantity":5,"sku":"MUG-1"}` {
			t.Fatalf("audit: %+v", a)
		}
		// The ledger row names the key that made the change.
		var keyID *int64
		if err := db.Backend().QueryRow(context.Background(), `SELECT key_id FROM inventory_adjustments WHERE store_id = $1`, e.write.Store.ID).Scan(&keyID); err != nil || keyID == nil || *keyID != e.write.Key.ID {
			t.Fatalf("ledger key: %v %v", keyID, err)
		}
	})
}

func TestRunWriteIdempotency(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		before := e.state(t)
		first, _, err := e.run(t, e.write, req(`{"sku":"MUG-1","quantity":5}`, "k-1", false), e.receive(ctx, 5))
		if err != nil {
			t.Fatal(err)
		}
		// The same arguments in another order and spacing are the same request.
		called := false
		again, replayed, err := e.run(t, e.write, req(`{"quantity": 5, "sku": "MUG-1"}`, "k-1", false), func(tx backend.Tx, a storage.Actor) (any, error) {
			called = true
			return nil, nil
		})
		if err != nil || !replayed || called || !again.Replay || again.Number != first.Number || len(again.Changes) != 1 || again.Changes[0].NewValue != 5 {
			t.Fatalf("retry: %+v replayed=%v called=%v err=%v", again, replayed, called, err)
		}
		if a := e.lastAudit(t); a.Outcome != storage.OutcomeOK || !strings.Contains(a.Detail, "replayed") {
			t.Fatalf("replay audit: %+v", a)
		}
		afterRetry := e.state(t)
		if afterRetry.OnHand != before.OnHand+5 || afterRetry.LedgerRows != before.LedgerRows+1 || afterRetry.Idempotency != 1 {
			t.Fatalf("retry applied again: before %+v after %+v", before, afterRetry)
		}

		// The same key with other arguments is refused and changes nothing.
		_, _, err = e.run(t, e.write, req(`{"sku":"MUG-1","quantity":6}`, "k-1", false), e.receive(ctx, 6))
		var ie *inventory.Error
		if !errors.As(err, &ie) || ie.Kind != inventory.Conflict || !strings.Contains(ie.Msg, "other arguments") {
			t.Fatalf("reuse: %v", err)
		}
		if a := e.lastAudit(t); a.Outcome != storage.OutcomeRefused || a.Arguments != `{"quantity":6,"sku":"MUG-1"}` {
			t.Fatalf("reuse audit: %+v", a)
		}
		if s := e.state(t); s != afterRetry {
			t.Fatalf("refused reuse changed %+v to %+v", afterRetry, s)
		}

		// Keys are per tool and per API key: the same key elsewhere applies.
		other := req(`{"sku":"MUG-1","quantity":5}`, "k-1", false)
		other.Tool = "receive_other"
		if _, replayed, err := e.run(t, e.write, other, e.receive(ctx, 5)); err != nil || replayed {
			t.Fatalf("other tool: %v %v", err, replayed)
		}
		if s := e.state(t); s.OnHand != before.OnHand+10 {
			t.Fatalf("other tool did not apply: %+v", s)
		}

		// A refused write does not use up its key: fixing the cause and
		// retrying with the same key applies.
		_, _, err = e.run(t, e.write, req(`{"sku":"MUG-1","quantity":-100}`, "k-2", false), e.receive(ctx, -100))
		if !errors.As(err, &ie) || ie.Kind != inventory.Insufficient {
			t.Fatalf("short: %v", err)
		}
		if _, replayed, err := e.run(t, e.write, req(`{"sku":"MUG-1","quantity":-100}`, "k-2", false), e.receive(ctx, -1)); err != nil || replayed {
			t.Fatalf("after refusal: %v %v", err, replayed)
		}
	})
}

func TestRunWriteIdempotencyExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		w := req(`{"quantity":1}`, "daily", false)
		if _, _, err := e.run(t, e.write, w, e.receive(ctx, 1)); err != nil {
			t.Fatal(err)
		}
		advance(23 * time.Hour)
		if _, replayed, err := e.run(t, e.write, w, e.receive(ctx, 1)); err != nil || !replayed {
			t.Fatalf("within 24 hours: replayed=%v %v", replayed, err)
		}
		advance(2 * time.Hour)
		// After 24 hours the key is free again, and its old record is replaced.
		if _, replayed, err := e.run(t, e.write, w, e.receive(ctx, 1)); err != nil || replayed {
			t.Fatalf("after 24 hours: replayed=%v %v", replayed, err)
		}
		if s := e.state(t); s.OnHand != 2 || s.Idempotency != 1 {
			t.Fatalf("state: %+v", s)
		}
		// The sweep forgets only expired records.
		if _, _, err := e.run(t, e.write, req(`{"quantity":1}`, "other", false), e.receive(ctx, 1)); err != nil {
			t.Fatal(err)
		}
		advance(IdempotencyHalfDay)
		if n, err := db.PruneIdempotencyKeys(ctx); err != nil || n != 0 {
			t.Fatalf("prune of fresh keys: %d %v", n, err)
		}
		advance(IdempotencyHalfDay + IdempotencyHalfDay)
		if n, err := db.PruneIdempotencyKeys(ctx); err != nil || n != 2 {
			t.Fatalf("prune of expired keys: %d %v", n, err)
		}
	}, storage.WithClock(clock))
}

// IdempotencyHalfDay is half the retention.
const IdempotencyHalfDay = storage.IdempotencyRetention / 2

func TestRunWriteDryRun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		if _, _, err := e.run(t, e.write, req(`{"q":3}`, "", false), e.receive(ctx, 3)); err != nil {
			t.Fatal(err)
		}
		before := e.state(t)
		r, replayed, err := e.run(t, e.write, req(`{"q":5}`, "dry", true), e.receive(ctx, 5))
		if err != nil || replayed {
			t.Fatal(err, replayed)
		}
		// The preview shows exactly what a real call would do.
		if !r.DryRun || r.Number != "PO-1002" || len(r.Changes) != 1 || r.Changes[0].Delta != 5 || r.Changes[0].NewValue != 8 {
			t.Fatalf("dry run result: %+v", r)
		}
		if s := e.state(t); s != before {
			t.Fatalf("dry run changed %+v to %+v", before, s)
		}
		if a := e.lastAudit(t); a.Outcome != storage.OutcomeDryRun || a.Action != "receive_test" {
			t.Fatalf("dry run audit: %+v", a)
		}
		// A dry run does not use up its idempotency key.
		real, replayed, err := e.run(t, e.write, req(`{"q":5}`, "dry", false), e.receive(ctx, 5))
		if err != nil || replayed || real.DryRun || real.Number != "PO-1002" || real.Changes[0].NewValue != 8 {
			t.Fatalf("real call after dry run: %+v %v %v", real, replayed, err)
		}
		// A refused dry run is audited as refused.
		_, _, err = e.run(t, e.write, req(`{"q":-100}`, "", true), e.receive(ctx, -100))
		var ie *inventory.Error
		if !errors.As(err, &ie) || ie.Kind != inventory.Insufficient {
			t.Fatalf("refused dry run: %v", err)
		}
		if a := e.lastAudit(t); a.Outcome != storage.OutcomeRefused {
			t.Fatalf("refused dry run audit: %+v", a)
		}
	})
}

// A dry run that reuses the key of an applied write is refused with a
// Conflict that says so, whatever its arguments: it is neither a replay of
// the applied write nor a fresh preview. The key still replays for the
// real call.
func TestRunWriteDryRunWithAnAppliedKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		first, _, err := e.run(t, e.write, req(`{"q":5}`, "applied", false), e.receive(ctx, 5))
		if err != nil {
			t.Fatal(err)
		}
		before := e.state(t)
		for _, args := range []string{`{"q":5}`, `{"q":6}`} {
			called := false
			_, replayed, err := e.run(t, e.write, req(args, "applied", true), func(tx backend.Tx, a storage.Actor) (any, error) {
				called = true
				return e.receive(ctx, 5)(tx, a)
			})
			var ie *inventory.Error
			if !errors.As(err, &ie) || ie.Kind != inventory.Conflict || replayed || called ||
				!strings.Contains(ie.Msg, "already applied") || !strings.Contains(ie.Msg, "new key") || !strings.Contains(ie.Msg, `"applied"`) {
				t.Fatalf("dry run %s with an applied key: replayed=%v called=%v %v", args, replayed, called, err)
			}
			if a := e.lastAudit(t); a.Outcome != storage.OutcomeRefused {
				t.Fatalf("refused dry run audit: %+v", a)
			}
		}
		if s := e.state(t); s != before {
			t.Fatalf("refused dry runs changed %+v to %+v", before, s)
		}
		// The real call with the key still replays the applied write.
		again, replayed, err := e.run(t, e.write, req(`{"q":5}`, "applied", false), e.receive(ctx, 5))
		if err != nil || !replayed || again.Number != first.Number {
			t.Fatalf("real retry after the refused dry runs: %+v %v %v", again, replayed, err)
		}
	})
}

func TestRunWriteRefusalsChangeNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		boom := errors.New("disk on fire")
		cases := []struct {
			name    string
			p       storage.Principal
			w       storage.WriteRequest
			fn      storage.WriteFunc
			outcome string
			kind    inventory.Kind
		}{
			{"read key", e.read, req(`{"q":1}`, "", false), e.receive(ctx, 1), storage.OutcomeRefused, inventory.Forbidden},
			{"read key dry run", e.read, req(`{"q":1}`, "", true), e.receive(ctx, 1), storage.OutcomeRefused, inventory.Forbidden},
			{"refusal after a change", e.write, req(`{"q":2}`, "x", false), func(tx backend.Tx, a storage.Actor) (any, error) {
				if _, err := e.receive(ctx, 2)(tx, a); err != nil {
					return nil, err
				}
				return nil, inventory.Errorf(inventory.Conflict, "PO-1001 is closed")
			}, storage.OutcomeRefused, inventory.Conflict},
			{"failure after a change", e.write, req(`{"q":2}`, "y", false), func(tx backend.Tx, a storage.Actor) (any, error) {
				if _, err := e.receive(ctx, 2)(tx, a); err != nil {
					return nil, err
				}
				return nil, boom
			}, storage.OutcomeError, ""},
			{"overlong idempotency key", e.write, req(`{"q":2}`, strings.Repeat("k", 256), false), e.receive(ctx, 2), storage.OutcomeRefused, inventory.Invalid},
			{"arguments not JSON", e.write, req(`{"q":`, "", false), e.receive(ctx, 2), storage.OutcomeError, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.state(t)
				_, _, err := e.run(t, c.p, c.w, c.fn)
				var ie *inventory.Error
				switch {
				case c.kind != "" && (!errors.As(err, &ie) || ie.Kind != c.kind):
					t.Fatalf("want %s refusal, got %v", c.kind, err)
				case c.kind == "" && (err == nil || errors.As(err, &ie)):
					t.Fatalf("want a failure, got %v", err)
				}
				if c.kind == inventory.Forbidden && !strings.Contains(err.Error(), "read-only") {
					t.Fatalf("read key message: %v", err)
				}
				if s := e.state(t); s != before {
					t.Fatalf("changed %+v to %+v", before, s)
				}
				a := e.lastAudit(t)
				if a.Outcome != c.outcome || a.Action != "receive_test" || a.KeyPrefix != c.p.Key.Prefix || a.Detail == "" {
					t.Fatalf("audit: %+v", a)
				}
			})
		}
	})
}

func TestRunWriteConcurrentSameKeyAppliesOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		ctx := context.Background()
		before := e.state(t)
		const n = 12
		var wg sync.WaitGroup
		var applied, replays atomic.Int64
		errs := make(chan error, n)
		numbers := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				raw, replayed, err := db.RunWrite(ctx, e.write, req(`{"q":4}`, "same", false), func(tx backend.Tx, a storage.Actor) (any, error) {
					return e.receive(ctx, 4)(tx, a)
				})
				if err != nil {
					errs <- err
					return
				}
				var r receiveResult
				if err := json.Unmarshal(raw, &r); err != nil {
					errs <- err
					return
				}
				numbers <- r.Number
				if replayed {
					replays.Add(1)
				} else {
					applied.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		close(numbers)
		for err := range errs {
			t.Fatal(err)
		}
		for num := range numbers {
			if num != "PO-1001" {
				t.Fatalf("a call saw another result: %s", num)
			}
		}
		if applied.Load() != 1 || replays.Load() != n-1 {
			t.Fatalf("applied %d, replayed %d", applied.Load(), replays.Load())
		}
		if s := e.state(t); s.OnHand != before.OnHand+4 || s.LedgerRows != before.LedgerRows+1 {
			t.Fatalf("state %+v", s)
		}
	})
}

func TestRunWriteMarksDryRunResult(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		raw, _, err := db.RunWrite(context.Background(), e.write, req(`{}`, "", true), func(tx backend.Tx, a storage.Actor) (any, error) {
			return map[string]any{}, nil
		})
		preview := `"preview":"Preview only: nothing was saved or changed. Call again without dry_run to apply it.","preview_token":"lstp_`
		token := regexp.MustCompile(`lstp_[0-9A-Za-z]{38}"`)
		if err != nil || !strings.HasPrefix(string(raw), `{"dry_run":true,`+preview) || !token.Match(raw) || !strings.HasSuffix(string(raw), `"}`) {
			t.Fatalf("empty object dry run: %s %v", raw, err)
		}
		raw, _, err = db.RunWrite(context.Background(), e.write, req(`{}`, "", true), func(tx backend.Tx, a storage.Actor) (any, error) {
			return map[string]int{"a": 1}, nil
		})
		if err != nil || !strings.HasPrefix(string(raw), `{"dry_run":true,`+preview) || !strings.HasSuffix(string(raw), `","a":1}`) {
			t.Fatalf("dry run mark: %s %v", raw, err)
		}
	})
}

func TestRunWriteMarksResultThatHasTheField(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		raw, _, err := db.RunWrite(context.Background(), e.write, req(`{}`, "", true), func(tx backend.Tx, a storage.Actor) (any, error) {
			return map[string]any{"dry_run": false, "b": 1}, nil
		})
		if err != nil || string(raw) != `{"b":1,"dry_run":true}` {
			t.Fatalf("%s %v", raw, err)
		}
	})
}

func TestRunWriteAuditBoundsArguments(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWriteEnv(t, db)
		huge := `{"note":"` + strings.Repeat("x", 200<<10) + `"}`
		if _, _, err := e.run(t, e.write, req(huge, "", false), e.receive(context.Background(), 1)); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); len(a.Arguments) > 70<<10 || !strings.HasSuffix(a.Arguments, "(truncated)") {
			t.Fatalf("audit arguments of %d bytes", len(a.Arguments))
		}
	})
}
