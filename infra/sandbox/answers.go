package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Answer patches make the reimburser reads answer shapes the issuer side
// never produces but WeChat has been seen to (wechat-protocol.md §4): a
// missing fee, another card_id, no billing fields, an unknown status,
// fractional quantities. A patch is a JSON merge patch (RFC 7386: null
// deletes a key) applied to one invoice's getinvoiceinfo answer and batch
// item. Like faults, patches live in memory only.

func answerKey(cardID, encryptCode string) string { return cardID + "\x00" + encryptCode }

// setAnswerPatch stores patch for the invoice; null or {} removes it.
func (c *control) setAnswerPatch(cardID, encryptCode string, patch json.RawMessage) error {
	var obj map[string]any
	if err := json.Unmarshal(patch, &obj); err != nil {
		return errors.New("answer_patch must be a JSON object or null")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(obj) == 0 {
		delete(c.answers, answerKey(cardID, encryptCode))
		return nil
	}
	if c.answers == nil {
		c.answers = map[string]json.RawMessage{}
	}
	c.answers[answerKey(cardID, encryptCode)] = bytes.Clone(patch)
	return nil
}

func (c *control) answerPatch(cardID, encryptCode string) json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answers[answerKey(cardID, encryptCode)]
}

// patched applies the invoice's answer patch, if any, to v (an answer or a
// batch item about inv).
func (s *Sandbox) patched(inv *invoiceRow, v any) (any, error) {
	patch := s.ctl.answerPatch(inv.CardID, inv.EncryptCode)
	if patch == nil {
		return v, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc, p any
	// json.Number keeps big and fractional numbers as written.
	if err := decodeNumbers(raw, &doc); err != nil {
		return nil, err
	}
	if err := decodeNumbers(patch, &p); err != nil {
		return nil, err
	}
	return mergePatch(doc, p), nil
}

func decodeNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// mergePatch is RFC 7386's MergePatch.
func mergePatch(doc, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = mergePatch(d[k], v)
	}
	return d
}
