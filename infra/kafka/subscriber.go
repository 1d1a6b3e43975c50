package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// ErrSubscriberClosed is returned by Subscribe after Close.
var ErrSubscriberClosed = errors.New("kafka: subscriber closed")

// Subscriber is a Watermill message.Subscriber on kafka-go group Readers. Every Subscribe call
// is one member of SubscriberConfig.ConsumerGroup, reading one topic.
type Subscriber struct {
	config SubscriberConfig
	logger watermill.LoggerAdapter
	topics topicSet

	mu      sync.Mutex
	closed  bool
	closing chan struct{} // closed by Close: every subscription stops
	subs    sync.WaitGroup
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber checks the configuration (every problem at once) and builds a Subscriber. It
// does not connect: Subscribe does.
func NewSubscriber(config SubscriberConfig, logger watermill.LoggerAdapter) (*Subscriber, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	return &Subscriber{config: config, logger: logger, closing: make(chan struct{})}, nil
}

// SubscribeInitialize creates topic (SubscriberConfig.Topic) if it does not exist.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	if s.config.Topic == nil {
		return fmt.Errorf("kafka: cannot initialize topic %q: SubscriberConfig.Topic is not set", topic)
	}
	return s.ensureTopic(context.Background(), topic)
}

func (s *Subscriber) ensureTopic(ctx context.Context, topic string) error {
	return s.topics.ensure(topic, func() error {
		transport := transportFromDialer(s.config.Dialer)
		defer transport.CloseIdleConnections()
		if s.config.Topic != nil {
			return EnsureTopic(ctx, s.config.Brokers, transport, topic, *s.config.Topic)
		}
		client := &kafkago.Client{Addr: kafkago.TCP(s.config.Brokers...), Transport: transport}
		exists, err := topicReady(ctx, client, topic)
		switch {
		case err != nil:
			return fmt.Errorf("kafka: subscribe to %q: %w", topic, err)
		case !exists:
			return fmt.Errorf("kafka: subscribe to %q: topic does not exist (create it, or set SubscriberConfig.Topic)", topic)
		}
		return nil
	})
}

// transportFromDialer carries a Dialer's TLS and SASL settings over to a Transport for the
// admin requests (topic creation, metadata).
func transportFromDialer(d *kafkago.Dialer) *kafkago.Transport {
	if d == nil {
		return &kafkago.Transport{}
	}
	return &kafkago.Transport{ClientID: d.ClientID, TLS: d.TLS, SASL: d.SASLMechanism}
}

// Subscribe joins the consumer group for topic and returns the channel of its messages. The
// channel is closed when ctx is done or the Subscriber is closed, after the group member left.
//
// Each message must be acked or nacked before the next one of this subscription is delivered.
// Ack commits the record's offset (see SubscriberConfig.CommitInterval); Nack delivers the same
// record again. The message context is done after Ack or Nack, or when the subscription ends.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSubscriberClosed
	}
	s.subs.Add(1)
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	go func() { // Close ends the subscription; the goroutine ends with it either way
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()

	if err := s.ensureTopic(ctx, topic); err != nil {
		cancel()
		s.subs.Done()
		return nil, err
	}

	c := s.config
	reader := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:           c.Brokers,
		GroupID:           c.ConsumerGroup,
		Topic:             topic,
		Dialer:            c.Dialer,
		QueueCapacity:     c.QueueCapacity,
		MaxWait:           c.MaxWait,
		StartOffset:       c.StartOffset,
		HeartbeatInterval: c.HeartbeatInterval,
		SessionTimeout:    c.SessionTimeout,
		RebalanceTimeout:  c.RebalanceTimeout,
		JoinGroupBackoff:  c.JoinGroupBackoff,
		CommitInterval:    c.CommitInterval,
		ReadLagInterval:   -1,
		ErrorLogger:       kafkaLogger(s.logger, "kafka-go reader "+topic),
	})

	out := make(chan *message.Message)
	fields := watermill.LogFields{"topic": topic, "consumer_group": c.ConsumerGroup}
	s.logger.Debug("subscribed", fields)
	go func() {
		defer s.subs.Done()
		defer close(out)
		defer cancel()
		s.consume(ctx, reader, out, fields)
		// Close leaves the group, so that the partitions move at once and not after
		// SessionTimeout; the channel is closed after that.
		if err := reader.Close(); err != nil {
			s.logger.Error("closing kafka reader", err, fields)
		}
		s.logger.Debug("subscription ended", fields)
	}()
	return out, nil
}

// consume runs one subscription until ctx is done or the record cannot be unmarshaled.
func (s *Subscriber) consume(ctx context.Context, reader *kafkago.Reader, out chan<- *message.Message, fields watermill.LogFields) {
	for {
		rec, err := reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			s.logger.Error("fetching from kafka, retrying", err, fields)
			if !sleep(ctx, s.config.ErrorBackoff) {
				return
			}
			continue
		}
		if !s.deliver(ctx, reader, rec, out, fields) {
			return
		}
	}
}

// deliver hands rec to the consumer until it is acked (then commits it) and reports whether the
// subscription goes on.
func (s *Subscriber) deliver(ctx context.Context, reader *kafkago.Reader, rec kafkago.Message, out chan<- *message.Message, fields watermill.LogFields) bool {
	recFields := fields.Add(watermill.LogFields{"partition": rec.Partition, "offset": rec.Offset})
	for delivery := 1; ; delivery++ {
		msg, err := s.config.Unmarshaler.Unmarshal(rec)
		if err != nil {
			// Skipping would lose the record and committing past it would too; stop loudly.
			s.logger.Error("cannot unmarshal kafka record; subscription stopped (nothing committed past it)", err, recFields)
			return false
		}
		msgCtx, cancelMsg := context.WithCancel(withRecord(ctx, Record{
			Topic:     rec.Topic,
			Partition: rec.Partition,
			Offset:    rec.Offset,
			Key:       string(rec.Key),
			Time:      rec.Time,
			Delivery:  delivery,
		}))
		msg.SetContext(msgCtx)

		select {
		case out <- msg:
		case <-ctx.Done():
			cancelMsg()
			return false
		}

		select {
		case <-msg.Acked():
			cancelMsg()
			s.commit(ctx, reader, rec, recFields)
			return ctx.Err() == nil
		case <-msg.Nacked():
			cancelMsg()
			s.logger.Debug("nacked; delivering the record again", recFields)
			if !sleep(ctx, s.config.NackResendSleep) {
				return false
			}
		case <-ctx.Done():
			cancelMsg()
			select {
			case <-msg.Acked(): // acked as the subscription ended: still commit it
				s.commit(ctx, reader, rec, recFields)
			default:
			}
			return false
		}
	}
}

// commit stores the offset after rec. It is not cancelled by the end of the subscription: a
// consumer that acks and then closes expects the ack to count. It is bounded by CommitTimeout
// (a commit waits while the group rebalances).
func (s *Subscriber) commit(ctx context.Context, reader *kafkago.Reader, rec kafkago.Message, fields watermill.LogFields) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.config.CommitTimeout)
	defer cancel()
	if err := reader.CommitMessages(ctx, rec); err != nil {
		// The record was handled; it comes again from the last committed offset after a
		// rebalance or restart (at least once).
		s.logger.Error("committing kafka offset failed; the record may be delivered again", err, fields)
	}
}

// Close ends every subscription, waits until their group members left and their channels are
// closed. Later calls return nil.
func (s *Subscriber) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.subs.Wait()
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
