package eventlog

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/choucha/choucha/domain/event"
)

// TestFormatGolden pins the bytes a tricky batch is written as, in a Kafka batch value and in
// the bbolt buckets, at the values the implementation before the direct canonical encoder
// and decoder wrote (both checked equal then): the formats on the wire and on disk must not
// change.
func TestFormatGolden(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	cst := time.FixedZone("CST", 8*3600)
	b := event.Batch{CommandID: "c<&>\u2028"}
	payloads := []string{" {\n \"k\" : \"<v>&\u2028\" } ", `[1,2.5e3,null,"\u00e9\"\\"]`, `"s"`, `12`, `{"中文":"企业；"}`, "{\"bad\":\"\xff\"}"}
	for i, name := range []string{"plain", "q\"uote\\back", "ctl\x01\ttab", "中文-流", "<html>&amp;\u2028"} {
		sa := event.StreamAppend{Stream: name}
		for j := range 40 {
			sa.Events = append(sa.Events, event.Envelope{
				ID: fmt.Sprintf("id-%d-%d<", i, j), Stream: name, Type: "test.thing\u00e9.v1",
				OccurredAt: time.Date(2025, 1, 2, 3, 4, 5, 123456789+j, cst), Actor: event.Actor{ID: "u\"1", Role: "r\n"},
				CommandID: b.CommandID, Payload: json.RawMessage(payloads[(i+j)%len(payloads)]),
			})
		}
		b.Streams = append(b.Streams, sa)
	}
	// Kafka value.
	cfg := KafkaConfig{Brokers: []string{"x:1"}}
	cfg.setDefaults()
	s := newKafkaStore(cfg)
	s.now = func() time.Time { return now }
	v, err := s.encode(b, make([]string, len(b.Streams)))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%d %x", len(v), sha256.Sum256(v)); got != "80726 72091fd1fa1e77d60d70afa0da8db359d9e065e164476d82bf4e05638859982d" {
		t.Errorf("Kafka batch value: %s", got)
	}
	// Bolt file contents (events bucket, heads, index, commands).
	path := filepath.Join(t.TempDir(), "x.db")
	bo, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bo.now = func() time.Time { return now }
	if _, err := bo.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	_ = bo.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bbolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error { h.Write(name); h.Write(k); h.Write(v); return nil })
		})
	})
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != "3a8dc47e2e23edd66d6bbd43a74f36df0a906cde48a6b27ea496c9c662cc7529" {
		t.Errorf("bbolt buckets: sha256 %s", got)
	}
	if err := bo.Close(); err != nil {
		t.Fatal(err)
	}
}
