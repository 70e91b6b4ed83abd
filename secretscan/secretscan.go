// Package secretscan receives GitHub's secret-scanning partner alerts at
// POST /hooks/github/secret-scanning: GitHub finds an lstk_ key in a
// public repository, gist or package and sends it here, signed; every
// token that is a key of this server revokes that key at once.
//
// The endpoint is reachable without a key, so it trusts nothing it is
// sent before the signature is verified with one of GitHub's published
// keys: a bad signature, an unknown key identifier or an oversized body is
// refused (400) before any token is looked at.
package secretscan

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/storage/access"
)

// Path is where the endpoint is mounted.
const Path = "/hooks/github/secret-scanning"

// DefaultKeysURL is GitHub's document of the keys that sign its
// secret-scanning alerts.
const DefaultKeysURL = "https://api.github.com/meta/public_keys/secret_scanning"

// MaxBodyBytes caps an alert's body: larger is refused with 400.
const MaxBodyBytes = 1 << 20

// MaxTokens caps the tokens of one alert.
const MaxTokens = 1000

// minRefresh is the least time between two fetches of the keys document:
// unknown key identifiers (anyone can send one) must not make the server
// fetch it at the rate they arrive.
const minRefresh = time.Minute

// Revoker is what the endpoint needs from storage; *access.DB is one.
type Revoker interface {
	RevokeLeaked(ctx context.Context, reports []access.LeakReport) ([]bool, error)
}

// Options configure New.
type Options struct {
	DB  Revoker
	Log zerolog.Logger
	// KeysURL is the JSON document of GitHub's public keys
	// (LOGISTIFIED_SECRET_SCANNING_KEYS_URL); empty: DefaultKeysURL.
	KeysURL string
	// Client fetches it; nil: a client with a 10-second timeout.
	Client *http.Client
	// Limit is the per-address allowance; nil: 60 at once, then one a
	// second.
	Limit *auth.PerAddress
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Handler serves the endpoint.
type Handler struct {
	db      Revoker
	log     zerolog.Logger
	keysURL string
	client  *http.Client
	limit   *auth.PerAddress
	now     func() time.Time

	mu      sync.Mutex
	keys    map[string]*ecdsa.PublicKey
	fetched time.Time // last fetch attempt
}

// New returns the endpoint's handler.
func New(o Options) *Handler {
	h := &Handler{db: o.DB, log: o.Log, keysURL: o.KeysURL, client: o.Client, limit: o.Limit, now: o.Now, keys: map[string]*ecdsa.PublicKey{}}
	if h.keysURL == "" {
		h.keysURL = DefaultKeysURL
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second}
	}
	if h.limit == nil {
		h.limit = auth.NewPerAddress(60, time.Second)
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// alert is one token of GitHub's payload.
type alert struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// verdict is one element of the answer, in GitHub's format.
type verdict struct {
	TokenRaw  string `json:"token_raw"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := logging.For(r.Context(), h.log)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, problem("method_not_allowed", "POST secret-scanning alerts here"))
		return
	}
	if h.limit.Exhausted(r) {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, problem("rate_limited", "too many alerts from this address: retry shortly"))
		return
	}
	h.limit.Spend(r)
	if r.ContentLength > MaxBodyBytes {
		writeJSON(w, http.StatusBadRequest, problem("too_large", fmt.Sprintf("the alert is larger than %d bytes", MaxBodyBytes)))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil || len(body) > MaxBodyBytes {
		writeJSON(w, http.StatusBadRequest, problem("too_large", fmt.Sprintf("the alert could not be read or is larger than %d bytes", MaxBodyBytes)))
		return
	}
	if err := h.verify(r.Context(), r.Header.Get("Github-Public-Key-Identifier"), r.Header.Get("Github-Public-Key-Signature"), body); errors.Is(err, errUnavailable) {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, http.StatusServiceUnavailable, problem("unavailable", err.Error()))
		return
	} else if err != nil {
		log.Warn().Err(err).Str("client_addr", auth.ClientAddr(r)).Msg("secret-scanning alert refused")
		writeJSON(w, http.StatusBadRequest, problem("bad_signature", err.Error()))
		return
	}
	var alerts []alert
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&alerts); err != nil || dec.More() {
		writeJSON(w, http.StatusBadRequest, problem("bad_payload", "the alert is not a JSON array of {token, type, url, source}"))
		return
	}
	if len(alerts) > MaxTokens {
		writeJSON(w, http.StatusBadRequest, problem("too_many", fmt.Sprintf("the alert has %d tokens; at most %d are taken at once", len(alerts), MaxTokens)))
		return
	}
	reports := make([]access.LeakReport, len(alerts))
	for i, a := range alerts {
		reports[i] = access.LeakReport{Token: a.Token, URL: a.URL, Source: a.Source}
	}
	found, err := h.db.RevokeLeaked(r.Context(), reports)
	if err != nil {
		// GitHub retries a failed delivery: nothing is lost by a 500.
		log.Error().Err(err).Msg("revoking leaked keys")
		writeJSON(w, http.StatusInternalServerError, problem("internal", "the alert could not be processed: it will be retried"))
		return
	}
	out := make([]verdict, len(alerts))
	revoked := 0
	for i, a := range alerts {
		out[i] = verdict{TokenRaw: a.Token, TokenType: a.Type, Label: "false_positive"}
		if found[i] {
			out[i].Label = "true_positive"
			revoked++
		}
	}
	// Never the tokens in the log: a count and where they were found.
	log.Info().Int("tokens", len(alerts)).Int("true_positives", revoked).Msg("secret-scanning alert processed")
	writeJSON(w, http.StatusOK, out)
}

// errSignature is every refused signature: the caller is not told which
// check failed beyond what it sent.
var errSignature = errors.New("the signature does not verify")

// errUnavailable: GitHub's keys could not be fetched; the alert is not
// refused but cannot be checked now.
var errUnavailable = errors.New("GitHub's public keys could not be fetched: the alert will be retried")

// verify checks sig (base64 ASN.1 DER ECDSA) over body with GitHub's key
// keyID.
func (h *Handler) verify(ctx context.Context, keyID, sig string, body []byte) error {
	keyID, sig = strings.TrimSpace(keyID), strings.TrimSpace(sig)
	if keyID == "" || sig == "" {
		return errors.New("Github-Public-Key-Identifier and Github-Public-Key-Signature are required")
	}
	if len(keyID) > 200 {
		return errors.New("unknown Github-Public-Key-Identifier")
	}
	der, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return errSignature
	}
	pub, err := h.key(ctx, keyID)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		return errSignature
	}
	return nil
}

// key returns the public key keyID, fetching the document again when it
// is unknown, at most once per minRefresh.
func (h *Handler) key(ctx context.Context, keyID string) (*ecdsa.PublicKey, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if k, ok := h.keys[keyID]; ok {
		return k, nil
	}
	if now := h.now(); h.fetched.IsZero() || now.Sub(h.fetched) >= minRefresh {
		h.fetched = now
		keys, err := h.fetch(ctx)
		if err != nil {
			h.log.Error().Err(err).Str("url", h.keysURL).Msg("fetching GitHub's secret-scanning keys")
			return nil, errUnavailable
		}
		h.keys = keys
		if k, ok := h.keys[keyID]; ok {
			return k, nil
		}
	}
	if len(h.keys) == 0 {
		return nil, errUnavailable // the last fetch failed
	}
	return nil, errors.New("unknown Github-Public-Key-Identifier")
}

// fetch reads the keys document: {"public_keys":[{"key_identifier",
// "key" (PEM), "is_current"}]}. Keys that are not ECDSA P-256 are skipped.
func (h *Handler) fetch(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.keysURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var doc struct {
		PublicKeys []struct {
			KeyIdentifier string `json:"key_identifier"`
			Key           string `json:"key"`
		} `json:"public_keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding the keys document: %w", err)
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range doc.PublicKeys {
		block, _ := pem.Decode([]byte(k.Key))
		if block == nil {
			continue
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			continue
		}
		if ec, ok := pub.(*ecdsa.PublicKey); ok && ec.Curve == elliptic.P256() {
			out[k.KeyIdentifier] = ec
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the keys document holds no ECDSA P-256 key")
	}
	return out, nil
}

func problem(code, msg string) map[string]string {
	return map[string]string{"error": code, "message": msg}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
