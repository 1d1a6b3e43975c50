package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("kafka: publisher closed")

// Publisher is a Watermill message.Publisher on a kafka-go Writer (RequiredAcks = all,
// Hash balancer). Publish is synchronous and safe for concurrent use; concurrent calls share
// batches.
type Publisher struct {
	config         PublisherConfig
	logger         watermill.LoggerAdapter
	writer         *kafkago.Writer
	transport      *kafkago.Transport
	ownedTransport bool
	topics         topicSet

	mu     sync.RWMutex // Publish holds it shared; Close exclusively
	closed bool
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher checks the configuration (every problem at once) and builds a Publisher. It does
// not connect: the first Publish does.
func NewPublisher(config PublisherConfig, logger watermill.LoggerAdapter) (*Publisher, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	p := &Publisher{config: config, logger: logger, transport: config.Transport}
	if p.transport == nil {
		p.transport, p.ownedTransport = &kafkago.Transport{}, true
	}
	p.writer = &kafkago.Writer{
		Addr:                   kafkago.TCP(config.Brokers...),
		Balancer:               &kafkago.Hash{},
		RequiredAcks:           kafkago.RequireAll,
		MaxAttempts:            config.MaxAttempts,
		BatchSize:              config.BatchSize,
		BatchTimeout:           config.BatchTimeout,
		WriteTimeout:           config.WriteTimeout,
		AllowAutoTopicCreation: config.Topic == nil,
		Transport:              p.transport,
		ErrorLogger:            kafkaLogger(logger, "kafka-go writer"),
	}
	return p, nil
}

// Publish writes msgs to topic, in order, and returns once every record was acknowledged by
// all in-sync replicas. Records with the same key keep their order. On an error some records
// may have been written (kafka.WriteErrors tells which failed); a retry can duplicate.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrPublisherClosed
	}
	if len(msgs) == 0 {
		return nil
	}

	recs := make([]kafkago.Message, len(msgs))
	for i, msg := range msgs {
		rec, err := p.config.Marshaler.Marshal(topic, msg)
		if err != nil {
			return fmt.Errorf("kafka: marshal message %s: %w", msg.UUID, err)
		}
		key, err := p.config.PartitionKey(topic, msg)
		if err != nil {
			return err
		}
		rec.Topic = topic
		rec.Key = nil
		if key != "" {
			rec.Key = []byte(key)
		}
		recs[i] = rec
	}

	ctx := context.Background()
	if p.config.Topic != nil {
		err := p.topics.ensure(topic, func() error {
			return EnsureTopic(ctx, p.config.Brokers, p.transport, topic, *p.config.Topic)
		})
		if err != nil {
			return err
		}
	}

	if err := p.writer.WriteMessages(ctx, recs...); err != nil {
		var werrs kafkago.WriteErrors
		if errors.As(err, &werrs) {
			var failed []error
			for i, e := range werrs {
				if e != nil {
					failed = append(failed, fmt.Errorf("message %s: %w", msgs[i].UUID, e))
				}
			}
			return fmt.Errorf("kafka: publish to %q: %d of %d messages failed: %w", topic, werrs.Count(), len(msgs), errors.Join(failed...))
		}
		return fmt.Errorf("kafka: publish %d message(s) to %q: %w", len(msgs), topic, err)
	}
	p.logger.Trace("published", watermill.LogFields{"topic": topic, "messages": len(msgs)})
	return nil
}

// Close waits for running Publish calls, flushes and closes the writer. Later calls return nil.
func (p *Publisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.writer.Close()
	if p.ownedTransport {
		p.transport.CloseIdleConnections()
	}
	if err != nil {
		return fmt.Errorf("kafka: close publisher: %w", err)
	}
	return nil
}

// kafkaLogger routes kafka-go's error log (mostly retried, transient conditions such as
// rebalances or a coordinator still loading) to the Watermill logger at Info level; errors
// that reach the caller are returned by the API calls themselves.
func kafkaLogger(logger watermill.LoggerAdapter, who string) kafkago.Logger {
	return kafkago.LoggerFunc(func(format string, args ...any) {
		logger.Info(who+": "+fmt.Sprintf(format, args...), nil)
	})
}
