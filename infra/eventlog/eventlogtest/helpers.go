package eventlogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/choucha/choucha/domain/event"
)

const testType = "eventlogtest.thing_happened.v1"

var cst = time.FixedZone("CST", 8*3600)

func open(t *testing.T, h Harness) event.Store {
	t.Helper()
	if h.Open == nil {
		t.Fatal("Harness.Open is nil: the suite needs to open a new, empty store")
	}
	s := h.Open(t)
	if s == nil {
		t.Fatal("Harness.Open returned nil")
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func reopen(t *testing.T, h Harness, s event.Store) event.Store {
	t.Helper()
	if h.Reopen == nil {
		t.Fatal("Harness.Reopen is nil: the suite needs to close a store and open the same log again")
	}
	s = h.Reopen(t, s)
	if s == nil {
		t.Fatal("Harness.Reopen returned nil")
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// stream returns n events for a stream at expected version; newBatch fills the command id.
// Payloads have insignificant spaces and an HTML character: stores keep them as JSON.
func stream(name string, expected uint64, n int) event.StreamAppend {
	sa := event.StreamAppend{Stream: name, ExpectedVersion: expected}
	for i := range n {
		sa.Events = append(sa.Events, event.Envelope{
			ID:         uuid.Must(uuid.NewV7()).String(),
			Stream:     name,
			Type:       testType,
			OccurredAt: time.Now().In(cst),
			Actor:      event.Actor{ID: "u-7", Role: "inspector"},
			Payload:    json.RawMessage(fmt.Sprintf(`{"seq": %d, "note": "alpha <b>"}`, expected+uint64(i)+1)),
		})
	}
	return sa
}

func newBatch(commandID string, streams ...event.StreamAppend) event.Batch {
	b := event.Batch{CommandID: commandID, Streams: streams}
	forEach(&b, func(e *event.Envelope) { e.CommandID = commandID })
	return b
}

func forEach(b *event.Batch, f func(*event.Envelope)) {
	for i := range b.Streams {
		for j := range b.Streams[i].Events {
			f(&b.Streams[i].Events[j])
		}
	}
}

func mustAppend(t *testing.T, s event.Store, b event.Batch) event.Result {
	t.Helper()
	res, err := s.Append(context.Background(), b)
	if err != nil {
		t.Fatalf("Append(%s): %v", b.CommandID, err)
	}
	return res
}

func mustHead(t *testing.T, s event.Store) uint64 {
	t.Helper()
	h, err := s.Head(context.Background())
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return h
}

func readAll(t *testing.T, s event.Store, from uint64) []event.Envelope {
	t.Helper()
	var out []event.Envelope
	if err := s.ReadFrom(context.Background(), from, func(e event.Envelope) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatalf("ReadFrom(%d): %v", from, err)
	}
	return out
}

func jsonEqual(a, b []byte) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// diff names the first field in which two envelopes differ ("" if none). Times compare
// with Equal, payloads as compact JSON.
func diff(a, b event.Envelope) string {
	switch {
	case a.ID != b.ID:
		return "ID"
	case a.Stream != b.Stream:
		return "Stream"
	case a.Version != b.Version:
		return "Version"
	case a.Type != b.Type:
		return "Type"
	case !a.OccurredAt.Equal(b.OccurredAt):
		return "OccurredAt"
	case !a.RecordedAt.Equal(b.RecordedAt):
		return "RecordedAt"
	case a.Actor != b.Actor:
		return "Actor"
	case a.CommandID != b.CommandID:
		return "CommandID"
	case !jsonEqual(a.Payload, b.Payload):
		return "Payload"
	case a.PrevHash != b.PrevHash:
		return "PrevHash"
	case a.Hash != b.Hash:
		return "Hash"
	case a.Position != b.Position:
		return "Position"
	}
	return ""
}

func sameEvents(t *testing.T, what string, got, want []event.Envelope) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		if f := diff(got[i], want[i]); f != "" {
			t.Fatalf("%s: event %d differs in %s:\n got %+v\nwant %+v", what, i, f, got[i], want[i])
		}
	}
}

func wantStoreErr(t *testing.T, what string, err, target error, stream string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
		return
	}
	var se *event.StoreError
	if !errors.As(err, &se) {
		t.Errorf("%s: error %v is not a *event.StoreError", what, err)
		return
	}
	if se.Stream != stream {
		t.Errorf("%s: StoreError names stream %q, want %q", what, se.Stream, stream)
	}
}

func wantClosed(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, event.ErrClosed) {
		t.Errorf("%s on a closed store = %v, want ErrClosed", op, err)
	}
}

func cloneEvents(evs []event.Envelope) []event.Envelope {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Payload = slices.Clone(out[i].Payload)
	}
	return out
}

// flipPayloadByte changes one letter of the payload's "alpha", keeping it valid JSON.
func flipPayloadByte(t *testing.T, e *event.Envelope) {
	t.Helper()
	i := bytes.Index(e.Payload, []byte("alpha"))
	if i < 0 {
		t.Fatalf("payload %s has no \"alpha\" to change", e.Payload)
	}
	e.Payload[i] ^= 1
}

// checkLog checks the whole log through the port: positions 1..Head, each stream's events
// (the first claim of a (stream, version) wins, ARCHITECTURE rule 1) verify and are what
// Load returns; then the adapter's own Verify if the harness has one. It returns the log.
func checkLog(t *testing.T, s event.Store, verify func(context.Context, event.Store) error) []event.Envelope {
	t.Helper()
	ctx := context.Background()
	head := mustHead(t, s)
	all := readAll(t, s, 1)
	if uint64(len(all)) != head {
		t.Fatalf("ReadFrom(1) gave %d events, Head is %d", len(all), head)
	}
	byStream := map[string][]event.Envelope{}
	var kept []event.Envelope
	for i, e := range all {
		if e.Position != uint64(i+1) {
			t.Fatalf("ReadFrom(1): event %d has position %d", i, e.Position)
		}
		if evs := byStream[e.Stream]; len(evs) > 0 && e.Version <= evs[len(evs)-1].Version {
			t.Logf("position %d: %s@%d claimed before; discarded (rule 1)", e.Position, e.Stream, e.Version)
			continue
		}
		byStream[e.Stream] = append(byStream[e.Stream], e)
		kept = append(kept, e)
	}
	for st, evs := range byStream {
		if err := event.VerifyStream(evs); err != nil {
			t.Fatalf("stream %s as read by ReadFrom: %v", st, err)
		}
		loaded, err := s.Load(ctx, st)
		if err != nil {
			t.Fatalf("Load(%s): %v", st, err)
		}
		sameEvents(t, "Load("+st+") against ReadFrom", loaded, evs)
		if v, err := s.Version(ctx, st); err != nil || v != evs[len(evs)-1].Version {
			t.Fatalf("Version(%s) = %d, %v; its last event has version %d", st, v, err, evs[len(evs)-1].Version)
		}
	}
	if verify != nil {
		if err := verify(ctx, s); err != nil {
			t.Fatalf("Harness.Verify: %v", err)
		}
	}
	return kept
}
