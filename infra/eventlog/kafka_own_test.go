package eventlog

// Unit tests, without a broker, of the two ways the tailer reads a write: its own writes
// applied from the pending write (own), and every other record decoded (decide, with its
// direct path and its encoding/json path).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/domain/event"
)

// writeOwn seals b as Append does and registers the write as pending, as Append does
// before it produces; it returns the records and the verdict channel.
func (l *partsLog) writeOwn(b event.Batch, writeID string) ([]kafkago.Message, chan applied) {
	l.t.Helper()
	prev := make([]string, len(b.Streams))
	for i, sa := range b.Streams {
		if idx := l.s.streams[sa.Stream]; len(idx) > 0 {
			prev[i] = l.s.events[idx[len(idx)-1]].Hash
		}
	}
	value, sealed, err := l.s.seal(b, prev)
	if err != nil {
		l.t.Fatal(err)
	}
	ch := make(chan applied, 1)
	l.s.pending[writeID] = &pendingWrite{ch: ch, value: value, commandID: b.CommandID, events: sealed}
	return l.s.records(b.Streams[0].Stream, writeID, value), ch
}

// trickyBatch has strings that need escapes, payloads with whitespace (compacted by
// Append), times in other zones and with nanoseconds, and several streams of several events.
func trickyBatch(commandID string, expected map[string]uint64) event.Batch {
	cst := time.FixedZone("CST", 8*3600)
	b := event.Batch{CommandID: commandID}
	payloads := []string{" {\n \"k\" : \"<v>&\u2028\" } ", `[1,2.5e3,null,"\u00e9\"\\"]`, `"s"`, `12`, `{"中文":"企业；"}`}
	for i, name := range []string{"plain", "q\"uote\\back", "ctl\x01\ttab", "中文-流", "<html>&amp;\u2028"} {
		sa := event.StreamAppend{Stream: name, ExpectedVersion: expected[name]}
		for j := range 3 {
			sa.Events = append(sa.Events, event.Envelope{
				ID: fmt.Sprintf("%s-%d-%d", commandID, i, j), Stream: name, Type: "test.thing\u00e9.v1",
				OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 123456789+j, cst), Actor: event.Actor{ID: "u\"1", Role: "r\n"},
				CommandID: commandID, Payload: json.RawMessage(payloads[(i+j)%len(payloads)]),
			})
		}
		b.Streams = append(b.Streams, sa)
	}
	return b
}

// TestKafkaOwnWriteMatchesDecoded: a writer applying its writes from the pending writes ends
// in the state of a reader decoding the same records, verdicts included.
func TestKafkaOwnWriteMatchesDecoded(t *testing.T) {
	w, r := newPartsLog(t), newPartsLog(t)
	now := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	w.s.now = func() time.Time { return now }
	versions := map[string]uint64{}
	for i, b := range []event.Batch{
		trickyBatch("c1", versions),
		bigBatch("big", 20, 10, 500), // several parts
		bigBatch("small", 1, 1, 10),
		{}, // the second tricky batch, on the first one's streams
	} {
		if i == 3 {
			b = trickyBatch("c2", versions)
		}
		n := 0
		for _, sa := range b.Streams {
			n += len(sa.Events)
		}
		writeID := fmt.Sprint("w", i)
		msgs, ch := w.writeOwn(b, writeID)
		var value []byte
		for _, m := range msgs {
			value = append(value, m.Value...)
		}
		if d, ok := w.s.own(writeID, value); !ok || len(d.events) != n {
			t.Fatalf("write %d: own = %v; the writer would decode its own write", i, ok)
		}
		w.feed(msgs...)
		r.feed(msgs...)
		select {
		case res := <-ch:
			if res.err != nil || len(res.idx) == 0 {
				t.Fatalf("write %d: verdict %+v", i, res)
			}
		default:
			t.Fatalf("write %d: no verdict", i)
		}
		for _, sa := range b.Streams {
			versions[sa.Stream] += uint64(len(sa.Events))
		}
	}
	if len(w.s.events) != 15+200+1+15 {
		t.Fatalf("%d events applied by the writer", len(w.s.events))
	}
	if !reflect.DeepEqual(w.s.events, r.s.events) {
		for i := range r.s.events {
			if !reflect.DeepEqual(w.s.events[i], r.s.events[i]) {
				t.Fatalf("event %d:\nwriter %+v\nreader %+v", i, w.s.events[i], r.s.events[i])
			}
		}
		t.Fatal("writer and reader states differ")
	}
	if err := w.s.Verify(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The writer's state does not share the caller's payloads.
	b := bigBatch("mut", 1, 1, 10)
	msgs, _ := w.writeOwn(b, "w-mut")
	w.feed(msgs...)
	b.Streams[0].Events[0].Payload[2] = 'X'
	if evs, _ := w.s.Load(t.Context(), b.Streams[0].Stream); len(evs) != 1 || evs[0].Payload[2] == 'X' {
		t.Fatalf("Load after the caller changed its payload: %s", evs[0].Payload)
	}
}

// TestKafkaOwnWriteTampered: a record under the writer's pending write id whose bytes differ
// from what it produced is decoded and verified like any other, and dropped if it does not
// verify; the write's events are not applied from the pending write.
func TestKafkaOwnWriteTampered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(v []byte) []byte
		ok     bool // the changed record still verifies (the same events, written otherwise)
	}{
		{"a payload byte", func(v []byte) []byte {
			i := bytes.Index(v, []byte(`"pad":"x`)) + len(`"pad":"`)
			v[i] = 'y'
			return v
		}, false},
		{"a hash", func(v []byte) []byte {
			i := bytes.LastIndex(v, []byte(`"hash":"`)) + len(`"hash":"`)
			v[i] ^= 1
			return v
		}, false},
		{"a time", func(v []byte) []byte {
			return bytes.Replace(v, []byte(`"occurred_at":"2025-01-02T03:04:05Z"`), []byte(`"occurred_at":"2025-01-02T03:04:06Z"`), 1)
		}, false},
		{"whitespace", func(v []byte) []byte { return append(v[:len(v)-1:len(v)-1], " }"...) }, true},
		{"a field order", func(v []byte) []byte {
			return bytes.Replace(v, []byte(`{"format":"choucha-batch/1","command_id":"own"`), []byte(`{"command_id":"own","format":"choucha-batch/1"`), 1)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newPartsLog(t)
			msgs, ch := l.writeOwn(bigBatch("own", 2, 2, 10), "w-own")
			if len(msgs) != 1 {
				t.Fatalf("%d records", len(msgs))
			}
			m := msgs[0]
			m.Value = tc.change(bytes.Clone(m.Value))
			if _, own := l.s.own("w-own", m.Value); own {
				t.Fatal("own took a record that differs from the write")
			}
			l.feed(m)
			res := <-ch
			switch {
			case tc.ok && (res.err != nil || len(res.idx) != 4):
				t.Fatalf("verdict %+v, want the 4 events applied", res)
			case !tc.ok && (!errors.Is(res.err, event.ErrTampered) || l.head() != 0):
				t.Fatalf("verdict %+v, head %d; want ErrTampered and nothing applied", res, l.head())
			}
		})
	}
}

// TestKafkaDecideDirectMatchesSlow: decide's direct path and decideSlow reach the same
// verdict and events on valid writes, replays and broken records of every kind.
func TestKafkaDecideDirectMatchesSlow(t *testing.T) {
	l := newPartsLog(t)
	l.feed(l.write(trickyBatch("seen", nil), "w-seen")...)
	var values [][]byte
	add := func(b event.Batch) {
		msgs := l.write(b, "w")
		var v []byte
		for _, m := range msgs {
			v = append(v, m.Value...)
		}
		values = append(values, v)
	}
	add(trickyBatch("seen", nil)) // a replay
	add(trickyBatch("fresh", nil))
	add(trickyBatch("fresh2", map[string]uint64{"plain": 3}))
	add(bigBatch("big", 30, 10, 50)) // decoded in parallel
	base := len(values)
	for i := range base {
		v := values[i]
		for _, edit := range []struct{ old, new string }{
			{`"payload":{`, `"payload":{"x":}`}, {`"payload":{`, `"payload":{ `}, {`"payload":`, `"payload": `},
			{`"command_id":"fresh"`, `"command_id":"fres\u0068"`}, {`"command_id":"fresh"`, `"command_id":"other"`},
			{`"type":"test`, `"type":"Test`}, {`"version":1`, `"version":01`}, {`]}`, `],"x":1}`}, {`"events":[`, `"events":[ `},
			{`"format":"choucha-batch/1"`, `"format":"choucha-batch/2"`}, {`"hash":"`, `"hash":"0`}, {`"prev_hash":""`, `"prev_hash":"00"`},
			{`,{"id"`, `,{"id":"dup","id"`}, {`"pad":"x`, `"pad":"\u0078`}, {`"pad":"x`, "\"pad\":\"\xff"}, {`}]}`, `}]}x`},
			{`"i":`, `"i"`}, {`},{`, `},,{`}, {`"command_id":`, `"Command_ID":`},
		} {
			if bytes.Contains(v, []byte(edit.old)) {
				values = append(values, bytes.Replace(bytes.Clone(v), []byte(edit.old), []byte(edit.new), 1))
			}
		}
	}
	values = append(values, []byte(`{"format":"choucha-batch/1","command_id":"x","events":[]}`), []byte(`{"format":"choucha-batch/1","command_id":"","events":[{}]}`), nil, []byte("[]"))
	for i, v := range values[:base] { // the good writes and the replay
		if _, ok := l.s.decideDirect(v); ok != (i > 0) {
			t.Errorf("value %d: decideDirect ok = %v", i, ok)
		}
	}
	for i, v := range values {
		if got, want := l.s.decide(v, 7), l.s.decideSlow(v, 7); !sameDecision(got, want) {
			t.Fatalf("value %d %q:\ndecide     %+v (%v)\ndecideSlow %+v (%v)", i, v, got, got.res.err, want, want.res.err)
		}
	}
}

// sameDecision: the same events, and the same verdict with the same error message.
func sameDecision(a, b decoded) bool {
	return a.commandID == b.commandID && reflect.DeepEqual(a.events, b.events) &&
		reflect.DeepEqual(a.res.idx, b.res.idx) && a.res.replay == b.res.replay && fmt.Sprint(a.res.err) == fmt.Sprint(b.res.err)
}

// FuzzDecide: decide (direct path, else decideSlow) against decideSlow alone.
//
//	go test -run '^$' -fuzz FuzzDecide ./infra/eventlog/
func FuzzDecide(f *testing.F) {
	l := newPartsLog(&testing.T{})
	for _, b := range []event.Batch{trickyBatch("c", nil), bigBatch("b", 2, 2, 10)} {
		for _, m := range l.write(b, "w") {
			f.Add(m.Value)
		}
	}
	f.Add([]byte(`{"format":"choucha-batch/1","command_id":"x","events":[{}]}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		l := newPartsLog(t)
		if got, want := l.s.decide(v, 7), l.s.decideSlow(v, 7); !sameDecision(got, want) {
			t.Fatalf("%q:\ndecide     %+v (%v)\ndecideSlow %+v (%v)", v, got, got.res.err, want, want.res.err)
		}
	})
}
