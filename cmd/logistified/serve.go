package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/oauth"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/secretscan"
	"github.com/logistified/mcp-server/server"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/web"
)

func init() { commands = append(commands, newServeCmd) }

func newServeCmd(a *app) *cobra.Command {
	var (
		addr      string
		withDemo  bool
		origins   []string
		rateLimit string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve MCP over streamable HTTP at /mcp, with /healthz, /readyz and /metrics",
		Long: "Serves MCP over stateless streamable HTTP at /mcp: every request must carry\n" +
			"Authorization: Bearer lstk_…, and replicas share nothing but the database.\n" +
			"/healthz says the process is up, /readyz that the database answers, /metrics serves Prometheus metrics.\n" +
			"Web-chat apps (claude.ai, ChatGPT) connect to /mcp with OAuth (/oauth/…, approved with a connection code\n" +
			"from the keys page); set LOGISTIFIED_PUBLIC_URL to the https address they reach the server at.\n" +
			"--demo first makes sure the demo store exists and prints fresh keys and client configurations.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log, err := a.logger()
			if err != nil {
				return err
			}
			retention, err := auditRetention()
			if err != nil {
				return err
			}
			rate, err := auth.ParseRate(rateLimit)
			if err != nil {
				return fmt.Errorf("--rate-limit: %w", err)
			}
			// Bind before anything else, so that a busy address fails
			// before --demo issues keys or prints a page of configuration.
			ln, err := listen(addr)
			if err != nil {
				return err
			}
			defer ln.Close()          // Serve closes it too; this covers the failures before
			addr = ln.Addr().String() // with port 0, the port given
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if withDemo {
				kf, err := a.demoKeyFile()
				if err != nil {
					return err
				}
				opts := demo.Options{Keys: kf}
				line := a.progressLine(false)
				if line != nil {
					opts.Progress = line
				}
				res, err := demo.Ensure(ctx, db, opts)
				if line != nil {
					line.Done()
				}
				if err != nil {
					return err
				}
				base, err := publicBaseURL(strings.TrimSuffix(mcpURL(addr), "/mcp"))
				if err != nil {
					return err
				}
				if err := a.printDemo(res, mcpURL(addr), web.SigninURL(base, res.Signin.Token)); err != nil {
					return err
				}
			}
			publicURL := os.Getenv("LOGISTIFIED_PUBLIC_URL")
			if publicURL == "" {
				publicURL = strings.TrimSuffix(mcpURL(addr), "/mcp")
			}
			h, err := a.httpHandler(db, log, origins, rate, publicURL)
			if err != nil {
				return err
			}
			hctx, stop := context.WithCancel(ctx)
			done, rolled := make(chan struct{}), make(chan struct{})
			go func() { defer close(done); pruneExpired(hctx, db, log) }()
			auditDone := make(chan struct{})
			go func() { defer close(auditDone); pruneAuditLog(hctx, db, log, retention) }()
			go func() { defer close(rolled); rollPlans(hctx, db, log) }()
			err = server.Serve(ctx, ln, h, log, nil)
			stop()
			<-done // before the deferred Close
			<-auditDone
			<-rolled
			return err
		},
	}
	addrDefault := os.Getenv("LOGISTIFIED_ADDR")
	if addrDefault == "" {
		addrDefault = "127.0.0.1:8080"
	}
	var originsDefault []string
	for _, o := range strings.Split(os.Getenv("LOGISTIFIED_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			originsDefault = append(originsDefault, o)
		}
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", addrDefault, "listen address; $LOGISTIFIED_ADDR sets the default")
	f.BoolVar(&withDemo, "demo", false, "create the demo store if missing and print fresh keys and client configurations first")
	f.StringVar(&rateLimit, "rate-limit", os.Getenv("LOGISTIFIED_RATE_LIMIT"),
		"per-key request rate shared by /mcp and /api/v1: RATE[:BURST] requests per second, 0 turns it off; $LOGISTIFIED_RATE_LIMIT sets the default, which is otherwise 20:40")
	f.StringSliceVar(&origins, "allowed-origins", originsDefault,
		"browser origins (scheme://host[:port]) allowed to call /mcp besides localhost, comma-separated; $LOGISTIFIED_ALLOWED_ORIGINS sets the default")
	return cmd
}

// httpHandler assembles every face the server offers on one handler. The
// faces share one key check and one per-key rate limiter, so a key has one
// budget whichever face it calls. /mcp also accepts the OAuth access tokens
// that the authorization server issues for it (web-chat apps); publicURL is
// the address those apps reach the server at.
func (a *app) httpHandler(db *storage.DB, log zerolog.Logger, origins []string, rate auth.Rate, publicURL string) (http.Handler, error) {
	m := metrics.New()
	// An audit entry that could not be recorded on its own (a refusal)
	// has no transaction to fail with it: log it with the request and
	// count it, so it is seen.
	db.SetAuditFailureHook(func(ctx context.Context, action string, err error) {
		m.AuditFailure()
		logging.For(ctx, log).Error().Err(err).Str("action", action).Msg("recording an audit entry failed")
	})
	acc := access.New(db)
	keyAuth := auth.New(acc, m)
	limiter := auth.NewLimiter(rate)
	authz, err := oauth.New(oauth.Options{DB: db, Log: log, PublicURL: publicURL})
	if err != nil {
		return nil, err
	}
	mcpSrv := mcp.New(mcp.Options{DB: db, Log: log, Metrics: m, Version: version(), Auth: keyAuth.ForResource(authz.Resource()), Limiter: limiter})
	api := rest.New(rest.Options{DB: db, Log: log, Metrics: m, Version: version(), Auth: keyAuth, Limiter: limiter})
	page, err := a.keysPage(db, log, publicURL)
	if err != nil {
		return nil, err
	}
	proxies, err := server.ParseTrustedProxies(os.Getenv("LOGISTIFIED_TRUSTED_PROXIES"))
	if err != nil {
		return nil, err
	}
	return server.New(server.Options{
		DB: db, Log: log, Metrics: m,
		TrustedProxies: proxies,
		MetricsToken:   os.Getenv("LOGISTIFIED_METRICS_TOKEN"),
		PublicURL:      publicURL,
		AllowedOrigins: origins,
		Mounts: []server.Mount{
			{Patterns: []string{"/mcp"}, Label: "/mcp", CheckOrigin: true, Handler: mcpSrv.Handler(mcp.HTTPOptions{ResourceMetadata: authz.ResourceMetadataURL()})},
			{Patterns: []string{rest.Base + "/"}, Label: rest.Base, Handler: api},
			{Patterns: authz.Patterns(), Label: "/oauth", Handler: authz.Handler()},
			{Patterns: web.Patterns, Label: "/keys", Handler: page},
			{Patterns: []string{secretscan.Path}, Label: secretscan.Path, Handler: secretscan.New(secretscan.Options{
				DB: acc, Log: log, KeysURL: os.Getenv("LOGISTIFIED_SECRET_SCANNING_KEYS_URL"),
			})},
		},
	}), nil
}

// keysPage builds the keys page. The client configurations it shows beside
// a new key name this binary and database as `connect` would, except for a
// database password, which a web page must not carry. publicURL is the
// authorization server's too: the page names its /mcp as the URL web-chat
// apps connect to, and both read the session cookie by it.
func (a *app) keysPage(db *storage.DB, log zerolog.Logger, publicURL string) (*web.Handler, error) {
	setup, err := a.clientSetup("", defaultMCPURL)
	if err != nil {
		return nil, err
	}
	setup.DatabaseURL = redactURL(setup.DatabaseURL)
	return web.New(web.Options{
		DB: db, Log: log, Clients: setup,
		PublicURL:      publicURL,
		FrameAncestors: os.Getenv("LOGISTIFIED_FRAME_ANCESTORS"),
	})
}

// pruneExpired forgets expired idempotency records, previews, OAuth codes
// and tokens, ended sessions and sign-in links, hourly until ctx ends. Every
// replica may run it: the deletes are idempotent.
func pruneExpired(ctx context.Context, db *storage.DB, log zerolog.Logger) {
	acc := access.New(db)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := db.PruneIdempotencyKeys(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("forgetting expired idempotency keys")
		} else if n > 0 {
			log.Debug().Int64("deleted", n).Msg("forgot expired idempotency keys")
		}
		// Expired OAuth codes and tokens, and old connection codes.
		if n, err := acc.PruneOAuth(ctx); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("forgetting expired OAuth tokens")
		} else if n > 0 {
			log.Debug().Int64("deleted", n).Msg("forgot expired OAuth tokens")
		}
		if n, err := db.PrunePreviews(ctx); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("forgetting expired previews")
		} else if n > 0 {
			log.Debug().Int64("deleted", n).Msg("forgot expired previews")
		}
		if n, err := acc.PruneSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("forgetting ended sessions and sign-in links")
		} else if n > 0 {
			log.Debug().Int64("deleted", n).Msg("forgot ended sessions and sign-in links")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pruneAuditLog deletes audit entries older than retention daily until ctx
// ends (retention 0 keeps them forever). Every replica may run it: the
// deletes are batched and idempotent.
func pruneAuditLog(ctx context.Context, db *storage.DB, log zerolog.Logger, retention time.Duration) {
	if retention <= 0 {
		return
	}
	acc := access.New(db)
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		n, err := acc.PruneAuditLog(ctx, retention)
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("pruning the audit log")
		} else if n > 0 {
			log.Info().Int64("deleted", n).Dur("retention", retention).Msg("pruned old audit entries")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rollPlans moves each store's planning table to the new day soon after
// midnight, so that no read waits for it (until then reads answer from the
// previous day's rows and say so). It looks every few minutes, with a
// random offset so replicas do not all look at once, and pauses between
// stores; a store another replica is rolling is skipped.
func rollPlans(ctx context.Context, db *storage.DB, log zerolog.Logger) {
	const every, pause = 5 * time.Minute, 2 * time.Second
	wait := time.Duration(rand.Int64N(int64(time.Minute)))
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		start := time.Now()
		n, err := plan.New(db).RollPlans(ctx, pause)
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("rolling the planning tables over to the new day")
		} else if n > 0 {
			log.Info().Int("stores", n).Dur("took", time.Since(start)).Msg("rolled the planning tables over to the new day")
		}
		wait = every + time.Duration(rand.Int64N(int64(time.Minute)))
	}
}

// listen binds addr, explaining a busy address with the way out.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		example := "127.0.0.1:8081"
		if host, port, serr := net.SplitHostPort(addr); serr == nil {
			if p, perr := strconv.Atoi(port); perr == nil && p > 0 && p < 65535 {
				example = net.JoinHostPort(host, strconv.Itoa(p+1))
			}
		}
		return nil, fmt.Errorf("the address %s is already in use (is another logistified serve running?): stop what uses it, "+
			"or serve on another port with --addr %s or LOGISTIFIED_ADDR=%s", addr, example, example)
	}
	return nil, fmt.Errorf("listening on %s: %w: give another address with --addr HOST:PORT or LOGISTIFIED_ADDR", addr, err)
}

// mcpURL is the URL clients on this machine use for a listen address.
func mcpURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return defaultMCPURL
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/mcp"
}

// demoKeyFile is where the demo's keys are kept for the database in use:
// $LOGISTIFIED_HOME/demo-keys.json, readable by its owner only.
func (a *app) demoKeyFile() (*demo.KeyFile, error) {
	home, err := storage.HomeDir()
	if err != nil {
		return nil, fmt.Errorf("finding the folder for the demo's keys file (set LOGISTIFIED_HOME): %w", err)
	}
	url, err := a.databaseInUse()
	if err != nil {
		return nil, err
	}
	// The same SQLite file named from another folder is the same database.
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		if abs, err := filepath.Abs(path); err == nil {
			url = "sqlite:" + abs
		}
	} else if !strings.Contains(url, "://") {
		if abs, err := filepath.Abs(url); err == nil {
			url = "sqlite:" + abs
		}
	}
	return &demo.KeyFile{Path: filepath.Join(home, demo.KeyFileName), Database: url}, nil
}

// demoKeysNote says where the demo's keys came from and where they are
// kept.
func demoKeysNote(res demo.Result) string {
	switch res.Keys {
	case demo.KeysReused:
		return fmt.Sprintf("These are the demo keys of an earlier run, kept in %s (readable only by you),\n"+
			"so configurations pasted before still work. Delete that file to have the next run issue new keys and revoke these.", res.KeysFile)
	case demo.KeysReplaced:
		revoked := make([]string, len(res.Revoked))
		for i, k := range res.Revoked {
			revoked[i] = fmt.Sprintf("%s (%s)", k.Prefix, k.Scope)
		}
		return fmt.Sprintf("These keys are new. The earlier demo keys %s were revoked: their plaintext was not kept\n"+
			"in %s, so they could not be shown again. The new keys are kept there (readable only by you),\n"+
			"so the next serve --demo shows them again.", strings.Join(revoked, ", "), res.KeysFile)
	}
	if res.KeysFile == "" {
		return "These keys are shown only this once: copy them now."
	}
	return fmt.Sprintf("These keys are new. They are kept in %s (readable only by you),\n"+
		"so the next serve --demo shows them again rather than issuing more.", res.KeysFile)
}

// printDemo prints the demo keys and every client's configuration with the
// read key, the safe default.
func (a *app) printDemo(res demo.Result, url, signinURL string) error {
	fmt.Fprintf(a.stdout, "Demo store %s (%s)\n\nRead key:  %s\nWrite key: %s\n\n%s\n\n"+
		"The configurations below use the read key; put the write key in its place to let the assistant\n"+
		"change documents and reorder rules.\n\n"+
		"Manage keys in the browser as %s (this link works once, for 15 minutes):\n  %s\n",
		res.Store.Name, res.Store.Domain, res.ReadKey.Secret, res.WriteKey.Secret, demoKeysNote(res), res.Owner.Name, signinURL)
	setup, err := a.clientSetup(res.ReadKey.Secret, url)
	if err != nil {
		return err
	}
	// Say once, not once per client, that a go run binary must be installed.
	if setup.BinaryNote != "" {
		fmt.Fprintf(a.stdout, "\nNote: %s\n", setup.BinaryNote)
		setup.BinaryNote = ""
	}
	for _, client := range connectClients {
		text, err := clientConfig(client, setup)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "\n===== %s (logistified connect %s) =====\n\n%s", client, client, text)
	}
	_, err = fmt.Fprintln(a.stdout)
	return err
}
