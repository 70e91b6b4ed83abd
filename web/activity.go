package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
)

// The Activity view (issue 15): the store's audit log on the keys page,
// newest first, filtered by key or app, so "who did what with which key"
// is one click. It reads the same store-scoped AuditEntries as
// `logistified audit`.

// activityView is what /keys/activity shows.
type activityView struct {
	Session access.Session
	// Options are the store's keys and apps for the filter; Key is the
	// chosen prefix ("" for all).
	Keys, Apps []filterOption
	Key        string
	// Chosen describes the chosen key or app in the heading of the table.
	Chosen  string
	Error   string
	Entries []entryView
	// Older is the link to the next page, "" on the last; Newest is set
	// when this is not the first page.
	Older, Newest string
}

type filterOption struct {
	Prefix, Text string
	Selected     bool
}

// entryView is one row of the Activity table, every text made printable.
type entryView struct {
	When, WhenISO string
	// Who, WhoDetail: the key's prefix and label, the app's name and
	// prefix, or the person's name and email.
	Who, WhoDetail string
	WhoIsPrefix    bool
	Action         string
	// ActionCode is a tool's name as assistants and `logistified audit`
	// show it, beside its plain words.
	ActionCode string
	// Subject is the prefix of the key or app a person acted on, with its
	// label or name.
	Subject, SubjectLabel string
	Outcome               string
	OutcomeClass          string
	Via                   string
	// Approval says how an applied write was approved.
	Approval       string
	Detail         string
	Arguments      string
	ArgumentsShort bool
}

// maxShownArguments bounds the arguments one row shows: the full text is
// in `logistified audit --json`.
const maxShownArguments = 2000

// activityPageSize is how many entries one page of the view shows.
const activityPageSize = access.DefaultAuditLimit

func (h *Handler) activityPage(w http.ResponseWriter, r *http.Request) {
	s, ok, err := h.session(w, r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !ok {
		h.renderSignedOut(w, r, false)
		return
	}
	ctx := r.Context()
	v := activityView{Session: s, Key: strings.TrimSpace(r.URL.Query().Get("key"))}
	list, err := h.db.ListKeys(ctx, s.Store.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	grants, err := h.db.ListGrants(ctx, s.Store.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	known := false
	for _, k := range slices.Backward(list) {
		text := k.Prefix + " · " + printable(k.Label)
		if k.Label == "" {
			text = k.Prefix + " · no label"
		}
		if k.Revoked() {
			text += " (revoked)"
		}
		o := filterOption{Prefix: k.Prefix, Text: text, Selected: k.Prefix == v.Key}
		if o.Selected {
			known, v.Chosen = true, "key "+text
		}
		v.Keys = append(v.Keys, o)
	}
	for _, g := range slices.Backward(grants) {
		text := printable(g.ClientName) + " · " + g.Prefix
		if g.Revoked() {
			text += " (revoked)"
		}
		o := filterOption{Prefix: g.Prefix, Text: text, Selected: g.Prefix == v.Key}
		if o.Selected {
			known, v.Chosen = true, "app "+text
		}
		v.Apps = append(v.Apps, o)
	}
	if v.Key != "" && !known {
		// Never look further: another store's prefix shows nothing either.
		v.Error = "No key or app of this store has the prefix " + printable(storage.AuditText(v.Key, 64)) + ", so no activity is shown. Choose one from the Key list."
		h.renderActivity(w, r, http.StatusNotFound, v)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	entries, next, err := h.db.AuditEntries(ctx, s.Store.ID, access.AuditFilter{KeyPrefix: v.Key, Limit: activityPageSize, Cursor: cursor})
	var ie *inventory.Error
	if errors.As(err, &ie) {
		v.Error = "This page link is not valid any more, so no activity is shown. Start again from the newest entries."
		v.Newest = activityURL(v.Key, "")
		h.renderActivity(w, r, http.StatusBadRequest, v)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	loc := storeLocation(s)
	for _, e := range entries {
		v.Entries = append(v.Entries, toEntryView(e, loc))
	}
	if next != "" {
		v.Older = activityURL(v.Key, next)
	}
	if cursor != "" {
		v.Newest = activityURL(v.Key, "")
	}
	h.renderActivity(w, r, http.StatusOK, v)
}

func activityURL(key, cursor string) string {
	q := url.Values{}
	if key != "" {
		q.Set("key", key)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/keys/activity"
	}
	return "/keys/activity?" + q.Encode()
}

func toEntryView(e storage.AuditEntry, loc *time.Location) entryView {
	when, whenISO := minute(e.At.UTC(), loc)
	ev := entryView{
		When: when, WhenISO: whenISO,
		Detail: printable(e.Detail),
	}
	kind := e.ActorKind()
	switch kind {
	case storage.ActorKey:
		ev.Who, ev.WhoDetail, ev.WhoIsPrefix = e.KeyPrefix, printable(e.KeyLabel), true
		if ev.WhoDetail == "" {
			ev.WhoDetail = "no label"
		}
	case storage.ActorApp:
		ev.Who, ev.WhoDetail = printable(e.KeyLabel), e.KeyPrefix
	case storage.ActorMember:
		ev.Who, ev.WhoDetail = printable(e.ActorName), printable(e.ActorEmail)
	default:
		ev.Who, ev.WhoDetail = printable(e.ActorName), printable(e.ActorEmail)
		if ev.Who == "" {
			ev.Who, ev.WhoDetail = "Command line", ""
		}
	}
	if (kind == storage.ActorMember || kind == storage.ActorCLI) && e.KeyPrefix != "" {
		// A person acted on a key or app: name it.
		ev.Subject, ev.SubjectLabel = e.KeyPrefix, printable(e.KeyLabel)
	}
	ev.Action = actionName(e.Action)
	if _, own := actions[e.Action]; !own && ev.Action != e.Action {
		// A tool: its name as an assistant calls it.
		ev.ActionCode = printable(e.Action)
	}
	ev.Outcome, ev.OutcomeClass = outcomeName(e.Outcome)
	ev.Via = viaName(e, kind)
	ev.Approval = approvedByName(e.ApprovedBy)
	args := printable(e.Arguments)
	if len(args) > maxShownArguments {
		args, ev.ArgumentsShort = storage.AuditText(args, maxShownArguments), true
	}
	ev.Arguments = args
	return ev
}

// actions are the plain words for the audit log's own action names; a
// tool's name reads as words ("create_purchase_order": "Create purchase
// order").
var actions = map[string]string{
	"key.create":          "Created key",
	"key.revoke":          "Revoked key",
	"key.roll":            "Rolled key",
	"key.update":          "Changed key",
	"key.refused":         "Key refused",
	"app.connection_code": "Made a connection code",
	"app.approve":         "Approved app",
	"app.revoke":          "Revoked app",
	"member.add":          "Added member",
	"member.remove":       "Removed member",
	"member.signin_link":  "Sign-in link issued",
	"member.signin":       "Signed in",
	"member.signout":      "Signed out",
	"demo.create":         "Created the demo store",
}

func actionName(a string) string {
	if s, ok := actions[a]; ok {
		return s
	}
	if kind, ok := strings.CutPrefix(a, "import."); ok {
		a = "import " + kind
	}
	a = printable(strings.ReplaceAll(a, "_", " "))
	if a == "" {
		return "Unknown action"
	}
	return strings.ToUpper(a[:1]) + a[1:]
}

func outcomeName(o string) (name, class string) {
	switch o {
	case storage.OutcomeOK:
		return "OK", "ok"
	case storage.OutcomeRefused:
		return "Refused", "refused"
	case storage.OutcomeError:
		return "Failed", "failed"
	case storage.OutcomeDryRun:
		return "Dry run", "dry-run"
	}
	return printable(o), "other"
}

func viaName(e storage.AuditEntry, kind string) string {
	switch e.Via {
	case storage.ViaMCP:
		return "MCP"
	case storage.ViaREST:
		return "REST"
	case access.ViaSecretScanning:
		return "GitHub secret scanning"
	case "":
	default:
		return printable(e.Via)
	}
	switch kind {
	case storage.ActorMember:
		switch e.Action {
		case "app.approve":
			return "Approval page"
		case "member.signin_link":
			// Issued for the member, at the command line (signin-link,
			// serve --demo).
			return "Command line"
		}
		return "Keys page"
	case storage.ActorApp:
		return "OAuth"
	case storage.ActorCLI:
		return "Command line"
	}
	return "—"
}

// printable makes recorded text safe to show as text: html/template
// escapes markup, and this replaces control characters and bidirectional
// overrides (which could disguise what a row says) with visible escapes.
// Newlines and tabs stay.
func printable(s string) string {
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			b.WriteString(`\u`)
			const hex = "0123456789abcdef"
			b.WriteByte(hex[r>>12&0xf])
			b.WriteByte(hex[r>>8&0xf])
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hidden(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0xfeff
}
