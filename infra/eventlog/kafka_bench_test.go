//go:build integration

package eventlog

// Throughput of the Kafka store against a real broker (CHOUCHA_KAFKA_BROKERS, as for
// kafka_test.go):
//
//	go test -tags integration -run '^$' -bench Kafka -benchtime 1x ./infra/eventlog/

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/domain/event"
)

const (
	benchKafkaEvents = 200_000
	benchKafkaBatch  = 500
)

// benchKafkaBatches are the Appends of the benchmark: batches of benchKafkaBatch new
// enterprise streams of one event each, with payloads of about 500 bytes.
func benchKafkaBatches(prefix string) []event.Batch {
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	notes := strings.Repeat("经营范围：食品销售；", 12)
	var out []event.Batch
	for from := 0; from < benchKafkaEvents; from += benchKafkaBatch {
		cmd := fmt.Sprintf("%s-import-%d", prefix, from)
		b := event.Batch{CommandID: cmd, Streams: make([]event.StreamAppend, benchKafkaBatch)}
		for i := range benchKafkaBatch {
			uscc := fmt.Sprintf("91330100%09dX", from+i)
			stream := prefix + "-enterprise-" + uscc
			payload, _ := json.Marshal(map[string]any{
				"uscc": uscc, "name": fmt.Sprintf("杭州示例贸易有限公司%d", from+i), "region": "330106",
				"address": "浙江省杭州市西湖区文三路 100 号", "legal_representative": "张三",
				"industry": "F5121", "registered_capital": 1000000, "established": "2015-06-01", "scope": notes,
			})
			b.Streams[i] = event.StreamAppend{Stream: stream, Events: []event.Envelope{{
				ID: fmt.Sprintf("0195%012d", from+i), Stream: stream, Type: "directory.enterprise_registered.v1",
				OccurredAt: at, Actor: event.Actor{ID: "import", Role: "system"}, CommandID: cmd, Payload: payload,
			}}}
		}
		out = append(out, b)
	}
	return out
}

// BenchmarkKafkaAppend: the writer's Append of 200k events in batches of 500 (seal, encode,
// produce with acks=all, wait until its own tailer applied the write); a ReadOnly store's
// rebuild of that topic (every record decoded and its hashes verified); and, as the floor,
// a raw kafka-go produce of the same record values with the writer's settings.
func BenchmarkKafkaAppend(b *testing.B) {
	brokers := kafkaBrokers(b)
	topic := newTopic(b)
	var values [][]byte // the records Append wrote, for the raw produce

	b.Run("Append", func(b *testing.B) {
		s := openWriter(b, topic)
		defer s.Close()
		for it := 0; b.Loop(); it++ {
			b.StopTimer()
			batches := benchKafkaBatches(fmt.Sprint("a", it))
			b.StartTimer()
			for _, batch := range batches {
				res, err := s.Append(context.Background(), batch)
				if err != nil || len(res.Events) != benchKafkaBatch {
					b.Fatalf("Append: %d events, %v", len(res.Events), err)
				}
			}
		}
		b.ReportMetric(float64(benchKafkaEvents*b.N)/b.Elapsed().Seconds(), "events/s")
		// The values as the writer encoded them (same sizes as what it produced).
		batches := benchKafkaBatches("raw")
		for _, batch := range batches {
			v, err := s.encode(batch, make([]string, len(batch.Streams)))
			if err != nil {
				b.Fatal(err)
			}
			values = append(values, v)
		}
	})

	b.Run("ReadOnlyRebuild", func(b *testing.B) {
		var head uint64
		for b.Loop() {
			s := openReadOnly(b, topic)
			head, _ = s.Head(context.Background())
			b.StopTimer()
			_ = s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(head)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("RawProduce", func(b *testing.B) {
		if len(values) == 0 {
			b.Skip("no values: Append did not run")
		}
		cfg := testKafkaConfig(brokers, topic+".raw")
		cfg.setDefaults()
		s, err := OpenKafka(context.Background(), KafkaConfig{Brokers: cfg.Brokers, Topic: cfg.Topic, ReadOnly: true})
		if err != nil { // creates the topic
			b.Fatal(err)
		}
		_ = s.Close()
		w := &kafkago.Writer{
			Addr: kafkago.TCP(cfg.Brokers...), Topic: cfg.Topic, Balancer: &kafkago.Hash{},
			RequiredAcks: kafkago.RequireAll, BatchSize: 1, BatchBytes: int64(cfg.MaxMessageBytes),
			BatchTimeout: time.Millisecond, WriteTimeout: cfg.WriteTimeout,
			Transport: &kafkago.Transport{MetadataTopics: []string{cfg.Topic}},
		}
		defer w.Close()
		for b.Loop() {
			for i, v := range values {
				if err := w.WriteMessages(context.Background(), kafkago.Message{Key: []byte(fmt.Sprint("k", i)), Value: v}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(benchKafkaEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
