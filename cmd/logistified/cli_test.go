package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// walk calls fn on c and every command below it.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// pathArgs are the words that run c (without the binary's name).
func pathArgs(c *cobra.Command) []string {
	return strings.Fields(c.CommandPath())[1:]
}

// Every command that groups others refuses a word it does not know, with
// a non-zero exit, so that a script notices a typo; a near miss is named.
func TestParentCommandsRefuseUnknownSubcommands(t *testing.T) {
	var parents []*cobra.Command
	walk(newRootCmd(io.Discard, io.Discard), func(c *cobra.Command) {
		if c.HasAvailableSubCommands() {
			parents = append(parents, c)
		}
	})
	if len(parents) < 4 {
		t.Fatalf("found only %d parent commands", len(parents))
	}
	for _, p := range parents {
		args := append(pathArgs(p), "zzqqxx")
		out, stderr, err := runCmd(t, args...)
		if err == nil || !strings.Contains(err.Error(), `unknown command "zzqqxx"`) || !strings.Contains(err.Error(), "--help") {
			t.Errorf("logistified %s: err %v, stdout %q, stderr %q: want an unknown command error", strings.Join(args, " "), err, out, stderr)
		}
		// Without a word the group's help is shown, as before.
		out, _, err = runCmd(t, pathArgs(p)...)
		if err != nil || !strings.Contains(out, "Available Commands") {
			t.Errorf("logistified %s: %v, want its help:\n%s", strings.Join(pathArgs(p), " "), err, out)
		}
	}
}

func TestUnknownSubcommandsSuggestTheClosest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "lst"}, "did you mean list?"},
		{[]string{"keys", "revok"}, "did you mean revoke?"},
		{[]string{"import", "product"}, "did you mean products?"},
		{[]string{"import", "supplier-term"}, "did you mean supplier-terms?"},
		{[]string{"stores", "craete"}, "did you mean create?"},
		{[]string{"kes", "list"}, "did you mean keys?"},
	} {
		_, _, err := runCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("logistified %s: %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func TestConnectWithoutAClientListsThem(t *testing.T) {
	out, _, err := runCmd(t, "connect")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	for _, c := range connectClients {
		if !strings.Contains(out, "logistified connect "+c) {
			t.Errorf("connect does not list %s:\n%s", c, out)
		}
	}
}

// The help of every flag reads right: a boolean flag shows no argument
// (pflag takes a flag's first back-quoted word as its argument's name),
// no argument name is a phrase, and no default is printed twice.
func TestFlagHelpOfEveryCommand(t *testing.T) {
	for _, env := range []map[string]string{nil, {
		"LOGISTIFIED_ADDR": "127.0.0.1:9999", "LOGISTIFIED_PUBLIC_URL": "https://mcp.example.com",
		"LOGISTIFIED_RATE_LIMIT": "5:10", "LOGISTIFIED_ALLOWED_ORIGINS": "https://a.example",
	}} {
		for k, v := range env {
			t.Setenv(k, v)
		}
		walk(newRootCmd(io.Discard, io.Discard), func(c *cobra.Command) {
			check := func(f *pflag.Flag) {
				name, _ := pflag.UnquoteUsage(f)
				if f.Value.Type() == "bool" && name != "" {
					t.Errorf("%s --%s shows an argument %q", c.CommandPath(), f.Name, name)
				}
				if strings.Contains(name, " ") {
					t.Errorf("%s --%s: argument name %q", c.CommandPath(), f.Name, name)
				}
			}
			c.LocalFlags().VisitAll(check)
			for _, line := range strings.Split(c.UsageString(), "\n") {
				if strings.Count(line, "(default") > 1 {
					t.Errorf("%s prints a default twice: %s", c.CommandPath(), strings.TrimSpace(line))
				}
			}
		})
	}
	out, _, err := runCmd(t, "connect", "--help")
	if err != nil || strings.Contains(out, "--http logistified") || !strings.Contains(out, "--http ") {
		t.Errorf("connect --help: %v\n%s", err, out)
	}
}
