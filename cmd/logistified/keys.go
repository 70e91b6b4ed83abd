package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

func init() { commands = append(commands, newKeysCmd) }

func newKeysCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Issue, list and revoke a store's lstk_ API keys",
	}
	cmd.AddCommand(newKeysCreateCmd(a), newKeysListCmd(a), newKeysRevokeCmd(a), newKeysRollCmd(a), newKeysUpdateCmd(a))
	return cmd
}

// createdBy is the JSON form of a key's creator.
type createdBy struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// createdKeyJSON is `keys create --json` (DESIGN.md §2).
type createdKeyJSON struct {
	ID        int64      `json:"id"`
	Key       string     `json:"key"`
	Prefix    string     `json:"prefix"`
	Scope     keys.Scope `json:"scope"`
	Label     string     `json:"label"`
	Store     string     `json:"store"`
	CreatedBy createdBy  `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	AllowFrom string     `json:"allow_from"`
	// Approval is when the key's writes need a person's approval.
	Approval inventory.Approval `json:"approval"`
	// Replaces is the prefix of the key a roll replaced.
	Replaces string `json:"replaces,omitempty"`
}

// keyJSON is one element of `keys list --json` (DESIGN.md §2); it has no
// field that could hold the key.
type keyJSON struct {
	ID         int64      `json:"id"`
	Prefix     string     `json:"prefix"`
	Scope      keys.Scope `json:"scope"`
	Label      string     `json:"label"`
	CreatedBy  createdBy  `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	storage.Lifecycle
}

func newKeysCreateCmd(a *app) *cobra.Command {
	var (
		store, scope string
		n            access.NewKey
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:     "create --store D --scope read|write --created-by-name N --created-by-email E [--approval never|always|above:AMOUNT]",
		Short:   "Issue a key; the full key is printed this once",
		Example: "  logistified keys create --store acme.myshopify.com --scope read --label \"Claude Desktop\" --created-by-name \"Jane Doe\" --created-by-email jane@acme.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			n.Scope = keys.Scope(scope)
			// Refuse bad input before opening (and perhaps creating) a database.
			n, err := n.Validate()
			if err != nil {
				return err
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			k, err := access.New(db).CreateKey(ctx, s.ID, n)
			if err != nil {
				return err
			}
			warning := fmt.Sprintf("Copy the key now: it will not be shown again. Only its prefix %s is kept for display.", k.Prefix)
			if asJSON {
				// stdout stays pure JSON for scripts; the warning goes to stderr.
				fmt.Fprintln(a.stderr, warning)
				return a.printJSON(createdJSON(k, s))
			}
			label := ""
			if k.Label != "" {
				label = fmt.Sprintf(", label %q", k.Label)
			}
			_, err = fmt.Fprintf(a.stdout, "Created a %s key for %s%s.\n\n    %s\n\n%s\n%s", k.Scope, s.Domain, label, k.Secret, warning, lifecycleLines(k.APIKey))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain")
	f.StringVar(&scope, "scope", string(keys.ScopeRead), "read (read tools only) or write (every tool)")
	f.StringVar(&n.Label, "label", "", "what the key is for, e.g. \"Claude Desktop on Jane's laptop\"")
	f.StringVar(&n.CreatedByName, "created-by-name", "", "name of the person issuing the key")
	f.StringVar(&n.CreatedByEmail, "created-by-email", "", "email of the person issuing the key")
	f.StringVar(&n.Expires, "expires", "", "when the key stops working: 30d, 90d, 365d, a date (YYYY-MM-DD, the last day it works) or never (default: the store's key expiry, 365 days unless changed)")
	f.StringVar(&n.AllowFrom, "allow-from", "", "addresses and CIDR ranges the key may be used from, comma-separated (IPv4 and IPv6; default: anywhere)")
	f.StringVar(&n.Approval, "approval", "", approvalUsage+" (write keys only; default here: never, so scripts keep writing; keys made on the keys page default to always)")
	f.BoolVar(&asJSON, "json", false, "print the key as JSON")
	for _, name := range []string{"store", "created-by-name", "created-by-email"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newKeysListCmd(a *app) *cobra.Command {
	var (
		store  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list --store D",
		Short: "List every key of a store, revoked ones included (never the full key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := access.New(db).ListKeys(ctx, s.ID)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]keyJSON, len(list))
				for i, k := range list {
					out[i] = keyJSON{
						ID: k.ID, Prefix: k.Prefix, Scope: k.Scope, Label: k.Label,
						CreatedBy: createdBy{k.CreatedByName, k.CreatedByEmail},
						CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt,
						Lifecycle: k.Lifecycle,
					}
				}
				return a.printJSON(out)
			}
			if len(list) == 0 {
				_, err := fmt.Fprintf(a.stdout, "%s has no keys. Issue one with: logistified keys create --store %s --created-by-name NAME --created-by-email EMAIL\n", s.Domain, s.Domain)
				return err
			}
			return writeKeyTable(a.stdout, list, isTerminal(a.stdout), db.Now())
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the store's domain")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keys as a JSON array")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

// writeKeyTable prints keys as a table; with ansi, revoked rows are also
// struck through.
func writeKeyTable(w io.Writer, list []storage.APIKey, ansi bool, now time.Time) error {
	rows := make([][]string, len(list))
	struck := make([]bool, len(list))
	for i, k := range list {
		status := "active"
		switch {
		case k.Revoked() && k.RevokedReason == access.RevokedLeaked:
			status = "revoked: leaked at " + k.LeakURL
			struck[i] = true
		case k.Revoked():
			status = "revoked"
			struck[i] = true
		case k.Expired(now) && k.ReplacedBy != "":
			status = "rolled to " + k.ReplacedBy
			struck[i] = true
		case k.Expired(now):
			status = "expired"
			struck[i] = true
		case k.ReplacedBy != "":
			status = "rolled to " + k.ReplacedBy + ", works until " + formatTime(k.ExpiresAt)
		}
		expires := "never"
		if k.ExpiresAt != nil {
			expires = formatTime(k.ExpiresAt)
		}
		lastUsed := "never"
		if k.LastUsedAt != nil {
			lastUsed = formatTime(k.LastUsedAt)
		}
		if k.LastUsedAddr != "" {
			lastUsed += " from " + k.LastUsedAddr
		}
		approval := "-" // a read key never writes
		if k.Scope.CanWrite() {
			approval = k.Approval.String()
		}
		rows[i] = []string{k.Prefix, k.Label, string(k.Scope), approval,
			fmt.Sprintf("%s <%s>", k.CreatedByName, k.CreatedByEmail),
			formatTime(&k.CreatedAt), lastUsed, expires, status}
	}
	return writeTable(w, []string{"PREFIX", "LABEL", "SCOPE", "APPROVAL", "CREATED BY", "CREATED", "LAST USED", "EXPIRES", "STATUS"}, rows, struck, ansi)
}

func newKeysRevokeCmd(a *app) *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:   "revoke --store D PREFIX_OR_ID",
		Short: "Revoke a key; it fails from its next request on, on every replica",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give exactly one key prefix or id, as keys list shows it (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			before := db.Now()
			k, err := access.New(db).RevokeKey(ctx, s.ID, args[0], access.Revoker{Name: cliActor()})
			if err != nil {
				return err
			}
			if k.RevokedAt != nil && k.RevokedAt.Before(before) {
				_, err = fmt.Fprintf(a.stdout, "Key %s of %s was already revoked on %s.\n", k.Prefix, s.Domain, formatTime(k.RevokedAt))
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "Revoked key %s of %s. It is refused from its next request on.\n", k.Prefix, s.Domain)
			return err
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the store's domain")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

// cliActor names the person at the command line for the audit log:
// "cli:user@host".
func cliActor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = fmt.Sprintf("uid%d", os.Getuid())
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return "cli:" + name + "@" + host
}

// isTerminal reports whether w is a terminal. A writer may say so itself
// (IsTerminal), as the tests' fake terminal does.
func isTerminal(w io.Writer) bool {
	if t, ok := w.(interface{ IsTerminal() bool }); ok {
		return t.IsTerminal()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// formatTime shows a time to the minute, in UTC, as every stored time is.
func formatTime(t *time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// writeTable prints an aligned table. Rows marked in struck are drawn with
// ANSI strike-through when ansi is set (stdout is a terminal); the codes
// wrap whole lines, so they do not disturb the alignment.
func writeTable(w io.Writer, header []string, rows [][]string, struck []bool, ansi bool) error {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(line(header) + "\n")
	for i, r := range rows {
		l := line(r)
		if ansi && i < len(struck) && struck[i] {
			l = "\x1b[9m" + l + "\x1b[0m"
		}
		b.WriteString(l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// openStore checks the domain's form before opening the database, which
// must exist (a store's commands create no empty database at a mistyped
// path), then finds the store. The caller closes the database.
func (a *app) openStore(ctx context.Context, domain string) (*storage.DB, storage.Store, error) {
	d, err := access.NormalizeDomain(domain)
	if err != nil {
		return nil, storage.Store{}, err
	}
	db, err := a.openExistingDB(ctx)
	if err != nil {
		return nil, storage.Store{}, err
	}
	s, err := access.New(db).StoreByDomain(ctx, d)
	if err != nil {
		db.Close()
		return nil, storage.Store{}, err
	}
	return db, s, nil
}
