package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/mcp"
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
			"is the default (`logistified connect` writes it there).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			key := os.Getenv("LOGISTIFIED_API_KEY")
			if key == "" {
				return errors.New("LOGISTIFIED_API_KEY is not set: put a key in the client's configuration (`logistified connect CLIENT --key KEY` prints it); " +
					"create a key on the keys page (/keys) or with " + createKeyCommand)
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			db, err := a.openExistingDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			db.SetAuditFailureHook(func(ctx context.Context, action string, err error) {
				log.Error().Err(err).Str("action", action).Msg("recording an audit entry failed")
			})
			srv := mcp.New(mcp.Options{DB: db, Log: log, Version: version()})
			err = srv.ServeStdio(ctx, key, cmd.InOrStdin(), a.stdout)
			var ae *auth.Error
			if errors.As(err, &ae) && (ae.Reason == auth.ReasonUnknown || ae.Reason == auth.ReasonRevoked) {
				url, _ := a.databaseInUse()
				return fmt.Errorf("LOGISTIFIED_API_KEY is unknown or revoked in the database %s: if the key was created in another database, "+
					"set LOGISTIFIED_DATABASE_URL to that one in the client's configuration (`logistified --database-url URL connect CLIENT --key KEY` prints it so), "+
					"otherwise create a key for this one on the keys page (/keys) or with %s", redactURL(url), createKeyCommand)
			}
			return err
		},
	}
}
