package eventlog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/eventlog"
)

// enterpriseImport is one command registering n enterprises, one stream each, with
// payloads of about 500 bytes.
func enterpriseImport(commandID string, from, n int) event.Batch {
	b := event.Batch{CommandID: commandID, Streams: make([]event.StreamAppend, n)}
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	notes := strings.Repeat("经营范围：食品销售；", 12)
	for i := range n {
		uscc := fmt.Sprintf("91330100%09dX", from+i)
		stream := "enterprise-" + uscc
		payload, _ := json.Marshal(map[string]any{
			"uscc": uscc, "name": fmt.Sprintf("杭州示例贸易有限公司%d", from+i), "region": "330106",
			"address": "浙江省杭州市西湖区文三路 100 号", "legal_representative": "张三",
			"industry": "F5121", "registered_capital": 1000000, "established": "2015-06-01", "scope": notes,
		})
		b.Streams[i] = event.StreamAppend{Stream: stream, Events: []event.Envelope{{
			ID: fmt.Sprintf("0195%012d", from+i), Stream: stream, Type: "directory.enterprise_registered.v1",
			OccurredAt: at, Actor: event.Actor{ID: "import", Role: "system"}, CommandID: commandID, Payload: payload,
		}}}
	}
	return b
}

// BenchmarkBoltAppendBatch appends one batch of N events (N enterprises) to a new log.
// Run the big one alone to read its RSS: -bench 'AppendBatch/1000000' -benchtime 1x.
func BenchmarkBoltAppendBatch(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			batch := enterpriseImport("import", 0, n)
			rssBefore := maxRSS()
			dir := b.TempDir()
			var (
				i        int
				fileSize int64
			)
			for b.Loop() {
				b.StopTimer()
				path := filepath.Join(dir, fmt.Sprintf("log-%d.db", i))
				i++
				s := openBolt(b, path, eventlog.BoltOptions{})
				b.StartTimer()
				res, err := s.Append(context.Background(), batch)
				b.StopTimer()
				if err != nil || len(res.Events) != n {
					b.Fatalf("Append: %d events, %v", len(res.Events), err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				if fi, err := os.Stat(path); err == nil {
					fileSize = fi.Size()
				}
				_ = os.Remove(path)
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(fileSize)/(1<<20), "file-MiB")
			b.ReportMetric(maxRSS(), "peak-RSS-MiB")
			b.ReportMetric(maxRSS()-rssBefore, "RSS-growth-MiB")
		})
	}
}

// BenchmarkBoltReadFrom reads a log of 200k events with ReadFrom, against a raw sequential
// cursor over the events bucket (the floor), and the raw cursor plus json.Unmarshal on one
// goroutine (what decoding costs).
func BenchmarkBoltReadFrom(b *testing.B) {
	const n, per = 200_000, 20_000
	path := filepath.Join(b.TempDir(), "log.db")
	s := openBolt(b, path, eventlog.BoltOptions{})
	for from := 0; from < n; from += per {
		if _, err := s.Append(context.Background(), enterpriseImport(fmt.Sprint("import-", from), from, per)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B, count int) {
		if count != n {
			b.Fatalf("read %d events, want %d", count, n)
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	}

	b.Run("ReadFrom", func(b *testing.B) {
		s := openBolt(b, path, eventlog.BoltOptions{})
		defer s.Close()
		var count int
		for b.Loop() {
			count = 0
			if err := s.ReadFrom(context.Background(), 1, func(event.Envelope) error { count++; return nil }); err != nil {
				b.Fatal(err)
			}
		}
		report(b, count)
	})
	raw := func(b *testing.B, decode bool) {
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		var count, bytes int
		for b.Loop() {
			count = 0
			err := db.View(func(tx *bbolt.Tx) error {
				c := tx.Bucket(bucketEvents).Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					count++
					bytes += len(v)
					if decode {
						var e event.Envelope
						if err := json.Unmarshal(v, &e); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		report(b, count)
	}
	b.Run("Verify", func(b *testing.B) {
		s := openBolt(b, path, eventlog.BoltOptions{})
		defer s.Close()
		var rep eventlog.VerifyReport
		for b.Loop() {
			var err error
			if rep, err = s.Verify(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		report(b, int(rep.Head))
	})
	b.Run("RawCursor", func(b *testing.B) { raw(b, false) })
	b.Run("RawCursorJSON", func(b *testing.B) { raw(b, true) })
}

// BenchmarkBoltAppendOne appends single events (one fsynced commit each) to a log of 200k
// events, with and without bbolt's freelist written on commit, and reports how long the
// log then takes to open.
func BenchmarkBoltAppendOne(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts eventlog.BoltOptions
	}{{"FreelistSync", eventlog.BoltOptions{}}, {"NoFreelistSync", eventlog.BoltOptions{NoFreelistSync: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "log.db")
			s := openBolt(b, path, tc.opts)
			for from := 0; from < 200_000; from += 20_000 {
				if _, err := s.Append(context.Background(), enterpriseImport(fmt.Sprint("import-", from), from, 20_000)); err != nil {
					b.Fatal(err)
				}
			}
			var v uint64
			for b.Loop() {
				batch := enterpriseImport(fmt.Sprint("one-", v), 0, 1)
				batch.Streams[0].ExpectedVersion = v + 1
				if _, err := s.Append(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				v++
			}
			b.StopTimer()
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			s = openBolt(b, path, tc.opts)
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "open-ms")
			_ = s.Close()
		})
	}
}
