package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
)

// Read tools share one path: bind the arguments strictly (an unknown or
// mistyped argument is an error the model can fix, not a silent default),
// run a storage read for the caller's store, and return compact JSON.

// readSpec declares a read tool.
type readSpec struct{ name, title, description string }

// readRun answers a read tool for a store.
type readRun[T any] func(ctx context.Context, storeID int64, in *T) (any, error)

// readTool declares a read tool whose arguments bind into T; the input
// schema comes from T's tags, so declaration and binding cannot disagree.
func readTool[T any](s readSpec, run readRun[T]) Tool {
	return Tool{
		Scope: keys.ScopeRead,
		Def: mcp.NewTool(s.name,
			mcp.WithDescription(s.description),
			mcp.WithInputSchema[T](),
			readOnly(s.title),
		),
		Call: func(ctx context.Context, raw json.RawMessage) (any, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			var in T
			if err := bindStrict(raw, &in); err != nil {
				return nil, err
			}
			out, err := run(ctx, p.Store.ID, &in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			return out, nil
		},
	}
}

// PageArgs are the paging arguments of every list.
type PageArgs struct {
	Limit  int    `json:"limit,omitempty" jsonschema:"Rows per page (default 20, max 100)"`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

func (a PageArgs) page() storage.Page {
	return storage.Page{Limit: a.Limit, Cursor: strings.TrimSpace(a.Cursor)}
}

// note says when the limit asked for was not the one used.
func (a PageArgs) note() string {
	limit, clamped := storage.ClampLimit(a.Limit)
	if !clamped {
		return ""
	}
	return fmt.Sprintf("limit %d is outside 1–%d: returned pages of %d", a.Limit, storage.MaxLimit, limit)
}

// list is a page of a list tool's result.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	Note       string `json:"note,omitempty"`
}

func page[T any](a PageArgs, items []T, next string) list[T] {
	return list[T]{Items: items, NextCursor: next, Note: a.note()}
}

// resolvers turn the optional location and supplier arguments into ids (0
// when not given), with errors that name the value and the list tool.
type resolvers struct{ db *storage.DB }

func (r resolvers) location(ctx context.Context, storeID int64, ref nameOrID) (int64, error) {
	l, err := r.locationOf(ctx, storeID, ref)
	return l.ID, err
}

// locationOf returns the location (the zero Location when none is given).
func (r resolvers) locationOf(ctx context.Context, storeID int64, ref nameOrID) (storage.Location, error) {
	if strings.TrimSpace(string(ref)) == "" {
		return storage.Location{}, nil
	}
	return r.db.ResolveLocation(ctx, nil, storeID, string(ref))
}

func (r resolvers) supplier(ctx context.Context, storeID int64, ref nameOrID) (int64, error) {
	if strings.TrimSpace(string(ref)) == "" {
		return 0, nil
	}
	s, err := r.db.ResolveSupplier(ctx, nil, storeID, string(ref))
	return s.ID, err
}

type noArgs struct{}
