// Command logistified is the Logistified MCP server and its administration
// commands. This package only wires the other packages together.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // store time zones resolve in minimal container images
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "logistified: "+userMessage(err))
		os.Exit(1)
	}
}
