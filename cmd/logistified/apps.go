package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

func init() { commands = append(commands, newAppsCmd) }

func newAppsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apps",
		Short: "List and revoke a store's connected web-chat apps (claude.ai, ChatGPT)",
		Long: "Web-chat apps connect with OAuth, approved by a member of the store with a connection code\n" +
			"from the keys page. Each approval is a connected app; revoking one ends its tokens on their next request.",
	}
	cmd.AddCommand(newAppsListCmd(a), newAppsRevokeCmd(a))
	return cmd
}

func newAppsListCmd(a *app) *cobra.Command {
	var (
		store  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list --store D",
		Short: "List the store's connected apps, revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := access.New(db).ListGrants(ctx, s.ID)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(list)
			}
			if len(list) == 0 {
				_, err := fmt.Fprintf(a.stdout, "%s has no connected apps. A member connects one from the keys page (Connect claude.ai or ChatGPT).\n", s.Domain)
				return err
			}
			rows := make([][]string, len(list))
			struck := make([]bool, len(list))
			for i, g := range list {
				status, lastUsed := "active", "never"
				if g.Revoked() {
					status, struck[i] = "revoked", true
				}
				if g.LastUsedAt != nil {
					lastUsed = formatTime(g.LastUsedAt)
				}
				rows[i] = []string{strconv.FormatInt(g.ID, 10), g.ClientName, string(g.Scope),
					fmt.Sprintf("%s <%s>", g.ApprovedBy.Name, g.ApprovedBy.Email), formatTime(&g.ApprovedAt), lastUsed, status}
			}
			return writeTable(a.stdout, []string{"ID", "APP", "SCOPE", "APPROVED BY", "APPROVED", "LAST USED", "STATUS"}, rows, struck, isTerminal(a.stdout))
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the store's domain")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the connected apps as a JSON array")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

func newAppsRevokeCmd(a *app) *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:   "revoke --store D GRANT_ID",
		Short: "Revoke a connected app; its tokens fail from their next request on",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give exactly one connected app's id, as apps list shows it (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimSpace(args[0]), 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a connected app's id: give the number in the ID column of apps list", args[0])
			}
			ctx := cmd.Context()
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			before := db.Now()
			g, err := access.New(db).RevokeGrant(ctx, s.ID, id, storage.Person{Name: cliActor()})
			if err != nil {
				return err
			}
			if g.RevokedAt != nil && g.RevokedAt.Before(before) {
				_, err = fmt.Fprintf(a.stdout, "%s (app %d) of %s was already revoked on %s.\n", g.ClientName, g.ID, s.Domain, formatTime(g.RevokedAt))
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "Revoked %s (app %d) of %s. Its tokens are refused from their next request on.\n", g.ClientName, g.ID, s.Domain)
			return err
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the store's domain")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}
