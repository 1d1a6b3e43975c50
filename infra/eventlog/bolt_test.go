package eventlog_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/eventlog/eventlogtest"
)

const lockProbeEnv = "CHOUCHA_BOLT_LOCKPROBE"

func TestMain(m *testing.M) {
	eventlogtest.RunChildIfRequested(func(path string) (event.Store, error) {
		return eventlog.OpenBolt(path, eventlog.BoltOptions{})
	})
	if path := os.Getenv(lockProbeEnv); path != "" {
		os.Exit(lockProbe(path))
	}
	os.Exit(m.Run())
}

// lockProbe is the second process of TestBoltSecondOpenIsLocked.
func lockProbe(path string) int {
	start := time.Now()
	b, err := eventlog.OpenBolt(path, eventlog.BoltOptions{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		_ = b.Close()
		fmt.Println("opened")
		return 1
	}
	fmt.Printf("%v after %s\n", err, time.Since(start).Round(time.Millisecond))
	if !errors.Is(err, eventlog.ErrLocked) {
		return 1
	}
	return 0
}

// Small chunks so that the suite's reads cross chunk boundaries.
var testOptions = eventlog.BoltOptions{ReadChunk: 64}

func openBolt(t testing.TB, path string, opts eventlog.BoltOptions) *eventlog.Bolt {
	t.Helper()
	b, err := eventlog.OpenBolt(path, opts)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	return b
}

func TestBoltContract(t *testing.T) {
	eventlogtest.Run(t, eventlogtest.Harness{
		Open: func(t *testing.T) event.Store {
			return openBolt(t, filepath.Join(t.TempDir(), "log.db"), testOptions)
		},
		Reopen: func(t *testing.T, s event.Store) event.Store {
			b := s.(*eventlog.Bolt)
			if err := b.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openBolt(t, b.Path(), testOptions)
		},
		Crash: &eventlogtest.CrashHarness{
			NewLog: func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") },
			Open:   func(t *testing.T, path string) event.Store { return openBolt(t, path, testOptions) },
		},
		Verify: func(ctx context.Context, s event.Store) error {
			_, err := s.(*eventlog.Bolt).Verify(ctx)
			return err
		},
	})
}

func TestBoltSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	b := openBolt(t, path, eventlog.BoltOptions{})
	defer b.Close()

	for _, timeout := range []time.Duration{100 * time.Millisecond, 0 /* default */} {
		start := time.Now()
		_, err := eventlog.OpenBolt(path, eventlog.BoltOptions{LockTimeout: timeout})
		took := time.Since(start)
		if !errors.Is(err, eventlog.ErrLocked) || !strings.Contains(err.Error(), path) {
			t.Fatalf("second OpenBolt (LockTimeout %s) = %v; want ErrLocked naming %s", timeout, err, path)
		}
		if took > 2*time.Second {
			t.Errorf("second OpenBolt (LockTimeout %s) took %s", timeout, took)
		}
		t.Logf("LockTimeout %s: %v after %s", timeout, err, took.Round(time.Millisecond))
	}

	// Another process.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockProbeEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), eventlog.ErrLocked.Error()) {
		t.Fatalf("second process: %v, output %q; want ErrLocked", err, out)
	}
	t.Logf("second process: %s", bytes.TrimSpace(out))

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2 := openBolt(t, path, eventlog.BoltOptions{LockTimeout: 100 * time.Millisecond})
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBoltOptionsValidate(t *testing.T) {
	err := eventlog.BoltOptions{LockTimeout: -1, ReadChunk: -1, Workers: -1, InitialMmapSize: -1}.Validate()
	for _, field := range []string{"LockTimeout", "ReadChunk", "Workers", "InitialMmapSize"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate = %v, want a problem with %s", err, field)
		}
	}
	if _, err := eventlog.OpenBolt(filepath.Join(t.TempDir(), "x.db"), eventlog.BoltOptions{ReadChunk: -1}); err == nil {
		t.Error("OpenBolt with invalid options succeeded")
	}
}

// The file layout, as bolt.go writes it; the tamper tests edit the file behind the store's back.
var (
	bucketEvents   = []byte("events")
	bucketStreams  = []byte("streams")
	bucketIndex    = []byte("stream_index")
	bucketCommands = []byte("commands")
)

func pos(p uint64) []byte { return binary.BigEndian.AppendUint64(nil, p) }

func indexKey(stream string, version uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(stream), 0), version)
}

// tamperLog builds a log, closes it, and returns its bytes and what is where: positions
// 1–2 a@1–2, 3 b@1, 4–5 a@3 and b@2 (one batch), 6 c@1.
func tamperLog(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.db")
	b := openBolt(t, path, eventlog.BoltOptions{ReadChunk: 2})
	ctx := context.Background()
	ev := func(stream, cmd string, n int) event.Envelope {
		return event.Envelope{ID: fmt.Sprintf("%s-%d", cmd, n), Stream: stream, Type: "t.v1", CommandID: cmd,
			OccurredAt: time.Now(), Payload: json.RawMessage(`{"name":"alpha","n":1}`)}
	}
	for _, batch := range []event.Batch{
		{CommandID: "c1", Streams: []event.StreamAppend{{Stream: "a", Events: []event.Envelope{ev("a", "c1", 1), ev("a", "c1", 2)}}}},
		{CommandID: "c2", Streams: []event.StreamAppend{{Stream: "b", Events: []event.Envelope{ev("b", "c2", 1)}}}},
		{CommandID: "c3", Streams: []event.StreamAppend{
			{Stream: "a", ExpectedVersion: 2, Events: []event.Envelope{ev("a", "c3", 1)}},
			{Stream: "b", ExpectedVersion: 1, Events: []event.Envelope{ev("b", "c3", 2)}}}},
		{CommandID: "c4", Streams: []event.StreamAppend{{Stream: "c", Events: []event.Envelope{ev("c", "c4", 1)}}}},
	} {
		if _, err := b.Append(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := b.Verify(ctx)
	if err != nil || rep.Head != 6 || rep.Streams != 3 || rep.Commands != 4 {
		t.Fatalf("Verify of an untouched log = %+v, %v", rep, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBoltVerifyDetectsTampering(t *testing.T) {
	data := tamperLog(t)
	for _, tc := range []struct {
		name    string
		tamper  func(tx *bbolt.Tx) error
		stream  string // the stream the error must name ("" for any)
		version uint64
		says    string // a phrase the error must contain
	}{
		{"one payload byte flipped", func(tx *bbolt.Tx) error {
			return edit(tx.Bucket(bucketEvents), pos(5), func(v []byte) []byte {
				i := bytes.Index(v, []byte(`"alpha"`))
				v[i+1] ^= 1 // "alpha" → "`lpha": still JSON, another hash
				return v
			})
		}, "b", 2, "position 5: hash mismatch"},
		{"payload byte flipped into broken JSON", func(tx *bbolt.Tx) error {
			return edit(tx.Bucket(bucketEvents), pos(2), func(v []byte) []byte {
				v[bytes.Index(v, []byte(`{"name"`))] = '['
				return v
			})
		}, "a", 2, "position 2: event c1-2: payload is not JSON"},
		{"record byte flipped into broken JSON", func(tx *bbolt.Tx) error {
			return edit(tx.Bucket(bucketEvents), pos(2), func(v []byte) []byte {
				v[bytes.Index(v, []byte(`,"type"`))] = '}'
				return v
			})
		}, "", 0, "position 2: record does not decode"},
		{"type changed", func(tx *bbolt.Tx) error {
			return edit(tx.Bucket(bucketEvents), pos(1), func(v []byte) []byte {
				return bytes.Replace(v, []byte(`"t.v1"`), []byte(`"t.v2"`), 1)
			})
		}, "a", 1, "hash mismatch"},
		{"event deleted", func(tx *bbolt.Tx) error { return tx.Bucket(bucketEvents).Delete(pos(3)) }, "", 0, "position 3: missing"},
		{"last event deleted", func(tx *bbolt.Tx) error { return tx.Bucket(bucketEvents).Delete(pos(6)) }, "c", 1, "head but no events"},
		{"events swapped", func(tx *bbolt.Tx) error {
			evs := tx.Bucket(bucketEvents)
			one, two := bytes.Clone(evs.Get(pos(1))), bytes.Clone(evs.Get(pos(2)))
			return errors.Join(evs.Put(pos(1), two), evs.Put(pos(2), one))
		}, "a", 2, "version 2 follows version 0"},
		{"stream head rolled back", func(tx *bbolt.Tx) error {
			return edit(tx.Bucket(bucketStreams), []byte("a"), func(v []byte) []byte {
				binary.BigEndian.PutUint64(v[:8], 2)
				return v
			})
		}, "a", 2, "its events go to 3"},
		{"stream head deleted", func(tx *bbolt.Tx) error { return tx.Bucket(bucketStreams).Delete([]byte("b")) }, "b", 2, "no head"},
		{"index entry deleted", func(tx *bbolt.Tx) error { return tx.Bucket(bucketIndex).Delete(indexKey("a", 3)) }, "a", 3, "stream index has no entry"},
		{"extra index entry", func(tx *bbolt.Tx) error { return tx.Bucket(bucketIndex).Put(indexKey("a", 4), pos(6)) }, "a", 4, "not in the log"},
		{"command entry deleted", func(tx *bbolt.Tx) error { return tx.Bucket(bucketCommands).Delete([]byte("c3")) }, "a", 0, `command "c3" has events but no command entry`},
		{"command entry changed", func(tx *bbolt.Tx) error { return tx.Bucket(bucketCommands).Put([]byte("c3"), []byte("[4,6]")) }, "", 0, `command "c3" lists positions`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log.db")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(tc.tamper); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			b := openBolt(t, path, eventlog.BoltOptions{ReadChunk: 2})
			defer b.Close()
			_, err = b.Verify(context.Background())
			if !errors.Is(err, event.ErrTampered) {
				t.Fatalf("Verify = %v, want ErrTampered", err)
			}
			var se *event.StoreError
			if !errors.As(err, &se) {
				t.Fatalf("Verify error %v is not a *event.StoreError", err)
			}
			if tc.stream != "" && (se.Stream != tc.stream || se.Version != tc.version) {
				t.Errorf("Verify error names %q@%d, want %q@%d: %v", se.Stream, se.Version, tc.stream, tc.version, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Verify error %q does not say %q", err, tc.says)
			}
			t.Log(err)
		})
	}
}

// TestBoltTamperedPayloadFailsVerifyStream: the hash chain, not only Verify, catches an
// edited file: Load still returns the event, and event.VerifyStream rejects the stream.
func TestBoltTamperedPayloadFailsVerifyStream(t *testing.T) {
	data := tamperLog(t)
	path := filepath.Join(t.TempDir(), "log.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		return edit(tx.Bucket(bucketEvents), pos(4), func(v []byte) []byte {
			v[bytes.Index(v, []byte(`"alpha"`))+3] ^= 1
			return v
		})
	})
	if err != nil || db.Close() != nil {
		t.Fatal(err)
	}
	b := openBolt(t, path, eventlog.BoltOptions{})
	defer b.Close()
	evs, err := b.Load(context.Background(), "a")
	if err != nil || len(evs) != 3 {
		t.Fatalf("Load(a) = %d events, %v", len(evs), err)
	}
	if err := event.VerifyStream(evs); !errors.Is(err, event.ErrTampered) || !strings.Contains(err.Error(), `stream "a" version 3`) {
		t.Fatalf("VerifyStream(Load(a)) = %v, want ErrTampered at a version 3", err)
	}
}

// TestBoltLoadRejectsMisfiledEvent: an index entry pointing at another stream's event is
// caught by Load, not handed to the aggregate.
func TestBoltLoadRejectsMisfiledEvent(t *testing.T) {
	data := tamperLog(t)
	path := filepath.Join(t.TempDir(), "log.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketIndex).Put(indexKey("c", 1), pos(3)) })
	if err != nil || db.Close() != nil {
		t.Fatal(err)
	}
	b := openBolt(t, path, eventlog.BoltOptions{})
	defer b.Close()
	if _, err := b.Load(context.Background(), "c"); !errors.Is(err, event.ErrTampered) {
		t.Fatalf("Load(c) with its index pointing at b@1 = %v, want ErrTampered", err)
	}
}

func edit(bk *bbolt.Bucket, key []byte, f func([]byte) []byte) error {
	v := bk.Get(key)
	if v == nil {
		return fmt.Errorf("no key %x", key)
	}
	return bk.Put(key, f(bytes.Clone(v)))
}

// TestBoltVerifyWhileAppending: Verify reads in chunks while a writer appends; what was
// appended meanwhile must not look like tampering.
func TestBoltVerifyWhileAppending(t *testing.T) {
	b := openBolt(t, filepath.Join(t.TempDir(), "log.db"), eventlog.BoltOptions{ReadChunk: 3})
	defer b.Close()
	ctx := context.Background()
	if rep, err := b.Verify(ctx); err != nil || rep.Head != 0 {
		t.Fatalf("Verify of an empty log = %+v, %v", rep, err)
	}
	versions := map[string]uint64{}
	appendRound := func(i int) error {
		batch := event.Batch{CommandID: fmt.Sprint("c-", i)}
		for k := range 1 + i%3 {
			st := fmt.Sprintf("s-%d", (i+k*7)%11)
			if i%5 == 0 {
				st = fmt.Sprintf("new-%d-%d", i, k)
			}
			sa := event.StreamAppend{Stream: st, ExpectedVersion: versions[st]}
			for j := range 1 + (i+k)%4 {
				sa.Events = append(sa.Events, event.Envelope{ID: fmt.Sprintf("%d-%d-%d", i, k, j), Stream: st, Type: "t.v1",
					CommandID: batch.CommandID, OccurredAt: time.Now(), Payload: json.RawMessage(`{"i":1}`)})
			}
			batch.Streams = append(batch.Streams, sa)
		}
		if _, err := b.Append(ctx, batch); err != nil {
			return err
		}
		for _, sa := range batch.Streams {
			versions[sa.Stream] += uint64(len(sa.Events))
		}
		return nil
	}
	for i := range 60 {
		if err := appendRound(i); err != nil {
			t.Fatal(err)
		}
	}
	stop, done := make(chan struct{}), make(chan error)
	go func() {
		for i := 60; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := appendRound(i); err != nil {
				done <- err
				return
			}
		}
	}()
	for range 15 {
		if _, err := b.Verify(ctx); err != nil {
			close(stop)
			<-done
			t.Fatalf("Verify while appending: %v", err)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rep, err := b.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after the writer stopped: %+v", rep)
}
