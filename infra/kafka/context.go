package kafka

import (
	"context"
	"time"
)

// Record says where a delivered message sits in Kafka.
type Record struct {
	Topic     string
	Partition int
	Offset    int64
	Key       string
	Time      time.Time // the record's timestamp (producer time by default)
	// Delivery is 1 for the first delivery of the record by this subscription and grows by one
	// with each redelivery after a Nack. A redelivery by another subscription (after a
	// rebalance or restart) starts at 1 again.
	Delivery int
}

type recordKey struct{}

func withRecord(ctx context.Context, r Record) context.Context {
	return context.WithValue(ctx, recordKey{}, r)
}

// RecordFromContext returns the Kafka coordinates of a message delivered by a Subscriber
// (msg.Context()).
func RecordFromContext(ctx context.Context) (Record, bool) {
	r, ok := ctx.Value(recordKey{}).(Record)
	return r, ok
}
