package rest

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/logistified/mcp-server/inventory"
)

// Problem is an RFC 9457 problem details answer. It never carries a stack
// trace, SQL or a credential: only the sentences the operations wrote for
// their callers, and the request id to quote.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Errors    []FieldError `json:"errors,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	// Preview is a fresh preview, on a preview_stale refusal.
	Preview json.RawMessage `json:"preview,omitempty"`
}

// FieldError names one bad argument.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problemType is a problem's type URI and title, by kind.
type problemType struct {
	status int
	slug   string
	title  string
}

// kindStatus maps the operations' error kinds to HTTP: the one table.
var kindStatus = map[inventory.Kind]problemType{
	inventory.Invalid:      {http.StatusBadRequest, "invalid-argument", "Invalid argument"},
	inventory.NotFound:     {http.StatusNotFound, "not-found", "Not found"},
	inventory.Conflict:     {http.StatusConflict, "conflict", "Conflict"},
	inventory.Insufficient: {http.StatusUnprocessableEntity, "insufficient", "Not enough stock or open quantity"},
	inventory.Forbidden:    {http.StatusForbidden, "insufficient-scope", "The key is read-only"},
	// The connection was lost during the commit: retry with the same
	// Idempotency-Key to settle whether it applied.
	inventory.Unavailable: {http.StatusServiceUnavailable, "outcome-unknown", "Outcome unknown"},
	// The key's approval setting holds this write for the merchant: 403,
	// not 409, because nothing about the store's state conflicts and
	// repeating the request unchanged never succeeds; what is missing is
	// permission for this one write, which the problem's preview_token
	// (shown to the merchant) grants. REST has no one to ask.
	inventory.ApprovalRequired: {http.StatusForbidden, "approval-required", "Approval required"},
	inventory.Declined:         {http.StatusForbidden, "declined", "Declined by the merchant"},
}

// Problems that are not an operation's refusal.
var (
	probUnauthorized     = problemType{http.StatusUnauthorized, "invalid-token", "Invalid or missing API key"}
	probUnavailable      = problemType{http.StatusServiceUnavailable, "unavailable", "Service unavailable"}
	probTooMany          = problemType{http.StatusTooManyRequests, "rate-limited", "Too many requests"}
	probTooLarge         = problemType{http.StatusRequestEntityTooLarge, "request-too-large", "Request body too large"}
	probUnsupportedMedia = problemType{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"}
	probMethod           = problemType{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"}
	probNoRoute          = problemType{http.StatusNotFound, "not-found", "Not found"}
	probInternal         = problemType{http.StatusInternalServerError, "internal", "Internal error"}
	probBadRequest       = problemType{http.StatusBadRequest, "bad-request", "Bad request"}
	probAddress          = problemType{http.StatusForbidden, "address-not-allowed", "Address not allowed for this key"}
)

// problemBase prefixes the problem type slugs: a URI reference that names
// the problem (RFC 9457 §3.1.1).
const problemBase = "https://logistified.com/problems/"

func (pt problemType) problem(detail, requestID string) Problem {
	return Problem{Type: problemBase + pt.slug, Title: pt.title, Status: pt.status, Detail: detail, RequestID: requestID}
}

// refusal turns an operation's *inventory.Error into its problem, with a
// field error when the error names the argument.
func refusal(ie *inventory.Error, requestID string) Problem {
	pt, ok := kindStatus[ie.Kind]
	if !ok {
		pt = kindStatus[inventory.Invalid]
	}
	p := pt.problem(ie.Msg, requestID)
	if ie.Field != "" {
		p.Errors = []FieldError{{Field: ie.Field, Message: ie.Msg}}
	}
	p.Preview = ie.Preview
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	b, err := json.Marshal(p)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}

// asRefusal finds the caller's error in err.
func asRefusal(err error) (*inventory.Error, bool) {
	var ie *inventory.Error
	ok := errors.As(err, &ie)
	return ie, ok
}
