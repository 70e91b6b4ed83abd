package tools_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/tools"
)

// callThrough calls tl as every face does, through the call pipeline, with
// the principal in ctx. It returns the answer's JSON, or the refusal's
// sentence with isErr; a failure inside the server is an error.
func callThrough(ctx context.Context, db *storage.DB, tl tools.Tool, args json.RawMessage) (text string, isErr bool, err error) {
	p, ok := tools.PrincipalFrom(ctx)
	if !ok {
		return "", false, fmt.Errorf("%s: no principal in the context", tl.Def.Name)
	}
	if len(args) == 0 {
		args = json.RawMessage(`{}`)
	}
	res := pipeline.New(pipeline.Options{DB: db, Log: zerolog.Nop(), Tools: []tools.Tool{tl}}).Call(ctx, p, tl.Def.Name, args)
	switch {
	case res.Refusal != nil:
		return res.Refusal.Error(), true, nil
	case res.Failed:
		return "", false, fmt.Errorf("%s: the call failed inside the server (%s)", tl.Def.Name, res.Outcome)
	}
	return string(res.Data), false, nil
}
