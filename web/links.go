package web

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultBaseURL is where sign-in links point when no base is given.
const DefaultBaseURL = "http://127.0.0.1:8080"

// SigninPath is where a sign-in link's token follows.
const SigninPath = "/signin/"

// BaseURL checks a server's base URL (scheme and host, perhaps a path
// prefix) and returns it without a trailing slash.
func BaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q is not a base URL: give the server's address, such as %s or https://logistified.example.com", raw, DefaultBaseURL)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// SigninURL is the link that signs a member in with token.
func SigninURL(base, token string) string {
	return strings.TrimRight(base, "/") + SigninPath + token
}
