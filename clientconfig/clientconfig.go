// Package clientconfig renders the configuration that connects a client
// (Claude Desktop, Claude Code, Codex, Cursor, a custom agent over MCP's
// HTTP transport or over the REST API) to this server: what `logistified
// connect` prints and what the keys page shows beside a new key. Pure
// functions: client, key, URL and database in, text out.
//
// Every configuration is valid as a whole in its client's format (JSON,
// TOML or a POSIX shell script), so that pasting all of it works: there is
// one server entry per document, and alternatives are comments or a second
// call with Setup.HTTP.
package clientconfig

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Clients are the clients Build knows, in the order they are shown.
var Clients = []string{"claude-desktop", "claude-code", "codex", "cursor", "http", "rest"}

// Titles name each client for people.
var Titles = map[string]string{
	"claude-desktop": "Claude Desktop", "claude-code": "Claude Code", "codex": "Codex",
	"cursor": "Cursor", "http": "Custom agent (HTTP)", "rest": "REST API",
}

// Formats of Config.Text.
const (
	JSON  = "json"
	TOML  = "toml"
	Shell = "shell"
)

// Setup is what a client configuration names.
type Setup struct {
	// Binary is the absolute path of logistified, for clients that start
	// it over stdio; BinaryNote says why it may need replacing.
	Binary, BinaryNote string
	// Key is the API key, or a placeholder; KeyNote says how to get one.
	Key, KeyNote string
	// URL is the HTTP server's /mcp endpoint; the REST API is beside it.
	URL string
	// DatabaseURL is passed to stdio servers when it is not the default:
	// clients start them without the shell's environment, so without it
	// the server would open another database and call the key unknown.
	DatabaseURL string
	// HTTP selects the configuration for a running `logistified serve`
	// rather than a server the client starts over stdio.
	HTTP bool
}

// Config is one client's configuration.
type Config struct {
	Client string
	// Format is the language of Text: JSON, TOML or Shell.
	Format string
	// Notes are the sentences a person needs beside Text: where it goes,
	// what to do after. They are not part of Text.
	Notes []string
	// Text is the configuration, valid as a whole in Format.
	Text string
	// Stdio reports whether the client starts logistified itself.
	Stdio bool
}

// Commented returns c's notes as comments before its text, still valid as
// a whole, for formats with comments; JSON has none, so it is Text alone.
func (c Config) Commented() string {
	if c.Format == JSON {
		return c.Text
	}
	return comments(c.Notes) + c.Text
}

// HasStdio reports whether client can start logistified over stdio.
func HasStdio(client string) bool {
	switch client {
	case "claude-desktop", "claude-code", "codex", "cursor":
		return true
	}
	return false
}

// Build returns one client's configuration for s: over stdio, or over HTTP
// when s.HTTP is set or the client has no stdio.
func Build(client string, s Setup) (Config, error) {
	c := Config{Client: client, Stdio: HasStdio(client) && !s.HTTP}
	if c.Stdio && s.BinaryNote != "" {
		c.Notes = append(c.Notes, "Note: "+s.BinaryNote)
	}
	if s.KeyNote != "" {
		c.Notes = append(c.Notes, "Note: "+s.KeyNote)
	}
	env := map[string]string{"LOGISTIFIED_API_KEY": s.Key}
	if s.DatabaseURL != "" {
		env["LOGISTIFIED_DATABASE_URL"] = s.DatabaseURL
	}
	stdioEntry := map[string]any{"command": s.Binary, "args": []string{"stdio"}, "env": env}
	serve := "a running `logistified serve` at " + s.URL
	switch client {
	case "claude-desktop":
		c.Format = JSON
		c.Notes = append(c.Notes, "Claude Desktop: merge into claude_desktop_config.json, then quit Claude Desktop completely and start it again.",
			"macOS: ~/Library/Application Support/Claude/claude_desktop_config.json; Windows: %APPDATA%\\Claude\\claude_desktop_config.json")
		if c.Stdio {
			c.Text = servers(stdioEntry)
			break
		}
		c.Notes = append(c.Notes, "To use "+serve+": Claude Desktop sends no custom headers, so the mcp-remote bridge (needs Node.js) adds the Authorization header.")
		args := []string{"-y", "mcp-remote", s.URL, "--header", "Authorization:${LOGISTIFIED_AUTH_HEADER}"}
		if needsAllowHTTP(s.URL) {
			args = append(args, "--allow-http")
		}
		c.Text = servers(map[string]any{"command": "npx", "args": args, "env": map[string]string{"LOGISTIFIED_AUTH_HEADER": "Bearer " + s.Key}})
	case "claude-code":
		c.Format = Shell
		if c.Stdio {
			c.Notes = append(c.Notes, "Claude Code over stdio: run this (add --scope user to use it in every project).")
			var flags strings.Builder
			for _, name := range []string{"LOGISTIFIED_API_KEY", "LOGISTIFIED_DATABASE_URL"} {
				if v, ok := env[name]; ok {
					fmt.Fprintf(&flags, " --env %s", ShellQuote(name+"="+v))
				}
			}
			c.Text = fmt.Sprintf("claude mcp add logistified --transport stdio%s -- %s stdio\n", flags.String(), ShellQuote(s.Binary))
			break
		}
		c.Notes = append(c.Notes, "Claude Code over HTTP, to "+serve+": run this (add --scope user to use it in every project).")
		c.Text = fmt.Sprintf("claude mcp add --transport http logistified %s --header %s\n", ShellQuote(s.URL), ShellQuote("Authorization: Bearer "+s.Key))
	case "codex":
		c.Format = TOML
		c.Notes = append(c.Notes, "Codex: add to ~/.codex/config.toml (or .codex/config.toml in a trusted project), in place of any [mcp_servers.logistified] table already there.")
		if c.Stdio {
			var t strings.Builder
			fmt.Fprintf(&t, "[mcp_servers.logistified]\ncommand = %s\nargs = [\"stdio\"]\nenv = { LOGISTIFIED_API_KEY = %s", tomlString(s.Binary), tomlString(s.Key))
			if v, ok := env["LOGISTIFIED_DATABASE_URL"]; ok {
				fmt.Fprintf(&t, ", LOGISTIFIED_DATABASE_URL = %s", tomlString(v))
			}
			t.WriteString(" }\n")
			c.Text = t.String()
			break
		}
		c.Notes = append(c.Notes, "Over HTTP, to "+serve+".")
		c.Text = fmt.Sprintf("[mcp_servers.logistified]\nurl = %s\nhttp_headers = { Authorization = %s }\n", tomlString(s.URL), tomlString("Bearer "+s.Key))
	case "cursor":
		c.Format = JSON
		c.Notes = append(c.Notes, "Cursor: merge into ~/.cursor/mcp.json (every project) or .cursor/mcp.json (this project).")
		if c.Stdio {
			c.Text = servers(stdioEntry)
			break
		}
		c.Notes = append(c.Notes, "Over HTTP, to "+serve+".")
		c.Text = servers(map[string]any{"url": s.URL, "headers": map[string]string{"Authorization": "Bearer " + s.Key}})
	case "http":
		c.Format = Shell
		c.Notes = append(c.Notes, "Custom agents: streamable HTTP at "+s.URL+". The server is stateless: there is no session id to keep, and every request carries the key.",
			"Responses are JSON-RPC; errors the model can act on come back as tool results with isError true.")
		var t strings.Builder
		fmt.Fprintf(&t, "export LOGISTIFIED_API_KEY=%s\n", ShellQuote(s.Key))
		for _, req := range CurlSession {
			fmt.Fprintf(&t, "\n# %s\ncurl -sS %s \\\n  -H \"Authorization: Bearer $LOGISTIFIED_API_KEY\" \\\n"+
				"  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n",
				req.Comment, ShellQuote(s.URL))
			if req.ProtocolHeader {
				fmt.Fprintf(&t, "  -H 'MCP-Protocol-Version: %s' \\\n", CurlProtocolVersion)
			}
			fmt.Fprintf(&t, "  -d %s\n", ShellQuote(req.Body))
		}
		c.Text = t.String()
	case "rest":
		c.Format = Shell
		base := RESTBase(s.URL)
		c.Notes = append(c.Notes, "REST API at "+base+": the same key, the same store (the key names it). Answers are {\"data\": …, \"meta\": …}; errors are application/problem+json.",
			"Every endpoint, parameter and answer is in the OpenAPI 3.1 document at "+base+"/openapi.json (served without a key).")
		var t strings.Builder
		fmt.Fprintf(&t, "export LOGISTIFIED_API_KEY=%s\n", ShellQuote(s.Key))
		for _, req := range RESTSession {
			fmt.Fprintf(&t, "\n# %s\ncurl -sS -H \"Authorization: Bearer $LOGISTIFIED_API_KEY\" %s\n", req.Comment, ShellQuote(base+req.Path))
		}
		fmt.Fprintf(&t, "# the next page: the same request with &cursor= and the answer's meta.next_cursor (null on the last page), e.g.\n"+
			"#   curl -sS -H \"Authorization: Bearer $LOGISTIFIED_API_KEY\" %s\n", ShellQuote(base+RESTSession[len(RESTSession)-1].Path+"&cursor=NEXT_CURSOR"))
		fmt.Fprintf(&t, "\n# The OpenAPI document (no key needed)\ncurl -sS %s\n", ShellQuote(base+"/openapi.json"))
		c.Text = t.String()
	default:
		return Config{}, fmt.Errorf("unknown client %q: use one of %s", client, strings.Join(Clients, ", "))
	}
	return c, nil
}

// Render returns everything a person needs to connect client, as the keys
// page and `serve --demo` show it: the notes as comments, the configuration
// (over stdio where the client has it) and, for those clients, the one over
// HTTP as the alternative. For TOML and shell the whole text stays valid
// (the alternative is commented out); JSON has no comments, so its notes
// and alternative stand outside the JSON blocks.
func Render(client string, s Setup) (string, error) {
	c, err := Build(client, s)
	if err != nil {
		return "", err
	}
	text := comments(c.Notes) + c.Text
	if !c.Stdio || !HasStdio(client) {
		return text, nil
	}
	hs := s
	hs.HTTP, hs.KeyNote = true, ""
	h, err := Build(client, hs)
	if err != nil {
		return "", err
	}
	// The last note of an HTTP configuration says what it connects to.
	text += "\n# Or instead. " + h.Notes[len(h.Notes)-1] + "\n"
	if h.Format == JSON {
		return text + h.Text, nil
	}
	return text + "# Uncomment in place of the above:\n" + commentOut(h.Text), nil
}

// RESTBase is the REST API's base URL beside the /mcp endpoint mcpURL (or
// given as the server's address, or as the API's own base).
func RESTBase(mcpURL string) string {
	u := strings.TrimRight(mcpURL, "/")
	switch {
	case strings.HasSuffix(u, "/api/v1"):
		return u
	case strings.HasSuffix(u, "/mcp"):
		return strings.TrimSuffix(u, "/mcp") + "/api/v1"
	}
	return u + "/api/v1"
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

// RESTRequest is one GET of the rest snippet, relative to the API's base.
type RESTRequest struct {
	Comment, Path string
}

// RESTSession is what the rest snippet prints; the tests replay it against
// a real server. The last one is a list, whose paging the snippet explains.
var RESTSession = []RESTRequest{
	{"The store at a glance (what get_store_overview answers over MCP)", "/store"},
	{"A list, one page of 20: meta.total_count counts them all, meta.next_cursor fetches the next page", "/products?limit=20"},
}

func servers(entry map[string]any) string {
	b, _ := json.MarshalIndent(map[string]any{"mcpServers": map[string]any{"logistified": entry}}, "", "  ")
	return string(b) + "\n"
}

// comments returns notes as shell/TOML comment lines, then a blank line.
func comments(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	var b strings.Builder
	for _, n := range notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	return b.String() + "\n"
}

// commentOut turns every line of text into a comment.
func commentOut(text string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		b.WriteString("# " + line)
	}
	return b.String() + "\n"
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
