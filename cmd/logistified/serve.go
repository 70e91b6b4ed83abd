package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/server"
	"github.com/logistified/mcp-server/storage"
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
			"--demo first makes sure the demo store exists and prints fresh keys and client configurations.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log, err := a.logger()
			if err != nil {
				return err
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if withDemo {
				res, err := demo.Ensure(ctx, db, demo.Options{})
				if err != nil {
					return err
				}
				if err := a.printDemo(res, mcpURL(addr)); err != nil {
					return err
				}
			}
			rate, err := auth.ParseRate(rateLimit)
			if err != nil {
				return fmt.Errorf("--rate-limit: %w", err)
			}
			h := httpHandler(db, log, origins, rate)
			hctx, stop := context.WithCancel(ctx)
			done, rolled := make(chan struct{}), make(chan struct{})
			go func() { defer close(done); pruneIdempotencyKeys(hctx, db, log) }()
			go func() { defer close(rolled); rollPlans(hctx, db, log) }()
			err = server.ListenAndServe(ctx, addr, h, log, nil)
			stop()
			<-done // before the deferred Close
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
	f.StringVar(&addr, "addr", addrDefault, "listen address (default $LOGISTIFIED_ADDR, else 127.0.0.1:8080)")
	f.BoolVar(&withDemo, "demo", false, "create the demo store if missing and print fresh keys and client configurations first")
	f.StringVar(&rateLimit, "rate-limit", os.Getenv("LOGISTIFIED_RATE_LIMIT"),
		"per-key request rate shared by /mcp and /api/v1: RATE[:BURST] requests per second, 0 turns it off (default $LOGISTIFIED_RATE_LIMIT, else 20:40)")
	f.StringSliceVar(&origins, "allowed-origins", originsDefault,
		"browser origins (scheme://host[:port]) allowed to call /mcp besides localhost (default $LOGISTIFIED_ALLOWED_ORIGINS, comma-separated)")
	return cmd
}

// httpHandler assembles every face the server offers on one handler. The
// faces share one key check and one per-key rate limiter, so a key has one
// budget whichever face it calls.
func httpHandler(db *storage.DB, log zerolog.Logger, origins []string, rate auth.Rate) http.Handler {
	m := metrics.New()
	keyAuth := auth.New(db, m)
	limiter := auth.NewLimiter(rate)
	mcpSrv := mcp.New(mcp.Options{DB: db, Log: log, Metrics: m, Version: version(), Auth: keyAuth, Limiter: limiter})
	api := rest.New(rest.Options{DB: db, Log: log, Metrics: m, Version: version(), Auth: keyAuth, Limiter: limiter})
	return server.New(server.Options{
		DB: db, Log: log, Metrics: m,
		MetricsToken:   os.Getenv("LOGISTIFIED_METRICS_TOKEN"),
		PublicURL:      os.Getenv("LOGISTIFIED_PUBLIC_URL"),
		AllowedOrigins: origins,
		Mounts: []server.Mount{
			{Patterns: []string{"/mcp"}, Label: "/mcp", CheckOrigin: true, Handler: mcpSrv.Handler(mcp.HTTPOptions{AllowedOrigins: origins})},
			{Patterns: []string{rest.Base + "/"}, Label: rest.Base, Handler: api},
		},
	})
}

// pruneIdempotencyKeys forgets expired idempotency records hourly until ctx
// ends. Every replica may run it: the delete is idempotent.
func pruneIdempotencyKeys(ctx context.Context, db *storage.DB, log zerolog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := db.PruneIdempotencyKeys(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("forgetting expired idempotency keys")
		} else if n > 0 {
			log.Debug().Int64("deleted", n).Msg("forgot expired idempotency keys")
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
		n, err := db.RollPlans(ctx, pause)
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("rolling the planning tables over to the new day")
		} else if n > 0 {
			log.Info().Int("stores", n).Dur("took", time.Since(start)).Msg("rolled the planning tables over to the new day")
		}
		wait = every + time.Duration(rand.Int64N(int64(time.Minute)))
	}
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

// printDemo prints the demo keys and every client's configuration with the
// read key, the safe default.
func (a *app) printDemo(res demo.Result, url string) error {
	fmt.Fprintf(a.stdout, "Demo store %s (%s)\n\nRead key:  %s\nWrite key: %s\n\n"+
		"These keys are shown only this once: copy them now. The configurations below use the read key;\n"+
		"put the write key in its place to let the assistant change documents and reorder rules.\n",
		res.Store.Name, res.Store.Domain, res.ReadKey.Secret, res.WriteKey.Secret)
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
