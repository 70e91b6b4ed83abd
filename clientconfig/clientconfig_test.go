package clientconfig

import (
	"strings"
	"testing"
)

func TestRESTBase(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/mcp":             "http://127.0.0.1:8080/api/v1",
		"https://x.example.com/mcp/":            "https://x.example.com/api/v1",
		"https://x.example.com":                 "https://x.example.com/api/v1",
		"https://x.example.com/":                "https://x.example.com/api/v1",
		"https://x.example.com/api/v1":          "https://x.example.com/api/v1",
		"https://x.example.com/logistified/mcp": "https://x.example.com/logistified/api/v1",
	} {
		if got := RESTBase(in); got != want {
			t.Errorf("RESTBase(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every client has a title and a format, and the default database is never
// named.
func TestEveryClientIsComplete(t *testing.T) {
	s := Setup{Binary: "/bin/logistified", Key: "lstk_x", URL: "http://127.0.0.1:8080/mcp"}
	for _, client := range Clients {
		for _, http := range []bool{false, true} {
			s.HTTP = http
			c, err := Build(client, s)
			if err != nil || Titles[client] == "" || c.Format == "" || c.Text == "" || len(c.Notes) == 0 {
				t.Errorf("%s (http %v): %v %+v", client, http, err, c)
			}
			if strings.Contains(c.Text, "LOGISTIFIED_DATABASE_URL") {
				t.Errorf("%s names a database it was not given", client)
			}
			if c.Stdio != (HasStdio(client) && !http) {
				t.Errorf("%s (http %v): Stdio %v", client, http, c.Stdio)
			}
		}
	}
	if _, err := Build("vim", s); err == nil || !strings.Contains(err.Error(), "rest") {
		t.Errorf("an unknown client: %v", err)
	}
}
