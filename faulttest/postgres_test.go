package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// cluster is a private PostgreSQL server: its own data directory, port and
// socket directory, run as the postgres OS user when the test runs as root
// (initdb and postgres refuse root).
type cluster struct {
	bin, dir, data string
	port           int
	cred           *syscall.Credential
}

// pgBinDir finds the directory holding initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin (Debian keeps them off PATH), else PATH.
func pgBinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
				return d
			}
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	return ""
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// startCluster creates and starts a cluster that is stopped and removed
// when the test ends, whatever its outcome.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	bin := pgBinDir()
	if bin == "" {
		const msg = "fault tests skipped: PostgreSQL's initdb and pg_ctl were not found under /usr/lib/postgresql/*/bin or on PATH (install the server binaries, e.g. Debian's postgresql package)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI must run them")
		}
		t.Skip(msg)
	}
	// Not t.TempDir: its parent is private to the test's user, and the
	// cluster may run as another, who must reach it through TMPDIR.
	parent := os.TempDir()
	if fi, err := os.Stat(parent); os.Geteuid() == 0 && (err != nil || fi.Mode().Perm()&0o001 == 0) {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "logistified-faultpg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), port: freePort(t)}
	t.Cleanup(func() {
		// Immediate: the data is thrown away, and a failed test must not
		// leave a server behind.
		if _, err := os.Stat(filepath.Join(c.data, "postmaster.pid")); err == nil {
			_ = c.pgCtl("stop", "-m", "immediate", "-w")
		}
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, the cluster needs the postgres OS user: %v", err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := c.command("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start(t)
	return c
}

func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

func (c *cluster) pgCtl(args ...string) error {
	args = append([]string{"-D", c.data}, args...)
	out, err := c.command("pg_ctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (c *cluster) start(t *testing.T) {
	t.Helper()
	// fsync off: the test restarts PostgreSQL cleanly and never crashes
	// the machine, and loading the demo store is several times faster.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", c.port, c.dir)
	if err := c.pgCtl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log"), "-o", opts); err != nil {
		b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		t.Fatalf("%v\nserver log:\n%s", err, tail(b, 3000))
	}
}

// stop shuts the server down the way a restart or failover does: fast
// mode terminates every session, whatever it is doing.
func (c *cluster) stop(t *testing.T) {
	t.Helper()
	if err := c.pgCtl("stop", "-m", "fast", "-w", "-t", "60"); err != nil {
		t.Fatal(err)
	}
}

func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// TestPostgresRestart restarts PostgreSQL under a mixed load of reads and
// idempotent writes through `logistified serve`.
func TestPostgresRestart(t *testing.T) {
	begin := time.Now()
	phase := func(what string) { t.Logf("%6s %s", time.Since(begin).Round(10*time.Millisecond), what) }
	pg := startCluster(t)
	phase("cluster started")
	demo := runDemo(t, pg.url())
	phase("demo store loaded")
	srv := startServer(t, pg.url())
	c := newClient(srv, demo.WriteKey)
	cat := discover(t, c)
	phase("server up")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := &load{c: c, cat: cat, tag: "pg", reads: true, giveUp: 45 * time.Second, max: 40,
		stop: make(chan struct{}), ctx: ctx}
	l.start(4, 2)
	l.waitAcked(t, 8, 30*time.Second)

	// The outage, longer than the backend retries a lost connection
	// (about 6 s of backoff), so that some calls fail and the load's
	// clients retry their writes with the same idempotency_key. While
	// PostgreSQL is down /readyz must say so (it may take one check for
	// the pool to notice), and never claim readiness.
	const outage = 7500 * time.Millisecond
	phase("stopping PostgreSQL")
	pg.stop(t)
	down := time.Now()
	if !eventually(10*time.Second, func() bool { code, _ := srv.get("/readyz"); return code == http.StatusServiceUnavailable }) {
		t.Fatalf("/readyz did not answer 503 within 10s of PostgreSQL stopping")
	}
	for time.Since(down) < outage {
		if code, err := srv.get("/readyz"); err != nil || code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz answered %d (%v) while PostgreSQL was stopped, want 503", code, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	pg.start(t)
	up := time.Now()
	phase("PostgreSQL accepts connections again")
	t.Logf("PostgreSQL was down for %s", up.Sub(down).Round(time.Millisecond))

	// Recovery: no restart of the server, no operator; reads and /readyz
	// come back by themselves.
	const recoveryBound = 20 * time.Second
	recovered := eventually(recoveryBound, func() bool {
		if code, _ := srv.get("/readyz"); code != http.StatusOK {
			return false
		}
		r, err := c.call(ctx, "get_inventory_levels", map[string]any{"skus": cat.skus})
		return err == nil && !r.IsError
	})
	recovery := time.Since(up)
	if !recovered {
		t.Fatalf("/readyz and reads did not recover within %s of PostgreSQL accepting connections again", recoveryBound)
	}
	t.Logf("recovered %s after PostgreSQL accepted connections again (bound %s)", recovery.Round(time.Millisecond), recoveryBound)

	// Keep the load going past the restart, then let it finish.
	ackedAtRestart := l.acked.Load()
	l.waitAcked(t, ackedAtRestart+8, 30*time.Second)
	close(l.stop)
	l.wg.Wait()
	phase("load finished")
	chains, acked, retried := l.summary()
	t.Logf("load: %d purchase orders, %d writes acknowledged, %d orders needed retries with the same key; reads %d ok, %d failed",
		chains, acked, retried, l.readsOK.Load(), l.readsFail.Load())
	// A read may fail while PostgreSQL is down for longer than the
	// backend's retries last; none may fail once it has recovered.
	for _, e := range l.readErrs {
		if e.start.After(up.Add(recovery)) {
			t.Errorf("a read started %s after recovery failed: %v", e.start.Sub(up.Add(recovery)).Round(time.Millisecond), e.err)
		} else {
			t.Logf("a read failed during the outage: %v", e.err)
		}
	}
	if len(l.refusals) > 0 {
		t.Errorf("writes refused for a reason other than the outage: %v", l.refusals)
	}

	// A client that retries an acknowledged write with the same key gets
	// the first result back and nothing applies again.
	replayAll(t, c, l)

	db, err := storage.Open(context.Background(), pg.url())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := access.New(db).StoreByDomain(context.Background(), demo.Store.Domain)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, db, store.ID, l)
}

// replayAll repeats every acknowledged create with its idempotency_key and
// checks that each is a replay of the same order.
func replayAll(t *testing.T, c *client, l *load) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ch := range l.chains {
		if !ch.acked["create"] {
			continue
		}
		r, err := c.call(context.Background(), "create_purchase_order", map[string]any{
			"supplier": l.cat.supplier, "location": l.cat.location, "note": ch.note, "idempotency_key": ch.key("create"),
			"lines": []map[string]any{{"sku": ch.skus[0], "quantity": ch.qty[0]}, {"sku": ch.skus[1], "quantity": ch.qty[1]}}})
		if err != nil || r.IsError {
			t.Errorf("repeating %s: %v %s", ch.key("create"), err, r.Text)
			continue
		}
		var out struct {
			Replayed      bool                    `json:"replayed"`
			PurchaseOrder struct{ Number string } `json:"purchase_order"`
		}
		if err := json.Unmarshal(r.Structured, &out); err != nil || !out.Replayed || out.PurchaseOrder.Number != ch.number {
			t.Errorf("repeating %s answered %s, want a replay of %s", ch.key("create"), r.Structured, ch.number)
		}
		n++
	}
	if n == 0 {
		t.Error("no create was acknowledged, so nothing could be replayed")
	}
}

// eventually polls ok until it holds or within passes.
func eventually(within time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
