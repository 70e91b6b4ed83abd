package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

func init() { commands = append(commands, newMembersCmd) }

func newMembersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "members",
		Short: "Add, list and remove the people of a store who manage its keys in the browser",
	}
	cmd.AddCommand(newMembersAddCmd(a), newMembersListCmd(a), newMembersRemoveCmd(a))
	return cmd
}

// memberJSON is a member in --json output.
type memberJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Store     string    `json:"store"`
	CreatedAt time.Time `json:"created_at"`
}

func newMembersAddCmd(a *app) *cobra.Command {
	var (
		store  string
		n      access.NewMember
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:     "add --store D --name N --email E",
		Short:   "Add a person to a store; they sign in with a link from signin-link",
		Example: "  logistified members add --store acme.myshopify.com --name \"Jane Doe\" --email jane@acme.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			n, err := n.Validate()
			if err != nil {
				return err
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := access.New(db).AddMember(ctx, s.ID, n, storage.Person{Name: cliActor()})
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(memberJSON{m.ID, m.Name, m.Email, s.Domain, m.CreatedAt})
			}
			_, err = fmt.Fprintf(a.stdout, "Added %s <%s> to %s.\nSend them a sign-in link with: logistified signin-link --store %s --email %s\n",
				m.Name, m.Email, s.Domain, s.Domain, m.Email)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain")
	f.StringVar(&n.Name, "name", "", "the person's name, as the keys they create will show it")
	f.StringVar(&n.Email, "email", "", "the person's email address (unique in the store)")
	f.BoolVar(&asJSON, "json", false, "print the member as JSON")
	for _, name := range []string{"store", "name", "email"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newMembersListCmd(a *app) *cobra.Command {
	var (
		store  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list --store D",
		Short: "List the store's members",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := access.New(db).ListMembers(ctx, s.ID)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]memberJSON, len(list))
				for i, m := range list {
					out[i] = memberJSON{m.ID, m.Name, m.Email, s.Domain, m.CreatedAt}
				}
				return a.printJSON(out)
			}
			if len(list) == 0 {
				_, err := fmt.Fprintf(a.stdout, "%s has no members. Add one with: logistified members add --store %s --name NAME --email EMAIL\n", s.Domain, s.Domain)
				return err
			}
			rows := make([][]string, len(list))
			for i, m := range list {
				rows[i] = []string{m.Name, m.Email, formatTime(&m.CreatedAt)}
			}
			return writeTable(a.stdout, []string{"NAME", "EMAIL", "ADDED"}, rows, nil, false)
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the store's domain")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the members as a JSON array")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

func newMembersRemoveCmd(a *app) *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:   "remove --store D EMAIL",
		Short: "Remove a member; their sessions and sign-in links end at once (their keys stay)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give exactly one member's email address, as members list shows it (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := access.NormalizeEmail(args[0]); err != nil {
				return err
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := access.New(db).RemoveMember(ctx, s.ID, args[0], storage.Person{Name: cliActor()})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "Removed %s <%s> from %s; they are signed out. The keys they created stay until revoked.\n", m.Name, m.Email, s.Domain)
			return err
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the store's domain")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}
