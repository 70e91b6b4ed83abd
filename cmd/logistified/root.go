package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	neturl "net/url"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/logging"
	"github.com/logistified/mcp-server/progress"
	"github.com/logistified/mcp-server/storage"
)

// app holds what every command shares: the global flags and the streams.
type app struct {
	stdout, stderr io.Writer
	databaseURL    string
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "logistified",
		Short:         "The Logistified MCP server: AI assistants work on a Shopify store's inventory",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.databaseURL, "database-url", "",
		"database: postgres://… or sqlite:PATH (default $LOGISTIFIED_DATABASE_URL, else SQLite in $LOGISTIFIED_HOME)")
	for _, add := range commands {
		root.AddCommand(add(a))
	}
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes every command that only groups others
// refuse a word it does not know, with the closest command names, and exit
// non-zero: cobra would print the group's help and succeed, so a script
// would never notice `keys lst`. Without a word, the help is printed.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return unknownCommandError(c, args[0])
	}
	c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
}

// unknownCommandError names the closest of c's commands to word.
func unknownCommandError(c *cobra.Command, word string) error {
	hint := fmt.Sprintf("`%s --help` lists its commands", c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default, which SuggestionsFor does not apply
	}
	if s := c.SuggestionsFor(word); len(s) > 0 {
		hint = "did you mean " + strings.Join(s, " or ") + "? (" + hint + ")"
	}
	return fmt.Errorf("unknown command %q for %q: %s", word, c.CommandPath(), hint)
}

// commands are added by each command's file, so that adding a command
// touches only its own file.
var commands []func(*app) *cobra.Command

// openDB opens and migrates the configured database, creating a SQLite file
// that does not exist yet.
func (a *app) openDB(ctx context.Context) (*storage.DB, error) {
	url, err := a.databaseInUse()
	if err != nil {
		return nil, err
	}
	return storage.Open(ctx, url)
}

// openExistingDB opens and migrates the configured database only if it
// exists, for commands that serve or change what is there (stdio, a
// store's keys, members, imports, audit; stores list): a mistyped path is
// an error naming it, and leaves no empty database behind.
func (a *app) openExistingDB(ctx context.Context) (*storage.DB, error) {
	url, err := a.databaseInUse()
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, url, storage.Existing())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("there is no database at %s: set LOGISTIFIED_DATABASE_URL (or --database-url) to the database your stores and keys are in, "+
			"or create this one with `logistified demo` or `logistified stores create --domain DOMAIN --name NAME`", redactURL(url))
	}
	return db, err
}

// databaseInUse is the database URL commands open: --database-url, else
// $LOGISTIFIED_DATABASE_URL, else the default SQLite file.
func (a *app) databaseInUse() (string, error) {
	url := a.databaseURL
	if url == "" {
		url = os.Getenv("LOGISTIFIED_DATABASE_URL")
	}
	if url == "" {
		return storage.DefaultURL()
	}
	return url, nil
}

// redactURL is a database URL fit for a message: a PostgreSQL password is
// replaced by PASSWORD.
func redactURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.User == nil {
		if strings.Contains(raw, "://") && strings.Contains(raw, "@") {
			// Unparseable yet it may hold a password: name only its scheme.
			scheme, _, _ := strings.Cut(raw, "://")
			return scheme + "://…"
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = neturl.UserPassword(u.User.Username(), "PASSWORD")
	}
	return u.String()
}

// logger writes to stderr, so that stdout stays for results and protocol.
func (a *app) logger() (zerolog.Logger, error) {
	return logging.New(a.stderr, os.Getenv("LOGISTIFIED_LOG_LEVEL"))
}

// progressLine is the progress line for long work: on stderr when it is a
// terminal, and not with --json (asJSON); else nil, and nothing is shown.
func (a *app) progressLine(asJSON bool) *progress.Line {
	if asJSON || !isTerminal(a.stderr) {
		return nil
	}
	return progress.NewLine(a.stderr, nil)
}

// printJSON writes v as indented JSON to stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// userMessage is the one sentence a failed command prints.
func userMessage(err error) string {
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return fmt.Sprintf("%T", err)
	}
	return msg
}
