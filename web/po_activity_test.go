package web_test

import (
	"context"
	"html"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The purchase-order operations of issue 22 read as plain words in the
// Activity view, beside their tool names, and a deleted draft's lines show
// with its entry.
func TestActivityShowsPurchaseOrderOperations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		jane := e.client()
		jane.signIn(e.store.ID, "jane@acme.com")
		jane.createKey("Purchasing agent", "write")
		key := e.keys(e.store.ID)[0]
		ops := map[string]string{
			"confirm_purchase_order":        "Confirm purchase order",
			"unreceive_purchase_order":      "Unreceive purchase order",
			"reopen_purchase_order":         "Reopen purchase order",
			"delete_purchase_order":         "Delete purchase order",
			"record_purchase_order_payment": "Record purchase order payment",
			"void_purchase_order_payment":   "Void purchase order payment",
		}
		for tool := range ops {
			detail := ""
			if tool == "delete_purchase_order" {
				detail = "deleted draft PO-1001 (Summit Gear, Warehouse): TRS-40 x7 @49.50"
			}
			if err := db.RecordAudit(ctx, nil, e.store.ID, storage.AuditEntry{Action: tool, Arguments: `{"number":"PO-1001"}`,
				Outcome: storage.OutcomeOK, Detail: detail}.ByKey(key)); err != nil {
				t.Fatal(err)
			}
		}
		_, body := jane.get("/keys/activity")
		body = html.UnescapeString(body)
		for tool, words := range ops {
			if !strings.Contains(body, words) || !strings.Contains(body, tool) {
				t.Errorf("the Activity view lacks %q beside %s", words, tool)
			}
		}
		if !strings.Contains(body, "TRS-40 x7 @49.50") {
			t.Error("the Activity view does not show the deleted draft's lines")
		}
	})
}
