package kafka

import (
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// StreamIDMetadataKey is the metadata field that carries the stream id of an event
// (plan-…, task-…, enterprise-<USCC>). The default partition key is its value, so every event
// of one stream lands on one partition, in order.
const StreamIDMetadataKey = "stream_id"

// UUIDHeader is the Kafka record header that carries the Watermill message UUID.
const UUIDHeader = "_watermill_message_uuid"

// ErrNoPartitionKey is returned by Publish when a message has no partition key under the
// default key function (no StreamIDMetadataKey metadata).
var ErrNoPartitionKey = errors.New("kafka: message has no partition key")

// PartitionKeyFunc returns the partition key of a message. The empty string means "no key":
// kafka-go's Hash balancer then spreads such messages round-robin, with no ordering between them.
type PartitionKeyFunc func(topic string, msg *message.Message) (string, error)

// MetadataPartitionKey returns a PartitionKeyFunc that uses the metadata field as the key. A
// message without that field (or with an empty value) is refused with ErrNoPartitionKey: an
// unkeyed event would silently lose its per-stream order.
func MetadataPartitionKey(field string) PartitionKeyFunc {
	return func(topic string, msg *message.Message) (string, error) {
		if key := msg.Metadata.Get(field); key != "" {
			return key, nil
		}
		return "", fmt.Errorf("%w: message %s to topic %q has no %q metadata", ErrNoPartitionKey, msg.UUID, topic, field)
	}
}

// Marshaler turns a Watermill message into a Kafka record (value and headers). The record's
// topic and key are set by the Publisher, not by the Marshaler.
type Marshaler interface {
	Marshal(topic string, msg *message.Message) (kafkago.Message, error)
}

// Unmarshaler turns a Kafka record back into a Watermill message.
type Unmarshaler interface {
	Unmarshal(rec kafkago.Message) (*message.Message, error)
}

// MarshalerUnmarshaler does both.
type MarshalerUnmarshaler interface {
	Marshaler
	Unmarshaler
}

// DefaultMarshaler stores the payload as the record value, the UUID in the UUIDHeader header
// and each metadata field as a header of the same name.
type DefaultMarshaler struct{}

var _ MarshalerUnmarshaler = DefaultMarshaler{}

// Marshal implements Marshaler.
func (DefaultMarshaler) Marshal(topic string, msg *message.Message) (kafkago.Message, error) {
	if _, reserved := msg.Metadata[UUIDHeader]; reserved {
		return kafkago.Message{}, fmt.Errorf("kafka: message %s: metadata %q is reserved for the UUID", msg.UUID, UUIDHeader)
	}
	headers := make([]kafkago.Header, 0, len(msg.Metadata)+1)
	headers = append(headers, kafkago.Header{Key: UUIDHeader, Value: []byte(msg.UUID)})
	for k, v := range msg.Metadata {
		headers = append(headers, kafkago.Header{Key: k, Value: []byte(v)})
	}
	return kafkago.Message{Value: msg.Payload, Headers: headers}, nil
}

// Unmarshal implements Unmarshaler.
func (DefaultMarshaler) Unmarshal(rec kafkago.Message) (*message.Message, error) {
	var uuid string
	var sawUUID bool
	metadata := make(message.Metadata, len(rec.Headers))
	for _, h := range rec.Headers {
		if h.Key == UUIDHeader {
			uuid, sawUUID = string(h.Value), true
			continue
		}
		metadata.Set(h.Key, string(h.Value))
	}
	if !sawUUID {
		return nil, fmt.Errorf("kafka: record %s/%d@%d has no %q header", rec.Topic, rec.Partition, rec.Offset, UUIDHeader)
	}
	msg := message.NewMessage(uuid, rec.Value)
	msg.Metadata = metadata
	return msg, nil
}
