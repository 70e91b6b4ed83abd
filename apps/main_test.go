package apps_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/logging/logtest"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Every log line of the suite goes to suiteLog, and every key the tests
// use is remembered, so that TestMain can prove that none reached a log.
var (
	suiteLog logtest.Capture
	testLog  = suiteLog.Logger()
)

func remember(secrets ...string) { suiteLog.Remember(secrets...) }

func TestMain(m *testing.M) {
	code := storagetest.Report(logtest.Run(m, &suiteLog, func(logs string) error {
		if strings.Contains(strings.ToLower(logs), "bearer lstk_") {
			return errors.New("an Authorization header appears in the captured logs")
		}
		return nil
	}))
	if bundleDir != "" {
		os.RemoveAll(bundleDir)
	}
	os.Exit(code)
}
