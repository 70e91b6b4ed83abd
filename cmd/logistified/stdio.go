package main

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/mcp"
)

func init() { commands = append(commands, newStdioCmd) }

func newStdioCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "stdio",
		Short: "Serve MCP over stdin and stdout with the key in LOGISTIFIED_API_KEY",
		Long: "Serves MCP over stdin and stdout for clients that start the server themselves (Claude Desktop,\n" +
			"Claude Code, Codex, Cursor). The key comes from LOGISTIFIED_API_KEY and is checked at start and\n" +
			"before every request. Only protocol messages go to stdout; logs go to stderr.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			key := os.Getenv("LOGISTIFIED_API_KEY")
			if key == "" {
				return errors.New("LOGISTIFIED_API_KEY is not set: create a key with `logistified keys create --store DOMAIN` and set it in the client's configuration (see `logistified connect`)")
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			db.SetAuditFailureHook(func(ctx context.Context, action string, err error) {
				log.Error().Err(err).Str("action", action).Msg("recording an audit entry failed")
			})
			srv := mcp.New(mcp.Options{DB: db, Log: log, Version: version()})
			return srv.ServeStdio(ctx, key, cmd.InOrStdin(), a.stdout)
		},
	}
}
