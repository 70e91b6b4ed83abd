package oauth

import (
	"errors"
	"fmt"
	"net/http"
)

// oauthError is an error the protocol names (RFC 6749 §4.1.2.1 and §5.2,
// RFC 7009 §2.2.1, RFC 8707 §2): its code goes to the app, with a
// description that says what to do; cause, if any, stays in the log.
type oauthError struct {
	Code        string
	Description string
	// Status is the HTTP status at the token and revocation endpoints.
	Status int
	cause  error
}

func (e *oauthError) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Description + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Description
}

func (e *oauthError) Unwrap() error { return e.cause }

func newError(code string, status int, format string, args ...any) *oauthError {
	return &oauthError{Code: code, Status: status, Description: fmt.Sprintf(format, args...)}
}

// The errors of RFC 6749 §5.2 (and §4.1.2.1, RFC 7009, RFC 8707) this
// server answers with.
func errInvalidRequest(format string, args ...any) *oauthError {
	return newError("invalid_request", http.StatusBadRequest, format, args...)
}

func errInvalidClient(format string, args ...any) *oauthError {
	return newError("invalid_client", http.StatusUnauthorized, format, args...)
}

func errInvalidGrant(format string, args ...any) *oauthError {
	return newError("invalid_grant", http.StatusBadRequest, format, args...)
}

func errInvalidScope(format string, args ...any) *oauthError {
	return newError("invalid_scope", http.StatusBadRequest, format, args...)
}

func errUnauthorizedClient(format string, args ...any) *oauthError {
	return newError("unauthorized_client", http.StatusBadRequest, format, args...)
}

func errUnsupportedGrantType(format string, args ...any) *oauthError {
	return newError("unsupported_grant_type", http.StatusBadRequest, format, args...)
}

func errUnsupportedResponseType(format string, args ...any) *oauthError {
	return newError("unsupported_response_type", http.StatusBadRequest, format, args...)
}

func errAccessDenied(format string, args ...any) *oauthError {
	return newError("access_denied", http.StatusForbidden, format, args...)
}

func errInvalidTarget(resource string) *oauthError {
	return newError("invalid_target", http.StatusBadRequest,
		"The requested resource is not served here: this server issues tokens only for %s.", resource)
}

// errServer wraps a failure of this server's own (the database, the
// random source); the app learns only that it may retry.
func errServer(cause error) *oauthError {
	return &oauthError{Code: "server_error", Status: http.StatusInternalServerError,
		Description: "The server hit an internal error. Try again shortly.", cause: cause}
}

// asOAuthError names any error: a protocol error as itself, anything else
// as server_error.
func asOAuthError(err error) *oauthError {
	var oe *oauthError
	if errors.As(err, &oe) {
		return oe
	}
	return errServer(err)
}

// writeError answers a token or revocation request with an error response
// (RFC 6749 §5.2): JSON, never cached. An app that sent credentials in an
// Authorization header and failed to authenticate is told how to (§5.2,
// invalid_client).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	oe := asOAuthError(err)
	if oe.Code == "invalid_client" && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="logistified"`)
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, oe.Status, map[string]string{"error": oe.Code, "error_description": oe.Description})
}
