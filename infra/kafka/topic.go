package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// EnsureTopic creates topic with cfg unless it exists, then waits until the broker's metadata
// lists the topic with a leader for every partition (a consumer group that joins before that
// may be assigned no partitions at all). An existing topic is not changed, whatever its
// partition count. transport may be nil (plain TCP).
func EnsureTopic(ctx context.Context, brokers []string, transport *kafkago.Transport, topic string, cfg TopicConfig) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("kafka: ensure topic %q: %w", topic, err)
	}
	if len(brokers) == 0 {
		return fmt.Errorf("kafka: ensure topic %q: no brokers", topic)
	}
	owned := transport == nil
	if owned {
		transport = &kafkago.Transport{}
		defer transport.CloseIdleConnections()
	}
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...), Transport: transport}

	entries := make([]kafkago.ConfigEntry, 0, len(cfg.Configs))
	for k, v := range cfg.Configs {
		entries = append(entries, kafkago.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	res, err := client.CreateTopics(ctx, &kafkago.CreateTopicsRequest{Topics: []kafkago.TopicConfig{{
		Topic:             topic,
		NumPartitions:     cfg.NumPartitions,
		ReplicationFactor: cfg.ReplicationFactor,
		ConfigEntries:     entries,
	}}})
	if err != nil {
		return fmt.Errorf("kafka: create topic %q: %w", topic, err)
	}
	if err := res.Errors[topic]; err != nil && !errors.Is(err, kafkago.TopicAlreadyExists) {
		return fmt.Errorf("kafka: create topic %q (%d partitions, replication %d): %w", topic, cfg.NumPartitions, cfg.ReplicationFactor, err)
	}
	return waitTopicReady(ctx, client, topic)
}

// topicReady asks the cluster whether topic exists with a leader on every partition.
func topicReady(ctx context.Context, client *kafkago.Client, topic string) (exists bool, err error) {
	md, err := client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return false, err
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			if errors.Is(t.Error, kafkago.UnknownTopicOrPartition) {
				return false, nil
			}
			return false, t.Error
		}
		if len(t.Partitions) == 0 {
			return false, fmt.Errorf("topic %q has no partitions yet", topic)
		}
		for _, p := range t.Partitions {
			if p.Error != nil {
				return true, fmt.Errorf("topic %q partition %d: %w", topic, p.ID, p.Error)
			}
			if p.Leader.Host == "" {
				return true, fmt.Errorf("topic %q partition %d has no leader yet", topic, p.ID)
			}
		}
		return true, nil
	}
	return false, nil
}

func waitTopicReady(ctx context.Context, client *kafkago.Client, topic string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	delay := 20 * time.Millisecond
	for {
		exists, err := topicReady(ctx, client, topic)
		if exists && err == nil {
			return nil
		}
		if err == nil {
			err = errors.New("not in the metadata yet")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka: topic %q not ready: %w (%w)", topic, err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// topicSet remembers which topics were ensured (or found) already; ensure runs f at most once
// successfully per topic, concurrent callers of one topic wait for the same attempt.
type topicSet struct {
	mu   sync.Mutex
	done map[string]bool
	busy map[string]chan struct{}
}

func (s *topicSet) ensure(topic string, f func() error) error {
	for {
		s.mu.Lock()
		if s.done[topic] {
			s.mu.Unlock()
			return nil
		}
		if wait, ok := s.busy[topic]; ok {
			s.mu.Unlock()
			<-wait
			continue
		}
		if s.busy == nil {
			s.busy, s.done = map[string]chan struct{}{}, map[string]bool{}
		}
		ch := make(chan struct{})
		s.busy[topic] = ch
		s.mu.Unlock()

		err := f()

		s.mu.Lock()
		delete(s.busy, topic)
		if err == nil {
			s.done[topic] = true
		}
		s.mu.Unlock()
		close(ch)
		return err
	}
}
