package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/web"
)

func init() { commands = append(commands, newDemoCmd) }

// demoJSON is the contract of `demo --json` (DESIGN.md §2).
type demoJSON struct {
	Store struct {
		Domain string `json:"domain"`
		Name   string `json:"name"`
	} `json:"store"`
	Created  bool   `json:"created"`
	ReadKey  string `json:"read_key"`
	WriteKey string `json:"write_key"`
	// SigninURL signs the demo owner in to the keys page, once.
	SigninURL string      `json:"signin_url"`
	Counts    demo.Counts `json:"counts"`
}

func newDemoCmd(a *app) *cobra.Command {
	var (
		opts   demo.Options
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create the demo store if it is missing and issue a read key and a write key",
		Long: "Creates a realistic demo store (an outdoor gear and apparel shop with a warehouse, shops, suppliers,\n" +
			"half a year of sales and documents in every status) if it does not exist yet; the same seed always\n" +
			"gives the same data. Every run issues one fresh read key and one fresh write key and prints them once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := publicBaseURL("")
			if err != nil {
				return err
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			// The fresh pair is kept for serve --demo, which then shows it
			// again rather than issuing another.
			if opts.Keys, err = a.demoKeyFile(); err != nil {
				return err
			}
			opts.FreshKeys = true
			line := a.progressLine(asJSON)
			if line != nil {
				opts.Progress = line
				defer line.Done()
			}
			res, err := demo.Ensure(ctx, db, opts)
			if line != nil {
				line.Done() // before the keys are printed
			}
			if err != nil {
				return err
			}
			if asJSON {
				var out demoJSON
				out.Store.Domain, out.Store.Name = res.Store.Domain, res.Store.Name
				out.Created, out.ReadKey, out.WriteKey, out.Counts = res.Created, res.ReadKey.Secret, res.WriteKey.Secret, res.Counts
				out.SigninURL = web.SigninURL(base, res.Signin.Token)
				return a.printJSON(out)
			}
			state := "already existed"
			if res.Created {
				state = "created"
			}
			c := res.Counts
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "Demo store %s (%s): %s\n\n", res.Store.Name, res.Store.Domain, state)
			fmt.Fprintf(w, "Read key:\t%s\n", res.ReadKey.Secret)
			fmt.Fprintf(w, "Write key:\t%s\n", res.WriteKey.Secret)
			fmt.Fprintf(w, "\nThese keys are new; keys list shows only their prefixes. They are kept in %s (readable only by you)\nfor serve --demo, which shows them again rather than issuing more.\n\n", res.KeysFile)
			fmt.Fprintf(w, "Manage keys in the browser as %s (this link works once, for 15 minutes):\n  %s\n\n",
				res.Owner.Name, web.SigninURL(base, res.Signin.Token))
			for _, row := range []struct {
				name string
				n    int64
			}{
				{"locations", c.Locations}, {"suppliers", c.Suppliers}, {"products", c.Products}, {"variants", c.Variants},
				{"purchase orders", c.PurchaseOrders}, {"transfers", c.Transfers}, {"stock takes", c.StockTakes},
				{"supplier returns", c.SupplierReturns}, {"reorder rules", c.ReorderRules}, {"days of sales (rows)", c.DailySales},
			} {
				fmt.Fprintf(w, "  %s\t%d\n", row.name, row.n)
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Domain, "domain", demo.DefaultDomain, "the demo store's shop domain")
	f.IntVar(&opts.Variants, "variants", demo.DefaultVariants, "how many variants a new demo store gets")
	f.Int64Var(&opts.Seed, "seed", demo.DefaultSeed, "the seed of the generated data (the same seed gives the same store)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
