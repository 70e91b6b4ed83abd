package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/keys"
)

func init() { commands = append(commands, newConnectCmd) }

// connectClients are the clients `connect` knows, in the order serve --demo
// prints them.
var connectClients = []string{"claude-desktop", "claude-code", "codex", "cursor", "http"}

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
type clientSetup struct {
	// Binary is the absolute path of logistified; BinaryNote says why it
	// may need replacing (a `go run` build that will vanish).
	Binary, BinaryNote string
	// Key is the API key, or keyPlaceholder; KeyNote says how to get one.
	Key, KeyNote string
	URL          string
	// DatabaseURL is passed to stdio servers when it is not the default,
	// so that the client's logistified opens the same database.
	DatabaseURL string
}

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
	var b strings.Builder
	for _, note := range []string{s.BinaryNote, s.KeyNote} {
		if note != "" {
			fmt.Fprintf(&b, "# Note: %s\n", note)
		}
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	stdioEnv := map[string]string{"LOGISTIFIED_API_KEY": s.Key}
	if s.DatabaseURL != "" {
		stdioEnv["LOGISTIFIED_DATABASE_URL"] = s.DatabaseURL
	}
	stdioEntry := map[string]any{"command": s.Binary, "args": []string{"stdio"}, "env": stdioEnv}
	switch client {
	case "claude-desktop":
		b.WriteString("# Claude Desktop: merge into claude_desktop_config.json, then quit Claude Desktop completely and start it again.\n" +
			"#   macOS:   ~/Library/Application Support/Claude/claude_desktop_config.json\n" +
			"#   Windows: %APPDATA%\\Claude\\claude_desktop_config.json\n\n" +
			"# Over stdio (Claude Desktop starts logistified itself):\n")
		b.WriteString(jsonBlock(map[string]any{"mcpServers": map[string]any{"logistified": stdioEntry}}))
		b.WriteString("\n# Or, to use a running `logistified serve`: Claude Desktop sends no custom headers, so the\n" +
			"# mcp-remote bridge (needs Node.js) adds the Authorization header:\n")
		args := []string{"-y", "mcp-remote", s.URL, "--header", "Authorization:${LOGISTIFIED_AUTH_HEADER}"}
		if needsAllowHTTP(s.URL) {
			args = append(args, "--allow-http")
		}
		b.WriteString(jsonBlock(map[string]any{"mcpServers": map[string]any{"logistified": map[string]any{
			"command": "npx", "args": args, "env": map[string]string{"LOGISTIFIED_AUTH_HEADER": "Bearer " + s.Key},
		}}}))
	case "claude-code":
		var env strings.Builder
		for _, name := range []string{"LOGISTIFIED_API_KEY", "LOGISTIFIED_DATABASE_URL"} {
			if v, ok := stdioEnv[name]; ok {
				fmt.Fprintf(&env, " --env %s", shellQuote(name+"="+v))
			}
		}
		fmt.Fprintf(&b, "# Claude Code over stdio (add --scope user to use it in every project):\n"+
			"claude mcp add logistified --transport stdio%s -- %s stdio\n\n", env.String(), shellQuote(s.Binary))
		fmt.Fprintf(&b, "# Or over HTTP, to a running `logistified serve`:\n"+
			"claude mcp add --transport http logistified %s --header %s\n",
			shellQuote(s.URL), shellQuote("Authorization: Bearer "+s.Key))
	case "codex":
		b.WriteString("# Codex: add to ~/.codex/config.toml (or .codex/config.toml in a trusted project).\n\n# Over stdio:\n")
		fmt.Fprintf(&b, "[mcp_servers.logistified]\ncommand = %s\nargs = [\"stdio\"]\nenv = { ", tomlString(s.Binary))
		fmt.Fprintf(&b, "LOGISTIFIED_API_KEY = %s", tomlString(s.Key))
		if v, ok := stdioEnv["LOGISTIFIED_DATABASE_URL"]; ok {
			fmt.Fprintf(&b, ", LOGISTIFIED_DATABASE_URL = %s", tomlString(v))
		}
		b.WriteString(" }\n\n# Or over HTTP, to a running `logistified serve`; Codex reads the key from the environment:\n")
		fmt.Fprintf(&b, "[mcp_servers.logistified]\nurl = %s\nbearer_token_env_var = \"LOGISTIFIED_API_KEY\"\n", tomlString(s.URL))
		fmt.Fprintf(&b, "\n# and start Codex where the key is set:\nexport LOGISTIFIED_API_KEY=%s\n", shellQuote(s.Key))
	case "cursor":
		b.WriteString("# Cursor: merge into ~/.cursor/mcp.json (every project) or .cursor/mcp.json (this project).\n\n# Over stdio:\n")
		b.WriteString(jsonBlock(map[string]any{"mcpServers": map[string]any{"logistified": stdioEntry}}))
		b.WriteString("\n# Or over HTTP, to a running `logistified serve`:\n")
		b.WriteString(jsonBlock(map[string]any{"mcpServers": map[string]any{"logistified": map[string]any{
			"url": s.URL, "headers": map[string]string{"Authorization": "Bearer " + s.Key},
		}}}))
	case "http":
		fmt.Fprintf(&b, "# Custom agents: streamable HTTP at %s. The server is stateless: there is no session id\n"+
			"# to keep, and every request carries the key. Responses are JSON-RPC; errors the model can act on come\n"+
			"# back as tool results with isError true.\n\n", s.URL)
		fmt.Fprintf(&b, "export LOGISTIFIED_API_KEY=%s\n", shellQuote(s.Key))
		for _, req := range curlSession {
			fmt.Fprintf(&b, "\n# %s\ncurl -sS %s \\\n  -H \"Authorization: Bearer $LOGISTIFIED_API_KEY\" \\\n"+
				"  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n",
				req.comment, shellQuote(s.URL))
			if req.protocolHeader {
				fmt.Fprintf(&b, "  -H 'MCP-Protocol-Version: %s' \\\n", curlProtocolVersion)
			}
			fmt.Fprintf(&b, "  -d %s\n", shellQuote(req.body))
		}
	default:
		return "", fmt.Errorf("unknown client %q: use one of %s", client, strings.Join(connectClients, ", "))
	}
	return b.String(), nil
}

// curlProtocolVersion is the MCP revision the curl session negotiates.
const curlProtocolVersion = "2025-11-25"

// curlSession is the session the http snippet prints; the tests replay it
// against a real server.
var curlSession = []struct {
	comment        string
	body           string
	protocolHeader bool
}{
	{"1. initialize: the server's instructions say which store and scope this key has", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + curlProtocolVersion + `","capabilities":{},"clientInfo":{"name":"my-agent","version":"1.0.0"}}}`, false},
	{"2. the tools this key may call", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, true},
	{"3. call a tool", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`, true},
}

func jsonBlock(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b) + "\n"
}

// tomlString quotes s as a TOML basic string; JSON's escapes are a subset.
func tomlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needsAllowHTTP: mcp-remote refuses plain http except to localhost.
func needsAllowHTTP(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	return h != "localhost" && h != "127.0.0.1"
}
