package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestMembersCommands(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		out := mustRun(t, url, "members", "add", "--store", "acme.myshopify.com", "--name", "Jane Doe", "--email", "Jane@Acme.com")
		if !strings.Contains(out, "Added Jane Doe <jane@acme.com>") || !strings.Contains(out, "signin-link --store acme.myshopify.com --email jane@acme.com") {
			t.Errorf("members add printed:\n%s", out)
		}
		out = mustRun(t, url, "members", "add", "--store", "acme.myshopify.com", "--name", "Ann Lee", "--email", "ann@acme.com", "--json")
		if got := strings.Join(jsonKeys(t, json.RawMessage(out)), ","); got != "created_at,email,id,name,store" {
			t.Errorf("members add --json fields: %s", got)
		}
		_, _, err := runCmd(t, "--database-url", url, "members", "add", "--store", "acme.myshopify.com", "--name", "J", "--email", "JANE@acme.com")
		wantUserError(t, err, "already has that email")
		_, _, err = runCmd(t, "--database-url", url, "members", "add", "--store", "acme.myshopify.com", "--name", "J", "--email", "not-an-email")
		wantUserError(t, err, "not a valid email address")

		var list []memberJSON
		if err := json.Unmarshal([]byte(mustRun(t, url, "members", "list", "--store", "acme.myshopify.com", "--json")), &list); err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Email != "ann@acme.com" || list[1].Name != "Jane Doe" {
			t.Errorf("members list --json = %+v", list)
		}
		if out := mustRun(t, url, "members", "list", "--store", "acme.myshopify.com"); !strings.Contains(out, "NAME") || !strings.Contains(out, "jane@acme.com") {
			t.Errorf("members list printed:\n%s", out)
		}

		// A link, then removal: the link no longer signs in.
		var link signinLinkJSON
		out = mustRun(t, url, "signin-link", "--store", "acme.myshopify.com", "--email", "ann@acme.com", "--json")
		if got := strings.Join(jsonKeys(t, json.RawMessage(out)), ","); got != "expires_at,member,url" {
			t.Errorf("signin-link --json fields: %s", got)
		}
		if err := json.Unmarshal([]byte(out), &link); err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, url, "members", "remove", "--store", "acme.myshopify.com", "ANN@acme.com"); !strings.Contains(out, "Removed Ann Lee") {
			t.Errorf("members remove printed:\n%s", out)
		}
		if _, err := signIn(t, url, link.URL); err == nil {
			t.Error("a removed member's link still signs in")
		}
		_, _, err = runCmd(t, "--database-url", url, "members", "remove", "--store", "acme.myshopify.com", "ann@acme.com")
		wantUserError(t, err, "no member of this store has that email")
		_, _, err = runCmd(t, "--database-url", url, "members", "remove", "--store", "acme.myshopify.com")
		wantUserError(t, err, "give exactly one member's email address")
	})
}

var linkPattern = regexp.MustCompile(`https?://\S+/signin/[A-Za-z0-9_-]{43}`)

// signIn redeems a link's token against the database, as the page does.
func signIn(t *testing.T, url, link string) (access.NewSession, error) {
	t.Helper()
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return access.New(db).SignIn(context.Background(), link[strings.LastIndex(link, "/")+1:])
}

func TestSigninLinkCommand(t *testing.T) {
	url := storagetest.URL(t, "sqlite")
	mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
	mustRun(t, url, "members", "add", "--store", "acme.myshopify.com", "--name", "Jane Doe", "--email", "jane@acme.com")

	out := mustRun(t, url, "signin-link", "--store", "acme.myshopify.com", "--email", "jane@acme.com")
	link := linkPattern.FindString(out)
	if !strings.HasPrefix(link, "http://127.0.0.1:8080/signin/") || !strings.Contains(out, "Jane Doe <jane@acme.com>") {
		t.Fatalf("signin-link printed:\n%s", out)
	}
	var j signinLinkJSON
	if err := json.Unmarshal([]byte(mustRun(t, url, "signin-link", "--store", "acme.myshopify.com", "--email", "JANE@acme.com",
		"--url", "https://logistified.acme.com/", "--json")), &j); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(j.URL, "https://logistified.acme.com/signin/") || j.Member != (createdBy{"Jane Doe", "jane@acme.com"}) ||
		j.ExpiresAt.Sub(time.Now()) > 15*time.Minute || j.ExpiresAt.Sub(time.Now()) < 14*time.Minute {
		t.Errorf("signin-link --json = %+v", j)
	}
	s, err := signIn(t, url, link)
	if err != nil || s.Member.Email != "jane@acme.com" {
		t.Fatalf("the printed link does not sign in: %v", err)
	}
	if _, err := signIn(t, url, link); err == nil {
		t.Error("the printed link signed in twice")
	}

	for _, c := range []struct {
		args    []string
		mention string
	}{
		{[]string{"--email", "nobody@acme.com"}, "no member of this store has that email"},
		{[]string{"--email", "jane@acme.com", "--url", "ftp://x"}, "not a base URL"},
		{[]string{"--email", "bad"}, "not a valid email address"},
	} {
		_, _, err := runCmd(t, append([]string{"--database-url", url, "signin-link", "--store", "acme.myshopify.com"}, c.args...)...)
		wantUserError(t, err, c.mention)
	}
}

// The quick start: serve --demo prints a sign-in link that opens the keys
// page, signed in as the demo owner; demo --json carries one too.
func TestServeDemoSigninLinkOpensThePage(t *testing.T) {
	t.Setenv("LOGISTIFIED_HOME", t.TempDir()) // for the demo's keys file
	url := storagetest.URL(t, "sqlite")
	var doc map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, url, "demo", "--variants", "200", "--json")), &doc); err != nil {
		t.Fatal(err)
	}
	if s, _ := doc["signin_url"].(string); !strings.HasPrefix(s, "http://127.0.0.1:8080/signin/") {
		t.Errorf("demo --json signin_url = %v", doc["signin_url"])
	}

	addr := freeAddr(t)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	root := newRootCmd(stdout, stderr)
	root.SetArgs([]string{"--database-url", url, "serve", "--demo", "--addr", addr})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve --demo did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	link := linkPattern.FindString(stdout.String())
	if !strings.HasPrefix(link, "http://"+addr+"/signin/") || !strings.Contains(stdout.String(), "Manage keys in the browser as Demo Owner") {
		t.Fatalf("serve --demo printed no sign-in link for its address:\n%s", stdout.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.Request.URL.Path != "/keys" || !strings.Contains(page, "LLM / Agent Access") || !strings.Contains(page, "Demo Owner") ||
		!strings.Contains(page, "owner@demo-store.example") || !strings.Contains(page, "demo read") {
		t.Errorf("the link led to %s:\n%s", resp.Request.URL, page)
	}
	if strings.Contains(stderr.String(), link[len(link)-43:]) {
		t.Error("the sign-in token reached the logs")
	}
}
