// Package kafka is a Watermill Publisher and Subscriber on segmentio/kafka-go.
//
// Watermill's own Kafka adapter is built on Sarama; nothing maintained upstream puts Watermill on
// kafka-go, so this package does. It keeps the rules of ARCHITECTURE.md ("Events"):
//
//   - Publisher: one kafka-go Writer, RequiredAcks = all (not configurable), Hash balancer
//     (not configurable), partition key = the message's stream id (metadata StreamIDMetadataKey)
//     unless PublisherConfig.PartitionKey says otherwise. Publish is synchronous: it returns after
//     every message was acknowledged by all in-sync replicas, or an error.
//   - Subscriber: one kafka-go Reader with a consumer group per Subscribe call. It fetches with
//     FetchMessage, hands the message to the consumer and waits. Ack: the offset is committed
//     (CommitMessages) and the next message is fetched. Nack: the same Kafka record is delivered
//     again as a new *message.Message (same UUID, payload and metadata), after
//     SubscriberConfig.NackResendSleep, without committing and without seeking; nothing after it in
//     that subscription is delivered in the meantime. Exactly one message is in flight per
//     subscription, so the records of one partition reach the consumer in log order.
//
// Delivery is at least once: a rebalance, a restart or a commit that did not reach the broker
// redelivers records from the last committed offset. Consumers must be idempotent (projections
// skip version <= stored).
//
// The contract tests (Watermill's pubsub/tests.TestPubSub and this package's own) need a real
// broker and run with the build tag "integration"; see README.md.
package kafka
