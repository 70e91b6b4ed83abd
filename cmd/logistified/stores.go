package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/access"
)

func init() { commands = append(commands, newStoresCmd) }

func newStoresCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stores",
		Short: "Manage stores (tenants): one per Shopify shop",
	}
	cmd.AddCommand(newStoresCreateCmd(a), newStoresListCmd(a), newStoresUpdateCmd(a))
	return cmd
}

func newStoresCreateCmd(a *app) *cobra.Command {
	var n access.NewStore
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "create --domain D --name N",
		Short:   "Add a store",
		Example: "  logistified stores create --domain acme.myshopify.com --name \"Acme Outdoor\" --currency USD --timezone America/New_York",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Refuse bad input before opening (and perhaps creating) a database.
			n, err := n.Validate()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			s, err := access.New(db).CreateStore(cmd.Context(), n)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(s)
			}
			_, err = fmt.Fprintf(a.stdout, "Created store %s (%s, %s, %s).\nIssue a key for it with: logistified keys create --store %s --scope read --created-by-name NAME --created-by-email EMAIL\n",
				s.Domain, s.Name, s.Currency, s.Timezone, s.Domain)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&n.Domain, "domain", "", "the shop's domain, e.g. acme.myshopify.com (unique)")
	f.StringVar(&n.Name, "name", "", "the shop's name")
	f.StringVar(&n.Currency, "currency", "USD", "ISO 4217 currency of the store's money amounts")
	f.StringVar(&n.Timezone, "timezone", "UTC", "IANA time zone of the store, e.g. America/New_York")
	f.BoolVar(&asJSON, "json", false, "print the store as JSON")
	_ = cmd.MarkFlagRequired("domain")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newStoresListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stores",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.openExistingDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			stores, err := access.New(db).ListStores(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(stores)
			}
			if len(stores) == 0 {
				_, err := fmt.Fprintln(a.stdout, "No stores yet. Add one with: logistified stores create --domain D --name N")
				return err
			}
			rows := make([][]string, len(stores))
			for i, s := range stores {
				rows[i] = []string{s.Domain, s.Name, s.Currency, s.Timezone, formatTime(&s.CreatedAt)}
			}
			return writeTable(a.stdout, []string{"DOMAIN", "NAME", "CURRENCY", "TIMEZONE", "CREATED"}, rows, nil, false)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stores as a JSON array")
	return cmd
}

func newStoresUpdateCmd(a *app) *cobra.Command {
	var domain string
	var serviceLevel float64
	var keyExpiry string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "update --store D [--service-level PCT] [--key-expiry DAYS|never]",
		Short:   "Change a store's settings",
		Example: "  logistified stores update --store acme.myshopify.com --service-level 97.5",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var set access.StoreSettings
			if cmd.Flags().Changed("service-level") {
				set.ServiceLevel = &serviceLevel
			}
			if cmd.Flags().Changed("key-expiry") {
				days, err := keys.ParseExpiryDays(keyExpiry)
				if err != nil {
					return err
				}
				set.KeyExpiryDays = &days
			}
			if set == (access.StoreSettings{}) {
				return fmt.Errorf("nothing to change: give --service-level PCT or --key-expiry DAYS|never")
			}
			db, err := a.openExistingDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			acc := access.New(db)
			s, err := acc.StoreByDomain(cmd.Context(), domain)
			if err != nil {
				return err
			}
			if s, err = acc.UpdateStore(cmd.Context(), s.ID, set); err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(s)
			}
			if set.ServiceLevel != nil {
				if _, err = fmt.Fprintf(a.stdout, "Updated store %s: reorder advice aims at a %g%% cycle service level (rules may set their own).\n", s.Domain, s.ServiceLevel); err != nil {
					return err
				}
			}
			if set.KeyExpiryDays != nil {
				expiry := fmt.Sprintf("expire %d days after they are created", s.KeyExpiryDays)
				if s.KeyExpiryDays == 0 {
					expiry = "never expire"
				}
				_, err = fmt.Fprintf(a.stdout, "Updated store %s: new keys %s unless created with --expires; existing keys keep their expiry.\n", s.Domain, expiry)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&domain, "store", "", "the store's domain")
	f.Float64Var(&serviceLevel, "service-level", 0, "default cycle service level for reorder advice, in percent (50 to 99.9; new stores start at 95)")
	f.StringVar(&keyExpiry, "key-expiry", "", "expiry of new keys: a number of days (such as 90 or 365) or never; new stores start at 365")
	f.BoolVar(&asJSON, "json", false, "print the store as JSON")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}
