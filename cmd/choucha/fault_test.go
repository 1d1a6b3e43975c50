//go:build integration

// Fault tests of the distributed mode against real servers they start and stop themselves
// (deployments/local with a state directory of their own, so other tests keep their servers).
// `make test` runs TestFault* one at a time, after the other integration tests.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/metrics"
)

// localServers runs deployments/local scripts against a private state directory.
type localServers struct {
	t     *testing.T
	state string
}

func newLocalServers(t *testing.T) *localServers {
	t.Helper()
	return &localServers{t: t, state: t.TempDir()}
}

func (l *localServers) run(script string, args ...string) {
	l.t.Helper()
	cmd := exec.Command(filepath.Join("..", "..", "deployments", "local", script), args...)
	cmd.Env = append(os.Environ(), "CHOUCHA_LOCAL_STATE="+l.state)
	out, err := cmd.CombinedOutput()
	if err != nil {
		l.t.Fatalf("FAIL LOUDLY: deployments/local/%s %s: %v\n%s", script, strings.Join(args, " "), err, out)
	}
}

// env reads a KEY from the private env file.
func (l *localServers) env(key string) string {
	l.t.Helper()
	raw, err := os.ReadFile(filepath.Join(l.state, "env"))
	if err != nil {
		l.t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	l.t.Fatalf("%s not in %s/env:\n%s", key, l.state, raw)
	return ""
}

// ClickHouse stops under a running projector and comes back: the projector keeps the events
// it could not send, retries, and catches up; nothing is lost or doubled.
func TestFaultClickHouseRestart(t *testing.T) {
	brokers, _ := distEnv(t) // the shared Kafka
	srv := newLocalServers(t)
	srv.run("up.sh", "clickhouse")
	t.Cleanup(func() { srv.run("down.sh", "--wipe", "clickhouse") })
	addr := srv.env("CHOUCHA_CLICKHOUSE_ADDR")

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	topic := fmt.Sprintf("choucha.test.fault.ch.%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "--clickhouse", addr}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	writer, err := eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if err := writer.WaitWriter(ctx); err != nil {
		t.Fatal(err)
	}

	var logBuf syncBuffer
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(&logBuf, testWriter{t}), nil))
	cfg := projectConfig{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: clickhouse.DefaultDatabase,
		Batch: 200, Poll: 50 * time.Millisecond, Metrics: metrics.NewProject()}
	pctx, stopProject := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := project(pctx, cfg, log); done <- err }()

	waitOffset := func(want uint64, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			pos, err := clickhouse.Offset(ctx, conn, clickhouse.DisclosureProjectorName)
			if err == nil && pos >= want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("offset %d (%v), want %d within %s; projector log:\n%s", pos, err, want, within, logBuf.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	publish(ctx, t, writer, 0, 2000, 100)
	waitOffset(2000, time.Minute)
	// A serve reading its public pages from this ClickHouse (on a log of its own: the test's
	// synthetic log has published results without their earlier steps, which the memory
	// read models a serve rebuilds would refuse).
	sctx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	url, _, _ := startDistServe(sctx, t, serveDist{Brokers: brokers, Topic: topic + ".serve", ClickHouse: addr, Database: clickhouse.DefaultDatabase})
	status := func(path string) int {
		t.Helper()
		res, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode
	}
	for _, path := range []string{"/disclosures", "/public/v1/disclosures"} {
		if got := status(path); got != http.StatusOK {
			t.Fatalf("GET %s with ClickHouse up: %d", path, got)
		}
	}

	// ClickHouse goes away; events keep coming; the projector cannot send them.
	srv.run("down.sh", "clickhouse")
	publish(ctx, t, writer, 2000, 5000, 100)
	time.Sleep(2 * time.Second) // the projector meets the closed port and backs off
	// The public pages say "unavailable, retry" (503), never 500.
	for _, path := range []string{"/disclosures", "/public/v1/disclosures", "/enterprises/" + uscc(t, 1)} {
		if got := status(path); got != http.StatusServiceUnavailable {
			t.Errorf("GET %s with ClickHouse down: %d, want 503", path, got)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("the projector stopped while ClickHouse was down: %v", err)
	default:
	}
	srv.run("up.sh", "clickhouse")
	if got := srv.env("CHOUCHA_CLICKHOUSE_ADDR"); got != addr {
		t.Fatalf("ClickHouse came back on %s, not %s", got, addr)
	}
	waitOffset(5000, 2*time.Minute)
	if got := status("/public/v1/disclosures"); got != http.StatusOK {
		t.Errorf("GET /public/v1/disclosures after ClickHouse returned: %d", got)
	}
	stopProject()
	if err := <-done; err != nil {
		t.Fatalf("project: %v", err)
	}
	if !strings.Contains(logBuf.String(), "batch not sent; retrying") || testutil.ToFloat64(cfg.Metrics.SendRetries) == 0 {
		t.Errorf("no retry was logged or counted (%v): the outage did not meet a send; log:\n%s", testutil.ToFloat64(cfg.Metrics.SendRetries), logBuf.String())
	}
	for _, p := range projectors(conn, 1) {
		if lag := testutil.ToFloat64(cfg.Metrics.Lag.WithLabelValues(p.Name())); lag != 0 {
			t.Errorf("choucha_project_lag_events{projector=%q} = %v after catching up, want 0", p.Name(), lag)
		}
	}
	final := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL")
	raw := count(ctx, t, conn, "SELECT count() FROM disclosures")
	t.Logf("after the ClickHouse restart: %d rows FINAL, %d raw", final, raw)
	if final != 5000 {
		t.Fatalf("rows FINAL = %d, want 5000", final)
	}
	if raw < final || raw > final+uint64(cfg.Batch) {
		t.Errorf("raw rows %d: want between %d and %d (at most one re-sent batch)", raw, final, final+uint64(cfg.Batch))
	}
}
