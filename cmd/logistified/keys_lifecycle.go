package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// createdJSON is `keys create --json` and `keys roll --json` (DESIGN.md
// §2).
func createdJSON(k access.CreatedKey, s storage.Store) createdKeyJSON {
	return createdKeyJSON{
		ID: k.ID, Key: k.Secret, Prefix: k.Prefix, Scope: k.Scope, Label: k.Label, Store: s.Domain,
		CreatedBy: createdBy{k.CreatedByName, k.CreatedByEmail}, CreatedAt: k.CreatedAt,
		ExpiresAt: k.ExpiresAt, AllowFrom: k.AllowFrom, Approval: k.Approval, Replaces: k.Replaces,
	}
}

// approvalUsage explains --approval.
const approvalUsage = "when the key's writes need the merchant's approval: never, always, or above:AMOUNT " +
	"(order value or stock moved at cost, in the store currency, e.g. above:500); a write that needs it is put to the person " +
	"in a client that can ask them, else refused with its preview until the call brings the preview's preview_token back"

// lifecycleLines says when a new key expires and where it may be used
// from.
func lifecycleLines(k storage.APIKey) string {
	var b strings.Builder
	if k.ExpiresAt != nil {
		fmt.Fprintf(&b, "It expires on %s; roll it before then with: logistified keys roll --store DOMAIN %s\n", formatTime(k.ExpiresAt), k.Prefix)
	} else {
		b.WriteString("It never expires.\n")
	}
	if k.AllowFrom != "" {
		fmt.Fprintf(&b, "It works only from %s.\n", strings.ReplaceAll(k.AllowFrom, ",", ", "))
	}
	if !k.Approval.Never() {
		fmt.Fprintf(&b, "Its writes need the merchant's approval: %s.\n", k.Approval)
	}
	return b.String()
}

func keyRefArgs(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("give exactly one key prefix or id, as keys list shows it (got %d arguments)", len(args))
	}
	return nil
}

func newKeysRollCmd(a *app) *cobra.Command {
	var (
		store, grace string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "roll --store D PREFIX_OR_ID [--grace 0|1h|24h|7d]",
		Short: "Issue a key's successor (same label, scope, expiry rule and allow-list); the old key stops after the grace period",
		Example: "  logistified keys roll --store acme.myshopify.com lstk_Ab12Cd34 --grace 24h\n" +
			"  (deploy the new key within 24 hours: the old one keeps working until then)",
		Args: keyRefArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			g, err := keys.ParseGrace(grace)
			if err != nil {
				return err
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := access.New(db).RollKey(ctx, s.ID, args[0], g, access.Roller{Person: storage.Person{Name: cliActor()}})
			if err != nil {
				return err
			}
			warning := fmt.Sprintf("Copy the key now: it will not be shown again. Only its prefix %s is kept for display.", r.New.Prefix)
			if asJSON {
				fmt.Fprintln(a.stderr, warning)
				return a.printJSON(createdJSON(r.New, s))
			}
			old := "The old key " + r.Old.Prefix + " stops now."
			if g > 0 {
				old = fmt.Sprintf("The old key %s keeps working until %s (grace %s), then stops.", r.Old.Prefix, formatTime(r.Old.ExpiresAt), keys.GraceName(g))
			}
			_, err = fmt.Fprintf(a.stdout, "Rolled key %s of %s.\n\n    %s\n\n%s\n%s\n%s", r.Old.Prefix, s.Domain, r.New.Secret, warning, old, lifecycleLines(r.New.APIKey))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain")
	f.StringVar(&grace, "grace", "0", "how long the old key keeps working: 0, 1h, 24h or 7d")
	f.BoolVar(&asJSON, "json", false, "print the new key as JSON")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

func newKeysUpdateCmd(a *app) *cobra.Command {
	var store, allowFrom, approval string
	cmd := &cobra.Command{
		Use:   "update --store D PREFIX_OR_ID [--allow-from CIDR,…] [--approval never|always|above:AMOUNT]",
		Short: "Change a key's allow-list (\"\" or any: every address) or approval setting; it holds from the key's next request",
		Example: "  logistified keys update --store acme.myshopify.com lstk_Ab12Cd34 --allow-from 203.0.113.0/24,2001:db8::/32\n" +
			"  logistified keys update --store acme.myshopify.com lstk_Ab12Cd34 --approval above:500",
		Args: keyRefArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var u access.KeyUpdate
			if cmd.Flags().Changed("allow-from") {
				if _, err := keys.ParseAllowList(allowFrom); err != nil {
					return err
				}
				u.AllowFrom = &allowFrom
			}
			if cmd.Flags().Changed("approval") {
				a, err := inventory.ParseApproval(approval)
				if err != nil {
					return err
				}
				u.Approval = &a
			}
			if u.AllowFrom == nil && u.Approval == nil {
				return fmt.Errorf("nothing to change: give --allow-from with addresses or CIDR ranges (or \"\" for every address), or --approval never, always or above:AMOUNT")
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			// Both settings change in one transaction, or neither does.
			k, err := access.New(db).UpdateKey(ctx, s.ID, args[0], u, storage.Person{Name: cliActor()})
			if err != nil {
				return err
			}
			where := "every address"
			if k.AllowFrom != "" {
				where = strings.ReplaceAll(k.AllowFrom, ",", ", ")
			}
			_, err = fmt.Fprintf(a.stdout, "Updated key %s of %s: it works from %s, and its writes need approval %s, from its next request on.\n",
				k.Prefix, s.Domain, where, k.Approval)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain")
	f.StringVar(&allowFrom, "allow-from", "", "addresses and CIDR ranges the key may be used from, comma-separated (IPv4 and IPv6); \"\" for every address")
	f.StringVar(&approval, "approval", "", approvalUsage+" (write keys only)")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}
