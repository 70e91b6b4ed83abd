// Package auth checks the credentials every face accepts (today API keys,
// lstk_…) and limits each key's request rate. The faces (MCP over HTTP and
// stdio, REST) call it on every request, so a credential revoked anywhere
// fails on its next request, with the same reasons, sentences and metrics
// whichever face it was presented to.
//
// Another kind of credential (OAuth access tokens) is added in Authenticate:
// it recognises the credential by its prefix and returns the same
// Principal.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// Why a credential was refused, as labelled in
// logistified_auth_failures_total.
const (
	ReasonMissing   = metrics.ReasonMissing
	ReasonMalformed = metrics.ReasonMalformed
	ReasonUnknown   = metrics.ReasonUnknown
	ReasonRevoked   = metrics.ReasonRevoked
	ReasonExpired   = metrics.ReasonExpired
	ReasonAddress   = metrics.ReasonAddress
	ReasonError     = metrics.ReasonError // the database could not be asked
)

// Challenge is the WWW-Authenticate value of a 401.
const Challenge = `Bearer realm="logistified", error="invalid_token"`

// ChallengeWith is the WWW-Authenticate value of a 401 from a protected
// resource whose metadata (RFC 9728) is at resourceMetadata: OAuth clients
// (web-chat apps) find the authorization server from it. Empty gives
// Challenge.
func ChallengeWith(resourceMetadata string) string {
	if resourceMetadata == "" {
		return Challenge
	}
	return Challenge + `, resource_metadata="` + strings.ReplaceAll(resourceMetadata, `"`, "%22") + `"`
}

// Error is a refused credential: why (a metrics label) and the sentence the
// caller sees. Neither ever contains the credential.
type Error struct {
	Reason string
	Msg    string
	Err    error // the underlying error when the database failed
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Label is the reason a caller sees: unknown and revoked keys are not told
// apart outside the server.
func (e *Error) Label() string {
	if e.Reason == ReasonRevoked || e.Reason == ReasonUnknown {
		return "unknown_or_revoked"
	}
	return e.Reason
}

// Forbidden reports whether the key is good but was used from an address
// its allow-list does not name: 403 rather than 401.
func (e *Error) Forbidden() bool { return e.Reason == ReasonAddress }

// Unavailable reports whether the credential could not be checked (the
// database failed), as opposed to being refused.
func (e *Error) Unavailable() bool { return e.Reason == ReasonError }

// Store is what authentication needs from storage; *access.DB is one.
type Store interface {
	Authenticate(ctx context.Context, presented string) (access.Principal, error)
	AuthenticateLater(ctx context.Context, presented string) (access.Principal, context.Context, error)
}

// Authenticator checks credentials against storage and counts refusals.
type Authenticator struct {
	store   Store
	metrics *metrics.Metrics
	// resource is the face's own address: OAuth access tokens are
	// accepted only when issued for it (RFC 8707 audience). Empty accepts
	// API keys only.
	resource string
}

// ForResource returns an Authenticator that also accepts OAuth access
// tokens (lsto_) issued for resource, the URL of the face that calls it
// (https://…/mcp). A token issued for another resource is refused like an
// unknown one.
func (a *Authenticator) ForResource(resource string) *Authenticator {
	b := *a
	b.resource = resource
	return &b
}

// New returns an Authenticator; m may be nil (no counting).
func New(store Store, m *metrics.Metrics) *Authenticator {
	return &Authenticator{store: store, metrics: m}
}

// Authenticate checks a presented credential against storage. Every
// request calls it: no cache stands between a revocation and the next
// request, on any replica.
func (a *Authenticator) Authenticate(ctx context.Context, credential string) (access.Principal, error) {
	if credential == "" {
		return access.Principal{}, a.Refused(ReasonMissing, nil)
	}
	if keys.AccessToken.Has(credential) && a.resource == "" {
		// This face takes API keys only; say so rather than look it up.
		return access.Principal{}, a.refusedToken(ReasonUnknown, nil)
	}
	p, err := a.store.Authenticate(ctx, credential)
	return a.verdict(credential, p, err)
}

// verdict applies the face's own rule (an access token must be issued for
// it) and turns storage's refusals into an *Error.
func (a *Authenticator) verdict(credential string, p access.Principal, err error) (access.Principal, error) {
	if p.Grant != nil && err == nil && p.Grant.Audience != a.resource {
		return access.Principal{}, a.refusedToken(ReasonUnknown, nil)
	}
	if keys.AccessToken.Has(credential) && err != nil {
		switch {
		case errors.Is(err, keys.ErrMalformed):
			return p, a.refusedToken(ReasonMalformed, nil)
		case errors.Is(err, access.ErrKeyRevoked):
			return p, a.refusedToken(ReasonRevoked, nil)
		case errors.Is(err, access.ErrKeyUnknown):
			return p, a.refusedToken(ReasonUnknown, nil)
		}
	}
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, keys.ErrMalformed):
		return p, a.Refused(ReasonMalformed, nil)
	case errors.Is(err, access.ErrKeyRevoked):
		return p, a.Refused(ReasonRevoked, nil)
	case errors.Is(err, access.ErrKeyUnknown):
		return p, a.Refused(ReasonUnknown, nil)
	case errors.Is(err, storage.ErrKeyExpired), errors.Is(err, storage.ErrAddressNotAllowed):
		// The holder of the key is told why (and when it expired): only
		// the key's holder can get this answer.
		return p, a.refusedWith(err)
	default:
		return p, a.Refused(ReasonError, err)
	}
}

// MaxLaterBody is the largest request body RequestLater leaves the
// database check for: a larger one is checked first, so that nobody whose
// key was revoked since it was last seen makes the server read much.
const MaxLaterBody = 64 << 10

// RequestLater is Request for a face that reads: the database check may
// travel with the request's first statement (access.DB.AuthenticateLater),
// saving its round trip, and the returned context carries it. The face
// must call Confirm before anything of its answer is sent.
func (a *Authenticator) RequestLater(r *http.Request) (access.Principal, context.Context, error) {
	// The key's allow-list is checked against the client address as the
	// server sees it (after LOGISTIFIED_TRUSTED_PROXIES), in the lookup.
	ctx := access.WithClientAddr(r.Context(), ClientAddr(r))
	key, present, ok := Bearer(r.Header.Values("Authorization"))
	if present && !ok {
		return access.Principal{}, ctx, a.Refused(ReasonMalformed, nil)
	}
	if key == "" || (keys.AccessToken.Has(key) && a.resource == "") || r.ContentLength < 0 || r.ContentLength > MaxLaterBody {
		p, err := a.Authenticate(ctx, key)
		return p, ctx, err
	}
	p, later, err := a.store.AuthenticateLater(ctx, key)
	p, err = a.verdict(key, p, err)
	if err != nil {
		return p, ctx, err
	}
	return p, later, nil
}

// Confirm gives the verdict on the check RequestLater left in ctx (nothing
// to do when there is none): the credential is refused (an *Error), or
// still accepted with the principal predicted (changed is false), or with
// another one (changed: what was computed is discarded and the request is
// served again with fresh, whose check is done).
func (a *Authenticator) Confirm(ctx context.Context, r *http.Request) (fresh access.Principal, changed bool, err error) {
	fresh, err = storage.ConfirmCredential(ctx)
	if errors.Is(err, storage.ErrPrincipalChanged) {
		key, _, _ := Bearer(r.Header.Values("Authorization"))
		if fresh, err = a.verdict(key, fresh, nil); err != nil {
			return access.Principal{}, false, err
		}
		return fresh, true, nil
	}
	if err != nil {
		key, _, _ := Bearer(r.Header.Values("Authorization"))
		_, err = a.verdict(key, access.Principal{}, err)
		return access.Principal{}, false, err
	}
	return access.Principal{}, false, nil
}

// Request authenticates an HTTP request by its Authorization header. It
// reads nothing but the headers, so a caller without a valid credential
// never makes the server read a body.
func (a *Authenticator) Request(r *http.Request) (access.Principal, error) {
	key, present, ok := Bearer(r.Header.Values("Authorization"))
	if present && !ok {
		return access.Principal{}, a.Refused(ReasonMalformed, nil)
	}
	// The allow-list is checked against the client address as the server
	// sees it (after LOGISTIFIED_TRUSTED_PROXIES), in the same lookup.
	return a.Authenticate(access.WithClientAddr(r.Context(), ClientAddr(r)), key)
}

// createKey is the command that issues a key, complete enough to work as
// typed.
const createKey = "`logistified keys create --store DOMAIN --created-by-name NAME --created-by-email EMAIL`"

// Refused counts a refusal and returns it with its sentence.
func (a *Authenticator) Refused(reason string, err error) *Error {
	if a.metrics != nil {
		a.metrics.AuthFailure(reason)
	}
	e := &Error{Reason: reason, Err: err}
	switch reason {
	case ReasonMissing:
		e.Msg = "no API key was given: create one on the keys page (/keys) or with " + createKey + ", and send it as Authorization: Bearer lstk_… (stdio: set LOGISTIFIED_API_KEY)"
	case ReasonMalformed:
		e.Msg = "the API key is malformed: it should be lstk_ followed by 38 letters and digits, exactly as printed when it was created; check that it was copied whole"
	case ReasonUnknown, ReasonRevoked:
		// One message for both, so a caller cannot probe which keys existed.
		e.Msg = "the API key is unknown or revoked: create a new key on the keys page (/keys) or with " + createKey + ", and use it instead"
	default:
		e.Msg = "the API key could not be checked because the database did not answer: try again shortly"
	}
	return e
}

// refusedWith is Refused for a key refused by its lifecycle (expired, or
// outside its allow-list), with storage's sentence.
func (a *Authenticator) refusedWith(err error) *Error {
	reason := ReasonExpired
	if errors.Is(err, storage.ErrAddressNotAllowed) {
		reason = ReasonAddress
	}
	e := a.Refused(reason, nil)
	e.Msg = err.Error()
	return e
}

// refusedToken is Refused for an OAuth access token, in a web-chat app's
// terms.
func (a *Authenticator) refusedToken(reason string, err error) *Error {
	e := a.Refused(reason, err)
	switch reason {
	case ReasonMalformed:
		e.Msg = "the access token is malformed: it should be lsto_ followed by 38 letters and digits, as the token endpoint issued it"
	case ReasonUnknown, ReasonRevoked:
		e.Msg = "the access token is unknown, expired or revoked, or was issued for another server: refresh it, or reconnect the app from the keys page"
	}
	return e
}

// AsError returns err as an *Error, wrapping anything else as a failure to
// check.
func (a *Authenticator) AsError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return a.Refused(ReasonError, err)
}

// Bearer extracts the credential from Authorization header values. ok is
// false when a header is present but is not a single Bearer credential.
func Bearer(values []string) (credential string, present, ok bool) {
	if len(values) == 0 || (len(values) == 1 && strings.TrimSpace(values[0]) == "") {
		return "", false, false
	}
	if len(values) > 1 {
		return "", true, false
	}
	scheme, token, found := strings.Cut(strings.TrimSpace(values[0]), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", true, false
	}
	return token, true, true
}
