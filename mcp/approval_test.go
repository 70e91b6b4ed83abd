package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

const approvalPO = `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":3}]}`

// approvalKey issues a write key whose writes always need approval.
func (e *env) approvalKey(t *testing.T) access.CreatedKey {
	t.Helper()
	k, err := access.New(e.db).CreateKey(context.Background(), e.fx.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "approval always",
		CreatedByName: "Test", CreatedByEmail: "test@example.com", Approval: "always"})
	if err != nil {
		t.Fatal(err)
	}
	remember(k.Secret)
	return k
}

func (e *env) purchaseOrders(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.Backend().QueryRow(context.Background(), `SELECT COUNT(*) FROM purchase_orders WHERE store_id = $1`, e.fx.Store.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// approvedBy is how the key's last applied write was approved.
func (e *env) approvedBy(t *testing.T, k access.CreatedKey) string {
	t.Helper()
	log, err := e.db.AuditLog(context.Background(), e.fx.Store.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range log {
		if en.KeyID != nil && *en.KeyID == k.ID && en.Outcome == storage.OutcomeOK {
			return en.ApprovedBy
		}
	}
	return ""
}

// A 2026-07-28 client that declared elicitation, over stateless HTTP: the
// call answers input_required with the preview put to the person, and the
// retry with their answer applies it (Approve) or nothing (Decline).
func TestApprovalInputRequiredOverHTTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		k := e.approvalKey(t)
		meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}`
		callBody := func(extra string) string {
			return `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{` + meta + `,"name":"create_purchase_order","arguments":` + approvalPO + extra + `}}`
		}
		type rpc struct {
			Result struct {
				ResultType    string `json:"resultType"`
				RequestState  string `json:"requestState"`
				InputRequests map[string]struct {
					Method string `json:"method"`
					Params struct {
						Message string `json:"message"`
					} `json:"params"`
				} `json:"inputRequests"`
				IsError           bool            `json:"isError"`
				StructuredContent json.RawMessage `json:"structuredContent"`
				Content           []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"result"`
			Error json.RawMessage `json:"error"`
		}
		ask := func(t *testing.T) rpc {
			t.Helper()
			_, body := post(t, e.http.URL+"/mcp", k.Secret, callBody(""), "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "create_purchase_order")
			var r rpc
			if err := json.Unmarshal([]byte(body), &r); err != nil || r.Result.ResultType != "input_required" {
				t.Fatalf("want input_required, got %s", body)
			}
			q, ok := r.Result.InputRequests[approveInput]
			if !ok || q.Method != "elicitation/create" || !keys.PreviewToken.Has(r.Result.RequestState) {
				t.Fatalf("the input request: %s", body)
			}
			for _, want := range []string{"Approve: Create purchase order", "Summit Gear", "TRS-40", "Undo with: delete_purchase_order"} {
				if !strings.Contains(q.Params.Message, want) {
					t.Errorf("the question lacks %q: %s", want, q.Params.Message)
				}
			}
			return r
		}
		before := e.purchaseOrders(t)
		for _, tc := range []struct {
			action  string
			applied bool
		}{{"decline", false}, {"cancel", false}, {"accept", true}} {
			t.Run(tc.action, func(t *testing.T) {
				first := ask(t)
				if n := e.purchaseOrders(t); n != before {
					t.Fatalf("%d purchase orders made before the person answered", n-before)
				}
				// The answers go beside the arguments, in params.
				body := callBody(`,"inputResponses":{"approve":{"action":"` + tc.action + `","content":{}}},"requestState":"` + first.Result.RequestState + `"`)
				_, out := post(t, e.http.URL+"/mcp", k.Secret, body, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "create_purchase_order")
				var r rpc
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Fatal(out)
				}
				if tc.applied {
					if r.Result.IsError || !strings.Contains(string(r.Result.StructuredContent), `"purchase_order"`) || e.purchaseOrders(t) != before+1 {
						t.Fatalf("approved, but: %s", out)
					}
					if by := e.approvedBy(t, k); by != storage.ApprovedHuman {
						t.Errorf("audit approved_by %q, want %s", by, storage.ApprovedHuman)
					}
					return
				}
				if !r.Result.IsError || len(r.Result.Content) == 0 || !strings.Contains(r.Result.Content[0].Text, "the merchant declined") || e.purchaseOrders(t) != before {
					t.Fatalf("%s, but: %s", tc.action, out)
				}
			})
		}
	})
}

// A client that cannot be asked (no elicitation) gets the refusal with the
// preview to show; a client that declared elicitation is asked, on either
// transport.
func TestApprovalByTransport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		k := e.approvalKey(t)
		for _, tr := range transports {
			for _, answer := range []mcpgo.ElicitationResponseAction{"", mcpgo.ElicitationResponseActionDecline, mcpgo.ElicitationResponseActionAccept} {
				t.Run(tr.name+"/"+string(answer), func(t *testing.T) {
					var opts []client.ClientOption
					h := &elicitor{action: answer}
					if answer != "" {
						opts = append(opts, client.WithElicitationHandler(h))
					}
					c := tr.connect(e, t, k.Secret, opts...)
					initialize(t, c)
					before := e.purchaseOrders(t)
					var args map[string]any
					_ = json.Unmarshal([]byte(approvalPO), &args)
					res, err := call(t, c, "create_purchase_order", args)
					if err != nil {
						t.Fatal(err)
					}
					// mcp-go's client speaks 2026-07-28 over HTTP (input_required)
					// and answers elicitation/create on stdio.
					asked := answer != ""
					if asked != (h.asked == 1) {
						t.Fatalf("asked %d times, want asked: %v", h.asked, asked)
					}
					switch {
					case asked && answer == mcpgo.ElicitationResponseActionAccept:
						if res.IsError || e.purchaseOrders(t) != before+1 {
							t.Fatalf("approved, but: %s", text(res))
						}
						if by := e.approvedBy(t, k); by != storage.ApprovedHuman {
							t.Errorf("audit approved_by %q", by)
						}
					case asked:
						if !res.IsError || !strings.Contains(text(res), "the merchant declined") || e.purchaseOrders(t) != before {
							t.Fatalf("declined, but: %s", text(res))
						}
					default:
						if !res.IsError || !strings.Contains(text(res), "approval_required") || !strings.Contains(text(res), `"preview_token":"lstp_`) || e.purchaseOrders(t) != before {
							t.Fatalf("want the refusal with its preview, got: %s", text(res))
						}
					}
				})
			}
		}
	})
}

type elicitor struct {
	action mcpgo.ElicitationResponseAction
	asked  int
}

func (h *elicitor) Elicit(_ context.Context, req mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error) {
	h.asked++
	return &mcpgo.ElicitationResult{ElicitationResponse: mcpgo.ElicitationResponse{Action: h.action, Content: map[string]any{}}}, nil
}
