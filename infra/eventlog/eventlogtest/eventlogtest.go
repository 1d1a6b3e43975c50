// Package eventlogtest is the contract every event.Store adapter passes. An adapter's tests
// call Run with a Harness, and its TestMain calls RunChildIfRequested first (the kill test
// re-executes the test binary as the process it kills).
//
// Every capability the suite needs is required: a Harness without one fails the subtests
// that need it, with a message saying what is missing. Nothing is skipped.
package eventlogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
)

// Harness is what the suite needs from an adapter.
type Harness struct {
	// Open returns a new, empty store. The suite closes it.
	Open func(t *testing.T) event.Store
	// Reopen closes s and opens the same log again.
	Reopen func(t *testing.T, s event.Store) event.Store
	// Crash is what the kill test needs.
	Crash *CrashHarness
	// Verify is the adapter's own whole-log check (e.g. (*eventlog.Bolt).Verify). Optional:
	// the suite always checks positions, hash chains and Load itself through the port, and
	// runs Verify on top when it is set.
	Verify func(ctx context.Context, s event.Store) error
}

// CrashHarness is what the kill test needs: a log that a child process (the test binary
// re-executed, see RunChildIfRequested) and the test process can both open by location.
type CrashHarness struct {
	// NewLog returns where a new, empty log lives: a file path, a topic name.
	NewLog func(t *testing.T) string
	// Open opens the log at location in the test process (after the child was killed).
	Open func(t *testing.T, location string) event.Store
}

// Run runs the contract as subtests of t, one after another.
func Run(t *testing.T, h Harness) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"AppendLoadReadFrom", testAppendLoadReadFrom},
		{"VersionsAndPositions", testVersionsAndPositions},
		{"ExpectedVersionMismatch", testExpectedVersionMismatch},
		{"MultiStreamConflictAppendsNothing", testMultiStreamConflict},
		{"ConcurrentWriters", testConcurrentWriters},
		{"RepeatedCommandID", testRepeatedCommandID},
		{"HashChain", testHashChain},
		{"ReadFromMiddle", testReadFromMiddle},
		{"InvalidBatches", testInvalidBatches},
		{"LargeBatch", testLargeBatch},
		{"HugeBatch", testHugeBatch},
		{"SurvivesReopen", testSurvivesReopen},
		{"Closed", testClosed},
		{"ContextCanceled", testContextCanceled},
		{"KillMidAppend", testKillMidAppend},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

func testAppendLoadReadFrom(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	in := newBatch("cmd-1", stream("order-1", 0, 3))
	given := cloneEvents(in.Streams[0].Events)
	res := mustAppend(t, s, in)
	for i, e := range in.Streams[0].Events {
		if f := diff(e, given[i]); f != "" || !bytes.Equal(e.Payload, given[i].Payload) {
			t.Fatalf("Append changed the caller's event %d (%s)", i, f)
		}
	}
	if res.Replayed || len(res.Events) != 3 {
		t.Fatalf("Append: Replayed=%v, %d events; want false, 3", res.Replayed, len(res.Events))
	}
	for i, e := range res.Events {
		w := in.Streams[0].Events[i]
		if e.ID != w.ID || e.Stream != w.Stream || e.Type != w.Type || e.Actor != w.Actor ||
			e.CommandID != w.CommandID || !e.OccurredAt.Equal(w.OccurredAt) || !jsonEqual(e.Payload, w.Payload) {
			t.Fatalf("Append result event %d does not carry what was given:\n got %+v\nwant %+v", i, e, w)
		}
	}
	loaded, err := s.Load(ctx, "order-1")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	sameEvents(t, "Load after Append", loaded, res.Events)
	sameEvents(t, "ReadFrom(1)", readAll(t, s, 1), res.Events)
	sameEvents(t, "ReadFrom(0)", readAll(t, s, 0), res.Events)

	if evs, err := s.Load(ctx, "order-none"); err != nil || len(evs) != 0 {
		t.Errorf("Load(unknown stream) = %d events, %v; want none, nil", len(evs), err)
	}
	if v, err := s.Version(ctx, "order-none"); err != nil || v != 0 {
		t.Errorf("Version(unknown stream) = %d, %v; want 0, nil", v, err)
	}
}

func testVersionsAndPositions(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	if head := mustHead(t, s); head != 0 {
		t.Fatalf("Head of a new store = %d, want 0 (Harness.Open must return an empty store)", head)
	}
	before := time.Now()
	var all []event.Envelope
	for _, b := range []event.Batch{
		newBatch("c1", stream("a", 0, 2)),
		newBatch("c2", stream("b", 0, 1)),
		newBatch("c3", stream("a", 2, 1)),
		newBatch("c4", stream("b", 1, 2), stream("c", 0, 1), stream("a", 3, 1)),
	} {
		res := mustAppend(t, s, b)
		var i int
		for _, sa := range b.Streams { // result events come in batch order
			for j := range sa.Events {
				if e := res.Events[i]; e.Stream != sa.Stream || e.Version != sa.ExpectedVersion+uint64(j)+1 {
					t.Fatalf("batch %s result event %d is %s@%d, want %s@%d", b.CommandID, i, e.Stream, e.Version, sa.Stream, sa.ExpectedVersion+uint64(j)+1)
				}
				i++
			}
		}
		all = append(all, res.Events...)
	}
	after := time.Now()
	for i, e := range all {
		if e.Position != uint64(i+1) {
			t.Errorf("event %d has position %d, want %d (positions are 1, 2, 3 … in append order)", i, e.Position, i+1)
		}
		if e.RecordedAt.Before(before.Truncate(time.Microsecond)) || e.RecordedAt.After(after) {
			t.Errorf("event %d RecordedAt %s is not between %s and %s", i, e.RecordedAt, before, after)
		}
		if e.RecordedAt.Location() != time.UTC {
			t.Errorf("event %d RecordedAt %s is not UTC", i, e.RecordedAt)
		}
		if len(e.Hash) != 64 {
			t.Errorf("event %d hash %q is not hex SHA-256", i, e.Hash)
		}
	}
	for st, want := range map[string]uint64{"a": 4, "b": 3, "c": 1} {
		if v, err := s.Version(ctx, st); err != nil || v != want {
			t.Errorf("Version(%s) = %d, %v; want %d", st, v, err, want)
		}
		evs, err := s.Load(ctx, st)
		if err != nil {
			t.Fatalf("Load(%s): %v", st, err)
		}
		for i, e := range evs {
			if e.Version != uint64(i+1) {
				t.Errorf("Load(%s)[%d] has version %d", st, i, e.Version)
			}
			if i > 0 && e.PrevHash != evs[i-1].Hash {
				t.Errorf("Load(%s)[%d].PrevHash is not the hash of version %d", st, i, i)
			}
		}
		if len(evs) > 0 && evs[0].PrevHash != "" {
			t.Errorf("Load(%s)[0].PrevHash = %q, want empty", st, evs[0].PrevHash)
		}
	}
	if head := mustHead(t, s); head != uint64(len(all)) {
		t.Errorf("Head = %d, want %d", head, len(all))
	}
	checkLog(t, s, h.Verify)
}

func testExpectedVersionMismatch(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	first := mustAppend(t, s, newBatch("c1", stream("a", 0, 2)))
	for _, tc := range []struct {
		name     string
		stream   string
		expected uint64
	}{
		{"stream exists, expected 0", "a", 0},
		{"expected behind", "a", 1},
		{"expected ahead", "a", 5},
		{"new stream, expected 3", "new", 3},
	} {
		_, err := s.Append(ctx, newBatch("c-"+tc.name, stream(tc.stream, tc.expected, 1)))
		wantStoreErr(t, tc.name, err, event.ErrConcurrency, tc.stream)
	}
	if head := mustHead(t, s); head != 2 {
		t.Errorf("Head after conflicts = %d, want 2: a conflicting batch appended something", head)
	}
	if v, _ := s.Version(ctx, "a"); v != 2 {
		t.Errorf("Version(a) after conflicts = %d, want 2", v)
	}
	evs, _ := s.Load(ctx, "a")
	sameEvents(t, "Load(a) after conflicts", evs, first.Events)

	// A command that failed left no trace: its id appends when retried at the right version.
	res, err := s.Append(ctx, newBatch("c-expected behind", stream("a", 2, 1)))
	if err != nil || res.Replayed {
		t.Errorf("retrying a command that had failed with ErrConcurrency: Replayed=%v, err=%v; want a fresh append", res.Replayed, err)
	}
}

func testMultiStreamConflict(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	mustAppend(t, s, newBatch("c1", stream("a", 0, 1), stream("b", 0, 1)))
	for i, b := range []event.Batch{
		newBatch("c2", stream("a", 1, 3), stream("b", 0, 2), stream("c", 0, 1)), // b conflicts, in the middle
		newBatch("c3", stream("b", 7, 1), stream("a", 1, 2)),                    // b conflicts, first
		newBatch("c4", stream("c", 0, 2), stream("a", 1, 1), stream("b", 2, 1)), // b conflicts, last
	} {
		_, err := s.Append(ctx, b)
		wantStoreErr(t, fmt.Sprintf("batch %d", i), err, event.ErrConcurrency, "b")
	}
	if head := mustHead(t, s); head != 2 {
		t.Errorf("Head = %d, want 2: a batch with a conflicting stream appended something", head)
	}
	for st, want := range map[string]uint64{"a": 1, "b": 1, "c": 0} {
		if v, _ := s.Version(ctx, st); v != want {
			t.Errorf("Version(%s) = %d, want %d: a batch with a conflicting stream appended something", st, v, want)
		}
	}
	checkLog(t, s, h.Verify)
}

func testConcurrentWriters(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	const rounds, writers = 40, 4
	var version uint64
	for r := range rounds {
		var (
			start = make(chan struct{})
			wg    sync.WaitGroup
			errs  = make([]error, writers)
			res   = make([]event.Result, writers)
		)
		for w := range writers {
			b := newBatch(fmt.Sprintf("r%d-w%d", r, w), stream("race", version, 1+w%2))
			wg.Go(func() {
				<-start
				res[w], errs[w] = s.Append(ctx, b)
			})
		}
		close(start)
		wg.Wait()
		won := -1
		for w, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Fatalf("round %d: writers %d and %d at expected version %d both won", r, won, w, version)
			case err == nil:
				won = w
			case !errors.Is(err, event.ErrConcurrency):
				t.Fatalf("round %d writer %d: %v; want nil or ErrConcurrency", r, w, err)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: no writer at expected version %d won (errors: %v)", r, version, errs)
		}
		if res[won].Replayed {
			t.Fatalf("round %d: the winner's result is Replayed for a new command id", r)
		}
		version += uint64(len(res[won].Events))
		if v, err := s.Version(ctx, "race"); err != nil || v != version {
			t.Fatalf("round %d: Version(race) = %d, %v; want %d (the winner's events only)", r, v, err, version)
		}
	}

	// Writers on distinct streams all win, and positions stay unique and contiguous.
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range 10 {
				_, err := s.Append(ctx, newBatch(fmt.Sprintf("d-w%d-%d", w, i), stream(fmt.Sprintf("own-%d", w), uint64(i), 1)))
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("writers on distinct streams: %v", err)
	}
	checkLog(t, s, h.Verify)
}

func testRepeatedCommandID(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	b := newBatch("cmd-x", stream("a", 0, 2), stream("b", 0, 1))
	first := mustAppend(t, s, b)
	if first.Replayed {
		t.Fatal("first Append of a command id: Replayed = true")
	}
	mustAppend(t, s, newBatch("cmd-y", stream("a", 2, 1)))
	head := mustHead(t, s)

	check := func(what string, b event.Batch) {
		t.Helper()
		res, err := s.Append(ctx, b)
		if err != nil {
			t.Fatalf("%s: %v; want the first outcome", what, err)
		}
		if !res.Replayed {
			t.Errorf("%s: Replayed = false", what)
		}
		sameEvents(t, what, res.Events, first.Events)
		if got := mustHead(t, s); got != head {
			t.Errorf("%s: Head %d → %d: a repeated command id appended", what, head, got)
		}
	}
	check("same batch again", b)
	// Same command id, other content: a stale expected version, another stream, other events.
	check("same command id, other batch", newBatch("cmd-x", stream("a", 0, 1), stream("z", 0, 4)))
	s = reopen(t, h, s)
	check("same batch after Reopen", b)
	check("same command id, other batch, after Reopen", newBatch("cmd-x", stream("q", 0, 1)))
	if v, _ := s.Version(ctx, "z"); v != 0 {
		t.Errorf("Version(z) = %d: a replayed command appended", v)
	}
}

func testHashChain(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	mustAppend(t, s, newBatch("c1", stream("a", 0, 2)))
	mustAppend(t, s, newBatch("c2", stream("b", 0, 1), stream("a", 2, 2)))
	evs, err := s.Load(ctx, "a")
	if err != nil || len(evs) != 4 {
		t.Fatalf("Load(a) = %d events, %v", len(evs), err)
	}
	if err := event.VerifyStream(evs); err != nil {
		t.Fatalf("VerifyStream(Load(a)): %v", err)
	}
	for _, i := range []int{0, 1, 3} { // the first, one in the middle, the last
		bad := cloneEvents(evs)
		flipPayloadByte(t, &bad[i])
		if err := event.VerifyStream(bad); !errors.Is(err, event.ErrTampered) {
			t.Errorf("VerifyStream with one payload byte of version %d changed = %v, want ErrTampered", i+1, err)
		}
	}
	bad := cloneEvents(evs)
	bad[1].Type += "x"
	if err := event.VerifyStream(bad); !errors.Is(err, event.ErrTampered) {
		t.Errorf("VerifyStream with a changed type = %v, want ErrTampered", err)
	}
	bad = cloneEvents(evs)
	bad[1], bad[2] = bad[2], bad[1]
	if err := event.VerifyStream(bad); !errors.Is(err, event.ErrTampered) {
		t.Errorf("VerifyStream with two events swapped = %v, want ErrTampered", err)
	}
	if err := event.VerifyStream(evs); err != nil {
		t.Errorf("tampering with copies changed the loaded events: %v", err)
	}
	checkLog(t, s, h.Verify)
}

func testReadFromMiddle(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	var all []event.Envelope
	for i := range 10 {
		res := mustAppend(t, s, newBatch(fmt.Sprintf("c%d", i), stream(fmt.Sprintf("s%d", i%3), uint64(i/3)*3, 3)))
		all = append(all, res.Events...)
	}
	for _, from := range []uint64{1, 2, 15, 29, 30, 31, 1000} {
		var want []event.Envelope
		if from <= 30 {
			want = all[from-1:]
		}
		sameEvents(t, fmt.Sprintf("ReadFrom(%d)", from), readAll(t, s, from), want)
	}

	stop := errors.New("stop here")
	n := 0
	err := s.ReadFrom(ctx, 3, func(event.Envelope) error {
		if n++; n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("ReadFrom with fn failing at the 5th event: err %v after %d calls; want fn's error after 5", err, n)
	}

	// ReadFrom stops at the head it saw when called, and fn may append meanwhile.
	done := make(chan error, 1)
	var got []event.Envelope
	go func() {
		done <- s.ReadFrom(ctx, 29, func(e event.Envelope) error {
			if len(got) == 0 {
				if _, err := s.Append(ctx, newBatch("during-read", stream("late", 0, 2))); err != nil {
					return fmt.Errorf("Append inside ReadFrom's fn: %w", err)
				}
			}
			got = append(got, e)
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ReadFrom whose fn appends did not return in 30s (deadlock?)")
	}
	sameEvents(t, "ReadFrom(29) while fn appends", got, all[28:])
	if head := mustHead(t, s); head != 32 {
		t.Errorf("Head = %d, want 32", head)
	}
}

func testInvalidBatches(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	mustAppend(t, s, newBatch("ok", stream("a", 0, 1)))
	mod := func(f func(b *event.Batch)) event.Batch {
		b := newBatch("bad", stream("b", 0, 2), stream("c", 0, 1))
		f(&b)
		return b
	}
	for _, tc := range []struct {
		name string
		b    event.Batch
	}{
		{"no streams", event.Batch{CommandID: "bad"}},
		{"no command id", mod(func(b *event.Batch) {
			b.CommandID = ""
			forEach(b, func(e *event.Envelope) { e.CommandID = "" })
		})},
		{"stream with no events", mod(func(b *event.Batch) { b.Streams[1].Events = nil })},
		{"empty stream name", mod(func(b *event.Batch) {
			b.Streams[1].Stream = ""
			b.Streams[1].Events[0].Stream = ""
		})},
		{"event without id", mod(func(b *event.Batch) { b.Streams[0].Events[1].ID = "" })},
		{"event without type", mod(func(b *event.Batch) { b.Streams[1].Events[0].Type = "" })},
		{"event names another stream", mod(func(b *event.Batch) { b.Streams[0].Events[1].Stream = "c" })},
		{"event has another command id", mod(func(b *event.Batch) { b.Streams[0].Events[0].CommandID = "other" })},
		{"event has no command id", mod(func(b *event.Batch) { b.Streams[1].Events[0].CommandID = "" })},
		{"payload is not JSON", mod(func(b *event.Batch) { b.Streams[1].Events[0].Payload = []byte(`{"a":`) })},
		{"payload is empty", mod(func(b *event.Batch) { b.Streams[0].Events[1].Payload = nil })},
		{"stream twice", mod(func(b *event.Batch) {
			b.Streams[1] = stream("b", 2, 1)
			forEach(b, func(e *event.Envelope) { e.CommandID = "bad" })
		})},
	} {
		_, err := s.Append(ctx, tc.b)
		if !errors.Is(err, event.ErrInvalid) {
			t.Errorf("%s: Append = %v, want ErrInvalid", tc.name, err)
			continue
		}
		var se *event.StoreError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v is not a *event.StoreError", tc.name, err)
		}
	}
	if head := mustHead(t, s); head != 1 {
		t.Errorf("Head after invalid batches = %d, want 1", head)
	}
	// An invalid batch leaves no trace of its command id.
	res, err := s.Append(ctx, newBatch("bad", stream("b", 0, 1)))
	if err != nil || res.Replayed {
		t.Errorf("valid batch with the command id of invalid ones: Replayed=%v, err=%v; want a fresh append", res.Replayed, err)
	}
}

func testLargeBatch(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	const streams, per = 1000, 5
	sas := make([]event.StreamAppend, streams)
	for i := range sas {
		sas[i] = stream(fmt.Sprintf("ent-%04d", (i*7919)%streams), 0, per) // not in name order
	}
	res := mustAppend(t, s, newBatch("import", sas...))
	if len(res.Events) != streams*per {
		t.Fatalf("Append of %d events returned %d", streams*per, len(res.Events))
	}
	sameEvents(t, "ReadFrom(1) after a large batch", readAll(t, s, 1), res.Events)
	evs, err := s.Load(ctx, sas[17].Stream)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, "Load of one stream of a large batch", evs, res.Events[17*per:18*per])
	checkLog(t, s, h.Verify)
}

// testHugeBatch: one batch of more than 20 MiB (an import of tens of thousands of rows) is
// appended whole and read back exactly, also after Reopen (a Kafka store writes it as
// several records and rebuilds it from them).
func testHugeBatch(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	mustAppend(t, s, newBatch("before", stream("ent-00000", 0, 1)))
	const streams, per = 8000, 5
	pad := strings.Repeat("经营范围：食品销售；", 18) // 540 bytes of UTF-8
	sas := make([]event.StreamAppend, streams)
	payloadBytes := 0
	for i := range sas {
		sas[i] = stream(fmt.Sprintf("ent-%05d", (i*7919)%streams), 0, per) // not in name order
		if i == 0 {
			sas[i].ExpectedVersion = 1 // ent-00000 has the event appended above
		}
		for j := range sas[i].Events {
			sas[i].Events[j].Payload = json.RawMessage(fmt.Sprintf(`{"row":%d,"scope":%q}`, i*per+j, pad))
			payloadBytes += len(sas[i].Events[j].Payload)
		}
	}
	if payloadBytes < 20<<20 {
		t.Fatalf("the batch's payloads are %d bytes; the test wants more than 20 MiB", payloadBytes)
	}
	start := time.Now()
	res := mustAppend(t, s, newBatch("huge-import", sas...))
	t.Logf("Append of %d events (%d MiB of payloads) in %s", streams*per, payloadBytes>>20, time.Since(start).Round(time.Millisecond))
	if res.Replayed || len(res.Events) != streams*per {
		t.Fatalf("Append of %d events: Replayed=%v, %d events", streams*per, res.Replayed, len(res.Events))
	}
	for i, e := range res.Events {
		if e.Position != uint64(i+2) {
			t.Fatalf("result event %d has position %d, want %d", i, e.Position, i+2)
		}
	}
	check := func(what string) {
		t.Helper()
		all := readAll(t, s, 2)
		sameEvents(t, what+": ReadFrom(2)", all, res.Events)
		for i, sa := range sas {
			if i%997 != 0 {
				continue
			}
			evs, err := s.Load(ctx, sa.Stream)
			if err != nil {
				t.Fatal(err)
			}
			want := res.Events[i*per : (i+1)*per]
			if i == 0 {
				want = append(readAll(t, s, 1)[:1], want...)
			}
			sameEvents(t, what+": Load("+sa.Stream+")", evs, want)
		}
		if head := mustHead(t, s); head != uint64(streams*per+1) {
			t.Fatalf("%s: Head = %d, want %d", what, head, streams*per+1)
		}
	}
	check("after Append")
	again, err := s.Append(ctx, newBatch("huge-import", stream("other", 0, 1)))
	if err != nil || !again.Replayed || len(again.Events) != len(res.Events) {
		t.Fatalf("the huge batch's command id again: Replayed=%v, %d events, %v; want its first outcome", again.Replayed, len(again.Events), err)
	}
	start = time.Now()
	s = reopen(t, h, s)
	t.Logf("Reopen in %s", time.Since(start).Round(time.Millisecond))
	check("after Reopen")
	checkLog(t, s, h.Verify)
	res2 := mustAppend(t, s, newBatch("after", stream("ent-00001", per, 1)))
	if res2.Events[0].Position != uint64(streams*per+2) {
		t.Errorf("append after the huge batch: position %d, want %d", res2.Events[0].Position, streams*per+2)
	}
}

func testSurvivesReopen(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	mustAppend(t, s, newBatch("c1", stream("a", 0, 2)))
	mustAppend(t, s, newBatch("c2", stream("b", 0, 1), stream("a", 2, 1)))
	before := readAll(t, s, 1)
	s = reopen(t, h, s)
	if head := mustHead(t, s); head != uint64(len(before)) {
		t.Fatalf("Head after Reopen = %d, want %d", head, len(before))
	}
	sameEvents(t, "ReadFrom(1) after Reopen", readAll(t, s, 1), before)
	if v, _ := s.Version(ctx, "a"); v != 3 {
		t.Errorf("Version(a) after Reopen = %d, want 3", v)
	}
	res := mustAppend(t, s, newBatch("c3", stream("a", 3, 1)))
	if res.Events[0].Position != 5 || res.Events[0].Version != 4 {
		t.Errorf("append after Reopen: position %d version %d, want 5 and 4", res.Events[0].Position, res.Events[0].Version)
	}
	evs, _ := s.Load(ctx, "a")
	if err := event.VerifyStream(evs); err != nil || len(evs) != 4 {
		t.Errorf("stream a across Reopen: %d events, VerifyStream: %v", len(evs), err)
	}
	checkLog(t, s, h.Verify)
}

func testClosed(t *testing.T, h Harness) {
	ctx, s := context.Background(), open(t, h)
	mustAppend(t, s, newBatch("c1", stream("a", 0, 1)))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := s.Append(ctx, newBatch("c2", stream("a", 1, 1)))
	wantClosed(t, "Append", err)
	_, err = s.Load(ctx, "a")
	wantClosed(t, "Load", err)
	_, err = s.Version(ctx, "a")
	wantClosed(t, "Version", err)
	_, err = s.Head(ctx)
	wantClosed(t, "Head", err)
	wantClosed(t, "ReadFrom", s.ReadFrom(ctx, 1, func(event.Envelope) error { return nil }))
	if err := s.Close(); err != nil && !errors.Is(err, event.ErrClosed) {
		t.Errorf("second Close = %v, want nil or ErrClosed", err)
	}
}

func testContextCanceled(t *testing.T, h Harness) {
	s := open(t, h)
	mustAppend(t, s, newBatch("c1", stream("a", 0, 1)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, newBatch("c2", stream("a", 1, 1))); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a canceled context = %v, want context.Canceled", err)
	}
	if err := s.ReadFrom(ctx, 1, func(event.Envelope) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFrom with a canceled context = %v, want context.Canceled", err)
	}
	if head := mustHead(t, s); head != 1 {
		t.Errorf("Head = %d, want 1: an Append with a canceled context appended", head)
	}
}
