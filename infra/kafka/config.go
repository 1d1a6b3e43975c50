package kafka

import (
	"errors"
	"fmt"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// TopicConfig says how this package creates a topic that does not exist yet.
type TopicConfig struct {
	// NumPartitions of a created topic. Required (>= 1). An existing topic is left as it is:
	// adding partitions later would move keys to other partitions and break per-stream order.
	NumPartitions int
	// ReplicationFactor of a created topic. Required (>= 1): 1 on the local single broker,
	// 3 in production.
	ReplicationFactor int
	// Configs are topic-level settings for a created topic, e.g. "retention.ms": "-1".
	Configs map[string]string
}

// Validate returns every problem of the configuration.
func (c TopicConfig) Validate() error {
	var errs []error
	if c.NumPartitions < 1 {
		errs = append(errs, fmt.Errorf("NumPartitions must be >= 1, got %d", c.NumPartitions))
	}
	if c.ReplicationFactor < 1 {
		errs = append(errs, fmt.Errorf("ReplicationFactor must be >= 1, got %d", c.ReplicationFactor))
	}
	for k := range c.Configs {
		if strings.TrimSpace(k) == "" {
			errs = append(errs, errors.New("Configs has an empty key"))
		}
	}
	return errors.Join(errs...)
}

// PublisherConfig configures NewPublisher. Zero values get the defaults listed per field.
type PublisherConfig struct {
	// Brokers are bootstrap addresses (host:port). Required.
	Brokers []string
	// Marshaler builds the record value and headers. Default DefaultMarshaler.
	Marshaler Marshaler
	// PartitionKey gives each record's key. Default MetadataPartitionKey(StreamIDMetadataKey):
	// the stream id, and a message without one is refused.
	PartitionKey PartitionKeyFunc
	// Topic, when set, makes the publisher create a missing topic (once per topic and
	// Publisher) before its first write to it. When nil the publisher creates nothing and lets the
	// broker auto-create the topic with its own defaults, if the broker allows that.
	Topic *TopicConfig

	// BatchTimeout is how long the kafka-go Writer waits to fill a batch. Publish is
	// synchronous, so this is added to the latency of every Publish. Default 2ms.
	BatchTimeout time.Duration
	// BatchSize is the most records per batch. Default 100.
	BatchSize int
	// WriteTimeout bounds one produce request. Default 10s.
	WriteTimeout time.Duration
	// MaxAttempts is how often a failed batch is tried. Default 10. Retries can duplicate a
	// record (kafka-go has no idempotent producer); readers keep the first (stream, version).
	MaxAttempts int
	// Transport carries TLS/SASL settings. Default: a plain TCP kafkago.Transport owned (and
	// closed) by the Publisher.
	Transport *kafkago.Transport
}

func (c *PublisherConfig) setDefaults() {
	if c.Marshaler == nil {
		c.Marshaler = DefaultMarshaler{}
	}
	if c.PartitionKey == nil {
		c.PartitionKey = MetadataPartitionKey(StreamIDMetadataKey)
	}
	if c.BatchTimeout == 0 {
		c.BatchTimeout = 2 * time.Millisecond
	}
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 10
	}
}

// Validate returns every problem of the configuration (after defaults).
func (c PublisherConfig) Validate() error {
	errs := validateBrokers(c.Brokers)
	if c.Marshaler == nil {
		errs = append(errs, errors.New("missing Marshaler"))
	}
	if c.PartitionKey == nil {
		errs = append(errs, errors.New("missing PartitionKey"))
	}
	if c.Topic != nil {
		if err := c.Topic.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Topic: %w", err))
		}
	}
	if c.BatchTimeout < 0 {
		errs = append(errs, fmt.Errorf("BatchTimeout must be > 0, got %s", c.BatchTimeout))
	}
	if c.BatchSize < 1 {
		errs = append(errs, fmt.Errorf("BatchSize must be >= 1, got %d", c.BatchSize))
	}
	if c.WriteTimeout < 0 {
		errs = append(errs, fmt.Errorf("WriteTimeout must be > 0, got %s", c.WriteTimeout))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("MaxAttempts must be >= 1, got %d", c.MaxAttempts))
	}
	return prefixErr("kafka: invalid PublisherConfig", errs)
}

// SubscriberConfig configures NewSubscriber. Zero values get the defaults listed per field.
type SubscriberConfig struct {
	// Brokers are bootstrap addresses (host:port). Required.
	Brokers []string
	// ConsumerGroup is the Kafka consumer group of every Subscribe call. Required: offsets live in
	// the group, and the group name is the identity of a read model (renaming it re-reads the
	// topic). Pin it as a constant.
	ConsumerGroup string
	// Unmarshaler turns records into messages. Default DefaultMarshaler.
	Unmarshaler Unmarshaler
	// Topic, when set, makes Subscribe and SubscribeInitialize create a missing topic. When nil,
	// Subscribe refuses a topic that does not exist (a kafka-go group reader would otherwise wait
	// forever for partitions) and SubscribeInitialize is an error.
	Topic *TopicConfig

	// StartOffset is where a group without a committed offset starts: kafkago.FirstOffset
	// (default: read the whole log) or kafkago.LastOffset.
	StartOffset int64
	// NackResendSleep is the pause before a nacked message is delivered again. Default 0.
	NackResendSleep time.Duration
	// ErrorBackoff is the pause after a fetch error before fetching again. Default 1s.
	ErrorBackoff time.Duration

	// Consumer group timings, passed to kafka-go. Defaults: HeartbeatInterval 3s, SessionTimeout
	// 30s, RebalanceTimeout 30s, JoinGroupBackoff 5s. A member notices a rebalance at its next
	// heartbeat, so HeartbeatInterval bounds how fast partitions move.
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	JoinGroupBackoff  time.Duration

	// MaxWait is the longest a fetch waits for new records. Default 1s.
	MaxWait time.Duration
	// QueueCapacity is how many records kafka-go prefetches per subscription. Default 100.
	QueueCapacity int
	// CommitInterval 0 (default) commits synchronously: after an Ack the subscription waits for
	// the broker to store the offset before it fetches the next record. A positive interval lets
	// kafka-go send commits in the background every interval (faster; after a crash up to one
	// interval of acked records is delivered again).
	CommitInterval time.Duration
	// CommitTimeout bounds the commit after an Ack, which also runs when the subscription is
	// ending (so an Ack just before Close counts). Default 5s.
	CommitTimeout time.Duration
	// Dialer carries TLS/SASL settings. Default kafkago.DefaultDialer.
	Dialer *kafkago.Dialer
}

func (c *SubscriberConfig) setDefaults() {
	if c.Unmarshaler == nil {
		c.Unmarshaler = DefaultMarshaler{}
	}
	if c.StartOffset == 0 {
		c.StartOffset = kafkago.FirstOffset
	}
	if c.ErrorBackoff == 0 {
		c.ErrorBackoff = time.Second
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 3 * time.Second
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 30 * time.Second
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = 30 * time.Second
	}
	if c.JoinGroupBackoff == 0 {
		c.JoinGroupBackoff = 5 * time.Second
	}
	if c.MaxWait == 0 {
		c.MaxWait = time.Second
	}
	if c.QueueCapacity == 0 {
		c.QueueCapacity = 100
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = 5 * time.Second
	}
}

// Validate returns every problem of the configuration (after defaults).
func (c SubscriberConfig) Validate() error {
	errs := validateBrokers(c.Brokers)
	if strings.TrimSpace(c.ConsumerGroup) == "" {
		errs = append(errs, errors.New("missing ConsumerGroup"))
	}
	if c.Unmarshaler == nil {
		errs = append(errs, errors.New("missing Unmarshaler"))
	}
	if c.Topic != nil {
		if err := c.Topic.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Topic: %w", err))
		}
	}
	if c.StartOffset != kafkago.FirstOffset && c.StartOffset != kafkago.LastOffset {
		errs = append(errs, fmt.Errorf("StartOffset must be kafka-go FirstOffset (%d) or LastOffset (%d), got %d",
			kafkago.FirstOffset, kafkago.LastOffset, c.StartOffset))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		zero bool // 0 allowed
	}{
		{"NackResendSleep", c.NackResendSleep, true},
		{"ErrorBackoff", c.ErrorBackoff, false},
		{"HeartbeatInterval", c.HeartbeatInterval, false},
		{"SessionTimeout", c.SessionTimeout, false},
		{"RebalanceTimeout", c.RebalanceTimeout, false},
		{"JoinGroupBackoff", c.JoinGroupBackoff, false},
		{"MaxWait", c.MaxWait, false},
		{"CommitInterval", c.CommitInterval, true},
		{"CommitTimeout", c.CommitTimeout, false},
	} {
		if d.v < 0 || (d.v == 0 && !d.zero) {
			errs = append(errs, fmt.Errorf("%s must be > 0, got %s", d.name, d.v))
		}
	}
	if c.HeartbeatInterval > 0 && c.SessionTimeout > 0 && c.HeartbeatInterval >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("HeartbeatInterval (%s) must be shorter than SessionTimeout (%s)", c.HeartbeatInterval, c.SessionTimeout))
	}
	if c.QueueCapacity < 1 {
		errs = append(errs, fmt.Errorf("QueueCapacity must be >= 1, got %d", c.QueueCapacity))
	}
	return prefixErr("kafka: invalid SubscriberConfig", errs)
}

func validateBrokers(brokers []string) []error {
	if len(brokers) == 0 {
		return []error{errors.New("missing Brokers")}
	}
	var errs []error
	for i, b := range brokers {
		if strings.TrimSpace(b) == "" {
			errs = append(errs, fmt.Errorf("Brokers[%d] is empty", i))
		}
	}
	return errs
}

// prefixErr joins errs under one heading; nil when there are none.
func prefixErr(heading string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w", heading, errors.Join(errs...))
}
