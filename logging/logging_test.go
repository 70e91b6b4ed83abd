package logging

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		level      string
		wantErr    bool
		debugShown bool
		infoShown  bool
	}{
		{level: "", infoShown: true},
		{level: "debug", debugShown: true, infoShown: true},
		{level: " WARN ", infoShown: false},
		{level: "disabled"},
		{level: "loud", wantErr: true},
		{level: "'; DROP TABLE stores; --", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := New(&buf, tt.level)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%q) error = %v, want error %v", tt.level, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			log.Debug().Msg("d")
			log.Info().Str("k", "v").Msg("i")
			var lines []map[string]any
			for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				if len(l) == 0 {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					t.Fatalf("log line is not JSON: %q", l)
				}
				lines = append(lines, m)
			}
			var debug, info bool
			for _, m := range lines {
				debug = debug || m["message"] == "d"
				info = info || (m["message"] == "i" && m["k"] == "v" && m["time"] != nil)
			}
			if debug != tt.debugShown || info != tt.infoShown {
				t.Errorf("level %q: debug shown %v, info shown %v; want %v, %v", tt.level, debug, info, tt.debugShown, tt.infoShown)
			}
		})
	}
}
