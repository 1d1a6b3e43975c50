package eventlog

// Unit tests of the Kafka store's apply rules for multi-part writes, without a broker: the
// records are fed to apply as the tailer would.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/domain/event"
)

// partsLog is a store fed by hand, and the offset of the next record.
type partsLog struct {
	t      *testing.T
	s      *KafkaStore
	offset int64
}

func newPartsLog(t *testing.T) *partsLog {
	cfg := KafkaConfig{Brokers: []string{"unused:9092"}, MaxMessageBytes: 16 << 10}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return &partsLog{t: t, s: newKafkaStore(cfg)}
}

// write seals b on the store's heads and returns its records under a fresh write id.
func (l *partsLog) write(b event.Batch, writeID string) []kafkago.Message {
	l.t.Helper()
	prev := make([]string, len(b.Streams))
	for i, sa := range b.Streams {
		if idx := l.s.streams[sa.Stream]; len(idx) > 0 {
			prev[i] = l.s.events[idx[len(idx)-1]].Hash
		}
	}
	value, err := l.s.encode(b, prev)
	if err != nil {
		l.t.Fatal(err)
	}
	return l.s.records(b.Streams[0].Stream, writeID, value)
}

func (l *partsLog) feed(msgs ...kafkago.Message) {
	l.t.Helper()
	for _, m := range msgs {
		m.Offset = l.offset
		l.offset++
		if err := l.s.apply(m); err != nil {
			l.t.Fatalf("apply(offset %d): %v", m.Offset, err)
		}
	}
}

func (l *partsLog) head() int { return len(l.s.events) }

// bigBatch is streams×per events with payloads of about payload bytes.
func bigBatch(commandID string, streams, per, payload int) event.Batch {
	b := event.Batch{CommandID: commandID}
	pad := strings.Repeat("x", payload)
	for i := range streams {
		sa := event.StreamAppend{Stream: fmt.Sprintf("%s-s%03d", commandID, i)}
		for j := range per {
			sa.Events = append(sa.Events, event.Envelope{
				ID: fmt.Sprintf("%s-%d-%d", commandID, i, j), Stream: sa.Stream, Type: "test.thing.v1",
				OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Actor: event.Actor{ID: "u", Role: "r"},
				CommandID: commandID, Payload: []byte(`{"pad":"` + pad + `"}`),
			})
		}
		b.Streams = append(b.Streams, sa)
	}
	return b
}

func TestKafkaPartsApplyWhole(t *testing.T) {
	l := newPartsLog(t)
	l.feed(l.write(bigBatch("small", 1, 1, 10), "w0")...)
	msgs := l.write(bigBatch("big", 20, 10, 500), "w1")
	if len(msgs) < 5 {
		t.Fatalf("%d records; the test wants a write of several parts", len(msgs))
	}
	for i, m := range msgs {
		if len(m.Value)+len(m.Key)+kafkaRecordOverhead > l.s.cfg.MaxMessageBytes {
			t.Fatalf("part %d is %d bytes, more than MaxMessageBytes allows", i, len(m.Value))
		}
		l.feed(m)
		if i < len(msgs)-1 && l.head() != 1 {
			t.Fatalf("after part %d of %d: head %d; a write must apply only with its last part", i+1, len(msgs), l.head())
		}
		if i > 0 { // a producer retry repeats a part right after it
			l.feed(m)
		}
	}
	if l.head() != 201 {
		t.Fatalf("head %d after the last part, want 201", l.head())
	}
	for i, e := range l.s.events {
		if e.Position != uint64(i+1) {
			t.Fatalf("event %d has position %d", i, e.Position)
		}
	}
	if got := l.s.Dropped(); got != len(msgs)-1 {
		t.Errorf("Dropped = %d, want %d (the repeated parts)", got, len(msgs)-1)
	}
	// The same command in another write (a retry after a lost acknowledgement) is a replay.
	l.feed(l.write(bigBatch("big", 20, 10, 500), "w2")...)
	if l.head() != 201 {
		t.Fatalf("head %d after a repeated command, want 201", l.head())
	}
}

func TestKafkaPartsIncompleteNeverApplied(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(l *partsLog, rest []kafkago.Message) // what follows the first two parts
	}{
		{"then a whole record, then the rest", func(l *partsLog, rest []kafkago.Message) {
			l.feed(l.write(bigBatch("other", 1, 1, 10), "w-other")...)
			l.feed(rest...)
		}},
		{"then another write's parts, then the rest", func(l *partsLog, rest []kafkago.Message) {
			l.feed(l.write(bigBatch("other", 10, 10, 500), "w-other")...)
			l.feed(rest...)
		}},
		{"then junk, then the rest", func(l *partsLog, rest []kafkago.Message) {
			l.feed(kafkago.Message{Value: []byte("junk")})
			l.feed(rest...)
		}},
		{"then a part skipped", func(l *partsLog, rest []kafkago.Message) { l.feed(rest[1:]...) }},
		{"then interleaved with another write", func(l *partsLog, rest []kafkago.Message) {
			other := l.write(bigBatch("other", 10, 10, 500), "w-other")
			for i := range max(len(rest), len(other)) {
				if i < len(other) {
					l.feed(other[i])
				}
				if i < len(rest) {
					l.feed(rest[i])
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newPartsLog(t)
			msgs := l.write(bigBatch("big", 20, 10, 500), "w1")
			ch := make(chan applied, 1)
			l.s.pending["w1"] = &pendingWrite{ch: ch}
			l.feed(msgs[:2]...)
			tc.after(l, msgs[2:])
			select {
			case res := <-ch:
				if res.idx != nil || res.err == nil {
					t.Errorf("verdict for the broken write: %+v, want an error", res)
				}
			default:
				t.Error("no verdict for the broken write")
			}
			for _, e := range l.s.events {
				if e.CommandID == "big" {
					t.Fatalf("an event of the broken write was applied: %s@%d", e.Stream, e.Version)
				}
			}
			// The retry of the command is a fresh write, applied once.
			l.feed(l.write(bigBatch("big", 20, 10, 500), "w2")...)
			n := 0
			for _, e := range l.s.events {
				if e.CommandID == "big" {
					n++
				}
			}
			if n != 200 {
				t.Fatalf("%d events of the retried write applied, want 200", n)
			}
		})
	}
}

func TestKafkaPartsInterruptedVerdict(t *testing.T) {
	l := newPartsLog(t)
	msgs := l.write(bigBatch("big", 20, 10, 500), "w1")
	ch := make(chan applied, 1)
	l.s.pending["w1"] = &pendingWrite{ch: ch}
	l.feed(msgs[:len(msgs)-1]...)
	l.feed(l.write(bigBatch("zombie", 1, 1, 10), "wz")...)
	res := <-ch
	if !errors.Is(res.err, errInterrupted) {
		t.Fatalf("verdict %+v, want errInterrupted", res)
	}
}

func TestKafkaPartsMalformed(t *testing.T) {
	l := newPartsLog(t)
	msgs := l.write(bigBatch("big", 20, 10, 500), "w1")
	bad := msgs[0]
	bad.Headers = append([]kafkago.Header{}, bad.Headers...)
	for i := range bad.Headers {
		if bad.Headers[i].Key == kafkaHeaderParts {
			bad.Headers[i].Value = []byte("zero")
		}
	}
	l.feed(bad)
	l.feed(msgs[1:]...)
	if l.head() != 0 || l.s.Dropped() != len(msgs) {
		t.Fatalf("head %d, dropped %d; want 0 and %d", l.head(), l.s.Dropped(), len(msgs))
	}

	// A write larger than this reader's MaxWriteBytes stops the tailer rather than be dropped
	// here and applied by another reader.
	l = newPartsLog(t)
	msgs = l.write(bigBatch("big", 20, 10, 500), "w1")
	l.s.cfg.MaxWriteBytes = 1 << 10
	m := msgs[0]
	m.Offset = 0
	if err := l.s.apply(m); err == nil || !strings.Contains(err.Error(), "MaxWriteBytes") {
		t.Fatalf("apply of a write over MaxWriteBytes = %v, want an error naming MaxWriteBytes", err)
	}
}

// The writer refuses a batch over MaxWriteBytes.
func TestKafkaEncodeMaxWriteBytes(t *testing.T) {
	l := newPartsLog(t)
	l.s.cfg.MaxWriteBytes = 64 << 10
	b := bigBatch("big", 20, 10, 500)
	if _, err := l.s.encode(b, make([]string, len(b.Streams))); !errors.Is(err, event.ErrInvalid) {
		t.Fatalf("encode of a batch over MaxWriteBytes = %v, want ErrInvalid", err)
	}
}

// FuzzKafkaRecord feeds the apply rules a record with any value and headers, then a valid
// batch: nothing panics, the store only stops (an error) for a write over MaxWriteBytes, the
// fuzzed record adds whole events or none, and the valid batch after it is always applied.
func FuzzKafkaRecord(f *testing.F) {
	seed := newPartsLog(&testing.T{})
	whole := seed.write(bigBatch("seed-whole", 2, 2, 10), "w-whole")[0]
	parts := seed.write(bigBatch("seed-parts", 40, 2, 300), "w-parts")
	f.Add(whole.Value, kafkaFormat, "", "", "")
	f.Add(parts[0].Value, kafkaPartFormat, "0", fmt.Sprint(len(parts)), "99999")
	f.Add(parts[1].Value, kafkaPartFormat, "1", "2", "3")
	f.Add([]byte(`{"format":"choucha-batch/1","command_id":"x","events":[{}]}`), kafkaFormat, "", "", "")
	f.Add([]byte("not json"), kafkaPartFormat, "0", "1", "-5")
	f.Add([]byte("x"), kafkaPartFormat, "0", "2", "99999999999") // over MaxWriteBytes: the store stops
	f.Fuzz(func(t *testing.T, value []byte, format, part, partsN, size string) {
		l := newPartsLog(t)
		m := kafkago.Message{Value: value, Headers: []kafkago.Header{
			{Key: kafkaHeaderFormat, Value: []byte(format)}, {Key: kafkaHeaderWrite, Value: []byte("w-fuzz")},
			{Key: kafkaHeaderPart, Value: []byte(part)}, {Key: kafkaHeaderParts, Value: []byte(partsN)},
			{Key: kafkaHeaderBytes, Value: []byte(size)},
		}}
		m.Offset = l.offset
		l.offset++
		if err := l.s.apply(m); err != nil {
			if !strings.Contains(err.Error(), "MaxWriteBytes") {
				t.Fatalf("the store stopped on a record: %v", err)
			}
			return
		}
		before := l.head()
		valid := l.write(bigBatch("after", 2, 3, 10), "w-after")
		l.feed(valid...)
		if got := l.head() - before; got != 6 {
			t.Fatalf("the valid batch after the fuzzed record added %d events, want 6", got)
		}
	})
}
