package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// keys create --approval and keys update --approval set when a key's writes
// need the merchant's approval; keys list shows it; a read key has none; a
// roll keeps it. Without --approval a key made at the command line writes
// without asking, as scripts expect.
func TestKeysApprovalCommands(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		type created struct {
			Prefix   string `json:"prefix"`
			Approval string `json:"approval"`
		}
		create := func(scope, label string, extra ...string) (created, error) {
			out, _, err := runCmd(t, append([]string{"--database-url", url}, append(append(createKeyArgs("acme.myshopify.com", scope, label), extra...), "--json")...)...)
			var c created
			if err == nil {
				if jerr := json.Unmarshal([]byte(out), &c); jerr != nil {
					t.Fatalf("keys create --json: %v %s", jerr, out)
				}
			}
			return c, err
		}
		for _, tc := range []struct {
			scope, flag, want, wantErr string
		}{
			{"write", "", "never", ""},
			{"write", "always", "always", ""},
			{"write", "above:500", "above:500.00", ""},
			{"write", "above:12.5", "above:12.50", ""},
			{"write", "above:-3", "", "zero or more"},
			{"write", "sometimes", "", "never, always or above:AMOUNT"},
			{"read", "always", "", "cannot write, so it has no approval setting"},
			{"read", "", "never", ""},
		} {
			var extra []string
			if tc.flag != "" {
				extra = []string{"--approval", tc.flag}
			}
			c, err := create(tc.scope, tc.scope+" "+tc.flag, extra...)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("%s key --approval %q: %v, want an error saying %q", tc.scope, tc.flag, err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("%s key --approval %q: %v", tc.scope, tc.flag, err)
			case c.Approval != tc.want:
				t.Errorf("%s key --approval %q: approval %q, want %q", tc.scope, tc.flag, c.Approval, tc.want)
			}
		}

		k, err := create("write", "assistant")
		if err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, url, "keys", "update", "--store", "acme.myshopify.com", k.Prefix, "--approval", "above:250")
		if !strings.Contains(out, "above:250.00") {
			t.Errorf("keys update --approval: %s", out)
		}
		var list []struct {
			Prefix   string `json:"prefix"`
			Approval string `json:"approval"`
		}
		if err := json.Unmarshal([]byte(mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com", "--json")), &list); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, l := range list {
			if l.Prefix == k.Prefix {
				found = l.Approval == "above:250.00"
			}
		}
		if !found {
			t.Errorf("keys list --json does not show the new setting: %+v", list)
		}
		if table := mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com"); !strings.Contains(table, "APPROVAL") || !strings.Contains(table, "above:250.00") {
			t.Errorf("keys list:\n%s", table)
		}
		var rolled created
		if err := json.Unmarshal([]byte(mustRun(t, url, "keys", "roll", "--store", "acme.myshopify.com", k.Prefix, "--json")), &rolled); err != nil || rolled.Approval != "above:250.00" {
			t.Errorf("the rolled key's approval: %+v %v", rolled, err)
		}
		audit := mustRun(t, url, "audit", "--store", "acme.myshopify.com", "--json")
		if !strings.Contains(audit, "approval never → above:250.00") {
			t.Errorf("the change is not audited: %.2000s", audit)
		}
		// Both settings in one update change together or not at all: a read
		// key refuses an approval, so its allow-list stays as it was.
		settings := func(prefix string) (allowFrom, approval string) {
			var list []struct {
				Prefix    string `json:"prefix"`
				AllowFrom string `json:"allow_from"`
				Approval  string `json:"approval"`
			}
			if err := json.Unmarshal([]byte(mustRun(t, url, "keys", "list", "--store", "acme.myshopify.com", "--json")), &list); err != nil {
				t.Fatal(err)
			}
			for _, l := range list {
				if l.Prefix == prefix {
					return l.AllowFrom, l.Approval
				}
			}
			t.Fatalf("keys list --json does not list %s", prefix)
			return "", ""
		}
		r, err := create("read", "reader")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := runCmd(t, "--database-url", url, "keys", "update", "--store", "acme.myshopify.com", r.Prefix,
			"--allow-from", "203.0.113.0/24", "--approval", "always"); err == nil || !strings.Contains(err.Error(), "cannot write") {
			t.Errorf("a read key's update with an approval: %v, want a refusal saying it cannot write", err)
		}
		if from, _ := settings(r.Prefix); from != "" {
			t.Errorf("the refused update changed the allow-list to %q", from)
		}
		mustRun(t, url, "keys", "update", "--store", "acme.myshopify.com", rolled.Prefix, "--allow-from", "198.51.100.7", "--approval", "always")
		if from, approval := settings(rolled.Prefix); from != "198.51.100.7" || approval != "always" {
			t.Errorf("an update of both settings: allow_from %q, approval %q", from, approval)
		}
		if _, _, err := runCmd(t, "--database-url", url, "keys", "update", "--store", "acme.myshopify.com", k.Prefix); err == nil || !strings.Contains(err.Error(), "--approval") {
			t.Errorf("keys update with nothing to change: %v", err)
		}
	})
}
