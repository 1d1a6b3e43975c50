package eventlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/kafka"
)

// KafkaStore is the event.Store on Kafka (ARCHITECTURE "Events", rules 1, 2 and 4).
//
// Layout. The event topic has ONE partition in this version: its order is the log order.
// Every Append is one write of the whole batch (every stream of it), applied entirely or not
// at all, with no commit marker: ONE Kafka record when it fits in MaxMessageBytes, else
// several (parts, below). The record key is the first stream id (kept for a future layout
// with several partitions keyed by stream). Formats, named by the header choucha-format:
//   - choucha-batch/1, a whole batch: the value is
//     {"format":"choucha-batch/1","command_id":…,"events":[record…]}, each event in the
//     embedded log's record JSON (codec.go). A record without that header is read this way.
//   - choucha-batch-part/1, one part of a write: the value is the next slice of the bytes of
//     a choucha-batch/1 value; headers choucha-write-id, choucha-part (index from 0),
//     choucha-parts (count) and choucha-write-bytes (the whole value's size).
//
// Parts. The writer produces a write's parts one after another, each acknowledged before the
// next. A reader collects them and applies the reassembled batch when the last part arrives,
// at that point of the log. The parts of a write must follow each other: any other record
// (except a repeat of a part already collected, from a producer retry) abandons the write in
// progress, and its later parts are dropped. So a write whose writer died (or whose Append
// gave up) midway is never applied, whatever follows it, and the retry of its command is a
// new, complete write. Memory: a reader holds at most ONE incomplete write, of at most
// MaxWriteBytes. The rule depends only on the log, so every reader agrees; a record of a
// second writer (a zombie) between the parts abandons the write, which the writer's Append
// then writes again (up to 3 times, while it holds the role). Upgrades: a binary older than
// parts drops part records as malformed, so its positions would differ; upgrade every reader
// before any writer writes a batch larger than one record.
//
// State. Every KafkaStore (writer, follower or ReadOnly) reads the topic from the first
// offset at open, and keeps tailing it (across broker restarts: read errors are retried):
// per stream its events, per command id the positions of its first outcome, and the global
// order. A write is applied only if it is well formed, its command id has not been seen,
// and each of its streams continues exactly the current head (version head+1, PrevHash =
// head hash, hashes verify); otherwise the whole write is dropped. So the first claim of a
// (stream, version) in the log wins and every later one is discarded (rule 1), and a
// repeated command id appends nothing (rule 4): a zombie writer or a producer retry is
// harmless.
//
// Position is the order in which events were applied: 1, 2, 3 … over the accepted events of
// the topic, in topic order. It is not a Kafka offset (a record holds a whole batch, a write
// may span records, dropped records get no position), but every reader applying the same
// topic with the same rules computes the same positions, so ReadFrom positions agree across
// processes.
//
// Writer. One process per topic writes: the member of the consumer group ElectionGroup that
// is assigned partition 0 of the one-partition ElectionTopic. Append on any other store fails
// with an error wrapping ErrNotWriter. The writer serializes Appends; for each it checks the
// command id and expected versions against its state (after catching up with the topic's end
// once per election), seals the events, produces the record(s) (RequiredAcks=all) and waits
// until its own tailer applied the write: the outcome is what the log says, not what the
// writer hoped (a write that lost to a zombie's earlier claim returns ErrConcurrency). A
// write of its own that comes back byte for byte as produced is applied from the events it
// sealed, without decoding or hashing them again (see own); any other record is decoded and
// every hash verified.
type KafkaStore struct {
	cfg    KafkaConfig
	client *kafkago.Client
	writer *kafkago.Writer
	reader *kafkago.Reader
	group  *kafkago.ConsumerGroup

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
	now    func() time.Time

	// election
	isWriter  atomic.Bool
	wasWriter atomic.Bool   // held the role in its last generation (sticky election)
	electGen  atomic.Uint64 // incremented on every generation in which this store is writer
	elected   chan struct{} // closed after the first election result
	electOnce sync.Once

	appendMu  sync.Mutex // serializes Append
	syncedGen uint64     // electGen the writer last caught up in (under appendMu)

	mu       sync.RWMutex
	events   []event.Envelope // accepted events; index = position-1
	streams  map[string][]int // stream → indexes into events, version order
	commands map[string][]int // command id → indexes into events (its first outcome)
	next     int64            // next Kafka offset to apply
	dropped  int              // records discarded by the apply rules
	pending  map[string]*pendingWrite
	changed  chan struct{} // closed and replaced after every applied record
	tailErr  error         // the tailer stopped (only for a write larger than MaxWriteBytes)
	readErr  error         // the last read error (retried), for error messages

	cur *partial // the write whose parts the tailer is collecting (tail goroutine only)

	// stopAfterParts > 0 makes Append produce only that many parts of a multi-part write and
	// fail, as a writer that dies mid-write (tests only).
	stopAfterParts int
}

// partial is a multi-part write being collected.
type partial struct {
	writeID string
	parts   int    // declared count
	size    int    // declared bytes of the whole value
	next    int    // index of the next part expected
	value   []byte // the parts so far
}

// ErrNotWriter: this KafkaStore does not hold the writer role (another process does, the
// election has not finished, or it was opened ReadOnly); the caller forwards the command to
// the writer or retries.
var ErrNotWriter = errors.New("this process is not the event log writer")

var (
	errReadOnly = fmt.Errorf("%w: the store was opened read-only (KafkaConfig.ReadOnly)", ErrNotWriter)
	// errInterrupted: another record came between the parts of a write, which is therefore
	// never applied (see "Parts"); retrying the command is safe.
	errInterrupted = errors.New("another record came between the parts of this write, which was therefore not applied (a second writer?)")
)

// KafkaConfig configures OpenKafka. Zero values get the defaults listed per field.
type KafkaConfig struct {
	// Brokers are bootstrap addresses (host:port). Required.
	Brokers []string
	// Topic is the event topic. Default "choucha.events".
	Topic string
	// ElectionTopic is the one-partition topic whose partition 0 makes its holder the writer.
	// Default Topic + ".writer".
	ElectionTopic string
	// ElectionGroup is the consumer group of the election. Default ElectionTopic.
	ElectionGroup string
	// Partitions of the event topic. Default 1; only 1 is supported in this version (the
	// partition order is the log order). An existing topic with more partitions is refused.
	Partitions int
	// ReplicationFactor of created topics. Default 1 (local broker); 3 in production.
	ReplicationFactor int
	// MaxMessageBytes bounds one record: set as the created topic's max.message.bytes, the
	// producer's BatchBytes and the fetch size. A larger batch is written in parts. Default
	// 8 MiB, at least 16 KiB.
	MaxMessageBytes int
	// MaxWriteBytes bounds one batch (its encoded choucha-batch/1 value), and so the memory a
	// reader holds for an incomplete write: Append refuses a larger batch with ErrInvalid,
	// and a reader that meets a larger write stops tailing with an error (it must not
	// disagree with readers that apply it). Every process on a topic needs at least the
	// writer's value. Default 256 MiB (some 400,000 events of 600-byte payloads).
	MaxWriteBytes int
	// ReadOnly opens a reader: it takes no part in the election (no consumer group, no
	// election topic), so it opens and closes without a group join or leave and never holds
	// up the writer's group. Append and WaitWriter fail at once with ErrNotWriter; the state
	// is rebuilt and tailed as for any store. It still creates the event topic if missing,
	// so that a projector may start before any writer. For projectors.
	ReadOnly bool
	// Election timings (consumer group). Defaults: HeartbeatInterval 1s, SessionTimeout 10s
	// (the broker's minimum is usually 6s), RebalanceTimeout 10s. A writer that dies keeps the
	// role for up to SessionTimeout; one that stalls learns it lost it at its next heartbeat.
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	// ElectionWait is how long OpenKafka waits for the first election result (then it opens
	// as a non-writer and keeps taking part). Default 30s.
	ElectionWait time.Duration
	// WriteTimeout bounds one produce request. Default 10s.
	WriteTimeout time.Duration
}

func (c *KafkaConfig) setDefaults() {
	if c.Topic == "" {
		c.Topic = "choucha.events"
	}
	if c.ElectionTopic == "" {
		c.ElectionTopic = c.Topic + ".writer"
	}
	if c.ElectionGroup == "" {
		c.ElectionGroup = c.ElectionTopic
	}
	if c.Partitions == 0 {
		c.Partitions = 1
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = 1
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 8 << 20
	}
	if c.MaxWriteBytes == 0 {
		c.MaxWriteBytes = 256 << 20
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = time.Second
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 10 * time.Second
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = 10 * time.Second
	}
	if c.ElectionWait == 0 {
		c.ElectionWait = 30 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
}

// Validate returns every problem of the configuration (after defaults).
func (c KafkaConfig) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("missing Brokers"))
	}
	if c.Topic == c.ElectionTopic {
		errs = append(errs, errors.New("Topic and ElectionTopic must differ"))
	}
	if c.Partitions != 1 {
		errs = append(errs, fmt.Errorf("Partitions must be 1 in this version, got %d", c.Partitions))
	}
	if c.ReplicationFactor < 1 {
		errs = append(errs, fmt.Errorf("ReplicationFactor must be >= 1, got %d", c.ReplicationFactor))
	}
	if c.MaxMessageBytes < 16<<10 {
		errs = append(errs, fmt.Errorf("MaxMessageBytes must be >= 16384, got %d", c.MaxMessageBytes))
	}
	if c.MaxWriteBytes < 1 {
		errs = append(errs, fmt.Errorf("MaxWriteBytes must be > 0, got %d", c.MaxWriteBytes))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"HeartbeatInterval", c.HeartbeatInterval}, {"SessionTimeout", c.SessionTimeout},
		{"RebalanceTimeout", c.RebalanceTimeout}, {"ElectionWait", c.ElectionWait}, {"WriteTimeout", c.WriteTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s must be > 0, got %s", d.name, d.v))
		}
	}
	if c.HeartbeatInterval >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("HeartbeatInterval (%s) must be shorter than SessionTimeout (%s)", c.HeartbeatInterval, c.SessionTimeout))
	}
	return errors.Join(errs...)
}

var _ event.Store = (*KafkaStore)(nil)

const (
	kafkaFormat       = "choucha-batch/1"
	kafkaPartFormat   = "choucha-batch-part/1"
	kafkaHeaderFormat = "choucha-format"
	kafkaHeaderWrite  = "choucha-write-id"
	kafkaHeaderPart   = "choucha-part"
	kafkaHeaderParts  = "choucha-parts"
	kafkaHeaderBytes  = "choucha-write-bytes"
	// kafkaRecordOverhead is room left in MaxMessageBytes for record framing and headers.
	kafkaRecordOverhead = 1 << 10
	// kafkaWriteAttempts bounds how often Append writes a batch whose parts were interrupted.
	kafkaWriteAttempts = 3
)

// kafkaBatch is a choucha-batch/1 value.
type kafkaBatch struct {
	Format    string            `json:"format"`
	CommandID string            `json:"command_id"`
	Events    []json.RawMessage `json:"events"`
}

// pendingWrite is a write this store's Append produced and waits for. The tailer hands it
// the verdict; and when the write's value comes back byte for byte as produced, the tailer
// applies its sealed events as they are instead of decoding and verifying them again.
type pendingWrite struct {
	ch        chan applied
	value     []byte           // the choucha-batch/1 value produced (nil: decode it)
	commandID string           // of the batch
	events    []event.Envelope // the sealed events value encodes (Position 0)
}

// applied is what the tailer decided about one write.
type applied struct {
	idx    []int  // accepted: indexes of its events
	replay string // dropped: its command id was already in the log
	err    error  // dropped for another reason
}

// OpenKafka creates the topics if needed, rebuilds the state from the whole event topic,
// and, unless cfg.ReadOnly, joins the writer election and waits (up to ElectionWait) for its
// first result.
func OpenKafka(ctx context.Context, cfg KafkaConfig) (*KafkaStore, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("eventlog: invalid KafkaConfig: %w", err)
	}
	fail := func(err error) (*KafkaStore, error) {
		return nil, fmt.Errorf("eventlog: open kafka topic %q: %w", cfg.Topic, err)
	}
	// A reader creates the event topic too, so that a projector may start before any writer.
	err := kafka.EnsureTopic(ctx, cfg.Brokers, nil, cfg.Topic, kafka.TopicConfig{
		NumPartitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor,
		Configs: map[string]string{
			"max.message.bytes": strconv.Itoa(cfg.MaxMessageBytes),
			"retention.ms":      "-1",
			"retention.bytes":   "-1",
			"cleanup.policy":    "delete",
		},
	})
	if err != nil {
		return fail(err)
	}
	if !cfg.ReadOnly {
		if err := kafka.EnsureTopic(ctx, cfg.Brokers, nil, cfg.ElectionTopic, kafka.TopicConfig{
			NumPartitions: 1, ReplicationFactor: cfg.ReplicationFactor,
		}); err != nil {
			return fail(err)
		}
	}
	client := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Timeout: cfg.WriteTimeout}
	md, err := client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{cfg.Topic}})
	if err != nil {
		return fail(err)
	}
	for _, t := range md.Topics {
		if t.Name == cfg.Topic && len(t.Partitions) > 1 {
			return fail(fmt.Errorf("the topic has %d partitions; this version needs exactly 1", len(t.Partitions)))
		}
	}

	s := newKafkaStore(cfg)
	s.client = client
	if !cfg.ReadOnly {
		s.writer = &kafkago.Writer{
			Addr:         kafkago.TCP(cfg.Brokers...),
			Topic:        cfg.Topic,
			Balancer:     &kafkago.Hash{},
			RequiredAcks: kafkago.RequireAll,
			BatchSize:    1,
			BatchBytes:   int64(cfg.MaxMessageBytes),
			BatchTimeout: time.Millisecond,
			WriteTimeout: cfg.WriteTimeout,
			MaxAttempts:  10, // a retry may duplicate the record: the apply rules drop the copy
			// Its own transport: kafka-go's shared default caches metadata that may predate
			// the topic (a write then fails with Unknown Topic Or Partition).
			Transport: &kafkago.Transport{MetadataTopics: []string{cfg.Topic}, MetadataTTL: 10 * time.Second},
		}
	}
	s.reader = kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:   cfg.Brokers,
		Topic:     cfg.Topic,
		Partition: 0,
		MinBytes:  1,
		MaxBytes:  cfg.MaxMessageBytes + 1<<20,
		MaxWait:   250 * time.Millisecond,
	})
	if err := s.reader.SetOffset(kafkago.FirstOffset); err != nil {
		_ = s.reader.Close()
		return fail(err)
	}
	s.wg.Go(s.tail)
	if err := s.catchUp(ctx); err != nil {
		_ = s.Close()
		return fail(fmt.Errorf("rebuild: %w", err))
	}
	if cfg.ReadOnly {
		s.electOnce.Do(func() { close(s.elected) })
		return s, nil
	}

	s.group, err = kafkago.NewConsumerGroup(kafkago.ConsumerGroupConfig{
		ID:                cfg.ElectionGroup,
		Brokers:           cfg.Brokers,
		Topics:            []string{cfg.ElectionTopic},
		HeartbeatInterval: cfg.HeartbeatInterval,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.RebalanceTimeout,
		JoinGroupBackoff:  500 * time.Millisecond,
		GroupBalancers:    []kafkago.GroupBalancer{stickyWriter{s}},
		Timeout:           cfg.WriteTimeout,
	})
	if err != nil {
		_ = s.Close()
		return fail(fmt.Errorf("election group: %w", err))
	}
	s.wg.Go(s.elect)
	select {
	case <-s.elected:
	case <-time.After(cfg.ElectionWait):
	case <-ctx.Done():
		_ = s.Close()
		return fail(ctx.Err())
	}
	return s, nil
}

// newKafkaStore is a store with an empty state and no connections (cfg has its defaults).
func newKafkaStore(cfg KafkaConfig) *KafkaStore {
	s := &KafkaStore{
		cfg:      cfg,
		now:      time.Now,
		elected:  make(chan struct{}),
		streams:  map[string][]int{},
		commands: map[string][]int{},
		pending:  map[string]*pendingWrite{},
		changed:  make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// IsWriter reports whether this store holds the writer role now.
func (s *KafkaStore) IsWriter() bool { return s.isWriter.Load() && !s.closed.Load() }

// WaitWriter waits until this store is the writer (or ctx ends). A ReadOnly store never
// is: it fails at once with an error wrapping ErrNotWriter.
func (s *KafkaStore) WaitWriter(ctx context.Context) error {
	if s.cfg.ReadOnly {
		return &event.StoreError{Op: "wait writer", Err: errReadOnly}
	}
	for !s.IsWriter() {
		if s.closed.Load() {
			return &event.StoreError{Op: "wait writer", Err: event.ErrClosed}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// Dropped is how many records the apply rules discarded so far (duplicates, replays, junk,
// parts of writes that were abandoned or refused).
func (s *KafkaStore) Dropped() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.dropped
}

// elect takes part in the election until Close.
func (s *KafkaStore) elect() {
	defer s.electOnce.Do(func() { close(s.elected) })
	for {
		gen, err := s.group.Next(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, kafkago.ErrGroupClosed) {
				return
			}
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		leader := false
		for _, a := range gen.Assignments[s.cfg.ElectionTopic] {
			leader = leader || a.ID == 0
		}
		if leader {
			s.electGen.Add(1)
		}
		s.wasWriter.Store(leader)
		s.isWriter.Store(leader)
		s.electOnce.Do(func() { close(s.elected) })
		done := make(chan struct{})
		gen.Start(func(ctx context.Context) {
			<-ctx.Done()
			close(done)
		})
		<-done
		s.isWriter.Store(false)
	}
}

// stickyWriter is the election's group balancer: partition 0 of the election topic goes to
// the member that held it in the previous generation when it is still a member (a store that
// joins does not take the role from a live writer), else to the member with the least id.
type stickyWriter struct{ s *KafkaStore }

func (stickyWriter) ProtocolName() string { return "choucha-sticky-writer" }

func (b stickyWriter) UserData() ([]byte, error) {
	if b.s.wasWriter.Load() {
		return []byte("writer"), nil
	}
	return []byte{}, nil
}

func (stickyWriter) AssignGroups(members []kafkago.GroupMember, partitions []kafkago.Partition) kafkago.GroupMemberAssignments {
	out := kafkago.GroupMemberAssignments{}
	var chosen *kafkago.GroupMember
	for i := range members {
		m := &members[i]
		out[m.ID] = map[string][]int{}
		switch {
		case chosen == nil,
			string(m.UserData) == "writer" && string(chosen.UserData) != "writer",
			string(m.UserData) == string(chosen.UserData) && m.ID < chosen.ID:
			chosen = m
		}
	}
	if chosen == nil {
		return out
	}
	for _, p := range partitions {
		out[chosen.ID][p.Topic] = append(out[chosen.ID][p.Topic], p.ID)
	}
	return out
}

// tail applies the event topic, record by record, until Close. Read errors (a broker that
// restarts, a leader that moves) are retried: kafka-go's reader reconnects and resumes at
// the next offset.
func (s *KafkaStore) tail() {
	for {
		m, err := s.reader.FetchMessage(s.ctx)
		if s.ctx.Err() != nil {
			return
		}
		if err != nil {
			s.mu.Lock()
			s.readErr = err
			s.mu.Unlock()
			select { // kafka-go backs off too; this only keeps a persistent error from spinning
			case <-s.ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if err := s.apply(m); err != nil {
			s.mu.Lock()
			s.tailErr = err
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
			return
		}
	}
}

// recordHeaders are the headers of a record that the apply rules read.
type recordHeaders struct {
	format, writeID    string
	part, parts, bytes int // of a part
}

func parseHeaders(m kafkago.Message) (recordHeaders, error) {
	var h recordHeaders
	var part, parts, size string
	for _, kv := range m.Headers {
		switch kv.Key {
		case kafkaHeaderFormat:
			h.format = string(kv.Value)
		case kafkaHeaderWrite:
			h.writeID = string(kv.Value)
		case kafkaHeaderPart:
			part = string(kv.Value)
		case kafkaHeaderParts:
			parts = string(kv.Value)
		case kafkaHeaderBytes:
			size = string(kv.Value)
		}
	}
	if h.format != kafkaPartFormat {
		return h, nil
	}
	var err1, err2, err3 error
	h.part, err1 = strconv.Atoi(part)
	h.parts, err2 = strconv.Atoi(parts)
	h.bytes, err3 = strconv.Atoi(size)
	if err := errors.Join(err1, err2, err3); err != nil || h.writeID == "" || h.part < 0 || h.part >= h.parts || h.bytes < h.parts {
		return h, fmt.Errorf("%w: offset %d has malformed part headers (write %q, part %q of %q, %q bytes)",
			event.ErrTampered, m.Offset, h.writeID, part, parts, size)
	}
	return h, nil
}

// apply applies one record by the rules in the type's comment (tail goroutine only). It
// fails only when the tailer must stop.
func (s *KafkaStore) apply(m kafkago.Message) error {
	h, herr := parseHeaders(m)
	var (
		value   []byte  // a whole batch to apply: the record's, or a write its last part completed
		res     applied // the verdict when value is nil and the record ends a write
		verdict = h.writeID
		records = 1 // records of the write, counted as dropped if it is not applied
		stopped *partial
	)
	isPart := herr == nil && h.format == kafkaPartFormat
	cur := s.cur
	if cur != nil && (!isPart || h.writeID != cur.writeID) {
		stopped, s.cur, cur = cur, nil, nil // any other record abandons the write in progress
	}
	switch {
	case herr != nil:
		res = applied{err: herr}
	case !isPart:
		value = m.Value
	case cur != nil && h.part < cur.next: // a repeat from a producer retry
		verdict = ""
	case cur == nil && h.part != 0:
		res = applied{err: fmt.Errorf("%w: offset %d is part %d of write %s, whose earlier parts are not right before it",
			event.ErrTampered, m.Offset, h.part, h.writeID)}
	case cur == nil && h.bytes > s.cfg.MaxWriteBytes:
		return &event.StoreError{Op: "read", Err: fmt.Errorf("write %s at offset %d is %d bytes, more than this store's MaxWriteBytes (%d): "+
			"open it with MaxWriteBytes at least the writer's", h.writeID, m.Offset, h.bytes, s.cfg.MaxWriteBytes)}
	default:
		if cur == nil {
			cur = &partial{writeID: h.writeID, parts: h.parts, size: h.bytes, value: make([]byte, 0, h.bytes)}
			s.cur = cur
		}
		records = cur.next + 1
		if h.part != cur.next || h.parts != cur.parts || h.bytes != cur.size || len(cur.value)+len(m.Value) > cur.size {
			s.cur = nil
			res = applied{err: fmt.Errorf("%w: offset %d, part %d/%d (%d bytes) of write %s, does not continue its %d parts (%d bytes)",
				event.ErrTampered, m.Offset, h.part, h.parts, h.bytes, h.writeID, cur.next, len(cur.value))}
			break
		}
		cur.value = append(cur.value, m.Value...)
		if cur.next++; cur.next < cur.parts {
			verdict, records = "", 0
			break
		}
		s.cur = nil
		if len(cur.value) != cur.size {
			res = applied{err: fmt.Errorf("%w: write %s ending at offset %d has %d bytes, its headers say %d",
				event.ErrTampered, h.writeID, m.Offset, len(cur.value), cur.size)}
			break
		}
		value = cur.value
	}

	var d decoded
	if value != nil { // without the lock: decoding a large write takes a while
		var own bool
		if d, own = s.own(h.writeID, value); !own {
			d = s.decide(value, m.Offset)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if stopped != nil {
		s.dropped += stopped.next
		s.deliver(stopped.writeID, applied{err: errInterrupted})
	}
	if value != nil {
		res = d.res
		if res.err == nil && res.replay == "" {
			res = s.accept(d, m.Offset)
		}
	}
	if res.idx == nil {
		s.dropped += records
	}
	s.next, s.readErr = m.Offset+1, nil
	if verdict != "" {
		s.deliver(verdict, res)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// deliver hands a write's verdict to the Append waiting for it, if any; s.mu is held.
func (s *KafkaStore) deliver(writeID string, res applied) {
	if pw, ok := s.pending[writeID]; ok {
		delete(s.pending, writeID)
		pw.ch <- res
	}
}

// own returns the decoded form of a write this store's Append produced and is waiting for,
// when value is byte for byte the value it produced: its sealed events, which decide would
// decode from value (every field round-trips: validate admits only valid UTF-8, and the
// record holds the UTC times to the nanosecond and the compact payload verbatim). A value
// that differs in any byte (tampered with, or another writer's under the same write id) is
// left to decide, as is a command id already applied (for decide's replay verdict).
func (s *KafkaStore) own(writeID string, value []byte) (decoded, bool) {
	if writeID == "" {
		return decoded{}, false
	}
	s.mu.RLock()
	pw := s.pending[writeID]
	seen := false
	if pw != nil {
		_, seen = s.commands[pw.commandID]
	}
	s.mu.RUnlock()
	if pw == nil || pw.value == nil || seen || !bytes.Equal(pw.value, value) {
		return decoded{}, false
	}
	return decoded{commandID: pw.commandID, events: pw.events}, true
}

// decoded is a batch value decoded by decide.
type decoded struct {
	commandID string
	events    []event.Envelope
	res       applied // set when the batch is dropped whatever the heads
}

// decide decodes a batch value and checks what does not depend on the heads; accept checks
// the rest under the lock (only the tailer changes the state, so nothing moved meanwhile).
//
// A value written as encode writes it is split without decoding it (splitBatch) and each
// record decoded once, as decodeRecord does (fastDecode, else encoding/json for that
// record). When that path finds the write good (every event decodes, carries the batch's
// command id and verifies, so that its payload is JSON, and the command id is new), the
// whole value is JSON and decideSlow, which unmarshals the whole value first, would decide
// the same. Anything else (a replay, any fault, another encoding of the batch) is decided by
// decideSlow, so that every verdict and error is exactly its own.
func (s *KafkaStore) decide(value []byte, offset int64) decoded {
	if d, ok := s.decideDirect(value); ok {
		return d
	}
	return s.decideSlow(value, offset)
}

// decideDirect is decide's direct path: it reports false for anything but a good write.
func (s *KafkaStore) decideDirect(value []byte) (decoded, bool) {
	commandID, recs, ok := splitBatch(value)
	if !ok || commandID == "" {
		return decoded{}, false
	}
	s.mu.RLock()
	_, seen := s.commands[commandID]
	s.mu.RUnlock()
	if seen {
		return decoded{}, false
	}
	d := decoded{commandID: commandID, events: make([]event.Envelope, len(recs))}
	workers := defaultWorkers()
	if len(recs) < 256 {
		workers = 1
	}
	dec := make([]recordDecoder, workers)
	err := parallel(len(recs), workers, func(w, lo, hi int) error {
		for i := lo; i < hi; i++ {
			e := &d.events[i]
			if err := dec[w].decodeEnvelope(recs[i], e); err != nil || e.CommandID != commandID {
				return errSlowPath
			}
			e.CommandID = commandID
			if ok, err := e.CheckHash(e.PrevHash); err != nil || !ok {
				return errSlowPath
			}
		}
		return nil
	})
	return d, err == nil
}

// errSlowPath: decideDirect leaves the verdict to decideSlow.
var errSlowPath = errors.New("decided by encoding/json")

// decideSlow is decide by encoding/json.
func (s *KafkaStore) decideSlow(value []byte, offset int64) decoded {
	var b kafkaBatch
	if err := json.Unmarshal(value, &b); err != nil || b.Format != kafkaFormat || b.CommandID == "" || len(b.Events) == 0 {
		return decoded{res: applied{err: fmt.Errorf("%w: offset %d is not a batch record (%v)", event.ErrTampered, offset, err)}}
	}
	s.mu.RLock()
	_, seen := s.commands[b.CommandID]
	s.mu.RUnlock()
	if seen {
		return decoded{res: applied{replay: b.CommandID}}
	}
	d := decoded{commandID: b.CommandID, events: make([]event.Envelope, len(b.Events))}
	workers := defaultWorkers()
	if len(b.Events) < 256 {
		workers = 1
	}
	err := parallel(len(b.Events), workers, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			var r record
			if err := decodeRecord(b.Events[i], &r); err != nil {
				return fmt.Errorf("%w: offset %d event %d does not decode: %v", event.ErrTampered, offset, i, err)
			}
			e := r.envelope(0)
			if e.CommandID != b.CommandID {
				return fmt.Errorf("%w: offset %d event %d has command id %q, the batch %q", event.ErrTampered, offset, i, e.CommandID, b.CommandID)
			}
			// accept checks PrevHash is the head's hash, so this is the chain's check.
			if want, err := e.ComputeHash(e.PrevHash); err != nil || want != e.Hash {
				return &event.StoreError{Op: "append", Stream: e.Stream, Version: e.Version,
					Err: fmt.Errorf("%w: offset %d: hash does not verify", event.ErrTampered, offset)}
			}
			d.events[i] = e
		}
		return nil
	})
	if err != nil {
		return decoded{res: applied{err: err}}
	}
	return d
}

// accept checks a decoded write against the heads and applies it; s.mu is held.
func (s *KafkaStore) accept(d decoded, offset int64) applied {
	if _, seen := s.commands[d.commandID]; seen {
		return applied{replay: d.commandID}
	}
	type hd struct {
		version uint64
		hash    string
	}
	heads := make(map[string]hd, len(d.events))
	for _, e := range d.events {
		h, ok := heads[e.Stream]
		if !ok {
			if idx := s.streams[e.Stream]; len(idx) > 0 {
				last := s.events[idx[len(idx)-1]]
				h = hd{last.Version, last.Hash}
			}
		}
		if e.Version != h.version+1 || e.PrevHash != h.hash {
			return applied{err: &event.StoreError{Op: "append", Stream: e.Stream, Version: h.version,
				Err: fmt.Errorf("%w: offset %d claims %s@%d on a stream at %d (first claim wins)", event.ErrConcurrency, offset, e.Stream, e.Version, h.version)}}
		}
		heads[e.Stream] = hd{e.Version, e.Hash}
	}
	idx := make([]int, len(d.events))
	for i, e := range d.events {
		e.Position = uint64(len(s.events) + 1)
		idx[i] = len(s.events)
		s.events = append(s.events, e)
		s.streams[e.Stream] = append(s.streams[e.Stream], idx[i])
	}
	s.commands[d.commandID] = idx
	return applied{idx: idx}
}

// catchUp waits until the tailer applied every record the topic had when it was called.
func (s *KafkaStore) catchUp(ctx context.Context) error {
	end, err := s.endOffset(ctx)
	for try := 1; err != nil && try < 20; try++ { // e.g. a broker whose metadata lags
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(try) * 50 * time.Millisecond):
		}
		end, err = s.endOffset(ctx)
	}
	if err != nil {
		return fmt.Errorf("end offset of topic %q: %w", s.cfg.Topic, err)
	}
	for {
		s.mu.RLock()
		next, tailErr, readErr, ch := s.next, s.tailErr, s.readErr, s.changed
		s.mu.RUnlock()
		if next >= end {
			return nil
		}
		if tailErr != nil {
			return tailErr
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if readErr != nil {
				return fmt.Errorf("%w (at offset %d of %d; last read error: %v)", ctx.Err(), next, end, readErr)
			}
			return ctx.Err()
		case <-s.ctx.Done():
			return event.ErrClosed
		}
	}
}

// endOffset is the offset the next record of the event topic will get.
func (s *KafkaStore) endOffset(ctx context.Context) (int64, error) {
	res, err := s.client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{
		Topics: map[string][]kafkago.OffsetRequest{s.cfg.Topic: {kafkago.LastOffsetOf(0)}},
	})
	if err != nil {
		return 0, err
	}
	for _, p := range res.Topics[s.cfg.Topic] {
		if p.Partition == 0 {
			if p.Error != nil {
				return 0, p.Error
			}
			return p.LastOffset, nil
		}
	}
	return 0, errors.New("no answer for partition 0")
}

func (s *KafkaStore) check(ctx context.Context, op string) error {
	if s.closed.Load() {
		return &event.StoreError{Op: op, Err: event.ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return &event.StoreError{Op: op, Err: err}
	}
	return nil
}

// Append appends a batch as one write (see the type's comment) and returns the tailer's
// verdict on it. Only the writer appends: elsewhere it fails with ErrNotWriter. If ctx ends
// after the write was produced, Append returns ctx's error although the batch may be in the
// log (a retry with the same command id returns its outcome); if it ends between the parts
// of a write, the write is never applied.
func (s *KafkaStore) Append(ctx context.Context, batch event.Batch) (event.Result, error) {
	if err := s.check(ctx, "append"); err != nil {
		return event.Result{}, err
	}
	if s.cfg.ReadOnly {
		return event.Result{}, &event.StoreError{Op: "append", Err: errReadOnly}
	}
	if _, err := validate(batch); err != nil {
		return event.Result{}, err
	}
	s.appendMu.Lock()
	defer s.appendMu.Unlock()
	for attempt := 1; ; attempt++ {
		res, err := s.appendOnce(ctx, batch)
		if !errors.Is(err, errInterrupted) || attempt == kafkaWriteAttempts || !s.isWriter.Load() {
			return res, err
		}
	}
}

// appendOnce is one write of Append; s.appendMu is held.
func (s *KafkaStore) appendOnce(ctx context.Context, batch event.Batch) (event.Result, error) {
	if err := s.check(ctx, "append"); err != nil {
		return event.Result{}, err
	}
	// A writer whose generation ended (another member joined or left, or the broker
	// restarted) is usually given the role again by the sticky election: wait for the result
	// rather than fail.
	for deadline := time.Now().Add(s.cfg.RebalanceTimeout); !s.isWriter.Load() && s.wasWriter.Load() && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return event.Result{}, &event.StoreError{Op: "append", Err: ctx.Err()}
		case <-s.ctx.Done():
			return event.Result{}, &event.StoreError{Op: "append", Err: event.ErrClosed}
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !s.isWriter.Load() {
		return event.Result{}, &event.StoreError{Op: "append", Err: ErrNotWriter}
	}
	if gen := s.electGen.Load(); gen != s.syncedGen {
		if err := s.catchUp(ctx); err != nil {
			return event.Result{}, &event.StoreError{Op: "append", Err: err}
		}
		s.syncedGen = gen
	}

	// Replay, heads.
	s.mu.RLock()
	if idx, ok := s.commands[batch.CommandID]; ok {
		res := s.result(idx, true)
		s.mu.RUnlock()
		return res, nil
	}
	prev := make([]string, len(batch.Streams))
	for i, sa := range batch.Streams {
		idx := s.streams[sa.Stream]
		if uint64(len(idx)) != sa.ExpectedVersion {
			s.mu.RUnlock()
			return event.Result{}, &event.StoreError{Op: "append", Stream: sa.Stream, Version: sa.ExpectedVersion,
				Err: fmt.Errorf("%w: expected version %d, stream is at %d", event.ErrConcurrency, sa.ExpectedVersion, len(idx))}
		}
		if len(idx) > 0 {
			prev[i] = s.events[idx[len(idx)-1]].Hash
		}
	}
	s.mu.RUnlock()

	value, sealed, err := s.seal(batch, prev)
	if err != nil {
		return event.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return event.Result{}, &event.StoreError{Op: "append", Err: err}
	}

	// Produce, then wait for the tailer's verdict on the write.
	writeID := uuid.Must(uuid.NewV7()).String()
	ch := make(chan applied, 1)
	s.mu.Lock()
	s.pending[writeID] = &pendingWrite{ch: ch, value: value, commandID: batch.CommandID, events: sealed}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, writeID)
		s.mu.Unlock()
	}()
	msgs := s.records(batch.Streams[0].Stream, writeID, value)
	for i, m := range msgs {
		if i > 0 {
			if err := ctx.Err(); err != nil { // the parts so far are never applied
				return event.Result{}, &event.StoreError{Op: "append", Err: err}
			}
			if i == s.stopAfterParts {
				return event.Result{}, &event.StoreError{Op: "append", Err: fmt.Errorf("test hook: stopped after %d of %d parts", i, len(msgs))}
			}
		}
		// s.ctx, not ctx: a record is produced entirely or not at all.
		if werr := s.writer.WriteMessages(s.ctx, m); werr != nil {
			// The record may or may not be in the log: look.
			cctx, cancel := context.WithTimeout(s.ctx, s.cfg.WriteTimeout)
			err := s.catchUp(cctx)
			cancel()
			select {
			case res := <-ch:
				return s.outcome(res)
			default:
			}
			if s.closed.Load() {
				return event.Result{}, &event.StoreError{Op: "append", Err: event.ErrClosed}
			}
			if len(msgs) > 1 {
				werr = fmt.Errorf("part %d of %d: %w", i+1, len(msgs), werr)
			}
			return event.Result{}, &event.StoreError{Op: "append", Err: errors.Join(werr, err)}
		}
	}
	for {
		s.mu.RLock()
		tailErr, changed := s.tailErr, s.changed
		s.mu.RUnlock()
		select {
		case res := <-ch:
			return s.outcome(res)
		default:
		}
		if tailErr != nil {
			return event.Result{}, &event.StoreError{Op: "append", Err: fmt.Errorf("reading the topic back: %w", tailErr)}
		}
		select {
		case res := <-ch:
			return s.outcome(res)
		case <-changed:
		case <-ctx.Done():
			return event.Result{}, &event.StoreError{Op: "append", Err: ctx.Err()}
		case <-s.ctx.Done():
			return event.Result{}, &event.StoreError{Op: "append", Err: event.ErrClosed}
		}
	}
}

// encode seals a batch on the heads' hashes prev and encodes it as a choucha-batch/1 value.
func (s *KafkaStore) encode(batch event.Batch, prev []string) ([]byte, error) {
	value, _, err := s.seal(batch, prev)
	return value, err
}

// seal seals a batch on the heads' hashes prev and encodes it as a choucha-batch/1 value; it
// returns the value and the sealed events (Position 0), which own the memory of their
// payloads (one block for the batch: the caller's may change after Append returns).
func (s *KafkaStore) seal(batch event.Batch, prev []string) ([]byte, []event.Envelope, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	n, size, payloads := 0, len(batchPrefix)+len(batch.CommandID)+16, 0
	for _, sa := range batch.Streams {
		n += len(sa.Events)
		for _, e := range sa.Events {
			payloads += len(e.Payload)
			size += len(e.Payload) + len(e.ID) + len(e.Stream) + len(e.Type) + len(e.Actor.ID) + len(e.Actor.Role) + len(e.CommandID) + 320
		}
	}
	if size > s.cfg.MaxWriteBytes {
		size = s.cfg.MaxWriteBytes + 1
	}
	value := append(make([]byte, 0, size), `{"format":"`+kafkaFormat+`","command_id":`...)
	value = appendString(value, batch.CommandID)
	value = append(value, `,"events":[`...)
	sealed := make([]event.Envelope, 0, n)
	block := make([]byte, 0, payloads) // compaction only shrinks a payload: block never grows
	var compact bytes.Buffer
	for si, sa := range batch.Streams {
		h := prev[si]
		for j, e := range sa.Events {
			e.Version = sa.ExpectedVersion + uint64(j) + 1
			e.OccurredAt = e.OccurredAt.UTC()
			e.RecordedAt = now
			e.Position = 0
			p := e.Payload
			if len(p) == 0 || !isCompact(p) {
				compact.Reset()
				if err := json.Compact(&compact, p); err != nil {
					return nil, nil, &event.StoreError{Op: "append", Stream: sa.Stream,
						Err: fmt.Errorf("%w: event %d (%s) payload is not JSON: %v", event.ErrInvalid, j, e.ID, err)}
				}
				p = compact.Bytes()
			}
			if len(block)+len(p) > cap(block) { // cannot happen; never move earlier payloads
				block = make([]byte, 0, max(len(p), payloads))
			}
			block = append(block, p...)
			e.Payload = block[len(block)-len(p) : len(block) : len(block)]
			if err := e.Seal(h); err != nil {
				return nil, nil, &event.StoreError{Op: "append", Stream: sa.Stream, Err: fmt.Errorf("%w: %v", event.ErrInvalid, err)}
			}
			h = e.Hash
			if si+j > 0 {
				value = append(value, ',')
			}
			value = appendRecord(value, &e)
			if len(value) > s.cfg.MaxWriteBytes {
				return nil, nil, &event.StoreError{Op: "append", Stream: sa.Stream,
					Err: fmt.Errorf("%w: the batch is more than MaxWriteBytes (%d) once encoded", event.ErrInvalid, s.cfg.MaxWriteBytes)}
			}
			sealed = append(sealed, e)
		}
	}
	value = append(value, "]}"...)
	if len(value) > s.cfg.MaxWriteBytes {
		return nil, nil, &event.StoreError{Op: "append", Stream: batch.Streams[0].Stream,
			Err: fmt.Errorf("%w: the batch is %d bytes, more than MaxWriteBytes (%d)", event.ErrInvalid, len(value), s.cfg.MaxWriteBytes)}
	}
	return value, sealed, nil
}

// records are the Kafka records of one write: one choucha-batch/1 record when the value
// fits in MaxMessageBytes, else parts of at most MaxMessageBytes each.
func (s *KafkaStore) records(key, writeID string, value []byte) []kafkago.Message {
	room := s.cfg.MaxMessageBytes - kafkaRecordOverhead - len(key)
	if len(value) <= room {
		return []kafkago.Message{{Key: []byte(key), Value: value, Headers: []kafkago.Header{
			{Key: kafkaHeaderFormat, Value: []byte(kafkaFormat)},
			{Key: kafkaHeaderWrite, Value: []byte(writeID)},
		}}}
	}
	n := (len(value) + room - 1) / room
	msgs := make([]kafkago.Message, n)
	for i := range msgs {
		msgs[i] = kafkago.Message{Key: []byte(key), Value: value[i*room : min((i+1)*room, len(value))], Headers: []kafkago.Header{
			{Key: kafkaHeaderFormat, Value: []byte(kafkaPartFormat)},
			{Key: kafkaHeaderWrite, Value: []byte(writeID)},
			{Key: kafkaHeaderPart, Value: strconv.AppendInt(nil, int64(i), 10)},
			{Key: kafkaHeaderParts, Value: strconv.AppendInt(nil, int64(n), 10)},
			{Key: kafkaHeaderBytes, Value: strconv.AppendInt(nil, int64(len(value)), 10)},
		}}
	}
	return msgs
}

func (s *KafkaStore) outcome(res applied) (event.Result, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case res.idx != nil:
		return s.result(res.idx, false), nil
	case res.replay != "":
		return s.result(s.commands[res.replay], true), nil
	}
	var se *event.StoreError
	if errors.As(res.err, &se) {
		return event.Result{}, res.err
	}
	return event.Result{}, &event.StoreError{Op: "append", Err: res.err}
}

// result copies the events at idx; s.mu is held.
func (s *KafkaStore) result(idx []int, replayed bool) event.Result {
	out := make([]event.Envelope, len(idx))
	for i, k := range idx {
		out[i] = s.events[k]
	}
	return event.Result{Events: out, Replayed: replayed}
}

// Load returns a stream's events in version order, from this store's state.
func (s *KafkaStore) Load(ctx context.Context, stream string) ([]event.Envelope, error) {
	if err := s.check(ctx, "load"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.streams[stream]
	if len(idx) == 0 {
		return nil, nil
	}
	return s.result(idx, false).Events, nil
}

// Version returns a stream's current version (0 if it does not exist).
func (s *KafkaStore) Version(ctx context.Context, stream string) (uint64, error) {
	if err := s.check(ctx, "version"); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return uint64(len(s.streams[stream])), nil
}

// Head is the position of the last applied event (0 for an empty log).
func (s *KafkaStore) Head(ctx context.Context) (uint64, error) {
	if err := s.check(ctx, "head"); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return uint64(len(s.events)), nil
}

// ReadFrom calls fn for each applied event at position ≥ from, up to the head at call time,
// without holding any lock (fn may append).
func (s *KafkaStore) ReadFrom(ctx context.Context, from uint64, fn func(event.Envelope) error) error {
	if err := s.check(ctx, "read"); err != nil {
		return err
	}
	from = max(from, 1)
	s.mu.RLock()
	var evs []event.Envelope
	if from <= uint64(len(s.events)) {
		evs = s.events[from-1 : len(s.events) : len(s.events)] // never modified, only appended to
	}
	s.mu.RUnlock()
	for i, e := range evs {
		if i%1024 == 1023 {
			if err := s.check(ctx, "read"); err != nil {
				return err
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Verify checks every stream's hash chain in the state (the apply rules already refuse a
// record that does not verify, so this finds only in-memory corruption).
func (s *KafkaStore) Verify(ctx context.Context) error {
	if err := s.check(ctx, "verify"); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for st, idx := range s.streams {
		if err := event.VerifyStream(s.result(idx, false).Events); err != nil {
			return &event.StoreError{Op: "verify", Stream: st, Err: err}
		}
	}
	for i, e := range s.events {
		if e.Position != uint64(i+1) {
			return &event.StoreError{Op: "verify", Stream: e.Stream, Version: e.Version,
				Err: fmt.Errorf("%w: event %d has position %d", event.ErrTampered, i, e.Position)}
		}
	}
	return nil
}

// Close leaves the election and stops reading. Closing twice is a no-op.
func (s *KafkaStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.isWriter.Store(false)
	s.cancel()
	var errs []error
	if s.group != nil { // leaves the group: the next member need not wait out the session
		if err := s.group.Close(); err != nil && !errors.Is(err, kafkago.ErrGroupClosed) {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	if s.reader != nil {
		if err := s.reader.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s.writer != nil {
		if err := s.writer.Close(); err != nil {
			errs = append(errs, err)
		}
		s.writer.Transport.(*kafkago.Transport).CloseIdleConnections()
	}
	if err := errors.Join(errs...); err != nil {
		return &event.StoreError{Op: "close", Err: err}
	}
	return nil
}
