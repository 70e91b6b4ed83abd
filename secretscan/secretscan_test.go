package secretscan_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/secretscan"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// signer is a test key pair standing in for GitHub's, with its public key
// served from a local URL as GitHub serves meta/public_keys/secret_scanning.
type signer struct {
	mu      sync.Mutex
	id      string
	priv    *ecdsa.PrivateKey
	doc     []byte
	fetches atomic.Int32
	url     string
}

// rotate replaces the key pair and the document GitHub serves.
func (s *signer) rotate(t *testing.T) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.priv = priv
	s.id = fmt.Sprintf("%x", sha256.Sum256(der))
	s.doc, _ = json.Marshal(map[string]any{"public_keys": []map[string]any{{
		"key_identifier": s.id, "is_current": true,
		"key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}}})
}

func newSigner(t *testing.T) *signer {
	t.Helper()
	s := &signer{}
	s.rotate(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		doc := s.doc
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *signer) sign(t *testing.T, body []byte) string {
	t.Helper()
	d := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, s.priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// replica is one server process: its own database handle, its own REST
// face, its own hook.
type replica struct {
	db   *storage.DB
	api  http.Handler
	hook http.Handler
}

func newReplica(t *testing.T, url string, s *signer, now func() time.Time) replica {
	t.Helper()
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return replica{
		db:   db,
		api:  rest.New(rest.Options{DB: db, Log: zerolog.Nop()}),
		hook: secretscan.New(secretscan.Options{DB: access.New(db), Log: zerolog.Nop(), KeysURL: s.url, Now: now, Limit: auth.NewPerAddress(1000, time.Millisecond)}),
	}
}

func (r replica) get(key string) int {
	req := httptest.NewRequest(http.MethodGet, "/api/v1/store", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	r.api.ServeHTTP(w, req)
	return w.Code
}

func (r replica) alert(body []byte, keyID, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, secretscan.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if keyID != "" {
		req.Header.Set("Github-Public-Key-Identifier", keyID)
	}
	if sig != "" {
		req.Header.Set("Github-Public-Key-Signature", sig)
	}
	w := httptest.NewRecorder()
	r.hook.ServeHTTP(w, req)
	return w
}

type verdict struct {
	TokenRaw  string `json:"token_raw"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

func TestLeakAlert(t *testing.T) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			clock := func() time.Time { return now }
			s := newSigner(t)
			url := storagetest.URL(t, name)
			a := newReplica(t, url, s, clock)
			b := newReplica(t, url, s, clock)
			st, err := access.New(a.db).CreateStore(ctx, access.NewStore{Domain: "acme.myshopify.com", Name: "Acme"})
			if err != nil {
				t.Fatal(err)
			}
			mk := func(label string) access.CreatedKey {
				k, err := access.New(a.db).CreateKey(ctx, st.ID, access.NewKey{Scope: keys.ScopeRead, Label: label, CreatedByName: "Jane", CreatedByEmail: "jane@example.com"})
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			leaked, kept := mk("pasted"), mk("kept")
			for _, r := range []replica{a, b} {
				if code := r.get(leaked.Secret); code != http.StatusOK {
					t.Fatalf("before the alert: %d", code)
				}
			}
			stranger, _ := keys.Generate()
			body, _ := json.Marshal([]map[string]string{
				{"token": leaked.Secret, "type": "logistified_api_key", "url": "https://github.com/octo/repo/blob/abc/.env", "source": "content"},
				{"token": stranger.Secret, "type": "logistified_api_key", "url": "https://github.com/octo/repo/blob/abc/x"},
			})
			auditCount := func() int {
				e, _, err := access.New(a.db).AuditEntries(ctx, st.ID, access.AuditFilter{Limit: access.MaxAuditLimit})
				if err != nil {
					t.Fatal(err)
				}
				return len(e)
			}
			startAudit := auditCount()

			// Refusals first: none changes anything.
			wrongKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			d := sha256.Sum256(body)
			forged, _ := ecdsa.SignASN1(rand.Reader, wrongKey, d[:])
			tampered := bytes.Replace(body, []byte("octo"), []byte("otco"), 1)
			big := append([]byte(`[{"token":"`), bytes.Repeat([]byte("a"), secretscan.MaxBodyBytes)...)
			big = append(big, `"}]`...)
			for _, tc := range []struct {
				name      string
				body      []byte
				keyID     string
				signature string
			}{
				{"bad signature", body, s.id, base64.StdEncoding.EncodeToString(forged)},
				{"signature of another body", tampered, s.id, s.sign(t, body)},
				{"not base64", body, s.id, "%%%"},
				{"wrong key id", body, strings.Repeat("f", 64), s.sign(t, body)},
				{"no headers", body, "", ""},
				{"oversize", big, s.id, s.sign(t, big)},
			} {
				w := a.alert(tc.body, tc.keyID, tc.signature)
				if w.Code != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400 (%s)", tc.name, w.Code, w.Body)
				}
			}
			if fetches := s.fetches.Load(); fetches != 1 {
				t.Errorf("the keys document was fetched %d times; the unknown id within a minute must not fetch it again", fetches)
			}
			for _, r := range []replica{a, b} {
				if code := r.get(leaked.Secret); code != http.StatusOK {
					t.Fatalf("a refused alert changed the key: %d", code)
				}
			}
			if n := auditCount(); n != startAudit {
				t.Fatalf("refused alerts wrote %d audit entries", n-startAudit)
			}

			// A token that matches nothing: false positive, nothing changes.
			onlyStranger, _ := json.Marshal([]map[string]string{{"token": stranger.Secret, "type": "logistified_api_key", "url": "https://x"}})
			w := a.alert(onlyStranger, s.id, s.sign(t, onlyStranger))
			var got []verdict
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK || len(got) != 1 || got[0].Label != "false_positive" {
				t.Fatalf("non-matching token: %d %s", w.Code, w.Body)
			}
			if n := auditCount(); n != startAudit {
				t.Fatal("a non-matching token wrote to the audit log")
			}

			// The valid alert, on replica a.
			w = a.alert(body, s.id, s.sign(t, body))
			if w.Code != http.StatusOK {
				t.Fatalf("valid alert: %d %s", w.Code, w.Body)
			}
			got = nil
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			want := []verdict{{leaked.Secret, "logistified_api_key", "true_positive"}, {stranger.Secret, "logistified_api_key", "false_positive"}}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("answer %+v, want %+v", got, want)
			}
			for i, r := range []replica{a, b} {
				if code := r.get(leaked.Secret); code != http.StatusUnauthorized {
					t.Errorf("replica %d: the leaked key's next request: %d, want 401", i, code)
				}
				if code := r.get(kept.Secret); code != http.StatusOK {
					t.Errorf("replica %d: another key: %d", i, code)
				}
			}
			afterAlert := auditCount()

			// Replayed (to the other replica): harmless.
			w = b.alert(body, s.id, s.sign(t, body))
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "true_positive") {
				t.Fatalf("replay: %d %s", w.Code, w.Body)
			}
			if n := auditCount(); n != afterAlert {
				t.Errorf("the replay wrote %d audit entries", n-afterAlert)
			}
			list, _ := access.New(a.db).ListKeys(ctx, st.ID)
			if list[0].LeakURL != "https://github.com/octo/repo/blob/abc/.env" {
				t.Errorf("leak URL %q", list[0].LeakURL)
			}
		})
	}
}

// A flood from one address is refused with 429 before any work.
func TestRateLimited(t *testing.T) {
	s := newSigner(t)
	h := secretscan.New(secretscan.Options{Log: zerolog.Nop(), KeysURL: s.url, Limit: auth.NewPerAddress(3, time.Hour)})
	codes := []int{}
	for range 5 {
		req := httptest.NewRequest(http.MethodPost, secretscan.Path, strings.NewReader("[]"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		codes = append(codes, w.Code)
	}
	if codes[3] != http.StatusTooManyRequests || codes[4] != http.StatusTooManyRequests || codes[0] != http.StatusBadRequest {
		t.Fatalf("codes %v, want three 400s then 429s", codes)
	}
}

// GitHub rotates its key: an alert signed with a key id the server does
// not hold makes it fetch the document again (once a minute at most), and
// the new key verifies.
func TestKeyRotation(t *testing.T) {
	s := newSigner(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := secretscan.New(secretscan.Options{DB: noKeys{}, Log: zerolog.Nop(), KeysURL: s.url, Now: clock, Limit: auth.NewPerAddress(1000, time.Millisecond)})
	post := func(id, sig string, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, secretscan.Path, bytes.NewReader(body))
		req.Header.Set("Github-Public-Key-Identifier", id)
		req.Header.Set("Github-Public-Key-Signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	body := []byte(`[{"token":"lstk_x","type":"logistified_api_key","url":"https://x"}]`)
	if code := post(s.id, s.sign(t, body), body); code != http.StatusOK {
		t.Fatalf("current key: %d", code)
	}
	s.rotate(t)
	if code := post(s.id, s.sign(t, body), body); code != http.StatusBadRequest {
		t.Fatalf("a new key id within a minute of the last fetch: %d, want 400", code)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if code := post(s.id, s.sign(t, body), body); code != http.StatusOK {
		t.Fatalf("the new key after a minute: %d", code)
	}
	if n := s.fetches.Load(); n != 2 {
		t.Errorf("fetched %d times, want 2", n)
	}
}

type noKeys struct{}

func (noKeys) RevokeLeaked(_ context.Context, r []access.LeakReport) ([]bool, error) {
	return make([]bool, len(r)), nil
}
