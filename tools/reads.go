package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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
		Def:   readOnlyDef(s.name, s.title, s.description, schemaOf[T]()),
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
	Cursor string `json:"cursor,omitempty"`
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

// PlanPageArgs are the paging arguments of the planning lists, whose
// lines are larger (storage.MaxPlanLimit).
type PlanPageArgs struct {
	Limit  int    `json:"limit,omitempty" jsonschema:"Rows per page (default 20, max 40)"`
	Cursor string `json:"cursor,omitempty"`
}

func (a PlanPageArgs) countedPage(ctx context.Context) storage.Page {
	return PageArgs(a).countedPage(ctx)
}

func (a PlanPageArgs) note() string {
	limit, clamped := storage.ClampPlanLimit(a.Limit)
	if !clamped {
		return ""
	}
	return fmt.Sprintf("limit %d is outside 1–%d: returned pages of %d", a.Limit, storage.MaxPlanLimit, limit)
}

// list is a page of a list tool's result.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	Note       string `json:"note,omitempty"`
	// total is the count of every matching row, when WithTotals asked for
	// it. It is not part of the result, which stays the same whichever
	// face asked.
	total *int64
}

// TotalCount is how many rows the whole list holds, when it was counted.
func (l list[T]) TotalCount() (int64, bool) {
	if l.total == nil {
		return 0, false
	}
	return *l.total, true
}

// NextPage is the cursor of the next page ("" on the last).
func (l list[T]) NextPage() string { return l.NextCursor }

// Paged is a list result: its next page's cursor, and its total when it
// was counted.
type Paged interface {
	NextPage() string
	TotalCount() (int64, bool)
}

func page[T any](a PageArgs, items []T, next string) list[T] {
	return list[T]{Items: items, NextCursor: next, Note: a.note()}
}

// counted makes a list with a result shape of its own Paged. It has no
// exported field, so the result (and MCP's structuredContent) is unchanged.
type counted struct {
	next  string
	total *int64
}

func (c counted) NextPage() string { return c.next }

func (c counted) TotalCount() (int64, bool) {
	if c.total == nil {
		return 0, false
	}
	return *c.total, true
}

type totalsKey struct{}

// WithTotals asks every paged list for its total on every page (Paged).
// REST asks, for meta.total_count; MCP does not, and pays no count.
func WithTotals(ctx context.Context) context.Context {
	return context.WithValue(ctx, totalsKey{}, true)
}

// countedPage is page() with room for the total when ctx asks for it.
func (a PageArgs) countedPage(ctx context.Context) storage.Page {
	p := a.page()
	if ctx.Value(totalsKey{}) != nil {
		p.Total = new(int64)
	}
	return p
}

// countedList is page() for a list that was asked for its total.
func countedList[T any](a PageArgs, p storage.Page, items []T, next string) list[T] {
	l := page(a, items, next)
	l.total = p.Total
	return l
}

// resolvers turn the optional location and supplier arguments into ids (0
// when not given), with errors that name the value and the list tool.
type resolvers struct{ db *storage.DB }

func (r resolvers) location(ctx context.Context, storeID int64, ref nameOrID) (int64, error) {
	if strings.TrimSpace(string(ref)) == "" {
		return 0, nil
	}
	l, err := r.db.ResolveLocation(ctx, nil, storeID, string(ref))
	return l.ID, err
}

func (r resolvers) supplier(ctx context.Context, storeID int64, ref nameOrID) (int64, error) {
	if strings.TrimSpace(string(ref)) == "" {
		return 0, nil
	}
	s, err := r.db.ResolveSupplier(ctx, nil, storeID, string(ref))
	return s.ID, err
}

type noArgs struct{}
