package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/logging"
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
	return root
}

// commands are added by each command's file, so that adding a command
// touches only its own file.
var commands []func(*app) *cobra.Command

// openDB opens and migrates the configured database.
func (a *app) openDB(ctx context.Context) (*storage.DB, error) {
	url := a.databaseURL
	if url == "" {
		url = os.Getenv("LOGISTIFIED_DATABASE_URL")
	}
	if url == "" {
		var err error
		if url, err = storage.DefaultURL(); err != nil {
			return nil, err
		}
	}
	return storage.Open(ctx, url)
}

// logger writes to stderr, so that stdout stays for results and protocol.
func (a *app) logger() (zerolog.Logger, error) {
	return logging.New(a.stderr, os.Getenv("LOGISTIFIED_LOG_LEVEL"))
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
