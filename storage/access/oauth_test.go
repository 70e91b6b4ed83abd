package access_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

const testAudience = "https://mcp.example.com/mcp"

func mustClient(t testing.TB, db *storage.DB, id, name string) access.OAuthClient {
	t.Helper()
	c, err := access.New(db).SaveOAuthClient(context.Background(), access.OAuthClient{ID: id, Name: name,
		RedirectURIs: []string{"https://claude.ai/api/mcp/auth_callback"}, Registration: access.RegistrationDynamic})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// issueAccess stores a fresh access token for the grant and returns it.
func issueAccess(t testing.TB, db *storage.DB, g access.Grant, ttl time.Duration) string {
	t.Helper()
	tok, err := keys.AccessToken.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := access.New(db).CreateOAuthToken(context.Background(), access.NewOAuthToken{StoreID: g.StoreID, GrantID: g.ID,
		Kind: access.TokenAccess, Hash: tok.Hash, ExpiresAt: db.Now().Add(ttl)}); err != nil {
		t.Fatal(err)
	}
	return tok.Secret
}

func TestConnectionCodesAndGrants(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		other := storagetest.MustStore(t, db, "other.myshopify.com")
		jane := mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		client := mustClient(t, db, "dcr-1", "Claude\x00 \n  web")
		if client.Name != "Claude web" {
			t.Errorf("client name %q: control characters and runs of spaces should be cleaned", client.Name)
		}
		app := access.NewGrant{ClientID: client.ID, ClientName: client.Name, Audience: testAudience}

		if _, err := access.New(db).CreateConnectionCode(ctx, other.ID, jane, "", inventory.Approval{}); !errors.Is(err, access.ErrMemberNotFound) {
			t.Errorf("a code for another store's member: %v, want ErrMemberNotFound", err)
		}
		if _, err := access.New(db).CreateConnectionCode(ctx, s.ID, jane, "admin", inventory.Approval{}); err == nil {
			t.Error("a code with scope admin was issued")
		}
		code, err := access.New(db).CreateConnectionCode(ctx, s.ID, jane, "", inventory.Approval{})
		if err != nil {
			t.Fatal(err)
		}
		if code.Scope != keys.ScopeRead || !code.ExpiresAt.Equal(c.Now().Add(10*time.Minute)) || len(code.Code) != 9 || code.Code[4] != '-' {
			t.Errorf("code %+v: want read scope, XXXX-XXXX, valid 10 minutes", code)
		}
		assertOAuthNotStored(t, db, code.Code)
		assertOAuthNotStored(t, db, strings.ReplaceAll(code.Code, "-", ""))

		for _, bad := range []string{"", "ABCD", "ABCD-EFGH", "' OR 1=1 --"} {
			if _, _, err := access.New(db).ApproveWithCode(ctx, bad, app); !errors.Is(err, access.ErrConnectionCodeInvalid) {
				t.Errorf("approving with %q: %v, want ErrConnectionCodeInvalid", bad, err)
			}
		}
		g, st, err := access.New(db).ApproveWithCode(ctx, strings.ToLower(code.Code), app)
		if err != nil {
			t.Fatal(err)
		}
		if st.ID != s.ID || g.StoreID != s.ID || g.Scope != keys.ScopeRead || g.ApprovedBy.Email != "jane@acme.com" ||
			g.ClientName != "Claude web" || !strings.HasPrefix(g.Prefix, "lsto_") || g.Audience != testAudience {
			t.Errorf("grant %+v in %+v: want acme's, read, approved by jane", g, st)
		}
		if _, _, err := access.New(db).ApproveWithCode(ctx, code.Code, app); !errors.Is(err, access.ErrConnectionCodeUsed) {
			t.Errorf("a code used twice: %v, want ErrConnectionCodeUsed", err)
		}
		late, err := access.New(db).CreateConnectionCode(ctx, s.ID, jane, keys.ScopeWrite, inventory.Approval{})
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(10 * time.Minute)
		if _, _, err := access.New(db).ApproveWithCode(ctx, late.Code, app); !errors.Is(err, access.ErrConnectionCodeExpired) {
			t.Errorf("an expired code: %v, want ErrConnectionCodeExpired", err)
		}

		// The grant is a connected app, not a key.
		list, err := access.New(db).ListGrants(ctx, s.ID)
		if err != nil || len(list) != 1 || list[0].ID != g.ID || list[0].LastUsedAt != nil || list[0].Revoked() {
			t.Fatalf("ListGrants = %+v, %v; want the one live grant", list, err)
		}
		if ks, _ := access.New(db).ListKeys(ctx, s.ID); len(ks) != 0 {
			t.Errorf("keys list shows %d rows for a connected app", len(ks))
		}
		if _, err := access.New(db).RevokeKey(ctx, s.ID, strconv.FormatInt(g.ID, 10), cli); !errors.Is(err, access.ErrKeyNotFound) {
			t.Errorf("keys revoke of a connected app: %v, want not found", err)
		}
		if list, _ := access.New(db).ListGrants(ctx, other.ID); len(list) != 0 {
			t.Errorf("another store lists %d connected apps", len(list))
		}

		// An access token authenticates as the grant.
		tok := issueAccess(t, db, g, time.Hour)
		assertOAuthNotStored(t, db, tok)
		p, err := access.New(db).Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if p.Store.ID != s.ID || p.Key.ID != g.ID || p.Key.Scope != keys.ScopeRead || p.Key.Prefix != g.Prefix ||
			p.Key.Label != "Claude web" || p.Grant == nil || p.Grant.ID != g.ID || p.Grant.Audience != testAudience {
			t.Errorf("principal %+v (grant %+v): want the grant's", p, p.Grant)
		}
		access.New(db).FlushLastUsed()
		if got, _ := access.New(db).GrantByID(ctx, s.ID, g.ID); got.LastUsedAt == nil {
			t.Error("last used is not recorded for a connected app")
		}
		typo := []byte(tok)
		typo[10] ^= 1
		if _, err := access.New(db).Authenticate(ctx, string(typo)); !errors.Is(err, keys.ErrMalformed) {
			t.Errorf("a mistyped token: %v, want malformed", err)
		}
		unknown, _ := keys.AccessToken.Generate()
		if _, err := access.New(db).Authenticate(ctx, unknown.Secret); !errors.Is(err, storage.ErrKeyUnknown) {
			t.Errorf("an unknown token: %v, want unknown", err)
		}
		expired := issueAccess(t, db, g, time.Minute)
		c.Advance(time.Minute)
		if _, err := access.New(db).Authenticate(ctx, expired); !errors.Is(err, storage.ErrKeyRevoked) {
			t.Errorf("an expired token: %v, want refused", err)
		}

		// Store B cannot revoke store A's app; A's member can.
		if _, err := access.New(db).RevokeGrant(ctx, other.ID, g.ID, cli); !errors.Is(err, access.ErrGrantNotFound) {
			t.Errorf("another store revoked the grant: %v", err)
		}
		r, err := access.New(db).RevokeGrant(ctx, s.ID, g.ID, jane.Person())
		if err != nil || !r.Revoked() {
			t.Fatalf("RevokeGrant = %+v, %v", r, err)
		}
		if _, err := access.New(db).Authenticate(ctx, tok); !errors.Is(err, storage.ErrKeyUnknown) && !errors.Is(err, storage.ErrKeyRevoked) {
			t.Errorf("a revoked grant's token: %v, want refused", err)
		}
		if err := access.New(db).CreateOAuthToken(ctx, access.NewOAuthToken{StoreID: s.ID, GrantID: g.ID, Kind: access.TokenAccess,
			Hash: []byte("x"), ExpiresAt: db.Now().Add(time.Hour)}); err == nil {
			t.Error("a token was issued for a revoked grant")
		}
		if _, err := access.New(db).RevokeGrant(ctx, s.ID, g.ID, jane.Person()); err != nil {
			t.Errorf("revoking twice: %v", err)
		}

		log, err := db.AuditLog(ctx, s.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action+":"+e.Outcome)
			if e.Action == "app.revoke" && (e.MemberID == nil || *e.MemberID != jane.ID || e.KeyPrefix != g.Prefix) {
				t.Errorf("revocation audited as %+v: want jane and the grant", e)
			}
		}
		want := "app.revoke:ok app.approve:refused app.connection_code:ok app.approve:refused app.approve:ok app.connection_code:ok"
		if got := strings.Join(actions, " "); !strings.Contains(got, want) {
			t.Errorf("audit log %q: want %q", got, want)
		}
	}, storage.WithClock(c.Now))
}

func TestOAuthTokensRotate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		jane := mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		client := mustClient(t, db, "dcr-1", "ChatGPT")
		code, _ := access.New(db).CreateConnectionCode(ctx, s.ID, jane, keys.ScopeWrite, inventory.Approval{})
		g, _, err := access.New(db).ApproveWithCode(ctx, code.Code, access.NewGrant{ClientID: client.ID, ClientName: client.Name, Audience: testAudience})
		if err != nil {
			t.Fatal(err)
		}
		accessToken, _ := keys.AccessToken.Generate()
		refresh, _ := keys.RefreshToken.Generate()
		for _, n := range []access.NewOAuthToken{
			{StoreID: s.ID, GrantID: g.ID, Kind: access.TokenAccess, Hash: accessToken.Hash, ExpiresAt: db.Now().Add(time.Hour)},
			{StoreID: s.ID, GrantID: g.ID, Kind: access.TokenRefresh, Hash: refresh.Hash, AccessHash: accessToken.Hash, ExpiresAt: db.Now().Add(time.Hour)},
		} {
			if err := access.New(db).CreateOAuthToken(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := access.New(db).OAuthTokenByHash(ctx, access.TokenAccess, refresh.Hash); !errors.Is(err, access.ErrOAuthTokenNotFound) {
			t.Errorf("a refresh token found as an access token: %v", err)
		}
		got, err := access.New(db).OAuthTokenByHash(ctx, access.TokenRefresh, refresh.Hash)
		if err != nil || got.Grant.ID != g.ID || got.UsedAt != nil || got.Grant.Scope != keys.ScopeWrite {
			t.Fatalf("OAuthTokenByHash = %+v, %v", got, err)
		}
		won, err := access.New(db).UseOAuthToken(ctx, access.TokenRefresh, refresh.Hash)
		if err != nil || !won {
			t.Fatalf("first rotation: %v, %v", won, err)
		}
		if won, _ := access.New(db).UseOAuthToken(ctx, access.TokenRefresh, refresh.Hash); won {
			t.Error("a refresh token rotated twice")
		}
		if _, err := access.New(db).Authenticate(ctx, accessToken.Secret); !errors.Is(err, storage.ErrKeyUnknown) {
			t.Errorf("the rotated refresh token's access token still works: %v", err)
		}
		got, _ = access.New(db).OAuthTokenByHash(ctx, access.TokenRefresh, refresh.Hash)
		if got.UsedAt == nil {
			t.Error("a rotated refresh token is not marked used (reuse could not be told)")
		}
		if _, err := access.New(db).RevokeGrantForApp(ctx, s.ID, g.ID, "refresh token reused"); err != nil {
			t.Fatal(err)
		}
		if _, err := access.New(db).OAuthTokenByHash(ctx, access.TokenRefresh, refresh.Hash); !errors.Is(err, access.ErrOAuthTokenNotFound) {
			t.Errorf("a revoked grant's tokens remain: %v", err)
		}
	})
}

// assertOAuthNotStored fails if secret is in any OAuth table or the audit
// log in clear.
func assertOAuthNotStored(t *testing.T, db *storage.DB, secret string) {
	t.Helper()
	assertNoHashIs(t, db, secret,
		`SELECT count(*) FROM oauth_tokens WHERE hash = $1 OR access_hash = $1`,
		`SELECT count(*) FROM oauth_connection_codes WHERE hash = $1`,
		`SELECT count(*) FROM api_keys WHERE hash = $1`)
	var found int
	if err := db.Backend().QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM audit_log WHERE detail LIKE '%' || $1 || '%' OR arguments LIKE '%' || $1 || '%' OR key_prefix = $1)
		 + (SELECT count(*) FROM oauth_tokens WHERE redirect_uri LIKE '%' || $1 || '%' OR code_challenge = $1)`, secret).Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found != 0 {
		t.Error("a secret appears in the database in clear")
	}
}

func TestPruneOAuth(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storagetest.MustStore(t, db, "acme.myshopify.com")
		jane := mustMember(t, db, s.ID, "Jane Doe", "jane@acme.com")
		client := mustClient(t, db, "dcr-1", "Claude")
		mustClient(t, db, "dcr-2", "Registered, never approved")
		code, _ := access.New(db).CreateConnectionCode(ctx, s.ID, jane, "", inventory.Approval{})
		g, _, err := access.New(db).ApproveWithCode(ctx, code.Code, access.NewGrant{ClientID: client.ID, ClientName: client.Name, Audience: testAudience})
		if err != nil {
			t.Fatal(err)
		}
		issueAccess(t, db, g, 2*time.Hour)
		issueAccess(t, db, g, time.Hour)
		if _, err := access.New(db).CreateConnectionCode(ctx, s.ID, jane, "", inventory.Approval{}); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
		if n, err := access.New(db).PruneOAuth(ctx); err != nil || n != 1 {
			t.Errorf("PruneOAuth after an hour = %d, %v; want the expired token", n, err)
		}
		c.Advance(25 * time.Hour)
		if n, err := access.New(db).PruneOAuth(ctx); err != nil || n != 4 {
			t.Errorf("PruneOAuth after a day = %d, %v; want the other token, both connection codes and the unapproved app", n, err)
		}
		if storagetest.Count(t, db, "oauth_tokens") != 0 || storagetest.Count(t, db, "oauth_connection_codes") != 0 {
			t.Error("expired rows remain")
		}
		if storagetest.Count(t, db, "oauth_clients") != 1 {
			t.Error("the approved app must stay and the one never approved go")
		}
	}, storage.WithClock(c.Now))
}
