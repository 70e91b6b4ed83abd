package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/storage"
)

// Writes that need the person (DESIGN.md §13). Storage refuses a write
// that the caller's approval setting holds for approval unless it applies
// a sealed preview, and answers with that preview (inventory kind
// ApprovalRequired). What happens next is decided here, once for every
// face:
//   - a face that can ask the person in the client (an Asker: MCP with a
//     client that declared elicitation) puts the preview to them; on
//     Approve the write is applied with the preview's token, so what is
//     applied is exactly what they saw; on Decline nothing is;
//   - otherwise (REST, MCP clients without elicitation) the refusal
//     stands, carrying the preview and its token for the assistant to
//     show the merchant and bring back.

// Question is a write put to the person for approval.
type Question struct {
	Tool string
	// Message is the summary the person reads: what the write does (the
	// preview's document, totals, lines and warnings) and how to undo it.
	Message string
	// Token is the preview's token, which applies exactly what was shown.
	Token string
}

// Answer is the person's answer to a Question.
type Answer struct {
	Approved bool
	// Token is the preview token of the question answered.
	Token string
}

// Asker puts a write to the person in the client. The MCP face supplies
// one when its client declared elicitation; REST has none.
type Asker interface {
	// Answer is the answer that this call carries to a question put on
	// an earlier round of it (a client retrying after input_required),
	// if any.
	Answer() (Answer, bool)
	// Ask puts q to the person. answered is false when the answer comes
	// with a retry of the call (the face then tells the client to ask:
	// Result.Question); a face that can wait returns it.
	Ask(ctx context.Context, q Question) (a Answer, answered bool, err error)
}

// OutcomeInputRequired labels a call answered with a question for the
// person rather than a result.
const OutcomeInputRequired = "input_required"

// CallAsking is Call for a face that may ask the person to approve a
// write: asker nil behaves as Call.
func (p *Pipeline) CallAsking(ctx context.Context, pr storage.Principal, name string, args json.RawMessage, asker Asker) Result {
	if asker != nil {
		// An answer means nothing to a read: it runs as called.
		if t, known := p.byName[name]; known && t.Scope != keys.ScopeRead {
			if a, ok := asker.Answer(); ok {
				return p.settle(ctx, pr, name, args, a)
			}
		}
	}
	res := p.call(ctx, pr, name, args)
	if res.Refusal == nil || res.Refusal.Kind != inventory.ApprovalRequired {
		return res
	}
	token := previewToken(res.Refusal.Preview)
	if asker == nil || token == "" {
		p.auditApproval(ctx, pr, name, args, "approval_required: refused without a preview_token; the refusal carried the preview")
		return res
	}
	q := Question{Tool: name, Token: token, Message: Summary(p.title(name), pr.Store.Currency, res.Refusal.Preview)}
	a, answered, err := asker.Ask(ctx, q)
	if err != nil {
		p.log.Warn().Err(err).Str("tool", name).Msg("asking the merchant to approve a write")
		p.auditApproval(ctx, pr, name, args, "approval_required: the client could not ask the merchant; the refusal carried the preview")
		return res
	}
	if !answered {
		return Result{Question: &q, Outcome: OutcomeInputRequired}
	}
	a.Token = token
	return p.settle(ctx, pr, name, args, a)
}

// settle applies or drops a write the person answered for.
func (p *Pipeline) settle(ctx context.Context, pr storage.Principal, name string, args json.RawMessage, a Answer) Result {
	if !a.Approved {
		p.auditApproval(ctx, pr, name, args, "declined by the merchant in the client; nothing applied")
		return Result{Outcome: metrics.OutcomeToolError, Refusal: inventory.Errorf(inventory.Declined,
			"declined: the merchant declined %s in the client, so nothing was applied. Do not call it again unless they ask for a change; ask them what they want instead.", name)}
	}
	withToken, err := setMember(args, "preview_token", a.Token)
	if err != nil {
		return Result{Outcome: metrics.OutcomeToolError, Refusal: inventory.Errorf(inventory.Invalid, "the arguments are not a JSON object: %v", err)}
	}
	return p.call(storage.WithHumanApproval(ctx), pr, name, withToken)
}

// auditApproval records a write that needed approval and was not applied.
func (p *Pipeline) auditApproval(ctx context.Context, pr storage.Principal, name string, args json.RawMessage, detail string) {
	e := storage.AuditEntry{Action: name, Arguments: string(args), Outcome: storage.OutcomeRefused, Detail: detail}.ByKey(pr.Key)
	if err := p.db.RecordAudit(context.WithoutCancel(ctx), nil, pr.Store.ID, e); err != nil {
		p.log.Error().Err(err).Str("tool", name).Msg("recording a write that needed approval")
	}
}

func (p *Pipeline) title(name string) string {
	if t, ok := p.byName[name]; ok && t.Def.Title != "" {
		return t.Def.Title
	}
	return name
}

func previewToken(preview json.RawMessage) string {
	var v struct {
		Token string `json:"preview_token"`
	}
	_ = json.Unmarshal(preview, &v)
	return v.Token
}

// setMember sets one member of a JSON object.
func setMember(obj json.RawMessage, name, value string) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(obj)) > 0 {
		if err := json.Unmarshal(obj, &m); err != nil {
			return nil, err
		}
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	b, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	m[name] = b
	return json.Marshal(m)
}

// summaryLines bounds the lines a summary lists; the rest are counted.
const summaryLines = 10

// Summary is what the person reads before approving a write: the
// operation, its document (number, status, parties), totals, the first
// lines, the warnings, how many inventory changes it makes and the call
// that undoes it, all from the preview (a dry run's result).
func Summary(title, currency string, preview json.RawMessage) string {
	d := json.NewDecoder(bytes.NewReader(preview))
	d.UseNumber()
	var top map[string]any
	if d.Decode(&top) != nil {
		return "Approve " + title + "?"
	}
	var b strings.Builder
	doc, docName := document(top)
	head := title
	if n, ok := doc["number"].(string); ok && n != "" {
		head += " " + n
	}
	fmt.Fprintf(&b, "Approve: %s?", head)
	if s, ok := doc["status"].(string); ok {
		fmt.Fprintf(&b, " (status after: %s)", s)
	}
	b.WriteString("\n")
	for _, party := range []string{"supplier", "location", "from_location", "to_location"} {
		if m, ok := doc[party].(map[string]any); ok {
			if name, ok := m["name"].(string); ok {
				fmt.Fprintf(&b, "%s: %s\n", strings.ReplaceAll(party, "_", " "), name)
			}
		}
	}
	if t, ok := doc["totals"].(map[string]any); ok {
		b.WriteString("Totals: " + flat(t) + " (" + currency + ")\n")
	} else if docName == "" {
		// A result without a document (reorder rules): its own fields.
		for _, k := range sortedKeys(top) {
			if k == "rules" || k == "deleted" || k == "set" {
				if list, ok := top[k].([]any); ok {
					fmt.Fprintf(&b, "%s: %d\n", k, len(list))
				}
			}
		}
	}
	if lines, ok := doc["lines"].([]any); ok && len(lines) > 0 {
		b.WriteString("Lines:\n")
		for i, l := range lines {
			if i == summaryLines {
				fmt.Fprintf(&b, "  … and %d more lines\n", len(lines)-summaryLines)
				break
			}
			if m, ok := l.(map[string]any); ok {
				b.WriteString("  " + line(m) + "\n")
			}
		}
	}
	if ws, ok := top["warnings"].([]any); ok && len(ws) > 0 {
		b.WriteString("Warnings:\n")
		for _, w := range ws {
			if m, ok := w.(map[string]any); ok {
				fmt.Fprintf(&b, "  ! %v\n", m["message"])
			}
		}
	}
	if cs, ok := top["inventory_changes"].([]any); ok && len(cs) > 0 {
		n := len(cs)
		if more, ok := top["inventory_changes_not_shown"].(json.Number); ok {
			if m, err := more.Int64(); err == nil {
				n += int(m)
			}
		}
		fmt.Fprintf(&b, "Inventory changes: %d\n", n)
	}
	switch r := top["reversible_by"].(type) {
	case map[string]any:
		args, _ := json.Marshal(r["arguments"])
		fmt.Fprintf(&b, "Undo with: %v %s\n", r["tool"], args)
	default:
		if why, ok := top["not_reversible"].(string); ok && why != "" {
			b.WriteString("Not reversible: " + why + "\n")
		}
	}
	b.WriteString("Approve applies exactly this; Decline changes nothing.")
	return b.String()
}

// document finds the preview's document: the one object member that has
// a number (purchase_order, transfer, stock_take, supplier_return).
func document(top map[string]any) (map[string]any, string) {
	for _, k := range sortedKeys(top) {
		if m, ok := top[k].(map[string]any); ok {
			if _, ok := m["number"]; ok {
				return m, k
			}
		}
	}
	return map[string]any{}, ""
}

// line says one document line: its SKU, quantity and amounts.
func line(m map[string]any) string {
	parts := []string{fmt.Sprint(m["sku"])}
	for _, k := range []string{"ordered", "quantity", "counted", "variance", "unit_cost", "line_total", "variance_cost"} {
		if v, ok := m[k]; ok && v != nil {
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+fmt.Sprint(v))
		}
	}
	return strings.Join(parts, ", ")
}

// flat says an object of numbers on one line.
func flat(m map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case json.Number, string, bool:
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+fmt.Sprint(v))
		}
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
