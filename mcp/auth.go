package mcp

import (
	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/metrics"
)

// The metrics' labels, by the names this package uses.
const (
	outcomeOK        = metrics.OutcomeOK
	outcomeToolError = metrics.OutcomeToolError
	outcomeRefused   = metrics.OutcomeRefused
	outcomeInternal  = metrics.OutcomeInternal
	outcomePanic     = metrics.OutcomePanic

	reasonMissing   = auth.ReasonMissing
	reasonMalformed = auth.ReasonMalformed
	reasonUnknown   = auth.ReasonUnknown
	reasonRevoked   = auth.ReasonRevoked
)
