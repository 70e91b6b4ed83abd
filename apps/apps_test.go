package apps

import (
	"regexp"
	"strings"
	"testing"
)

// Each app is one document that loads nothing: no external script, style,
// image, font or frame, no network call of its own (its tool calls go
// through the host), so that the empty CSP it declares holds.
func TestAppsAreSelfContained(t *testing.T) {
	loads := []struct {
		what string
		re   *regexp.Regexp
	}{
		{"an element loading a URL", regexp.MustCompile(`(?i)<(script|link|img|iframe|object|embed|source|audio|video)\b[^>]*\b(src|href|data)\s*=`)},
		{"a CSS import or url()", regexp.MustCompile(`(?i)@import|url\(`)},
		{"a network call", regexp.MustCompile(`\b(fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts)`)},
		{"an absolute URL", regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)},
		{"a placeholder left unfilled", regexp.MustCompile(`/\*COMMON_(CSS|JS)\*/`)},
	}
	all := All()
	if len(all) != 3 {
		t.Fatalf("%d apps, want the reorder plan, stock risks and purchase order", len(all))
	}
	for _, a := range all {
		t.Run(a.Name, func(t *testing.T) {
			if !strings.HasPrefix(a.URI, "ui://logistified/") || !strings.HasPrefix(a.HTML, "<!doctype html>") {
				t.Fatalf("%s: URI %q, document starting %.20q", a.Name, a.URI, a.HTML)
			}
			// The SVG namespace is a name, not a load.
			doc := strings.ReplaceAll(a.HTML, `"http://www.w3.org/2000/svg"`, `""`)
			for _, l := range loads {
				if m := l.re.FindString(doc); m != "" {
					t.Errorf("%s has %s: %q", a.Name, l.what, m)
				}
			}
			for _, want := range []string{`host.start("` + a.Name + `")`, "ui/notifications/tool-result"} {
				if !strings.Contains(a.HTML, want) {
					t.Errorf("%s lacks %s", a.Name, want)
				}
			}
		})
	}
	csp := Meta()["ui"].(map[string]any)["csp"].(map[string]any)
	for _, k := range []string{"connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"} {
		if d, ok := csp[k].([]string); !ok || len(d) != 0 {
			t.Errorf("the CSP's %s is %v, want declared and empty", k, csp[k])
		}
	}
}
