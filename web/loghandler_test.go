package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestLogHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	h := NewLogHandler(slog.NewJSONHandler(&buf, nil))
	if NewLogHandler(h) != h {
		t.Fatal("wrapping twice would log request_id twice")
	}
	log := slog.New(h).With("component", "outbox")

	ctx := withRequestID(context.Background(), "req-1")
	log.InfoContext(ctx, "with id")
	log.InfoContext(context.Background(), "without id")
	log.Info("no ctx")

	dec := json.NewDecoder(&buf)
	want := []string{"req-1", "", ""}
	for i, w := range want {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		got, _ := m["request_id"].(string)
		if got != w || m["component"] != "outbox" {
			t.Errorf("line %d: %v, want request_id %q", i, m, w)
		}
	}
}

func TestRequestIDOutsideRequest(t *testing.T) {
	if id := RequestID(context.Background()); id != "" {
		t.Fatalf("RequestID = %q", id)
	}
}
