package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// serveDemo runs `serve --demo` until it answers /healthz, stops it, and
// returns what it printed and the read and write keys it showed.
func serveDemo(t *testing.T, url string) (out, readKey, writeKey string) {
	t.Helper()
	addr := freeAddr(t)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	root := newRootCmd(stdout, stderr)
	root.SetArgs([]string{"--database-url", url, "serve", "--demo", "--addr", addr})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve --demo ended: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve --demo did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	out = stdout.String()
	for _, line := range strings.Split(out, "\n") {
		if k := keyPattern.FindString(line); k != "" && strings.HasPrefix(line, "Read key:") {
			readKey = k
		} else if k != "" && strings.HasPrefix(line, "Write key:") {
			writeKey = k
		}
	}
	if readKey == "" || writeKey == "" {
		t.Fatalf("serve --demo printed no keys:\n%s", out)
	}
	return out, readKey, writeKey
}

// liveDemoKeys lists the prefixes of the demo store's keys not revoked.
func liveDemoKeys(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := access.New(db).StoreByDomain(ctx, demo.DefaultDomain)
	if err != nil {
		t.Fatal(err)
	}
	list, err := access.New(db).ListKeys(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, k := range list {
		if !k.Revoked() {
			live = append(live, k.Prefix)
		}
	}
	return live
}

// Each serve --demo shows the demo's keys kept from the run before while
// they are live, else issues a new pair and revokes the earlier ones, and
// says which; the store never collects twins.
func TestServeDemoReusesOrReplacesItsKeys(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		home := t.TempDir()
		t.Setenv("LOGISTIFIED_HOME", home)
		file := filepath.Join(home, demo.KeyFileName)

		out, r1, w1 := serveDemo(t, url)
		if !strings.Contains(out, "These keys are new") || !strings.Contains(out, file) {
			t.Errorf("the first run does not say its keys are new and kept in %s:\n%s", file, out)
		}
		st, err := os.Stat(file)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("the keys file: %v %v, want mode 0600", st, err)
		}
		if b, _ := os.ReadFile(file); !strings.Contains(string(b), r1) || !strings.Contains(string(b), w1) || strings.Contains(string(b), url) {
			t.Errorf("the keys file does not hold the keys, or names the database URL:\n%s", b)
		}

		out, r2, w2 := serveDemo(t, url)
		if r2 != r1 || w2 != w1 || !strings.Contains(out, "earlier run") {
			t.Errorf("the second run did not reuse the keys:\n%s", out)
		}
		if live := liveDemoKeys(t, url); len(live) != 2 {
			t.Errorf("after two runs the demo store has %d live keys: %v", len(live), live)
		}

		// The plaintext is lost: a new pair, and the old one revoked.
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		out, r3, w3 := serveDemo(t, url)
		if r3 == r1 || w3 == w1 || !strings.Contains(out, "were revoked") || !strings.Contains(out, r1[:13]) || !strings.Contains(out, w1[:13]) {
			t.Errorf("the run without the file did not replace and name the earlier keys:\n%s", out)
		}
		if live := liveDemoKeys(t, url); len(live) != 2 || live[0] != r3[:13] || live[1] != w3[:13] {
			t.Errorf("live keys %v, want only %s and %s", live, r3[:13], w3[:13])
		}

		// One of the kept keys revoked by hand: a new pair too.
		mustRun(t, url, "keys", "revoke", "--store", demo.DefaultDomain, r3[:13])
		out, r4, w4 := serveDemo(t, url)
		if r4 == r3 || w4 == w3 || !strings.Contains(out, w3[:13]) {
			t.Errorf("a revoked kept key was not replaced:\n%s", out)
		}
		if live := liveDemoKeys(t, url); len(live) != 2 {
			t.Errorf("live keys %v, want 2", live)
		}
	})
}

// serve binds its address before anything else: on a busy port it says
// so and how to choose another, exits non-zero, prints nothing and
// issues no key.
func TestServeDemoOnABusyPort(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		t.Setenv("LOGISTIFIED_HOME", t.TempDir())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addr := ln.Addr().String()
		out, _, err := runCmd(t, "--database-url", url, "serve", "--demo", "--addr", addr)
		if err == nil {
			t.Fatal("serve on a busy port succeeded")
		}
		for _, want := range []string{addr + " is already in use", "--addr 127.0.0.1:", "LOGISTIFIED_ADDR"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the error %q does not say %q", err, want)
			}
		}
		if out != "" {
			t.Errorf("serve printed before failing:\n%s", out)
		}
		ctx := context.Background()
		db, err := storage.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := access.New(db).StoreByDomain(ctx, demo.DefaultDomain); !errors.Is(err, access.ErrStoreNotFound) {
			t.Errorf("the demo store was made before the bind failed: %v", err)
		}
	})
}
