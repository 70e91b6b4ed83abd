// Package clientconfig renders the configuration that connects an MCP
// client (Claude Desktop, Claude Code, Codex, Cursor, a custom agent over
// HTTP) to this server: what `logistified connect` prints and what the keys
// page shows beside a new key. Pure functions: client, key and URL in,
// text out.
package clientconfig

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Clients are the clients Render knows, in the order they are shown.
var Clients = []string{"claude-desktop", "claude-code", "codex", "cursor", "http"}

// Setup is what a client configuration names.
type Setup struct {
	// Binary is the absolute path of logistified, for clients that start
	// it over stdio; BinaryNote says why it may need replacing.
	Binary, BinaryNote string
	// Key is the API key, or a placeholder; KeyNote says how to get one.
	Key, KeyNote string
	// URL is the HTTP server's /mcp endpoint.
	URL string
	// DatabaseURL is passed to stdio servers when it is not the default,
	// so that the client's logistified opens the same database.
	DatabaseURL string
}

// Render returns one client's configuration for s.
func Render(client string, s Setup) (string, error) {
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
				fmt.Fprintf(&env, " --env %s", ShellQuote(name+"="+v))
			}
		}
		fmt.Fprintf(&b, "# Claude Code over stdio (add --scope user to use it in every project):\n"+
			"claude mcp add logistified --transport stdio%s -- %s stdio\n\n", env.String(), ShellQuote(s.Binary))
		fmt.Fprintf(&b, "# Or over HTTP, to a running `logistified serve`:\n"+
			"claude mcp add --transport http logistified %s --header %s\n",
			ShellQuote(s.URL), ShellQuote("Authorization: Bearer "+s.Key))
	case "codex":
		b.WriteString("# Codex: add to ~/.codex/config.toml (or .codex/config.toml in a trusted project).\n\n# Over stdio:\n")
		fmt.Fprintf(&b, "[mcp_servers.logistified]\ncommand = %s\nargs = [\"stdio\"]\nenv = { ", tomlString(s.Binary))
		fmt.Fprintf(&b, "LOGISTIFIED_API_KEY = %s", tomlString(s.Key))
		if v, ok := stdioEnv["LOGISTIFIED_DATABASE_URL"]; ok {
			fmt.Fprintf(&b, ", LOGISTIFIED_DATABASE_URL = %s", tomlString(v))
		}
		b.WriteString(" }\n\n# Or over HTTP, to a running `logistified serve`; Codex reads the key from the environment:\n")
		fmt.Fprintf(&b, "[mcp_servers.logistified]\nurl = %s\nbearer_token_env_var = \"LOGISTIFIED_API_KEY\"\n", tomlString(s.URL))
		fmt.Fprintf(&b, "\n# and start Codex where the key is set:\nexport LOGISTIFIED_API_KEY=%s\n", ShellQuote(s.Key))
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
		fmt.Fprintf(&b, "export LOGISTIFIED_API_KEY=%s\n", ShellQuote(s.Key))
		for _, req := range CurlSession {
			fmt.Fprintf(&b, "\n# %s\ncurl -sS %s \\\n  -H \"Authorization: Bearer $LOGISTIFIED_API_KEY\" \\\n"+
				"  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n",
				req.Comment, ShellQuote(s.URL))
			if req.ProtocolHeader {
				fmt.Fprintf(&b, "  -H 'MCP-Protocol-Version: %s' \\\n", CurlProtocolVersion)
			}
			fmt.Fprintf(&b, "  -d %s\n", ShellQuote(req.Body))
		}
	default:
		return "", fmt.Errorf("unknown client %q: use one of %s", client, strings.Join(Clients, ", "))
	}
	return b.String(), nil
}

// CurlProtocolVersion is the MCP revision the curl session negotiates.
const CurlProtocolVersion = "2025-11-25"

// CurlRequest is one request of the http snippet's curl session.
type CurlRequest struct {
	Comment        string
	Body           string
	ProtocolHeader bool
}

// CurlSession is the session the http snippet prints; the tests replay it
// against a real server.
var CurlSession = []CurlRequest{
	{"1. initialize: the server's instructions say which store and scope this key has", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + CurlProtocolVersion + `","capabilities":{},"clientInfo":{"name":"my-agent","version":"1.0.0"}}}`, false},
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

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
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
