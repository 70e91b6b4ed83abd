package mcp

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/logging/logtest"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Every log line of the suite goes to suiteLog, and every key a test
// creates or presents is remembered, so that TestMain can prove that no key
// ever reached a log. (TestHTTPRefusesBadKeys proves that the capture
// works.)
var (
	suiteLog logtest.Capture
	testLog  = suiteLog.Logger()
)

// remember records secrets that must never appear in a log.
func remember(secrets ...string) { suiteLog.Remember(secrets...) }

func TestMain(m *testing.M) {
	os.Exit(storagetest.Report(logtest.Run(m, &suiteLog, func(logs string) error {
		if strings.Contains(strings.ToLower(logs), "bearer lstk_") {
			return errors.New("an Authorization header appears in the captured logs")
		}
		return nil
	})))
}
