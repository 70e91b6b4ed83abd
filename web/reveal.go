package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/clientconfig"
)

// Every form of the page that makes or changes something answers with a
// redirect to a GET (post/redirect/get), so that a reload, Back or
// Continue never posts it again. A form that makes a secret (a key, a
// connection code) hands it to that GET through a one-time reveal
// (access.DB.CreateReveal): the redirect carries only its handle, which
// shows the secret once, to this session, for a few minutes. A later GET
// of the same address shows the page with a sentence that the secret was
// shown once, and a key's prefix.

// revealParam is the query parameter that carries the handle.
const revealParam = "shown"

// The kinds of secret the page reveals.
const (
	revealKey  = "key"
	revealCode = "connection_code"
)

// revealDetail is what the page shows of a revealed secret besides the
// secret itself; it is stored in the clear, so it never holds the secret.
type revealDetail struct {
	Prefix    string    `json:"prefix,omitempty"`
	Label     string    `json:"label,omitempty"`
	Scope     string    `json:"scope"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RolledFrom is the key a rolled key replaces, and OldStops when it
	// stops working.
	RolledFrom string    `json:"rolled_from,omitempty"`
	OldStops   time.Time `json:"old_stops,omitzero"`
}

// redirectToReveal keeps secret for the session's next GET and sends the
// browser there.
func (h *Handler) redirectToReveal(w http.ResponseWriter, r *http.Request, s access.Session, kind string, d revealDetail, secret string) {
	detail, err := json.Marshal(d)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	handle, err := h.db.CreateReveal(r.Context(), s, access.NewReveal{Kind: kind, Detail: string(detail), Secret: secret})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/keys?"+revealParam+"="+url.QueryEscape(handle), http.StatusSeeOther)
}

// reveal fills v from the reveal behind handle: the one-time banner the
// first time, afterwards a notice that it was shown once.
func (h *Handler) reveal(r *http.Request, s access.Session, handle string, v *keysView) error {
	rv, err := h.db.TakeReveal(r.Context(), s, handle)
	if errors.Is(err, access.ErrRevealUnknown) {
		v.Notice = "Keys and connection codes are shown only once, right after they are made, in the browser that made them: this one is not shown again."
		return nil
	}
	if err != nil && !errors.Is(err, access.ErrRevealInvalid) {
		return err
	}
	var d revealDetail
	if jerr := json.Unmarshal([]byte(rv.Detail), &d); jerr != nil {
		return fmt.Errorf("reading a one-time %s's detail: %w", rv.Kind, jerr)
	}
	loc := storeLocation(s)
	if err != nil { // used or expired
		switch rv.Kind {
		case revealKey:
			v.Notice = "Key " + d.Prefix + " was shown only once, right after it was created, and is not shown again: only its prefix remains. " +
				"If you did not copy it, revoke it and create another."
		default:
			expires, _ := minute(d.ExpiresAt, loc)
			v.Notice = "The connection code was shown only once and is not shown again. If you did not copy it, get a new one: this one stops working at " + expires + "."
		}
		return nil
	}
	switch rv.Kind {
	case revealKey:
		c := &createdView{Secret: rv.Secret, Prefix: d.Prefix, Label: d.Label, Scope: d.Scope, InstallNote: h.installNote(), RolledFrom: d.RolledFrom}
		if d.RolledFrom != "" {
			c.OldStops, c.OldStopsISO = minute(d.OldStops, loc)
			c.OldStopsNow = !d.OldStops.After(h.db.Now())
		}
		if c.Configs, err = h.configs(r, rv.Secret); err != nil {
			return err
		}
		v.Created = c
	case revealCode:
		v.Code = &codeView{Code: rv.Secret, Scope: d.Scope,
			Expires: d.ExpiresAt.In(loc).Format("15:04 MST"), ExpiresISO: d.ExpiresAt.Format(time.RFC3339),
			Minutes: int(access.ConnectionCodeTTL / time.Minute), MCPURL: h.mcpURL(r)}
	default:
		return fmt.Errorf("a one-time reveal of unknown kind %q", rv.Kind)
	}
	return nil
}

// configs are the client configurations beside a new key, as `logistified
// connect` prints them for this key and this server's /mcp.
func (h *Handler) configs(r *http.Request, key string) ([]configView, error) {
	setup := h.clients
	setup.Key, setup.KeyNote, setup.URL = key, "", h.mcpURL(r)
	// The binary note is for the developer who ran `go run` (install it
	// with go install): the page says its own sentence to the merchant
	// instead (installNote).
	setup.BinaryNote = ""
	var out []configView
	for _, client := range clientconfig.Clients {
		text, err := clientconfig.Render(client, setup)
		if err != nil {
			return nil, err
		}
		out = append(out, configView{Client: client, Title: clientconfig.Titles[client], Text: text})
	}
	return out, nil
}

// installNote is what the page tells a merchant when this server was not
// installed (a development build, whose configurations name a placeholder
// or another path for the program): where the configurations that start
// logistified look for it, and the way that needs nothing installed.
func (h *Handler) installNote() string {
	if h.clients.BinaryNote == "" {
		return ""
	}
	names := make([]string, 0, len(clientconfig.Clients))
	for _, c := range clientconfig.Clients {
		if clientconfig.HasStdio(c) {
			names = append(names, clientconfig.Titles[c])
		}
	}
	return "The " + listOf(names) + " configurations start the logistified program on your computer, at " + h.clients.Binary +
		". If it is not there, ask whoever runs Logistified for your store where to find it, " +
		"or use the alternative over HTTP at the end of each configuration, which needs nothing installed."
}

// listOf joins names as a sentence does: "A, B and C".
func listOf(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
