package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/web"
)

func init() { commands = append(commands, newSigninLinkCmd) }

// signinLinkJSON is `signin-link --json` (DESIGN.md §8).
type signinLinkJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	Member    createdBy `json:"member"`
}

func newSigninLinkCmd(a *app) *cobra.Command {
	var (
		store, email, base string
		asJSON             bool
	)
	baseDefault := os.Getenv("LOGISTIFIED_PUBLIC_URL")
	if baseDefault == "" {
		baseDefault = web.DefaultBaseURL
	}
	cmd := &cobra.Command{
		Use:   "signin-link --store D --email E",
		Short: "Print a one-time link that signs a member in to the keys page (valid 15 minutes)",
		Long: "Prints a sign-in link for a member of the store: following it opens the keys page (/keys) signed in.\n" +
			"The link works once and for 15 minutes; only its hash is stored.",
		Example: "  logistified signin-link --store acme.myshopify.com --email jane@acme.com --url https://logistified.acme.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			b, err := web.BaseURL(base)
			if err != nil {
				return fmt.Errorf("--url: %w", err)
			}
			if _, err := access.NormalizeEmail(email); err != nil {
				return err
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			l, err := access.New(db).CreateSigninLink(ctx, s.ID, email)
			if err != nil {
				return err
			}
			link := web.SigninURL(b, l.Token)
			if asJSON {
				return a.printJSON(signinLinkJSON{URL: link, ExpiresAt: l.ExpiresAt, Member: createdBy{l.Member.Name, l.Member.Email}})
			}
			_, err = fmt.Fprintf(a.stdout, "Sign-in link for %s <%s> (%s), usable once until %s:\n\n    %s\n",
				l.Member.Name, l.Member.Email, s.Domain, formatTime(&l.ExpiresAt), link)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain")
	f.StringVar(&email, "email", "", "the member's email address")
	f.StringVar(&base, "url", baseDefault, "the server's base URL; $LOGISTIFIED_PUBLIC_URL sets the default")
	f.BoolVar(&asJSON, "json", false, "print the link as JSON")
	_ = cmd.MarkFlagRequired("store")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

// publicBaseURL is the base of links the server prints:
// LOGISTIFIED_PUBLIC_URL when set, else fallback, else web.DefaultBaseURL.
func publicBaseURL(fallback string) (string, error) {
	if v := os.Getenv("LOGISTIFIED_PUBLIC_URL"); v != "" {
		b, err := web.BaseURL(v)
		if err != nil {
			return "", fmt.Errorf("LOGISTIFIED_PUBLIC_URL: %w", err)
		}
		return b, nil
	}
	if fallback == "" {
		fallback = web.DefaultBaseURL
	}
	return web.BaseURL(fallback)
}
