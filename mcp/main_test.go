package mcp

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// Every log line of the suite goes to suiteLog, and every key a test
// creates or presents is remembered, so that TestMain can prove that no key
// ever reached a log.
var (
	suiteLog   lockedBuffer
	testLog    = zerolog.New(&suiteLog).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	keysMu     sync.Mutex
	issuedKeys []string
)

// remember records secrets that must never appear in a log.
func remember(secrets ...string) {
	keysMu.Lock()
	defer keysMu.Unlock()
	issuedKeys = append(issuedKeys, secrets...)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := checkLogsHoldNoKey(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func checkLogsHoldNoKey() error {
	logs := suiteLog.String()
	keysMu.Lock()
	defer keysMu.Unlock()
	if len(issuedKeys) == 0 {
		return nil // a filtered run that made no key
	}
	// A process that served nothing (the fuzzing coordinator) has nothing to
	// check; TestHTTPRefusesBadKeys proves that the capture works.
	for _, k := range issuedKeys {
		if k != "" && strings.Contains(logs, k) {
			return fmt.Errorf("a key (prefix %.13s) appears in the captured logs", k)
		}
	}
	if strings.Contains(strings.ToLower(logs), "bearer lstk_") {
		return fmt.Errorf("an Authorization header appears in the captured logs")
	}
	return nil
}
