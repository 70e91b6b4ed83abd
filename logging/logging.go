// Package logging builds the process's zerolog logger: JSON lines by
// default, a readable console format when the output is a terminal, and the
// level from LOGISTIFIED_LOG_LEVEL.
package logging

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/term"
)

// New returns a logger writing to w at the given level ("" means info).
func New(w io.Writer, level string) (zerolog.Logger, error) {
	lvl := zerolog.InfoLevel
	if level != "" {
		var err error
		lvl, err = zerolog.ParseLevel(strings.ToLower(strings.TrimSpace(level)))
		if err != nil || lvl == zerolog.NoLevel {
			return zerolog.Nop(), fmt.Errorf("log level %q is not valid: use debug, info, warn, error or disabled", level)
		}
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		w = zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
