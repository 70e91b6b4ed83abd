package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/storage/access"
)

func init() { commands = append(commands, newStdioCmd) }

// createKeyCommand is the command that issues a key, as it works when typed.
const createKeyCommand = "`logistified keys create --store DOMAIN --created-by-name NAME --created-by-email EMAIL`"

func newStdioCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "stdio",
		Short: "Serve MCP over stdin and stdout with the key in LOGISTIFIED_API_KEY",
		Long: "Serves MCP over stdin and stdout for clients that start the server themselves (Claude Desktop,\n" +
			"Claude Code, Codex, Cursor). The key comes from LOGISTIFIED_API_KEY and is checked at start and\n" +
			"before every request. Only protocol messages go to stdout; logs go to stderr.\n\n" +
			"The database must already exist (it is never created here): clients start the server without\n" +
			"the shell's environment, so their configuration names it in LOGISTIFIED_DATABASE_URL unless it\n" +
			"is the default (`logistified connect` writes it there).\n\n" +
			"When it cannot start (no key, an unknown or revoked key, no database), it says why on stderr and\n" +
			"still serves a session that says it, so that the client's assistant can tell you: the instructions\n" +
			"carry the sentence, no tools are listed and every tool call answers with it. It exits non-zero\n" +
			"when the client closes stdin.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			err := a.serveStdio(ctx, cmd.InOrStdin())
			var sp *startupProblem
			if !errors.As(err, &sp) {
				return err
			}
			// The client shows only "failed to connect" when its server
			// exits: serve a session that says what is wrong instead, and
			// exit non-zero when the client goes.
			fmt.Fprintln(a.stderr, "logistified: "+sp.Error())
			if serr := mcp.ServeProblem(ctx, version(), sp.Error(), cmd.InOrStdin(), a.stdout); serr != nil {
				return fmt.Errorf("%w (and serving the session that says so failed: %v)", sp, serr)
			}
			return sp
		},
	}
}

// startupProblem is a reason stdio cannot serve the store, in a sentence
// that tells the user what to do: stdio serves a session that says it.
type startupProblem struct{ err error }

func (p *startupProblem) Error() string { return userMessage(p.err) }
func (p *startupProblem) Unwrap() error { return p.err }

func problem(err error) error { return &startupProblem{err} }

// serveStdio serves the store of LOGISTIFIED_API_KEY on in and a.stdout.
// Whatever stops it before the session starts is a *startupProblem.
func (a *app) serveStdio(ctx context.Context, in io.Reader) error {
	key := os.Getenv("LOGISTIFIED_API_KEY")
	if key == "" {
		return problem(errors.New("LOGISTIFIED_API_KEY is not set: put a key in the client's configuration (`logistified connect CLIENT --key KEY` prints it); " +
			"create a key on the keys page (/keys) or with " + createKeyCommand))
	}
	log, err := a.logger()
	if err != nil {
		return problem(err)
	}
	db, err := a.openExistingDB(ctx)
	if err != nil {
		return problem(err)
	}
	defer db.Close()
	db.SetAuditFailureHook(func(ctx context.Context, action string, err error) {
		log.Error().Err(err).Str("action", action).Msg("recording an audit entry failed")
	})
	srv := mcp.New(mcp.Options{DB: db, Log: log, Version: version()})
	err = srv.ServeStdio(ctx, key, in, a.stdout)
	// Once the session runs, a refused key is answered per request, so an
	// auth.Error here is the check before the session.
	var ae *auth.Error
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case keys.AccessToken.Has(key):
		return problem(errors.New("LOGISTIFIED_API_KEY holds an OAuth access token (" + keys.AccessToken.Marker + "…), which only web-chat apps use: " +
			"put an API key (" + keys.Marker + "…) there; create one on the keys page (/keys) or with " + createKeyCommand))
	case ae.Reason == auth.ReasonRevoked:
		if r, rerr := access.New(db).RevocationOf(ctx, key); rerr == nil {
			return problem(errors.New(revokedSentence(r)))
		}
		fallthrough
	case ae.Reason == auth.ReasonUnknown:
		url, _ := a.databaseInUse()
		return problem(fmt.Errorf("LOGISTIFIED_API_KEY is unknown or revoked in the database %s: if the key was created in another database, "+
			"set LOGISTIFIED_DATABASE_URL to that one in the client's configuration (`logistified --database-url URL connect CLIENT --key KEY` prints it so), "+
			"otherwise create a key for this one on the keys page (/keys) or with %s", redactURL(url), createKeyCommand))
	}
	return problem(err)
}

// revokedSentence tells the holder of a revoked key which key it is, when
// and by whom it was revoked, and how to make a new one.
func revokedSentence(r access.Revocation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "LOGISTIFIED_API_KEY is the key %s", r.Key.Prefix)
	if r.Key.Label != "" {
		fmt.Fprintf(&b, " (%q)", r.Key.Label)
	}
	fmt.Fprintf(&b, " of %s, revoked on %s", r.Store.Domain, r.Key.RevokedAt.UTC().Format("2006-01-02 at 15:04 UTC"))
	switch who := r.By; {
	case who.MemberID != nil:
		fmt.Fprintf(&b, " by %s (%s) on the keys page", who.Name, who.Email)
	case strings.HasPrefix(who.Name, "cli:"):
		fmt.Fprintf(&b, " by %s at the command line", strings.TrimPrefix(who.Name, "cli:"))
	case who.Name != "" && who.Email != "":
		fmt.Fprintf(&b, " by %s (%s)", who.Name, who.Email)
	case who.Name != "" || who.Email != "":
		fmt.Fprintf(&b, " by %s", who.Name+who.Email)
	}
	fmt.Fprintf(&b, ": create a new key on the keys page (/keys) or with `logistified keys create --store %s --created-by-name NAME --created-by-email EMAIL`, "+
		"then put it in the client's configuration in place of this one (`logistified connect CLIENT --key KEY` prints it)", r.Store.Domain)
	return b.String()
}
