package mcp

import (
	"context"
	"errors"
	"strings"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/storage"
)

// authError is a refused key: why (a metrics label) and the sentence the
// caller sees. Neither ever contains the key.
type authError struct {
	reason string
	msg    string
	err    error // the underlying error when the database failed
}

func (e *authError) Error() string { return e.msg }
func (e *authError) Unwrap() error { return e.err }

// authenticate checks a presented key against storage. Every request calls
// it, so a revocation holds from the key's next request on.
func (s *Server) authenticate(ctx context.Context, key string) (storage.Principal, error) {
	if key == "" {
		return storage.Principal{}, s.refused(reasonMissing, nil)
	}
	p, err := s.db.Authenticate(ctx, key)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, keys.ErrMalformed):
		return p, s.refused(reasonMalformed, nil)
	case errors.Is(err, storage.ErrKeyRevoked):
		return p, s.refused(reasonRevoked, nil)
	case errors.Is(err, storage.ErrKeyUnknown):
		return p, s.refused(reasonUnknown, nil)
	default:
		return p, s.refused(reasonError, err)
	}
}

func (s *Server) refused(reason string, err error) *authError {
	s.metrics.AuthFailure(reason)
	e := &authError{reason: reason, err: err}
	switch reason {
	case reasonMissing:
		e.msg = "no API key was given: create one with `logistified keys create --store DOMAIN` and send it as Authorization: Bearer lstk_… (stdio: set LOGISTIFIED_API_KEY)"
	case reasonMalformed:
		e.msg = "the API key is malformed: it should be lstk_ followed by 38 letters and digits, exactly as printed when it was created; check that it was copied whole"
	case reasonUnknown, reasonRevoked:
		// One message for both, so a caller cannot probe which keys existed.
		e.msg = "the API key is unknown or revoked: create a new key with `logistified keys create --store DOMAIN` and use it instead"
	default:
		e.msg = "the API key could not be checked because the database did not answer: try again shortly"
	}
	return e
}

// bearer extracts the key from Authorization header values. ok is false
// when a header is present but is not a single Bearer credential.
func bearer(values []string) (key string, present, ok bool) {
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

// The metrics' labels, by the names this package uses.
const (
	outcomeOK        = metrics.OutcomeOK
	outcomeToolError = metrics.OutcomeToolError
	outcomeRefused   = metrics.OutcomeRefused
	outcomeInternal  = metrics.OutcomeInternal
	outcomePanic     = metrics.OutcomePanic

	reasonMissing   = metrics.ReasonMissing
	reasonMalformed = metrics.ReasonMalformed
	reasonUnknown   = metrics.ReasonUnknown
	reasonRevoked   = metrics.ReasonRevoked
	reasonError     = metrics.ReasonError
)
