package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newMigrateCmd) }

func newMigrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations (serve, stdio and demo also apply them at start)",
		Long: `Apply every pending database migration and exit.

serve, stdio and demo apply migrations at start too; run this on its own to
upgrade the schema before rolling out new replicas. A database migrated by a
newer version of logistified is refused rather than used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Opening the database applies the migrations.
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = fmt.Fprintf(a.stdout, "The %s database is up to date.\n", db.Dialect())
			return err
		},
	}
}
