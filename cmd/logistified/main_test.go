package main

import (
	"os"
	"testing"

	"github.com/logistified/mcp-server/storage/storagetest"
)

// TestMain says once when the PostgreSQL half of the package was skipped.
// Started by BenchmarkThroughput as its clients' process, it runs them
// instead of the tests.
func TestMain(m *testing.M) {
	if spec := os.Getenv(driveEnv); spec != "" {
		os.Exit(runClients(spec))
	}
	storagetest.Main(m)
}
