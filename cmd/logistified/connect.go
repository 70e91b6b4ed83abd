package main

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/keys"
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
	cmd := &cobra.Command{
		Use:   "connect claude-desktop|claude-code|codex|cursor|http",
		Short: "Print a ready-to-paste configuration for an MCP client",
		Long: "Prints the configuration that connects an MCP client to this server: over stdio (the client starts\n" +
			"`logistified stdio` itself) and over HTTP (to a running `logistified serve`). The key comes from --key\n" +
			"or LOGISTIFIED_API_KEY; without one, a placeholder shows where it goes.",
		Args:      cobra.ExactArgs(1),
		ValidArgs: connectClients,
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				key = os.Getenv("LOGISTIFIED_API_KEY")
			}
			setup, err := a.clientSetup(key, mcpURL)
			if err != nil {
				return err
			}
			text, err := clientConfig(args[0], setup)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(a.stdout, text)
			return err
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the API key to put in the configuration (default $LOGISTIFIED_API_KEY)")
	cmd.Flags().StringVar(&mcpURL, "url", defaultMCPURL, "the URL of the HTTP server's /mcp endpoint")
	return cmd
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
	s.DatabaseURL = a.databaseURL
	if s.DatabaseURL == "" {
		s.DatabaseURL = os.Getenv("LOGISTIFIED_DATABASE_URL")
	}
	return s, nil
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
