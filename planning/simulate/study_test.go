package simulate

import (
	"testing"
	"time"
)

func TestPrint(t *testing.T) {
	start := time.Now()
	rows := Study(Try, Scenarios(Try))
	t.Logf("\n%s\n%s", Markdown(rows), time.Since(start))
}
