// Package logtest captures the logs a test suite writes and proves that no
// secret the tests handled (a key, a token, a sign-in link, a session id)
// ever reached them.
package logtest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// Capture is a log destination that is safe for concurrent writers, and
// the list of secrets that must never appear in it. The zero value is ready.
type Capture struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	secrets []string
}

func (c *Capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// String is everything written so far.
func (c *Capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// Logger writes JSON lines at debug level, the most a server ever logs,
// into the capture.
func (c *Capture) Logger() zerolog.Logger {
	return zerolog.New(c).Level(zerolog.DebugLevel).With().Timestamp().Logger()
}

// Remember records secrets that must never appear in the logs.
func (c *Capture) Remember(secrets ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
}

// Leak reports the first remembered secret found in the logs, by its first
// characters only, with the log around it; then what each extra check finds
// (a shape no log may hold, such as a Bearer header).
func (c *Capture) Leak(extra ...func(logs string) error) error {
	logs := c.String()
	c.mu.Lock()
	secrets := append([]string(nil), c.secrets...)
	c.mu.Unlock()
	for _, s := range secrets {
		if i := strings.Index(logs, s); i >= 0 {
			return fmt.Errorf("a secret (%.6s…) appears in the captured logs: %s", s, logs[max(0, i-300):min(len(logs), i+100)])
		}
	}
	for _, check := range extra {
		if err := check(logs); err != nil {
			return err
		}
	}
	return nil
}

// Main runs the package's tests and then fails the run when a remembered
// secret, or anything an extra check finds, reached the captured logs.
func Main(m *testing.M, c *Capture, extra ...func(logs string) error) {
	os.Exit(Run(m, c, extra...))
}

// Run is Main without the exit, for a TestMain that does more with the
// exit code: it returns the code Main would exit with.
func Run(m *testing.M, c *Capture, extra ...func(logs string) error) int {
	code := m.Run()
	if code == 0 {
		if err := c.Leak(extra...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	return code
}
