package service_test

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The import answers per item (issue 14): these tests make WeChat fail for
// some items through the sandbox's faults and answer patches.

func card(inv map[string]any) map[string]any {
	return map[string]any{"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"]}
}

func importCards(c *testkit.Client, cards ...map[string]any) testkit.Response {
	return c.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": cards})
}

// patchAnswer makes the sandbox's reimburser reads answer inv with patch
// merged in (a JSON merge patch: nil deletes).
func patchAnswer(t testing.TB, a *testkit.AppServer, inv map[string]any, patch map[string]any) {
	t.Helper()
	res := a.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
		"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"], "answer_patch": patch,
	})
	if res.Status != http.StatusOK {
		t.Fatalf("answer patch: %d %s", res.Status, res.Body)
	}
}

func listOf(t testing.TB, res testkit.Response, key string) []map[string]any {
	t.Helper()
	items, _ := res.JSON[key].([]any)
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = it.(map[string]any)
	}
	return out
}

// failedCodes maps each failed item's encrypt_code to its error code.
func failedCodes(t testing.TB, res testkit.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range listOf(t, res, "failed") {
		out[f["encrypt_code"].(string)] = f["error"].(map[string]any)["code"].(string)
	}
	return out
}

func TestImportKeepsKnownInvoicesWhenWeChatFails(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		known := importN(t, a, li, 1)[0]
		w := wallet(t, a, me(t, li)["openid"].(string))
		fresh := w[1:3]

		if res := a.Sandbox(t, http.MethodPost, "/_control/faults", map[string]any{
			"rate": 1, "errcodes": []int{-1}, "paths": []string{"reimburse"},
		}); res.Status != http.StatusOK {
			t.Fatalf("fault: %d %s", res.Status, res.Body)
		}
		// The invoice we hold is answered; the others fail one by one.
		res := importCards(li, card(known), card(fresh[0]), card(fresh[1]))
		imported := listOf(t, res, "imported")
		if res.Status != http.StatusOK || len(imported) != 1 || imported[0]["id"] != known["id"] {
			t.Fatalf("partial import: %d %s", res.Status, res.Body)
		}
		codes := failedCodes(t, res)
		for _, inv := range fresh {
			if codes[inv["encrypt_code"].(string)] != "wechat.unavailable" {
				t.Fatalf("failed %v, want wechat.unavailable for both fresh cards", codes)
			}
		}

		// Nothing at all could be done: the call fails, as before.
		res = importCards(li, card(fresh[0]), card(fresh[1]))
		if res.Status != http.StatusServiceUnavailable || res.ErrorCode() != "wechat.unavailable" {
			t.Fatalf("all unavailable: %d %s", res.Status, res.Body)
		}

		a.Sandbox(t, http.MethodDelete, "/_control/faults", nil)
		res = importCards(li, card(fresh[0]), card(fresh[1]))
		if res.Status != http.StatusOK || len(listOf(t, res, "imported")) != 2 {
			t.Fatalf("after the fault: %d %s", res.Status, res.Body)
		}
	})
}

func TestImportRefusesItemsNotInWalletOrUnreadable(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		w := wallet(t, a, me(t, li)["openid"].(string))
		if len(w) < 4 {
			t.Fatalf("wallet has %d INIT invoices", len(w))
		}
		good, otherCard, noBilling, oddStatus := w[0], w[1], w[2], w[3]
		patchAnswer(t, a, otherCard, map[string]any{"card_id": "pSomeOtherCard"})
		patchAnswer(t, a, noBilling, map[string]any{"user_info": map[string]any{"billing_no": nil, "billing_code": nil}})
		patchAnswer(t, a, oddStatus, map[string]any{"user_info": map[string]any{"reimburse_status": "INVOICE_REIMBURSE_WHATEVER"}})

		// An OA card in someone else's wallet, and a pair WeChat does not know (72031).
		theirs := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
			"owner_openid": "oSBXsomeoneElse000000000000", "channel": "oa",
		})
		if theirs.Status != http.StatusOK {
			t.Fatalf("their invoice: %d %s", theirs.Status, theirs.Body)
		}
		unknown := map[string]any{"card_id": good["card_id"], "encrypt_code": "bm90IGEgY2FyZCBvZiBhbnlvbmU+/w=="}

		res := importCards(li, card(good), card(theirs.JSON), unknown, card(otherCard), card(noBilling), card(oddStatus))
		if res.Status != http.StatusOK {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		if imported := listOf(t, res, "imported"); len(imported) != 1 || imported[0]["encrypt_code"] != good["encrypt_code"] {
			t.Fatalf("imported: %s", res.Body)
		}
		want := map[string]string{
			theirs.JSON["encrypt_code"].(string): "invoice.not_in_wallet",
			unknown["encrypt_code"].(string):     "invoice.not_in_wallet",
			otherCard["encrypt_code"].(string):   "invoice.unreadable",
			noBilling["encrypt_code"].(string):   "invoice.unreadable",
			oddStatus["encrypt_code"].(string):   "invoice.unreadable",
		}
		if got := failedCodes(t, res); len(got) != len(want) {
			t.Fatalf("failed %v, want %v", got, want)
		} else {
			for code, c := range want {
				if got[code] != c {
					t.Fatalf("failed %v, want %v", got, want)
				}
			}
		}

		// Refused items alone are still answered item by item: WeChat
		// answered, so this is no 502 for the whole call.
		res = importCards(li, unknown, card(oddStatus))
		if res.Status != http.StatusOK || len(listOf(t, res, "failed")) != 2 || len(listOf(t, res, "imported")) != 0 {
			t.Fatalf("only refusals: %d %s", res.Status, res.Body)
		}
	})
}

func TestImportAnswersEachInvoiceOnce(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		openid := me(t, li)["openid"].(string)
		first := wallet(t, a, openid)[0]
		// A second card of the same paper in the same wallet.
		twin := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
			"owner_openid": openid, "channel": "oa",
			"billing_no": first["billing_no"], "billing_code": first["billing_code"],
		})
		if twin.Status != http.StatusOK {
			t.Fatalf("twin: %d %s", twin.Status, twin.Body)
		}

		res := importCards(li, card(first), card(first), card(twin.JSON))
		imported := listOf(t, res, "imported")
		if res.Status != http.StatusOK || len(imported) != 1 || len(listOf(t, res, "failed")) != 0 {
			t.Fatalf("one paper, three cards: %d %s", res.Status, res.Body)
		}
		// Known now: the same again, in the other order.
		again := importCards(li, card(twin.JSON), card(first))
		if ids := listOf(t, again, "imported"); again.Status != http.StatusOK || len(ids) != 1 || ids[0]["id"] != imported[0]["id"] {
			t.Fatalf("again: %d %s", again.Status, again.Body)
		}
	})
}

func TestImportKeepsWeChatAmounts(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		w := wallet(t, a, me(t, li)["openid"].(string))
		noFee, fractional := w[0], w[1]
		patchAnswer(t, a, noFee, map[string]any{"user_info": map[string]any{"fee": nil}})
		// 0.5 × 13.33 = 6.665 and 2.75 × 7.89 = 21.6975: the issuer's
		// line amounts are 6.67 and 21.69, and they are what counts.
		patchAnswer(t, a, fractional, map[string]any{"user_info": map[string]any{"info": []any{
			map[string]any{"name": "*蔬菜*土豆", "num": "0.5", "unit": "千克", "price": 1333, "fee": 667},
			map[string]any{"name": "*燃料*汽油", "num": 2.75, "unit": "升", "price": 789, "fee": 2169},
		}}})

		res := importCards(li, card(noFee), card(fractional))
		imported := listOf(t, res, "imported")
		if res.Status != http.StatusOK || len(imported) != 2 {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		for _, inv := range imported {
			// Read back: what was stored, not what the import computed.
			got := li.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string), nil)
			if got.Status != http.StatusOK {
				t.Fatalf("get: %d %s", got.Status, got.Body)
			}
			switch inv["encrypt_code"] {
			case noFee["encrypt_code"]:
				amount := decimal.RequireFromString(got.JSON["amount"].(string))
				parts := decimal.RequireFromString(got.JSON["amount_without_tax"].(string)).
					Add(decimal.RequireFromString(got.JSON["tax"].(string)))
				if got.JSON["needs_review"] != true || amount.IsZero() || !amount.Equal(parts) {
					t.Fatalf("no fee: needs_review %v, amount %v, parts %v", got.JSON["needs_review"], amount, parts)
				}
			case fractional["encrypt_code"]:
				lines := listOf(t, got, "lines")
				if len(lines) != 2 ||
					lines[0]["quantity"] != "0.5" || lines[0]["unit_price"] != "13.33" || lines[0]["amount"] != "6.67" ||
					lines[1]["quantity"] != "2.75" || lines[1]["unit_price"] != "7.89" || lines[1]["amount"] != "21.69" {
					t.Fatalf("lines %v", lines)
				}
			default:
				t.Fatalf("unexpected invoice %v", inv["encrypt_code"])
			}
		}
	})
}
