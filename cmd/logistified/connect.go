package main

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

func init() { commands = append(commands, newConnectCmd) }

// connectClients are the clients `connect` knows, in the order serve --demo
// prints them.
var connectClients = clientconfig.Clients

const (
	defaultMCPURL  = "http://127.0.0.1:8080/mcp"
	keyPlaceholder = "lstk_PASTE_YOUR_KEY_HERE"
)

func newConnectCmd(a *app) *cobra.Command {
	var key, mcpURL string
	var overHTTP bool
	cmd := &cobra.Command{
		Use:   "connect [claude-desktop|claude-code|codex|cursor|http|rest]",
		Short: "Print a ready-to-paste configuration for an MCP client or the REST API",
		Long: "Prints the configuration that connects a client to this server, valid as a whole in the client's\n" +
			"format: over stdio (the client starts `logistified stdio` itself, told which database to open) or,\n" +
			"with --http, to a running `logistified serve`. `http` prints a curl session over MCP's HTTP\n" +
			"transport; `rest` prints curl calls to the REST API and its OpenAPI document. The key comes from\n" +
			"--key or LOGISTIFIED_API_KEY; without one, a placeholder shows where it goes. JSON configurations\n" +
			"(claude-desktop, cursor) go to stdout alone, their notes to stderr.",
		Example: "  logistified connect codex --key lstk_… >> ~/.codex/config.toml\n" +
			"  logistified connect cursor --http --url https://mcp.example.com/mcp\n" +
			"  logistified connect rest --key lstk_… --url https://mcp.example.com",
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: connectClients,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return writeClientList(a.stdout)
			}
			if key == "" {
				key = os.Getenv("LOGISTIFIED_API_KEY")
			}
			setup, err := a.clientSetup(key, mcpURL)
			if err != nil {
				return err
			}
			setup.HTTP = overHTTP
			client := args[0]
			c, err := clientconfig.Build(client, setup)
			if err != nil {
				return err
			}
			if c.Format != clientconfig.JSON {
				// Notes and the alternative are comments: the whole stays valid.
				text, err := clientConfig(client, setup)
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(a.stdout, text)
				return err
			}
			// JSON has no comments: stdout is the configuration alone.
			for _, note := range c.Notes {
				fmt.Fprintln(a.stderr, note)
			}
			if c.Stdio {
				fmt.Fprintf(a.stderr, "To use a running `logistified serve` over HTTP instead: logistified connect %s --http\n", client)
			}
			_, err = fmt.Fprint(a.stdout, c.Text)
			return err
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the API key to put in the configuration (default $LOGISTIFIED_API_KEY)")
	cmd.Flags().StringVar(&mcpURL, "url", defaultMCPURL, "the URL of the HTTP server's /mcp endpoint (rest: the server's address will do)")
	cmd.Flags().BoolVar(&overHTTP, "http", false, "connect to a running 'logistified serve' over HTTP rather than starting 'logistified stdio'")
	return cmd
}

// writeClientList lists the clients `connect` knows, as DESIGN.md §2 has
// it do when none is named.
func writeClientList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Name a client to print its configuration:")
	for _, c := range connectClients {
		fmt.Fprintf(tw, "  logistified connect %s\t%s\n", c, clientconfig.Titles[c])
	}
	fmt.Fprintln(tw, "\nAdd --http to connect to a running 'logistified serve' instead of starting 'logistified stdio'.")
	return tw.Flush()
}

// clientSetup is what a client configuration names.
type clientSetup = clientconfig.Setup

func (a *app) clientSetup(key, mcpURL string) (clientSetup, error) {
	s := clientSetup{Key: key, URL: mcpURL}
	if s.URL == "" {
		s.URL = defaultMCPURL
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, fmt.Errorf("--url %q is not an http:// or https:// URL: give the server's /mcp endpoint, such as %s", s.URL, defaultMCPURL)
	}
	if s.Key == "" {
		s.Key = keyPlaceholder
		s.KeyNote = "No key was given (--key or LOGISTIFIED_API_KEY), so " + keyPlaceholder + " marks where it goes: " +
			"create one with `logistified keys create --store DOMAIN --created-by-name NAME --created-by-email EMAIL`."
	} else if _, _, err := keys.Parse(s.Key); err != nil {
		return s, fmt.Errorf("the key given is malformed: it should be lstk_ followed by 38 letters and digits, as printed when it was created")
	}
	s.Binary, s.BinaryNote = binaryPath()
	if s.DatabaseURL, err = a.stdioDatabase(); err != nil {
		return s, err
	}
	return s, nil
}

// stdioDatabase is the database a client's `logistified stdio` must be
// told to open: the one in use, unless the server finds it untold. Clients
// start servers without the shell's environment (Codex and Claude Desktop
// pass little more than HOME and PATH), so a database chosen by
// LOGISTIFIED_DATABASE_URL, --database-url, LOGISTIFIED_HOME or
// XDG_DATA_HOME is named, and a relative SQLite path made absolute (the
// client starts the server in another folder).
func (a *app) stdioDatabase() (string, error) {
	url := a.databaseURL
	if url == "" {
		url = os.Getenv("LOGISTIFIED_DATABASE_URL")
	}
	if url == "" {
		inUse, err := storage.DefaultURL()
		if err != nil {
			return "", err
		}
		if home, err := os.UserHomeDir(); err == nil &&
			inUse == "sqlite:"+filepath.Join(home, ".local", "share", "logistified", "logistified.db") {
			return "", nil // what the server opens with HOME alone
		}
		url = inUse
	}
	if strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite:") {
		return url, nil // PostgreSQL: the same from any folder
	}
	path, sqlitePrefix := strings.CutPrefix(url, "sqlite:")
	if sqlitePrefix {
		path = strings.TrimPrefix(path, "//")
	}
	if !filepath.IsAbs(path) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", fmt.Errorf("finding the absolute path of the database %s: %w", path, err)
		}
		path = abs
	}
	return "sqlite:" + path, nil
}

// binaryPath is the path clients should start. A `go run` build lives in a
// temporary folder that is deleted when it exits, so it is never printed.
func binaryPath() (path, note string) {
	exe, err := os.Executable()
	if err == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
	}
	// go run (and go test) build into a go-build folder under the temporary
	// directory.
	temporary := err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build")
	if !temporary {
		return exe, ""
	}
	note = "This logistified was built by `go run` into a temporary folder that disappears: install it from this checkout with " +
		"`go install ./cmd/logistified` (it lands in $(go env GOPATH)/bin) and check the command path in the configurations below."
	if installed, err := exec.LookPath("logistified"); err == nil {
		if abs, err := filepath.Abs(installed); err == nil {
			return abs, note
		}
	}
	return "/path/to/logistified", note
}

// clientConfig renders one client's configuration.
func clientConfig(client string, s clientSetup) (string, error) {
	return clientconfig.Render(client, s)
}

// The curl session the http snippet prints, for the tests that replay it.
const curlProtocolVersion = clientconfig.CurlProtocolVersion

var curlSession = func() []curlStep {
	out := make([]curlStep, len(clientconfig.CurlSession))
	for i, r := range clientconfig.CurlSession {
		out[i] = curlStep{r.Comment, r.Body, r.ProtocolHeader}
	}
	return out
}()

type curlStep struct {
	comment, body  string
	protocolHeader bool
}

func shellQuote(s string) string { return clientconfig.ShellQuote(s) }
