//go:build integration

package eventlog

// Fault test of KafkaStore against a Kafka it starts, stops and starts again itself
// (deployments/local with a state directory of its own, so other tests keep the shared
// broker). `make test` runs TestFault* one at a time, after the other integration tests.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
)

// ownKafka is a Kafka broker of this test's own, run by the deployments/local scripts.
type ownKafka struct {
	t     *testing.T
	repo  string
	state string
	env   []string
}

// startOwnKafka starts a broker in a temporary state directory, with the Kafka jars of the
// shared state directory (CHOUCHA_KAFKA_LIBS, else $CHOUCHA_LOCAL_STATE or <repo>/.local),
// which up.sh installs there if they are missing. It is stopped and wiped at cleanup.
func startOwnKafka(t *testing.T) *ownKafka {
	t.Helper()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	shared := os.Getenv("CHOUCHA_LOCAL_STATE")
	if shared == "" {
		shared = filepath.Join(repo, ".local")
	}
	libs := os.Getenv("CHOUCHA_KAFKA_LIBS")
	if libs == "" {
		libs = filepath.Join(shared, "kafka", "libs")
	}
	k := &ownKafka{t: t, repo: repo, state: t.TempDir()}
	k.env = append(os.Environ(), "CHOUCHA_LOCAL_STATE="+k.state, "CHOUCHA_KAFKA_LIBS="+libs)
	t.Cleanup(func() { k.run("down.sh", "--wipe", "kafka") })
	k.run("up.sh", "kafka")
	return k
}

func (k *ownKafka) run(script string, args ...string) time.Duration {
	k.t.Helper()
	start := time.Now()
	cmd := exec.Command(filepath.Join(k.repo, "deployments", "local", script), args...)
	cmd.Env = k.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		k.t.Fatalf("FAIL LOUDLY: this test runs a Kafka of its own, and deployments/local/%s %s (CHOUCHA_LOCAL_STATE=%s) failed: %v\n%s\n"+
			"It needs java 17+ and the Kafka jars: `deployments/local/up.sh kafka` installs both (see deployments/local/README.md).",
			script, strings.Join(args, " "), k.state, err, out)
	}
	return time.Since(start)
}

func (k *ownKafka) brokers() string {
	k.t.Helper()
	raw, err := os.ReadFile(filepath.Join(k.state, "env"))
	if err != nil {
		k.t.Fatalf("FAIL LOUDLY: this test's Kafka wrote no env file: %v", err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "CHOUCHA_KAFKA_BROKERS="); ok {
			return v
		}
	}
	k.t.Fatalf("FAIL LOUDLY: no CHOUCHA_KAFKA_BROKERS in %s/env:\n%s", k.state, raw)
	return ""
}

// load is what the test's writer acknowledged.
type load struct {
	mu       sync.Mutex
	acked    map[string][]event.Envelope // command id → its result
	replayed int                         // acknowledged by a retry that found the first attempt in the log
	failures int                         // failed attempts (each retried with the same command id)
	lastErr  error
	fatal    error
}

func (l *load) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// loadBatch is batch n: 1–2 of 8 streams, 1–3 events each; every 10th is 200 events of
// 600-byte payloads on one stream, several records with the test's MaxMessageBytes.
func loadBatch(n int, versions map[string]uint64) event.Batch {
	id := fmt.Sprintf("load-%05d", n)
	picks := []int{n % 8}
	if n%3 == 0 {
		picks = append(picks, (n/3+1+n%8)%8)
		if picks[1] == picks[0] {
			picks = picks[:1]
		}
	}
	per, pad := 1+n%3, ""
	if n%10 == 5 {
		picks, per, pad = picks[:1], 200, strings.Repeat("p", 600)
	}
	b := event.Batch{CommandID: id}
	for _, p := range picks {
		st := fmt.Sprintf("load-%d", p)
		sa := event.StreamAppend{Stream: st, ExpectedVersion: versions[st]}
		for i := range per {
			sa.Events = append(sa.Events, event.Envelope{
				ID: fmt.Sprintf("%s-%d-%d", id, p, i), Stream: st, Type: "test.load.v1", OccurredAt: time.Now(),
				Actor: event.Actor{ID: "load", Role: "system"}, CommandID: id,
				Payload: fmt.Appendf(nil, `{"n":%d,"i":%d,"pad":%q}`, n, i, pad),
			})
		}
		b.Streams = append(b.Streams, sa)
	}
	return b
}

// Kafka stops (down.sh) and starts again on the same port while a writer appends without
// pause, each batch with its own command id, retrying a failed Append with the same id. The
// same writer store carries on after the restart (it reconnects and is elected again), and
// afterwards a fresh store finds every acknowledged batch exactly once and nothing else.
func TestFaultKafkaRestart(t *testing.T) {
	start := time.Now()
	k := startOwnKafka(t)
	brokers := k.brokers()
	t.Logf("own Kafka at %s started in %s", brokers, time.Since(start).Round(time.Millisecond))
	topic := newTopic(t)
	cfg := testKafkaConfig(brokers, topic)
	cfg.MaxMessageBytes = 64 << 10 // so that some batches are written in parts
	ctx := context.Background()

	w, err := OpenKafka(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := w.WaitWriter(wctx); err != nil {
		t.Fatalf("not elected writer: %v", err)
	}
	rcfg := cfg
	rcfg.ReadOnly = true
	follower, err := OpenKafka(ctx, rcfg) // tails the topic across the restart
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = follower.Close() }()

	l := &load{acked: map[string][]event.Envelope{}}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		versions := map[string]uint64{}
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			b := loadBatch(n, versions)
			first := time.Now()
			for {
				// Short enough that an Append waiting out the outage gives up and is retried.
				actx, cancel := context.WithTimeout(ctx, 5*time.Second)
				res, err := w.Append(actx, b)
				cancel()
				l.mu.Lock()
				if err == nil {
					l.acked[b.CommandID] = res.Events
					if res.Replayed {
						l.replayed++
					}
					l.mu.Unlock()
					break
				}
				l.failures++
				l.lastErr = err
				if errors.Is(err, event.ErrConcurrency) || errors.Is(err, event.ErrInvalid) || errors.Is(err, event.ErrClosed) ||
					time.Since(first) > 2*time.Minute {
					l.fatal = fmt.Errorf("batch %s, after %s of retries: %w", b.CommandID, time.Since(first).Round(time.Millisecond), err)
					l.mu.Unlock()
					return
				}
				l.mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
			for _, sa := range b.Streams {
				versions[sa.Stream] += uint64(len(sa.Events))
			}
		}
	}()
	waitAcks := func(n int, within time.Duration, what string) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			l.mu.Lock()
			got, fatal, failures, lastErr := len(l.acked), l.fatal, l.failures, l.lastErr
			l.mu.Unlock()
			switch {
			case fatal != nil:
				t.Fatalf("%s: the writer gave up: %v", what, fatal)
			case got >= n:
				return
			case time.Now().After(deadline):
				t.Fatalf("%s: %d batches acknowledged in %s, want %d (%d failed attempts, the last: %v)", what, got, within, n, failures, lastErr)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	waitAcks(60, time.Minute, "before the restart")
	ackedBefore := l.count()
	downIn := k.run("down.sh", "kafka")
	ackedStopping := l.count() - ackedBefore
	time.Sleep(8 * time.Second) // longer than the producer's own retries: Appends fail meanwhile
	ackedDown := l.count() - ackedBefore - ackedStopping
	upIn := k.run("up.sh", "kafka")
	if got := k.brokers(); got != brokers {
		t.Fatalf("Kafka came back on %s, not %s", got, brokers)
	}
	upAt, ackedUp := time.Now(), l.count()
	waitAcks(ackedUp+1, 2*time.Minute, "after the restart")
	recovered := time.Since(upAt)
	waitAcks(ackedUp+60, time.Minute, "after the restart")
	close(stop)
	<-done
	if l.fatal != nil {
		t.Fatal(l.fatal)
	}
	if !w.IsWriter() {
		t.Error("the writer is not writer any more after the restart")
	}
	t.Logf("down.sh %s, up.sh %s; batches acknowledged: %d before down.sh, %d during it, %d while Kafka was down, %d after up.sh; "+
		"first acknowledgement %s after up.sh returned; %d failed attempts (last: %v), %d acknowledged as replays",
		downIn.Round(time.Millisecond), upIn.Round(time.Millisecond), ackedBefore, ackedStopping, ackedDown, len(l.acked)-ackedUp,
		recovered.Round(time.Millisecond), l.failures, l.lastErr, l.replayed)
	if l.failures == 0 {
		t.Error("no Append failed: the restart did not meet the load")
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	// A fresh store: every acknowledged batch exactly once, as acknowledged, and nothing else.
	fresh, err := OpenKafka(ctx, rcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fresh.Close() }()
	if err := fresh.Verify(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var all []event.Envelope
	if err := fresh.ReadFrom(ctx, 1, func(e event.Envelope) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	byCmd, ids := map[string][]event.Envelope{}, map[string]bool{}
	for i, e := range all {
		if e.Position != uint64(i+1) {
			t.Fatalf("event %d has position %d", i, e.Position)
		}
		if ids[e.ID] {
			t.Fatalf("event %s is in the log twice (position %d)", e.ID, e.Position)
		}
		ids[e.ID] = true
		byCmd[e.CommandID] = append(byCmd[e.CommandID], e)
	}
	for cmd, evs := range byCmd {
		want, ok := l.acked[cmd]
		if !ok {
			t.Fatalf("batch %s is in the log but was never acknowledged", cmd)
		}
		if len(evs) != len(want) {
			t.Fatalf("batch %s: %d events in the log, %d acknowledged", cmd, len(evs), len(want))
		}
		for i := range evs {
			if evs[i].ID != want[i].ID || evs[i].Hash != want[i].Hash || evs[i].Position != want[i].Position {
				t.Fatalf("batch %s event %d: log has %s %s at %d, acknowledged %s %s at %d", cmd, i,
					evs[i].ID, evs[i].Hash, evs[i].Position, want[i].ID, want[i].Hash, want[i].Position)
			}
		}
	}
	for cmd := range l.acked {
		if _, ok := byCmd[cmd]; !ok {
			t.Fatalf("acknowledged batch %s is not in the log", cmd)
		}
	}
	t.Logf("fresh store: %d batches, %d events, %d records dropped (repeats, abandoned parts)", len(byCmd), len(all), fresh.Dropped())

	// The read-only follower tailed through the restart to the same log.
	waitHead(t, follower, uint64(len(all)))
	var got []event.Envelope
	_ = follower.ReadFrom(ctx, 1, func(e event.Envelope) error { got = append(got, e); return nil })
	for i := range got {
		if got[i].ID != all[i].ID || got[i].Hash != all[i].Hash {
			t.Fatalf("the follower's event at %d is %s, the fresh store's %s", i+1, got[i].ID, all[i].ID)
		}
	}
	t.Logf("total %s", time.Since(start).Round(time.Millisecond))
}
