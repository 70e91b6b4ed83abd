package access_test

import (
	"testing"

	"github.com/logistified/mcp-server/storage/storagetest"
)

// TestMain says once when the PostgreSQL half of the package was skipped.
func TestMain(m *testing.M) { storagetest.Main(m) }
