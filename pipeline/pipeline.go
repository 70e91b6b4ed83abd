// Package pipeline is the one path every call takes, whichever face it
// came through: authenticate, rate limit, scope, bind the arguments
// strictly, call, audit, encode, each once. The faces (MCP over HTTP and
// stdio, REST) adapt their transport to it and nothing more: where the
// credential and the arguments come from, and how an answer or a refusal
// is written.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/httpkit"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/tools"
)

// Options configure New.
type Options struct {
	DB  *storage.DB
	Log zerolog.Logger
	// Metrics count calls by operation and outcome, and refused
	// credentials; nil makes a fresh set.
	Metrics *metrics.Metrics
	// Auth checks credentials; nil makes one on DB and Metrics.
	Auth *auth.Authenticator
	// Limiter limits each key's requests; nil limits nothing. One limiter
	// shared by every face gives a key one budget.
	Limiter *auth.Limiter
	// Tools replaces tools.All, for tests that add operations.
	Tools []tools.Tool
}

// Pipeline runs calls. One is shared by every face of a process.
type Pipeline struct {
	db      *storage.DB
	log     zerolog.Logger
	metrics *metrics.Metrics
	auth    *auth.Authenticator
	limiter *auth.Limiter
	list    []tools.Tool
	byName  map[string]tools.Tool
}

// New assembles the pipeline.
func New(o Options) *Pipeline {
	p := &Pipeline{db: o.DB, log: o.Log, metrics: o.Metrics, auth: o.Auth, limiter: o.Limiter, list: o.Tools}
	if p.metrics == nil {
		p.metrics = metrics.New()
	}
	if p.auth == nil {
		p.auth = auth.New(access.New(o.DB), p.metrics)
	}
	if p.list == nil {
		p.list = tools.All(tools.Deps{DB: o.DB, Log: o.Log})
	}
	p.byName = make(map[string]tools.Tool, len(p.list))
	for _, t := range p.list {
		p.byName[t.Def.Name] = t
	}
	// The operations on the caller's own key (a key rolling itself) can be
	// called, by REST, but are not among Tools: MCP does not offer them.
	for _, t := range tools.KeyOps(tools.Deps{DB: o.DB, Log: o.Log}) {
		if _, ok := p.byName[t.Def.Name]; !ok {
			p.byName[t.Def.Name] = t
		}
	}
	return p
}

// Tools are the operations, read ones first.
func (p *Pipeline) Tools() []tools.Tool { return p.list }

// Tool is the operation called name.
func (p *Pipeline) Tool(name string) (tools.Tool, bool) {
	t, ok := p.byName[name]
	return t, ok
}

// Auth is the pipeline's credential check, for faces that authenticate
// outside a request (stdio).
func (p *Pipeline) Auth() *auth.Authenticator { return p.auth }

// Metrics are the pipeline's metrics.
func (p *Pipeline) Metrics() *metrics.Metrics { return p.metrics }

// Refusal is a request turned away before any call: its credential was
// refused (Auth, 401 or 503), or its key is over its rate limit (Limited,
// 429).
type Refusal struct {
	Auth    *auth.Error
	Limited string
}

// Admit authenticates an HTTP request by its Authorization header and
// counts it against the key's rate limit (setting the limit's headers on
// h). It reads nothing but the headers. The returned context carries the
// credential's database check when it can travel with the call's first
// read; Serve confirms it before anything is sent.
func (p *Pipeline) Admit(r *http.Request, h http.Header) (storage.Principal, context.Context, *Refusal) {
	pr, ctx, err := p.auth.RequestLater(r)
	if err != nil {
		return pr, ctx, &Refusal{Auth: p.auth.AsError(err)}
	}
	d := p.limiter.Allow(pr.Key.ID)
	d.SetHeaders(h)
	if !d.Allowed {
		// A key refused since it was last seen is told so, not limited.
		if _, _, err := p.auth.Confirm(ctx, r); err != nil {
			return pr, ctx, &Refusal{Auth: p.auth.AsError(err)}
		}
		logging.For(r.Context(), p.log).Info().Str("key_prefix", pr.Key.Prefix).Msg("rate limit reached")
		return pr, ctx, &Refusal{Limited: d.Message()}
	}
	return pr, ctx, nil
}

// Serve runs serve for an admitted request and sends its answer once the
// credential's check is confirmed: a credential refused by it gets refuse
// instead, and a principal that changed since the key was last seen (its
// scope or its store's settings) is served again with the fresh one. The
// request's body must be readable again (Replayable or in memory) for
// that second run: rewind resets it.
func (p *Pipeline) Serve(w http.ResponseWriter, r *http.Request, pr storage.Principal, ctx context.Context,
	serve func(http.ResponseWriter, *http.Request, storage.Principal), rewind func(), refuse func(*auth.Error)) {
	held := httpkit.Hold()
	serve(held, r.WithContext(ctx), pr)
	fresh, changed, err := p.auth.Confirm(ctx, r)
	switch {
	case err != nil:
		refuse(p.auth.AsError(err))
		return
	case changed:
		held = httpkit.Hold()
		rewind()
		serve(held, r, fresh)
	}
	held.SendTo(w)
}

// Result is what a call produced.
type Result struct {
	// Data is the operation's output as JSON, encoded once.
	Data json.RawMessage
	// Value is the output before encoding, for a face that reads more of
	// it (REST's paging metadata).
	Value any
	// Refusal is the sentence the caller can act on: a read key calling a
	// write, a bad argument, a business rule.
	Refusal *inventory.Error
	// Failed: the call failed inside the server; it has been logged, and
	// the face says so without detail.
	Failed bool
	// Outcome is the call's metrics label.
	Outcome string
	// Question is set when the write waits for the person's approval and
	// the face must have the client ask them (CallAsking): the answer
	// comes with the call's retry.
	Question *Question
}

// Call runs the operation name for pr with args (a JSON object): the scope
// (a read key's call of a write is refused and audited before the
// operation runs), the operation (which binds its arguments strictly and,
// for a write, runs through storage's RunWrite: one transaction, audit
// and idempotency), and the encoding of its output. It records the call's
// metrics and log line, and recovers from a panic. A write that needs the
// merchant's approval is refused with its preview (approval.go): the face
// has no one to ask.
func (p *Pipeline) Call(ctx context.Context, pr storage.Principal, name string, args json.RawMessage) Result {
	return p.CallAsking(ctx, pr, name, args, nil)
}

// call is Call without the approval step.
func (p *Pipeline) call(ctx context.Context, pr storage.Principal, name string, args json.RawMessage) (res Result) {
	start := time.Now()
	// The request's logger is made only when something is logged.
	log := func() *zerolog.Logger { return logging.For(ctx, p.log) }
	res.Outcome = metrics.OutcomeOK
	series := name
	defer func() {
		d := time.Since(start)
		p.metrics.ToolCall(series, res.Outcome, d)
		if p.log.GetLevel() <= zerolog.DebugLevel {
			log().Debug().Str("tool", name).Str("store", pr.Store.Domain).Str("key_prefix", pr.Key.Prefix).Str("outcome", res.Outcome).Dur("duration", d).Msg("tool call")
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			log().Error().Str("tool", name).Str("panic", fmt.Sprint(r)).Str("stack", string(debug.Stack())).Msg("tool panicked")
			res = Result{Failed: true, Outcome: metrics.OutcomePanic}
		}
	}()
	t, ok := p.byName[name]
	if !ok {
		// A name from the caller is not a label: the series stay few.
		series = "unknown"
		res.Outcome = metrics.OutcomeToolError
		res.Refusal = inventory.Errorf(inventory.NotFound, "there is no operation %s", name)
		return res
	}
	if !tools.Allowed(pr.Key.Scope, t.Scope) {
		res.Outcome = metrics.OutcomeRefused
		err := tools.Refuse(ctx, p.db, pr, name, args)
		var re *tools.RefusalError
		if errors.As(err, &re) {
			log().Error().Err(re.Audit).Str("tool", name).Msg("recording a refused call")
		}
		log().Info().Str("tool", name).Str("key_prefix", pr.Key.Prefix).Msg("write refused for a read key")
		res.Refusal, _ = asRefusal(err)
		return res
	}
	if t.Scope != keys.ScopeRead {
		// A write waits for the key's check before it starts, whatever
		// the operation touches first.
		if _, err := storage.ConfirmCredential(ctx); err != nil {
			res.Outcome = metrics.OutcomeRefused
			res.Failed = true
			return res
		}
	}
	out, err := t.Call(tools.WithPrincipal(ctx, pr), args)
	if err != nil {
		if storage.IsCredentialRefusal(err) {
			// The credential's check, which travelled with the call's
			// first statement, refused it: the face answers 401 once
			// Serve confirms it.
			res.Outcome = metrics.OutcomeRefused
			res.Failed = true
			return res
		}
		if ie, ok := asRefusal(err); ok {
			res.Outcome = metrics.OutcomeToolError
			res.Refusal = ie
			return res
		}
		res.Outcome = metrics.OutcomeInternal
		res.Failed = true
		log().Error().Err(err).Str("tool", name).Msg("tool failed")
		return res
	}
	res.Value = out
	if raw, ok := out.(json.RawMessage); ok {
		// A write's result, encoded once by RunWrite.
		res.Data = raw
		return res
	}
	if res.Data, err = json.Marshal(out); err != nil {
		res.Outcome = metrics.OutcomeInternal
		res.Failed = true
		log().Error().Err(err).Str("tool", name).Msg("encoding the result")
	}
	return res
}

func asRefusal(err error) (*inventory.Error, bool) {
	var ie *inventory.Error
	ok := errors.As(err, &ie)
	return ie, ok
}
