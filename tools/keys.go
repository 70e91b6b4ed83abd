package tools

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage/access"
)

// KeyOps are the operations on the caller's own key. They are not among
// All, so MCP does not offer them: an assistant has no use for a new
// secret it cannot store, and tools/list stays as it is. REST serves them
// (a deployment rolling its own key).
func KeyOps(d Deps) []Tool {
	return []Tool{{
		Scope: keys.ScopeWrite,
		Def: writeDef("roll_key", "Roll this key", "Roll the calling key: issue its successor (same label, scope, expiry rule and allow-list), returned once in key. "+
			"The calling key keeps working for grace (0, 1h, 24h or 7d; default 0) and then stops.", schemaOf[rollKeyArgs](), false, false),
		Call: func(ctx context.Context, raw json.RawMessage) (any, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			if p.IsApp() {
				return nil, inventory.Errorf(inventory.Forbidden, "%s connects with OAuth and has no key to roll: its tokens rotate by themselves", p.Subject())
			}
			var in rollKeyArgs
			if err := bindStrict(raw, &in); err != nil {
				return nil, err
			}
			grace, err := keys.ParseGrace(in.Grace)
			if err != nil {
				return nil, inventory.FieldErrorf("grace", inventory.Invalid, "%s", err.Error())
			}
			r, err := access.New(d.DB).RollKey(ctx, p.Store.ID, strconv.FormatInt(p.Key.ID, 10), grace, access.Roller{Self: true})
			if err != nil {
				return nil, err
			}
			return rolledKey{
				Key: r.New.Secret, ID: r.New.ID, Prefix: r.New.Prefix, Scope: r.New.Scope, Label: r.New.Label,
				CreatedAt: r.New.CreatedAt, ExpiresAt: r.New.ExpiresAt, AllowFrom: r.New.AllowFrom,
				Replaces: rolledFrom{Prefix: r.Old.Prefix, StopsAt: *r.Old.ExpiresAt},
				Note:     "The key is shown this once: store it now. The old key " + r.Old.Prefix + " stops at " + r.Old.ExpiresAt.UTC().Format(time.RFC3339) + ".",
			}, nil
		},
	}}
}

type rollKeyArgs struct {
	Grace string `json:"grace,omitempty" jsonschema:"How long the calling key keeps working: 0, 1h, 24h or 7d (default 0)"`
}

type rolledKey struct {
	Key       string     `json:"key"`
	ID        int64      `json:"id"`
	Prefix    string     `json:"prefix"`
	Scope     keys.Scope `json:"scope"`
	Label     string     `json:"label"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	AllowFrom string     `json:"allow_from"`
	Replaces  rolledFrom `json:"replaces"`
	Note      string     `json:"note"`
}

type rolledFrom struct {
	Prefix  string    `json:"prefix"`
	StopsAt time.Time `json:"stops_at"`
}
