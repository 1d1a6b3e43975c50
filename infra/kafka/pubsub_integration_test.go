//go:build integration

package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/infra/kafka"
)

// Run: deployments/local/up.sh kafka && set -a && . .local/env && set +a &&
//      go test -tags integration -count=1 -timeout 20m ./infra/kafka/

// brokers returns CHOUCHA_KAFKA_BROKERS or fails the test: these tests never skip.
func brokers(t *testing.T) []string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv("CHOUCHA_KAFKA_BROKERS"))
	if v == "" {
		t.Fatal("CHOUCHA_KAFKA_BROKERS is empty: run deployments/local/up.sh kafka, then `set -a; . .local/env; set +a`")
	}
	return strings.Split(v, ",")
}

// runPrefix starts the name of every topic and consumer group one run of these tests creates;
// TestMain deletes the run's topics afterwards, so that the shared local broker does not pile up
// partitions (one run creates about 50 topics).
var runPrefix = "choucha-test-" + strings.ToLower(watermill.NewShortUUID()[:10])

func TestMain(m *testing.M) {
	code := m.Run()
	if v := strings.TrimSpace(os.Getenv("CHOUCHA_KAFKA_BROKERS")); v != "" {
		if n, err := deleteRunTopics(strings.Split(v, ",")); err != nil {
			fmt.Fprintf(os.Stderr, "cleanup: deleting the %s-* topics: %v\n", runPrefix, err)
		} else {
			fmt.Fprintf(os.Stderr, "cleanup: deleted %d %s-* topics\n", n, runPrefix)
		}
	}
	os.Exit(code)
}

func deleteRunTopics(brokers []string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr := &kafkago.Transport{}
	defer tr.CloseIdleConnections()
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...), Transport: tr}
	md, err := client.Metadata(ctx, &kafkago.MetadataRequest{}) // all topics
	if err != nil {
		return 0, err
	}
	var names []string
	for _, topic := range md.Topics {
		if strings.HasPrefix(topic.Name, runPrefix+"-") {
			names = append(names, topic.Name)
		}
	}
	if len(names) == 0 {
		return 0, nil
	}
	res, err := client.DeleteTopics(ctx, &kafkago.DeleteTopicsRequest{Topics: names})
	if err != nil {
		return 0, err
	}
	var errs []error
	for name, err := range res.Errors {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return len(names) - len(errs), errors.Join(errs...)
}

// testTopic is what the tests create: 4 partitions so that group members share a topic, and
// replication 1 (one local broker).
var testTopic = &kafka.TopicConfig{NumPartitions: 4, ReplicationFactor: 1}

// stderrLogger prints only errors (kafka-go's retried conditions are Info and stay quiet).
type stderrLogger struct{ watermill.NopLogger }

func (stderrLogger) Error(msg string, err error, fields watermill.LogFields) {
	log.Printf("ERROR %s: %v %v", msg, err, fields)
}
func (l stderrLogger) With(watermill.LogFields) watermill.LoggerAdapter { return l }

func newPublisher(t *testing.T, key kafka.PartitionKeyFunc) *kafka.Publisher {
	t.Helper()
	p, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:      brokers(t),
		PartitionKey: key,
		Topic:        testTopic,
	}, stderrLogger{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newSubscriber(t *testing.T, group string) *kafka.Subscriber {
	t.Helper()
	s, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers:       brokers(t),
		ConsumerGroup: group,
		Topic:         testTopic,
		// Faster group changes than the production defaults: the suite adds and removes
		// members all the time. 6s is the broker's smallest session timeout.
		HeartbeatInterval: 500 * time.Millisecond,
		SessionTimeout:    6 * time.Second,
		RebalanceTimeout:  6 * time.Second,
		JoinGroupBackoff:  500 * time.Millisecond,
		MaxWait:           500 * time.Millisecond,
	}, stderrLogger{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// groupFor gives every test of the suite its own consumer group (tests run in parallel; one
// group shared by all of them would rebalance all of them whenever any member comes or goes).
// Within one test every constructed subscriber is a member of the same group, as the replicas of
// one read model would be.
func groupFor(t *testing.T) string {
	return runPrefix + "." + strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
}

// suiteKey is the partition key for Watermill's suite, whose messages carry no stream id. Its
// ordering test (TestPublishSubscribeInOrder) groups messages by payload ("0"…"15"), so the
// payload plays the stream id there. The other tests give every message the filler payload "x";
// those are keyed by their UUID, so that they spread over all partitions and the members of a
// group really share the topic (keyed by "x" they would all sit on one partition).
func suiteKey(_ string, msg *message.Message) (string, error) {
	if string(msg.Payload) == "x" {
		return msg.UUID, nil
	}
	return string(msg.Payload), nil
}

// A publish/subscribe/close cycle leaves no goroutines behind.
func TestNoGoroutineLeak(t *testing.T) {
	// Not parallel, and before TestPubSub: it counts the goroutines of the whole process, and
	// the suite leaves subscribers running (TestPublishSubscribeInOrder never closes its
	// multiplied subscriber: `defer require.NoError(t, sub.Close())` closes it at once, before
	// Subscribe).
	topic := uniqueTopic(t)
	cycle := func() {
		pub := newPublisher(t, nil)
		sub := newSubscriber(t, groupFor(t))
		if err := pub.Publish(topic, event("plan-1", 1), event("plan-1", 2)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := sub.Subscribe(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		receive(t, ch, 30*time.Second).Ack()
		msg := receive(t, ch, 30*time.Second) // left unacked on purpose
		cancel()
		for range ch {
		}
		if err := msg.Context().Err(); err == nil {
			t.Error("message context not done after the subscription ended")
		}
		ch2, err := sub.Subscribe(context.Background(), topic) // ended by Close
		if err != nil {
			t.Fatal(err)
		}
		receive(t, ch2, 30*time.Second) // version 2 again, unacked
		if err := pub.Close(); err != nil {
			t.Fatal(err)
		}
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
		if _, open := <-ch2; open {
			t.Fatal("channel open after Close")
		}
	}
	cycle() // warm up lazily started package-level goroutines, if any
	before := runtime.NumGoroutine()
	cycle()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestPubSub(t *testing.T) {
	brokers(t)
	features := tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: false, // at least once: rebalances and lost commits redeliver
		// One record in flight per subscription and one partition per key: the records of a key
		// reach the consumer in log order, also with 10 competing group members.
		GuaranteedOrder:                     true,
		GuaranteedOrderWithSingleSubscriber: false,
		Persistent:                          true,
		// nil: TestReconnect is skipped. The broker is shared with other work on this machine,
		// and deployments/local cannot restart it in place (see README.md).
		RestartServiceCommand: nil,
		RequireSingleInstance: false,
		// A new Subscriber of the same group continues from the group's committed offsets; only
		// a new group reads old messages (see TestConsumerGroups).
		NewSubscriberReceivesOldMessages: false,
		ContextPreserved:                 false,
		GenerateTopicFunc: func(tctx tests.TestContext) string {
			return runPrefix + "-suite-" + string(tctx.TestID)
		},
	}
	tests.TestPubSub(t, features,
		func(t *testing.T) (message.Publisher, message.Subscriber) {
			return newPublisher(t, suiteKey), newSubscriber(t, groupFor(t))
		},
		func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
			return newPublisher(t, suiteKey), newSubscriber(t, group)
		},
	)
}

func uniqueTopic(t *testing.T) string {
	return runPrefix + "-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())) + "-" + watermill.NewShortUUID()
}

// event builds a message of one stream, keyed by the default (stream id) key.
func event(stream string, version int) *message.Message {
	msg := message.NewMessage(watermill.NewUUID(), []byte(strconv.Itoa(version)))
	msg.Metadata.Set(kafka.StreamIDMetadataKey, stream)
	msg.Metadata.Set("version", strconv.Itoa(version))
	return msg
}

func receive(t *testing.T, ch <-chan *message.Message, timeout time.Duration) *message.Message {
	t.Helper()
	select {
	case msg, ok := <-ch:
		if !ok {
			t.Fatal("subscription channel closed")
		}
		return msg
	case <-time.After(timeout):
		t.Fatalf("no message within %s", timeout)
	}
	return nil
}

func expectNothing(t *testing.T, ch <-chan *message.Message, wait time.Duration) {
	t.Helper()
	select {
	case msg, ok := <-ch:
		if ok {
			t.Fatalf("got message %s (metadata %v), want none", msg.UUID, msg.Metadata)
		}
	case <-time.After(wait):
	}
}

// The production setup (default key = stream id): several group members share the partitions,
// members join while events flow, and every stream's events still arrive in version order, each
// stream on one partition.
func TestStreamOrderAcrossGroupMembers(t *testing.T) {
	t.Parallel()
	topic := uniqueTopic(t)
	pub := newPublisher(t, nil) // default: key = metadata stream_id
	defer pub.Close()
	group := groupFor(t)

	const streams, versions = 20, 25
	seen := map[string]bool{}
	last := map[string]int{}        // stream → last version seen (first deliveries only)
	partitionOf := map[string]int{} // stream → partition
	var mu sync.Mutex
	done := make(chan struct{})
	var once sync.Once
	var errs []string

	perMember := map[int]int{} // member → deliveries
	dups := 0
	collect := func(member int, ch <-chan *message.Message) {
		for msg := range ch {
			rec, ok := kafka.RecordFromContext(msg.Context())
			stream := msg.Metadata.Get(kafka.StreamIDMetadataKey)
			v, _ := strconv.Atoi(msg.Metadata.Get("version"))
			mu.Lock()
			switch {
			case !ok:
				errs = append(errs, "message without Record in its context")
			case rec.Key != stream:
				errs = append(errs, fmt.Sprintf("record key %q, want stream id %q", rec.Key, stream))
			}
			if p, ok := partitionOf[stream]; ok && p != rec.Partition {
				errs = append(errs, fmt.Sprintf("stream %s on partitions %d and %d", stream, p, rec.Partition))
			}
			partitionOf[stream] = rec.Partition
			perMember[member]++
			if seen[msg.UUID] {
				dups++
			} else {
				seen[msg.UUID] = true
				if v != last[stream]+1 {
					errs = append(errs, fmt.Sprintf("stream %s: version %d after %d", stream, v, last[stream]))
				}
				last[stream] = v
				if len(seen) == streams*versions {
					once.Do(func() { close(done) })
				}
			}
			mu.Unlock()
			msg.Ack()
		}
	}

	var subs []*kafka.Subscriber
	subscribe := func() {
		s := newSubscriber(t, group)
		subs = append(subs, s)
		ch, err := s.Subscribe(context.Background(), topic)
		if err != nil {
			t.Fatal(err)
		}
		go collect(len(subs), ch)
	}
	defer func() {
		for _, s := range subs {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		}
	}()

	subscribe()
	for v := 1; v <= versions; v++ {
		if v == versions/3 || v == 2*versions/3 {
			subscribe() // a member joins: rebalance while events flow
		}
		if v == 4*versions/5 {
			// The first member leaves (its in-flight record goes to another member): rebalance.
			if err := subs[0].Close(); err != nil {
				t.Fatal(err)
			}
		}
		for s := range streams {
			if err := pub.Publish(topic, event(fmt.Sprintf("plan-%02d", s), v)); err != nil {
				t.Fatal(err)
			}
		}
	}

	select {
	case <-done:
	case <-time.After(60 * time.Second):
		mu.Lock()
		t.Fatalf("received %d of %d events", len(seen), streams*versions)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("deliveries per member %v, %d redelivered duplicates", perMember, dups)
	for _, e := range errs {
		t.Error(e)
	}
	used := map[int]bool{}
	for _, p := range partitionOf {
		used[p] = true
	}
	if len(used) < 2 {
		t.Errorf("%d streams used %d partition(s); the Hash balancer should spread them", streams, len(used))
	}
}

// Nack delivers the same record again (same UUID, same offset, Delivery+1) and nothing after it
// until it is acked.
func TestNackRedeliversSameRecord(t *testing.T) {
	t.Parallel()
	topic := uniqueTopic(t)
	pub := newPublisher(t, nil)
	defer pub.Close()
	if err := pub.Publish(topic, event("task-1", 1), event("task-1", 2)); err != nil {
		t.Fatal(err)
	}
	sub := newSubscriber(t, groupFor(t))
	defer sub.Close()
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}

	first := receive(t, ch, 30*time.Second)
	firstRec, _ := kafka.RecordFromContext(first.Context())
	for attempt := 2; attempt <= 3; attempt++ {
		first.Nack()
		again := receive(t, ch, 5*time.Second)
		rec, _ := kafka.RecordFromContext(again.Context())
		if again.UUID != first.UUID || rec.Offset != firstRec.Offset || rec.Partition != firstRec.Partition {
			t.Fatalf("after Nack got %s @%d/%d, want %s @%d/%d", again.UUID, rec.Partition, rec.Offset, first.UUID, firstRec.Partition, firstRec.Offset)
		}
		if rec.Delivery != attempt {
			t.Fatalf("Delivery = %d, want %d", rec.Delivery, attempt)
		}
		if string(again.Payload) != "1" || again.Metadata.Get("version") != "1" {
			t.Fatalf("redelivered message changed: %q %v", again.Payload, again.Metadata)
		}
		expectNothing(t, ch, 200*time.Millisecond)
		first = again
	}
	select {
	case <-first.Context().Done():
		t.Fatal("message context done before Ack")
	default:
	}
	first.Ack()
	select {
	case <-first.Context().Done():
	case <-time.After(time.Second):
		t.Fatal("message context not done after Ack")
	}
	if second := receive(t, ch, 5*time.Second); second.Metadata.Get("version") != "2" {
		t.Fatalf("after Ack got version %s, want 2", second.Metadata.Get("version"))
	} else {
		second.Ack()
	}
}

// Offsets are committed after Ack and only then: a record delivered but not acked when its
// subscriber closes comes again to the next member of the group; acked records do not.
func TestOffsetCommittedOnlyAfterAck(t *testing.T) {
	t.Parallel()
	topic := uniqueTopic(t)
	group := groupFor(t)
	pub := newPublisher(t, nil)
	defer pub.Close()
	if err := pub.Publish(topic, event("task-7", 1), event("task-7", 2), event("task-7", 3)); err != nil {
		t.Fatal(err)
	}

	read := func(ack ...bool) {
		t.Helper()
		sub := newSubscriber(t, group)
		ch, err := sub.Subscribe(context.Background(), topic)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range ack {
			msg := receive(t, ch, 30*time.Second)
			if got, want := msg.Metadata.Get("version"), strconv.Itoa(4-len(ack)+i); got != want {
				t.Fatalf("got version %s, want %s", got, want)
			}
			if a {
				msg.Ack()
			}
		}
		start := time.Now()
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("Close with %d delivered: %s", len(ack), time.Since(start))
		if _, open := <-ch; open {
			t.Fatal("channel open after Close")
		}
	}
	read(true, true, false) // v1, v2 acked; v3 delivered, not acked
	read(true)              // v3 again
	// Everything is committed: a new member gets nothing.
	sub := newSubscriber(t, group)
	defer sub.Close()
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	expectNothing(t, ch, 3*time.Second)
}

// Subscribe refuses a topic that does not exist when it may not create it; EnsureTopic leaves an
// existing topic as it is.
func TestTopics(t *testing.T) {
	t.Parallel()
	b := brokers(t)
	topic := uniqueTopic(t)
	s, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: b, ConsumerGroup: groupFor(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Subscribe(context.Background(), topic); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Subscribe to a missing topic: %v", err)
	}

	ctx := context.Background()
	if err := kafka.EnsureTopic(ctx, b, nil, topic, kafka.TopicConfig{NumPartitions: 3, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	if err := kafka.EnsureTopic(ctx, b, nil, topic, kafka.TopicConfig{NumPartitions: 5, ReplicationFactor: 1}); err != nil {
		t.Fatalf("EnsureTopic on an existing topic: %v", err)
	}
	tr := &kafkago.Transport{}
	defer tr.CloseIdleConnections()
	md, err := (&kafkago.Client{Addr: kafkago.TCP(b...), Transport: tr}).Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Topics) != 1 || len(md.Topics[0].Partitions) != 3 {
		t.Fatalf("metadata: %+v, want one topic with 3 partitions", md.Topics)
	}
	if err := kafka.EnsureTopic(ctx, b, nil, topic, kafka.TopicConfig{NumPartitions: 3, ReplicationFactor: 2}); err != nil {
		t.Logf("(existing topic, RF 2 on one broker: %v)", err)
	}
	if err := kafka.EnsureTopic(ctx, b, nil, uniqueTopic(t), kafka.TopicConfig{NumPartitions: 1, ReplicationFactor: 3}); err == nil {
		t.Error("EnsureTopic with replication 3 on a one-broker cluster succeeded")
	}
}
