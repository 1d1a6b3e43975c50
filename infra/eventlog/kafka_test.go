//go:build integration

package eventlog

// Integration tests of KafkaStore against a real broker: CHOUCHA_KAFKA_BROKERS (see
// deployments/local: up.sh kafka writes it to .local/env). Every test uses fresh topics.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/eventlog/eventlogtest"
)

// kafkaLocation prefixes the crash harness's locations, so that a re-executed child knows
// the log is a Kafka topic and not a bbolt file.
const kafkaLocation = "kafka:"

// init runs before the package's TestMain (bolt_test.go), whose RunChildIfRequested opens
// bbolt files: a child of the Kafka kill test is dispatched here instead, and never returns.
func init() {
	if strings.HasPrefix(os.Getenv(eventlogtest.ChildEnv), kafkaLocation) {
		eventlogtest.RunChildIfRequested(func(location string) (event.Store, error) {
			return OpenKafka(context.Background(), testKafkaConfig(os.Getenv("CHOUCHA_KAFKA_BROKERS"), strings.TrimPrefix(location, kafkaLocation)))
		})
	}
}

func testKafkaConfig(brokers, topic string) KafkaConfig {
	return KafkaConfig{
		Brokers:           strings.Split(brokers, ","),
		Topic:             topic,
		HeartbeatInterval: 500 * time.Millisecond,
		SessionTimeout:    6 * time.Second, // the broker's group.min.session.timeout.ms
		RebalanceTimeout:  5 * time.Second,
		ElectionWait:      60 * time.Second,
	}
}

func kafkaBrokers(t testing.TB) string {
	t.Helper()
	b := os.Getenv("CHOUCHA_KAFKA_BROKERS")
	if b == "" {
		t.Fatal("CHOUCHA_KAFKA_BROKERS is not set: run deployments/local/up.sh kafka and source .local/env")
	}
	return b
}

var topicSeq atomic.Int64

func newTopic(t testing.TB) string {
	name := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	if len(name) > 150 {
		name = name[:150]
	}
	return fmt.Sprintf("choucha.test.%s.%d.%d", name, time.Now().UnixNano(), topicSeq.Add(1))
}

func openKafka(t testing.TB, topic string) *KafkaStore {
	t.Helper()
	start := time.Now()
	s, err := OpenKafka(context.Background(), testKafkaConfig(kafkaBrokers(t), topic))
	if err != nil {
		t.Fatalf("OpenKafka(%s): %v", topic, err)
	}
	t.Logf("OpenKafka(%s) in %s, writer=%v", topic, time.Since(start).Round(time.Millisecond), s.IsWriter())
	return s
}

// openWriter opens a store and waits until it holds the writer role.
func openWriter(t testing.TB, topic string) *KafkaStore {
	t.Helper()
	s := openKafka(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.WaitWriter(ctx); err != nil {
		_ = s.Close()
		t.Fatalf("%s: not elected writer in 60s: %v", topic, err)
	}
	return s
}

func TestKafkaContract(t *testing.T) {
	kafkaBrokers(t)
	eventlogtest.Run(t, eventlogtest.Harness{
		Open: func(t *testing.T) event.Store { return openWriter(t, newTopic(t)) },
		Reopen: func(t *testing.T, s event.Store) event.Store {
			k := s.(*KafkaStore)
			if err := k.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openWriter(t, k.cfg.Topic)
		},
		Crash: &eventlogtest.CrashHarness{
			NewLog: func(t *testing.T) string { return kafkaLocation + newTopic(t) },
			Open: func(t *testing.T, location string) event.Store {
				return openKafka(t, strings.TrimPrefix(location, kafkaLocation))
			},
		},
		Verify: func(ctx context.Context, s event.Store) error { return s.(*KafkaStore).Verify(ctx) },
	})
}

// A zombie writer (or a producer retry) puts later claims of a (stream, version) and repeated
// command ids into the topic: every reader drops them (rule 1, rule 4).
func TestKafkaDuplicatesDropped(t *testing.T) {
	ctx, topic := context.Background(), newTopic(t)
	s := openWriter(t, topic)
	defer func() { _ = s.Close() }()
	first, err := s.Append(ctx, event.Batch{CommandID: "c1", Streams: []event.StreamAppend{testStream("a", "c1", 2)}})
	if err != nil {
		t.Fatal(err)
	}

	// A zombie's claim of a@2 (another command, sealed on a@1: a well-formed record), the same
	// batch record again (a producer retry), a claim of b@1 whose hash does not verify, and junk.
	zombie := first.Events[1]
	zombie.ID, zombie.CommandID, zombie.Payload = "zombie-2", "zombie", []byte(`{"zombie":true}`)
	if err := zombie.Seal(first.Events[0].Hash); err != nil {
		t.Fatal(err)
	}
	bad := first.Events[0]
	bad.Stream, bad.ID, bad.CommandID, bad.PrevHash, bad.Hash = "b", "bad-1", "bad", "", strings.Repeat("0", 64)
	w := &kafkago.Writer{Addr: kafkago.TCP(strings.Split(kafkaBrokers(t), ",")...), Topic: topic, BatchSize: 1, RequiredAcks: kafkago.RequireAll,
		Transport: &kafkago.Transport{MetadataTopics: []string{topic}}} // not the default one: its metadata may predate the topic
	defer w.Close()
	if err := w.WriteMessages(ctx,
		kafkago.Message{Key: []byte("a"), Value: rawBatch("zombie", zombie)},
		kafkago.Message{Key: []byte("a"), Value: rawBatch("c1", first.Events...)},
		kafkago.Message{Key: []byte("b"), Value: rawBatch("bad", bad)},
		kafkago.Message{Key: []byte("x"), Value: []byte("not a batch")},
	); err != nil {
		t.Fatal(err)
	}

	check := func(what string, s *KafkaStore, head uint64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for s.Dropped() < 4 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if d := s.Dropped(); d != 4 {
			t.Fatalf("%s: %d records dropped, want 4", what, d)
		}
		if h, _ := s.Head(ctx); h != head {
			t.Errorf("%s: Head = %d, want %d", what, h, head)
		}
		evs, _ := s.Load(ctx, "a")
		if len(evs) != int(head) || evs[1].ID != first.Events[1].ID {
			t.Errorf("%s: Load(a) = %+v; want the first claim of a@2", what, evs)
		}
		if v, _ := s.Version(ctx, "b"); v != 0 {
			t.Errorf("%s: Version(b) = %d; a record that does not verify was applied", what, v)
		}
	}
	check("live writer", s, 2)
	res, err := s.Append(ctx, event.Batch{CommandID: "c2", Streams: []event.StreamAppend{testStream("a", "c2", 1)}})
	if err == nil {
		err = fmt.Errorf("got %+v", res)
	}
	if !errors.Is(err, event.ErrConcurrency) {
		t.Errorf("Append at a stale expected version: %v, want ErrConcurrency", err)
	}
	sa := testStream("a", "c2", 1)
	sa.ExpectedVersion = 2
	res, err = s.Append(ctx, event.Batch{CommandID: "c2", Streams: []event.StreamAppend{sa}})
	if err != nil || res.Events[0].Version != 3 || res.Events[0].Position != 3 || res.Events[0].PrevHash != first.Events[1].Hash {
		t.Fatalf("Append after the duplicates: %+v, %v; want a@3 at position 3 chained on the first a@2", res, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	r := openKafka(t, topic) // rebuilt from the topic
	defer func() { _ = r.Close() }()
	check("rebuilt", r, 3)
	if err := r.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	all := 0
	_ = r.ReadFrom(ctx, 1, func(e event.Envelope) error {
		if e.CommandID == "zombie" || e.CommandID == "bad" {
			t.Errorf("ReadFrom gave a dropped event %s@%d of %s", e.Stream, e.Version, e.CommandID)
		}
		all++
		return nil
	})
	if all != 3 {
		t.Errorf("ReadFrom(1) after rebuild: %d events, want 3", all)
	}
}

// One writer per topic: a second store is a follower that refuses Append with ErrNotWriter
// and follows the writer's appends; it takes the role when the writer leaves.
func TestKafkaSingleWriter(t *testing.T) {
	ctx, topic := context.Background(), newTopic(t)
	w := openWriter(t, topic)
	defer func() { _ = w.Close() }()
	f := openKafka(t, topic)
	defer func() { _ = f.Close() }()
	if f.IsWriter() {
		t.Fatal("a second store on the topic is writer too")
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second) // the join's rebalance
	defer wcancel()
	if err := w.WaitWriter(wctx); err != nil {
		t.Fatal("the first store lost the writer role when a second one joined")
	}
	if f.IsWriter() {
		t.Fatal("both stores are writers")
	}
	if _, err := f.Append(ctx, event.Batch{CommandID: "f1", Streams: []event.StreamAppend{testStream("a", "f1", 1)}}); !errors.Is(err, ErrNotWriter) {
		t.Fatalf("follower's Append = %v, want ErrNotWriter", err)
	}
	res, err := w.Append(ctx, event.Batch{CommandID: "w1", Streams: []event.StreamAppend{testStream("a", "w1", 2)}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for v, _ := f.Version(ctx, "a"); v != 2 && time.Now().Before(deadline); v, _ = f.Version(ctx, "a") {
		time.Sleep(10 * time.Millisecond)
	}
	evs, _ := f.Load(ctx, "a")
	if len(evs) != 2 || evs[1].Hash != res.Events[1].Hash || evs[1].Position != res.Events[1].Position {
		t.Fatalf("follower's Load(a) = %+v; want the writer's events", evs)
	}

	start := time.Now()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := f.WaitWriter(wctx); err != nil {
		t.Fatalf("the follower did not become writer after the writer closed: %v", err)
	}
	t.Logf("failover after a clean Close: %s", time.Since(start).Round(time.Millisecond))
	sa := testStream("a", "f2", 1)
	sa.ExpectedVersion = 2
	if res, err := f.Append(ctx, event.Batch{CommandID: "f2", Streams: []event.StreamAppend{sa}}); err != nil || res.Events[0].Position != 3 {
		t.Fatalf("new writer's Append = %+v, %v", res, err)
	}
	if res, err := f.Append(ctx, event.Batch{CommandID: "w1", Streams: []event.StreamAppend{testStream("zz", "w1", 1)}}); err != nil || !res.Replayed {
		t.Fatalf("new writer's Append of the old writer's command id = %+v, %v; want Replayed", res, err)
	}
}

func testStream(name, commandID string, n int) event.StreamAppend {
	sa := event.StreamAppend{Stream: name}
	for i := range n {
		sa.Events = append(sa.Events, event.Envelope{
			ID: fmt.Sprintf("%s-%s-%d", commandID, name, i), Stream: name, Type: "test.thing.v1",
			OccurredAt: time.Now(), Actor: event.Actor{ID: "u", Role: "r"}, CommandID: commandID,
			Payload: []byte(`{"i":1}`),
		})
	}
	return sa
}

// rawBatch encodes a batch record the way Append does, for producing records directly.
func rawBatch(commandID string, evs ...event.Envelope) []byte {
	v := append([]byte(`{"format":"`+kafkaFormat+`","command_id":`), appendString(nil, commandID)...)
	v = append(v, `,"events":[`...)
	for i := range evs {
		if i > 0 {
			v = append(v, ',')
		}
		v = appendRecord(v, &evs[i])
	}
	return append(v, "]}"...)
}

func openReadOnly(t testing.TB, topic string) *KafkaStore {
	t.Helper()
	cfg := testKafkaConfig(kafkaBrokers(t), topic)
	cfg.ReadOnly = true
	cfg.ElectionWait = 10 * time.Minute // it must not wait for an election at all
	s, err := OpenKafka(context.Background(), cfg)
	if err != nil {
		t.Fatalf("OpenKafka(%s, ReadOnly): %v", topic, err)
	}
	return s
}

// waitHead waits until s applied up to head (another store appended).
func waitHead(t testing.TB, s *KafkaStore, head uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		h, err := s.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if h == head {
			return
		}
		if h > head || time.Now().After(deadline) {
			t.Fatalf("Head = %d, want %d", h, head)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// electionMembers lists the members of a topic's writer election group.
func electionMembers(t testing.TB, topic string) []string {
	t.Helper()
	c := &kafkago.Client{Addr: kafkago.TCP(strings.Split(kafkaBrokers(t), ",")...), Timeout: 10 * time.Second}
	res, err := c.DescribeGroups(context.Background(), &kafkago.DescribeGroupsRequest{GroupIDs: []string{topic + ".writer"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range res.Groups {
		if g.Error != nil {
			t.Fatalf("DescribeGroups(%s.writer): %v", topic, g.Error)
		}
		for _, m := range g.Members {
			ids = append(ids, m.MemberID)
		}
	}
	return ids
}

// A ReadOnly store takes no part in the election: it is never writer, refuses Append and
// WaitWriter at once, leaves the writer's group and generation alone, and follows the log.
func TestKafkaReadOnly(t *testing.T) {
	ctx, topic := context.Background(), newTopic(t)

	// On a topic nobody wrote yet: it creates the event topic, not the election topic.
	early := openReadOnly(t, topic)
	defer func() { _ = early.Close() }()
	md, err := early.client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic + ".writer"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range md.Topics {
		if tp.Error == nil {
			t.Fatalf("a read-only open created the election topic %s", tp.Name)
		}
	}

	w := openWriter(t, topic)
	defer func() { _ = w.Close() }()
	first, err := w.Append(ctx, event.Batch{CommandID: "w1", Streams: []event.StreamAppend{testStream("a", "w1", 2)}})
	if err != nil {
		t.Fatal(err)
	}
	genBefore, members := w.electGen.Load(), electionMembers(t, topic)
	if len(members) != 1 {
		t.Fatalf("election group before the read-only opens: members %v, want the writer alone", members)
	}

	r := openReadOnly(t, topic)
	if h, _ := r.Head(ctx); h != 2 {
		t.Fatalf("read-only store rebuilt Head = %d, want 2", h)
	}
	if got := electionMembers(t, topic); len(got) != 1 || got[0] != members[0] {
		t.Fatalf("election group with a read-only store open: members %v, want only the writer %v", got, members)
	}
	if r.IsWriter() {
		t.Fatal("a read-only store is writer")
	}
	if _, err := r.Append(ctx, event.Batch{CommandID: "r1", Streams: []event.StreamAppend{testStream("b", "r1", 1)}}); !errors.Is(err, ErrNotWriter) ||
		!strings.Contains(err.Error(), "read-only") {
		t.Fatalf("read-only Append = %v, want ErrNotWriter saying read-only", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- r.WaitWriter(ctx) }() // ctx never ends: it must fail by itself
	select {
	case err := <-waited:
		if !errors.Is(err, ErrNotWriter) {
			t.Fatalf("read-only WaitWriter = %v, want ErrNotWriter", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("read-only WaitWriter did not return")
	}

	// It follows the writer's appends.
	sa := testStream("a", "w2", 1)
	sa.ExpectedVersion = 2
	second, err := w.Append(ctx, event.Batch{CommandID: "w2", Streams: []event.StreamAppend{sa, testStream("b", "w2", 2)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*KafkaStore{r, early} {
		waitHead(t, s, 5)
		evs, _ := s.Load(ctx, "a")
		if len(evs) != 3 || evs[0].Hash != first.Events[0].Hash || evs[2].Hash != second.Events[0].Hash || evs[2].Position != 3 {
			t.Fatalf("read-only Load(a) = %+v; want the writer's events", evs)
		}
		var n int
		_ = s.ReadFrom(ctx, 4, func(e event.Envelope) error {
			if e.Stream != "b" || e.Position != uint64(4+n) {
				t.Errorf("ReadFrom(4) event %d: %s@%d at %d", n, e.Stream, e.Version, e.Position)
			}
			n++
			return nil
		})
		if n != 2 {
			t.Fatalf("read-only ReadFrom(4) gave %d events, want 2", n)
		}
	}

	// Closing it leaves the writer's generation as it was: there was no group to leave.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := early.Close(); err != nil {
		t.Fatal(err)
	}
	if got := electionMembers(t, topic); len(got) != 1 || got[0] != members[0] {
		t.Fatalf("election group after the read-only closed: members %v, want only the writer %v", got, members)
	}
	if gen := w.electGen.Load(); gen != genBefore || !w.IsWriter() {
		t.Fatalf("the writer went through %d elections while read-only stores opened and closed, writer=%v", gen-genBefore, w.IsWriter())
	}
	if _, err := w.Append(ctx, event.Batch{CommandID: "w3", Streams: []event.StreamAppend{testStream("c", "w3", 1)}}); err != nil {
		t.Fatalf("the writer's Append after read-only stores came and went: %v", err)
	}
}

// A writer that dies between the parts of a multi-part write leaves parts that no reader
// applies; the retry of the command is a new write, applied exactly once.
func TestKafkaMultiPartBrokenWrite(t *testing.T) {
	ctx, topic := context.Background(), newTopic(t)
	cfg := testKafkaConfig(kafkaBrokers(t), topic)
	cfg.MaxMessageBytes = 1 << 20 // several parts from a batch of a few MiB
	w, err := OpenKafka(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := w.WaitWriter(wctx); err != nil {
		t.Fatal(err)
	}
	r := openReadOnly(t, topic)
	defer func() { _ = r.Close() }()
	if _, err := w.Append(ctx, event.Batch{CommandID: "c0", Streams: []event.StreamAppend{testStream("a", "c0", 1)}}); err != nil {
		t.Fatal(err)
	}
	const events = 6000
	big := bigBatch("import", events/6, 6, 600)
	end0, err := w.endOffset(ctx)
	if err != nil {
		t.Fatal(err)
	}

	w.stopAfterParts = 2
	if _, err := w.Append(ctx, big); err == nil {
		t.Fatal("Append with the test hook set succeeded")
	} else {
		t.Logf("the broken write: %v", err)
	}
	w.stopAfterParts = 0
	end1, err := w.endOffset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if end1 != end0+2 {
		t.Fatalf("the topic grew by %d records, want the 2 parts", end1-end0)
	}
	broken := openReadOnly(t, topic) // rebuilt with the broken write last in the topic
	defer func() { _ = broken.Close() }()
	for name, s := range map[string]*KafkaStore{"writer": w, "tailing reader": r, "rebuilt reader": broken} {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		if err := s.catchUp(cctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		if h, _ := s.Head(ctx); h != 1 {
			t.Fatalf("%s: Head = %d after a broken write, want 1", name, h)
		}
		if v, _ := s.Version(ctx, big.Streams[0].Stream); v != 0 {
			t.Fatalf("%s: a stream of the broken write is at %d", name, v)
		}
	}

	start := time.Now()
	res, err := w.Append(ctx, big) // the retry of the same command
	if err != nil {
		t.Fatal(err)
	}
	end2, _ := w.endOffset(ctx)
	t.Logf("retried write: %d events in %d records, Append in %s", len(res.Events), end2-end1, time.Since(start).Round(time.Millisecond))
	if res.Replayed || len(res.Events) != events || res.Events[0].Position != 2 {
		t.Fatalf("retry: Replayed=%v, %d events from position %d; want a fresh append of %d at 2", res.Replayed, len(res.Events), res.Events[0].Position, events)
	}
	if end2-end1 < 3 {
		t.Fatalf("the retried write took %d records; the test wants several parts", end2-end1)
	}
	fresh := openReadOnly(t, topic)
	defer func() { _ = fresh.Close() }()
	for name, s := range map[string]*KafkaStore{"tailing reader": r, "rebuilt reader": broken, "fresh reader": fresh} {
		waitHead(t, s, events+1)
		seen := map[string]bool{}
		all := 0
		_ = s.ReadFrom(ctx, 2, func(e event.Envelope) error {
			want := res.Events[all]
			if seen[e.ID] || e.ID != want.ID || e.Hash != want.Hash || e.Position != want.Position {
				t.Fatalf("%s: event at %d is %s (%s), want %s once", name, e.Position, e.ID, e.Hash, want.ID)
			}
			seen[e.ID] = true
			all++
			return nil
		})
		if all != events {
			t.Fatalf("%s: %d events after position 1, want %d", name, all, events)
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
		if d := s.Dropped(); d != 2 {
			t.Errorf("%s: Dropped = %d, want 2 (the broken write's parts)", name, d)
		}
	}
	if again, err := w.Append(ctx, big); err != nil || !again.Replayed {
		t.Fatalf("the command once more: Replayed=%v, %v", again.Replayed, err)
	}
}
