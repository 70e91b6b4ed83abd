package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/storage/access"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/storage"
)

func init() { commands = append(commands, newAuditCmd) }

// auditActorJSON is who acted in an entry (DESIGN.md §2).
type auditActorJSON struct {
	Kind      string `json:"kind"`
	KeyPrefix string `json:"key_prefix"`
	KeyLabel  string `json:"key_label"`
	Name      string `json:"name"`
	Email     string `json:"email"`
}

// auditJSON is one element of `audit --json` (DESIGN.md §2), with the face
// the call came through (via) beside.
type auditJSON struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	Actor     auditActorJSON `json:"actor"`
	Action    string         `json:"action"`
	Outcome   string         `json:"outcome"`
	Detail    string         `json:"detail"`
	Arguments string         `json:"arguments"`
	Via       string         `json:"via"`
	// ApprovedBy says how an applied write was approved (not_required,
	// preview_token, human_in_client); absent for the rest.
	ApprovedBy string `json:"approved_by,omitempty"`
}

func newAuditCmd(a *app) *cobra.Command {
	var (
		store, key, since string
		limit             int
		asJSON            bool
	)
	cmd := &cobra.Command{
		Use:   "audit --store D [--key PREFIX] [--since TIME] [--limit N]",
		Short: "Show a store's audit log, newest first: every key and member action, every write and refused write",
		Long: "Shows the store's audit log, newest first: who (a key, a member, the command line or a connected app)\n" +
			"did what, with which arguments, and how it ended. --key keeps one key's entries (its prefix, as\n" +
			"keys list shows it); --since keeps entries from a date (2026-03-01), a time (2026-03-01T09:00:00Z)\n" +
			"or a duration ago (24h, 7d). Entries older than LOGISTIFIED_AUDIT_RETENTION (default 400 days)\n" +
			"are pruned by serve.",
		Example: "  logistified audit --store acme.myshopify.com --key lstk_AbCd1234 --since 7d",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// Refuse bad flags before opening (and perhaps creating) a database.
			if limit < 1 || limit > access.MaxAuditLimit {
				return fmt.Errorf("--limit %d is out of range: give 1 to %d", limit, access.MaxAuditLimit)
			}
			from, err := parseSinceFlag(since, time.Now())
			if err != nil {
				return err
			}
			key = strings.TrimSpace(key)
			if key != "" && !strings.HasPrefix(key, "lstk_") {
				return fmt.Errorf("--key %q is not a key prefix: give it as keys list shows it, like lstk_AbCd1234", key)
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			entries, _, err := access.New(db).AuditEntries(ctx, s.ID, access.AuditFilter{KeyPrefix: key, Since: from, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]auditJSON, len(entries))
				for i, e := range entries {
					out[i] = toAuditJSON(e)
				}
				return a.printJSON(out)
			}
			if len(entries) == 0 {
				_, err := fmt.Fprintf(a.stdout, "No audit entries for %s%s.\n", s.Domain, describeAuditFilter(key, since))
				return err
			}
			return writeAuditTable(a.stdout, entries, isTerminal(a.stdout))
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain")
	f.StringVar(&key, "key", "", "only this key's entries: its prefix, as keys list shows it (lstk_ and 8 characters)")
	f.StringVar(&since, "since", "", "only entries from then on: a date (2026-03-01), an RFC 3339 time, or a duration ago (24h, 7d)")
	f.IntVar(&limit, "limit", access.DefaultAuditLimit, fmt.Sprintf("at most this many entries (1 to %d)", access.MaxAuditLimit))
	f.BoolVar(&asJSON, "json", false, "print the entries as a JSON array")
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

func toAuditJSON(e storage.AuditEntry) auditJSON {
	return auditJSON{
		ID: e.ID, At: e.At,
		Actor:  auditActorJSON{Kind: e.ActorKind(), KeyPrefix: e.KeyPrefix, KeyLabel: e.KeyLabel, Name: e.ActorName, Email: e.ActorEmail},
		Action: e.Action, Outcome: e.Outcome, Detail: e.Detail, Arguments: e.Arguments, Via: e.Via,
		ApprovedBy: e.ApprovedBy,
	}
}

func describeAuditFilter(key, since string) string {
	var parts []string
	if key != "" {
		parts = append(parts, "key "+key)
	}
	if since != "" {
		parts = append(parts, "since "+since)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// parseSinceFlag reads --since: a date, an RFC 3339 time, or a duration
// before now ("24h", "7d").
func parseSinceFlag(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := parseDays(s); err == nil && d > 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("--since %q is not a time: give a date (2026-03-01), an RFC 3339 time (2026-03-01T09:00:00Z) or a duration ago (24h, 7d)", s)
}

// parseDays reads a duration as Go writes it (36h, 90m) or in days (7d).
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*366 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// auditRetention reads LOGISTIFIED_AUDIT_RETENTION: days ("400" or
// "400d") or a Go duration ("9600h"); 0 keeps entries forever; unset is
// access.DefaultAuditRetention.
func auditRetention() (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv("LOGISTIFIED_AUDIT_RETENTION"))
	if v == "" {
		return access.DefaultAuditRetention, nil
	}
	if v == "0" {
		return 0, nil
	}
	if _, err := strconv.Atoi(v); err == nil {
		v += "d"
	}
	d, err := parseDays(v)
	if err != nil || d < 24*time.Hour {
		return 0, fmt.Errorf("LOGISTIFIED_AUDIT_RETENTION=%q is not a retention: give a number of days of at least 1 (e.g. 400 or 400d), or 0 to keep the audit log forever", os.Getenv("LOGISTIFIED_AUDIT_RETENTION"))
	}
	return d, nil
}

// writeAuditTable prints entries as a table for a person; arguments are
// cut to keep one entry on one line (--json has them whole).
func writeAuditTable(w io.Writer, entries []storage.AuditEntry, ansi bool) error {
	rows := make([][]string, len(entries))
	for i, e := range entries {
		who := e.ActorName
		if e.ActorEmail != "" {
			who = strings.TrimSpace(who + " <" + e.ActorEmail + ">")
		}
		key := e.KeyPrefix
		if e.KeyLabel != "" {
			key += " (" + e.KeyLabel + ")"
		}
		actor := e.ActorKind()
		if e.Via != "" {
			actor += " via " + e.Via
		}
		detail := e.Detail
		if e.ApprovedBy != "" {
			detail = strings.TrimPrefix(detail+"; approved by "+strings.ReplaceAll(e.ApprovedBy, "_", " "), "; ")
		}
		if e.Arguments != "" && e.Arguments != "{}" {
			detail = strings.TrimSpace(detail + " " + e.Arguments)
		}
		// Labels, names and arguments are other people's text: each cell
		// is made safe for a terminal.
		rows[i] = []string{e.At.UTC().Format("2006-01-02 15:04:05"), actor, oneLine(key, 40), oneLine(who, 40),
			oneLine(e.Action, 40), e.Outcome, oneLine(detail, 80)}
	}
	return writeTable(w, []string{"TIME (UTC)", "ACTOR", "KEY", "PERSON", "ACTION", "OUTCOME", "DETAIL"}, rows, nil, ansi)
}

// oneLine makes s fit on one line of at most n characters, without control
// characters that would disturb a terminal.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
