package kafka_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/infra/kafka"
)

// These tests need no broker; the contract tests are in pubsub_integration_test.go.

func TestPublisherConfigReportsEveryProblem(t *testing.T) {
	_, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:     []string{"127.0.0.1:9092", " "},
		Topic:       &kafka.TopicConfig{},
		BatchSize:   -1,
		MaxAttempts: -2,
	}, nil)
	if err == nil {
		t.Fatal("NewPublisher accepted an invalid config")
	}
	for _, want := range []string{
		"Brokers[1] is empty",
		"Topic: NumPartitions must be >= 1",
		"ReplicationFactor must be >= 1",
		"BatchSize must be >= 1",
		"MaxAttempts must be >= 1",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestPublisherConfigDefaultsAreValid(t *testing.T) {
	p, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: []string{"127.0.0.1:9092"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := p.Publish("t", message.NewMessage("1", nil)); !errors.Is(err, kafka.ErrPublisherClosed) {
		t.Fatalf("Publish after Close: %v, want ErrPublisherClosed", err)
	}
}

func TestSubscriberConfigReportsEveryProblem(t *testing.T) {
	_, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		StartOffset:       42,
		HeartbeatInterval: 10 * time.Second,
		SessionTimeout:    6 * time.Second,
		NackResendSleep:   -time.Second,
		Topic:             &kafka.TopicConfig{NumPartitions: 4},
	}, nil)
	if err == nil {
		t.Fatal("NewSubscriber accepted an invalid config")
	}
	for _, want := range []string{
		"missing Brokers",
		"missing ConsumerGroup",
		"Topic: ReplicationFactor must be >= 1",
		"StartOffset must be",
		"NackResendSleep must be > 0",
		"HeartbeatInterval (10s) must be shorter than SessionTimeout (6s)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestSubscriberConfigDefaultsAreValid(t *testing.T) {
	s, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers:       []string{"127.0.0.1:9092"},
		ConsumerGroup: "projection.test",
		StartOffset:   kafkago.LastOffset,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SubscribeInitialize("t"); err == nil {
		t.Error("SubscribeInitialize without SubscriberConfig.Topic succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(t.Context(), "t"); !errors.Is(err, kafka.ErrSubscriberClosed) {
		t.Fatalf("Subscribe after Close: %v, want ErrSubscriberClosed", err)
	}
}

func TestPublishRefusesMessageWithoutStreamID(t *testing.T) {
	// Port 1: nothing listens; the message must be refused before any connection attempt.
	p, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: []string{"127.0.0.1:1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Publish("choucha.events", message.NewMessage("m1", []byte("{}")))
	if !errors.Is(err, kafka.ErrNoPartitionKey) {
		t.Fatalf("Publish without %q: %v, want ErrNoPartitionKey", kafka.StreamIDMetadataKey, err)
	}
}

func TestDefaultMarshalerRoundTrip(t *testing.T) {
	msg := message.NewMessage("0196f5a4-0000-7000-8000-000000000001", []byte(`{"a":1}`))
	msg.Metadata.Set(kafka.StreamIDMetadataKey, "plan-1")
	msg.Metadata.Set("type", "plan.announced.v1")

	var m kafka.DefaultMarshaler
	rec, err := m.Marshal("choucha.events", msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Unmarshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(msg) {
		t.Fatalf("round trip: got %s %q %v, want %s %q %v", got.UUID, got.Payload, got.Metadata, msg.UUID, msg.Payload, msg.Metadata)
	}

	bad := message.NewMessage("x", nil)
	bad.Metadata.Set(kafka.UUIDHeader, "y")
	if _, err := m.Marshal("t", bad); err == nil {
		t.Error("Marshal accepted metadata named like the UUID header")
	}
	if _, err := m.Unmarshal(kafkago.Message{Value: []byte("x")}); err == nil {
		t.Error("Unmarshal accepted a record without the UUID header")
	}
}
