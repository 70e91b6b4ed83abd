package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/pipeline"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// fakeAsker stands for the person in a client that declared elicitation:
// it answers at once (answer set), or has the client ask on a retry
// (pending), or carries the answer of an earlier round (carried).
type fakeAsker struct {
	answer  *bool
	carried *pipeline.Answer
	asked   []pipeline.Question
}

func (f *fakeAsker) Answer() (pipeline.Answer, bool) {
	if f.carried == nil {
		return pipeline.Answer{}, false
	}
	return *f.carried, true
}

func (f *fakeAsker) Ask(_ context.Context, q pipeline.Question) (pipeline.Answer, bool, error) {
	f.asked = append(f.asked, q)
	if f.answer == nil {
		return pipeline.Answer{}, false, nil
	}
	return pipeline.Answer{Approved: *f.answer}, true, nil
}

// A key's approval setting holds its writes for the merchant: always, or
// above an amount. Without a way to ask (REST, a client without
// elicitation) the write is refused with its preview, and applies when
// the call brings the preview's token back; a client that can ask puts
// the preview to the person, and applies it only on Approve. The audit
// entry of every applied write says how it was approved.
func TestApprovalRoutes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		ctx := context.Background()
		pl := pipeline.New(pipeline.Options{DB: db, Log: zerolog.Nop()})
		keyWith := func(t *testing.T, approval string) storage.Principal {
			t.Helper()
			k, err := access.New(db).CreateKey(ctx, e.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "approval " + approval,
				CreatedByName: "T", CreatedByEmail: "t@example.com", Approval: approval})
			if err != nil {
				t.Fatal(err)
			}
			p, err := access.New(db).Authenticate(ctx, k.Secret)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := inventory.ParseApproval(approval); p.Key.Approval != want {
				t.Fatalf("the principal carries approval %q, want %q", p.Key.Approval, approval)
			}
			return p
		}
		pos := func() int64 {
			var n int64
			if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM purchase_orders WHERE store_id = $1`, e.Store.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		lastEntry := func(p storage.Principal) storage.AuditEntry {
			t.Helper()
			log, err := db.AuditLog(ctx, e.Store.ID, 20)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range log {
				if en.KeyID != nil && *en.KeyID == p.Key.ID && en.Action == "create_purchase_order" && en.Outcome != storage.OutcomeDryRun {
					return en
				}
			}
			t.Fatalf("no audit entry of create_purchase_order by %s", p.Key.Prefix)
			return storage.AuditEntry{}
		}
		applied := func(t *testing.T, res pipeline.Result, p storage.Principal, by string) {
			t.Helper()
			if res.Refusal != nil || res.Failed || res.Question != nil {
				t.Fatalf("not applied: %v %+v", res.Refusal, res.Question)
			}
			if en := lastEntry(p); en.Outcome != storage.OutcomeOK || en.ApprovedBy != by {
				t.Errorf("audit: %s approved_by %q, want ok approved_by %q", en.Outcome, en.ApprovedBy, by)
			}
		}
		po := `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":10,"unit_cost":12.5}]}` // 125.00
		bool_ := func(b bool) *bool { return &b }

		refusedWithPreview := func(t *testing.T, res pipeline.Result) string {
			t.Helper()
			if res.Refusal == nil || res.Refusal.Kind != inventory.ApprovalRequired {
				t.Fatalf("want approval_required, got %v %.200s", res.Refusal, res.Data)
			}
			if !strings.Contains(res.Refusal.Msg, "preview_token") || !strings.Contains(res.Refusal.Msg, "show the merchant the preview") {
				t.Errorf("the refusal does not say what to do: %s", res.Refusal.Msg)
			}
			var pv struct {
				DryRun bool   `json:"dry_run"`
				Token  string `json:"preview_token"`
				PO     struct {
					Totals struct {
						Total inventory.Money `json:"total"`
					} `json:"totals"`
				} `json:"purchase_order"`
			}
			if json.Unmarshal(res.Refusal.Preview, &pv) != nil || !pv.DryRun || !keys.PreviewToken.Has(pv.Token) || pv.PO.Totals.Total != 12500 {
				t.Fatalf("the refusal's preview: %.300s", res.Refusal.Preview)
			}
			return pv.Token
		}

		for _, tc := range []struct {
			name, approval string
			asker          *fakeAsker
			wantApplied    bool
			wantBy         string
		}{
			{"never applies", "never", nil, true, storage.ApprovedNotRequired},
			{"above, below the amount", "above:125", nil, true, storage.ApprovedNotRequired},
			{"above, over the amount", "above:124.99", nil, false, ""},
			{"always without elicitation", "always", nil, false, ""},
			{"always, approved in the client", "always", &fakeAsker{answer: bool_(true)}, true, storage.ApprovedHuman},
			{"above, approved in the client", "above:100", &fakeAsker{answer: bool_(true)}, true, storage.ApprovedHuman},
			{"always, declined in the client", "always", &fakeAsker{answer: bool_(false)}, false, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := keyWith(t, tc.approval)
				before := pos()
				var asker pipeline.Asker
				if tc.asker != nil {
					asker = tc.asker
				}
				res := pl.CallAsking(ctx, p, "create_purchase_order", json.RawMessage(po), asker)
				switch {
				case tc.wantApplied:
					applied(t, res, p, tc.wantBy)
					if n := pos(); n != before+1 {
						t.Errorf("%d purchase orders made, want 1", n-before)
					}
				case tc.asker != nil: // declined
					if res.Refusal == nil || res.Refusal.Kind != inventory.Declined || !strings.Contains(res.Refusal.Msg, "the merchant declined create_purchase_order") {
						t.Fatalf("want the merchant's refusal, got %v", res.Refusal)
					}
					if en := lastEntry(p); en.Outcome != storage.OutcomeRefused || !strings.Contains(en.Detail, "declined by the merchant") || en.ApprovedBy != "" {
						t.Errorf("audit of the decline: %+v", en)
					}
				default:
					refusedWithPreview(t, res)
					if en := lastEntry(p); en.Outcome != storage.OutcomeRefused || !strings.Contains(en.Detail, "approval_required") {
						t.Errorf("audit of the refusal: %+v", en)
					}
				}
				if !tc.wantApplied {
					if n := pos(); n != before {
						t.Errorf("%d purchase orders made by a write that was not approved", n-before)
					}
				}
				if tc.asker != nil {
					if len(tc.asker.asked) != 1 {
						t.Fatalf("the person was asked %d times, want once", len(tc.asker.asked))
					}
					msg := tc.asker.asked[0].Message
					for _, want := range []string{"Create purchase order", "Summit Gear", "total 125.00", "TRS-40", "Undo with: delete_purchase_order", "Decline changes nothing"} {
						if !strings.Contains(msg, want) {
							t.Errorf("the question lacks %q:\n%s", want, msg)
						}
					}
				}
			})
		}

		t.Run("the preview_token route", func(t *testing.T) {
			p := keyWith(t, "always")
			token := refusedWithPreview(t, pl.Call(ctx, p, "create_purchase_order", json.RawMessage(po)))
			before := pos()
			applied(t, pl.Call(ctx, p, "create_purchase_order", json.RawMessage(strings.Replace(po, "{", `{"preview_token":"`+token+`",`, 1))), p, storage.ApprovedPreviewToken)
			if n := pos(); n != before+1 {
				t.Errorf("%d purchase orders made, want 1", n-before)
			}
			// Another key's token does not approve this key's write.
			other := keyWith(t, "always")
			otherToken := refusedWithPreview(t, pl.Call(ctx, other, "create_purchase_order", json.RawMessage(po)))
			if res := pl.Call(ctx, p, "create_purchase_order", json.RawMessage(strings.Replace(po, "{", `{"preview_token":"`+otherToken+`",`, 1))); res.Refusal == nil {
				t.Error("another key's preview_token applied the write")
			}
		})

		t.Run("asked on a retry (input required)", func(t *testing.T) {
			p := keyWith(t, "always")
			before := pos()
			first := &fakeAsker{}
			res := pl.CallAsking(ctx, p, "create_purchase_order", json.RawMessage(po), first)
			if res.Question == nil || res.Refusal != nil || res.Data != nil || !keys.PreviewToken.Has(res.Question.Token) {
				t.Fatalf("want a question for the client, got %+v %v", res.Question, res.Refusal)
			}
			if n := pos(); n != before {
				t.Fatal("applied before the person answered")
			}
			for _, approve := range []bool{false, true} {
				retry := &fakeAsker{carried: &pipeline.Answer{Approved: approve, Token: res.Question.Token}}
				got := pl.CallAsking(ctx, p, "create_purchase_order", json.RawMessage(po), retry)
				if !approve {
					if got.Refusal == nil || got.Refusal.Kind != inventory.Declined || pos() != before {
						t.Fatalf("declined on the retry: %v, %d made", got.Refusal, pos()-before)
					}
					continue
				}
				applied(t, got, p, storage.ApprovedHuman)
			}
			if n := pos(); n != before+1 {
				t.Errorf("%d purchase orders made, want 1", n-before)
			}
		})

		t.Run("a retry with the idempotency_key replays without asking", func(t *testing.T) {
			p := keyWith(t, "always")
			args := json.RawMessage(strings.Replace(po, "{", `{"idempotency_key":"approve-once",`, 1))
			yes := true
			first := &fakeAsker{answer: &yes}
			applied(t, pl.CallAsking(ctx, p, "create_purchase_order", args, first), p, storage.ApprovedHuman)
			before := pos()
			again := &fakeAsker{answer: &yes}
			res := pl.CallAsking(ctx, p, "create_purchase_order", args, again)
			if res.Refusal != nil || !strings.Contains(string(res.Data), `"replayed":true`) || len(again.asked) != 0 || pos() != before {
				t.Errorf("the retry: asked %d times, %v %.200s", len(again.asked), res.Refusal, res.Data)
			}
		})

		t.Run("dry runs and other amounts", func(t *testing.T) {
			p := keyWith(t, "above:50")
			if res := pl.Call(ctx, p, "create_purchase_order", json.RawMessage(strings.Replace(po, "{", `{"dry_run":true,`, 1))); res.Refusal != nil {
				t.Errorf("a dry run needs no approval: %v", res.Refusal)
			}
			// A transfer's amount is the stock it moves at cost.
			to := `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":2}]}`
			moved := inventory.Money(2 * e.Variants["TRS-40"].CostCents)
			if moved == 0 {
				t.Fatal("TRS-40 has no cost in the fixture")
			}
			for _, limit := range []inventory.Money{moved - 1, moved} {
				res := pl.Call(ctx, keyWith(t, "above:"+limit.String()), "create_transfer", json.RawMessage(to))
				if needs := moved > limit; needs != (res.Refusal != nil && res.Refusal.Kind == inventory.ApprovalRequired) {
					t.Errorf("a transfer moving %s at cost under above:%s: %v", moved, limit, res.Refusal)
				}
			}
			// Reorder rules move no money: above any limit never asks.
			rules := `{"rules":[{"sku":"TRS-40","location":"Warehouse","min":5,"max":15}]}`
			if res := pl.Call(ctx, p, "set_reorder_rules", json.RawMessage(rules)); res.Refusal != nil {
				t.Errorf("set_reorder_rules under above:50: %v", res.Refusal)
			}
			if res := pl.Call(ctx, keyWith(t, "always"), "set_reorder_rules", json.RawMessage(rules)); res.Refusal == nil || res.Refusal.Kind != inventory.ApprovalRequired {
				t.Errorf("set_reorder_rules under always: %v", res.Refusal)
			}
		})
	})
}
