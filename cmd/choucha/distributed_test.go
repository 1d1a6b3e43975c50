//go:build integration

// Distributed mode end to end (issue 5): the Kafka log, `choucha project`, ClickHouse.
//
//	deployments/local/up.sh all && set -a && . ./.local/env && set +a
//	go test -tags integration -count=1 -timeout 15m -run 'Distributed|Project' ./cmd/choucha/
//
// Every run uses a fresh topic and a fresh database (dropped afterwards).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/projections"
)

func distEnv(t *testing.T) (brokers []string, addr string) {
	t.Helper()
	b, a := os.Getenv("CHOUCHA_KAFKA_BROKERS"), os.Getenv("CHOUCHA_CLICKHOUSE_ADDR")
	if b == "" || a == "" {
		t.Fatalf("FAIL LOUDLY: CHOUCHA_KAFKA_BROKERS=%q CHOUCHA_CLICKHOUSE_ADDR=%q: the distributed tests need Kafka and ClickHouse:\n"+
			"\tdeployments/local/up.sh all && set -a && . ./.local/env && set +a", b, a)
	}
	return splitList(b), a
}

func uscc(t *testing.T, i int) string {
	t.Helper()
	body := fmt.Sprintf("%08d", i)
	org, err := directory.OrgCodeCheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	first := "91440305" + body + string(org)
	c, err := directory.USCCCheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// publish appends the published results of enterprises [from, to) through the Kafka store,
// per streams many tasks in one batch (one Kafka record).
func publish(ctx context.Context, t *testing.T, s *eventlog.KafkaStore, from, to, per int) {
	t.Helper()
	for lo := from; lo < to; lo += per {
		cmd := uuid.Must(uuid.NewV7()).String()
		b := event.Batch{CommandID: cmd}
		for i := lo; i < min(lo+per, to); i++ {
			stream, raw := publishedPayload(t, i)
			b.Streams = append(b.Streams, event.StreamAppend{Stream: stream, Events: []event.Envelope{{
				ID: uuid.Must(uuid.NewV7()).String(), Stream: stream, Type: inspection.ResultPublished, OccurredAt: time.Now(),
				Actor: event.Actor{ID: "publisher-li", Role: "regulator"}, CommandID: cmd, Payload: raw,
			}}})
		}
		if _, err := s.Append(ctx, b); err != nil {
			t.Fatalf("append %d..%d: %v", lo, min(lo+per, to), err)
		}
	}
}

// publishedPayload is the stream and payload of enterprise i's published result.
func publishedPayload(t *testing.T, i int) (string, json.RawMessage) {
	t.Helper()
	u := uscc(t, i)
	pub := inspection.ResultPublishedV1{PublishedOn: "2026-11-20", By: "publisher-li", Department: "市场监督管理局",
		Public: inspection.Public{USCC: u, Enterprise: fmt.Sprintf("企业%d有限公司", i), RegionCode: "440305",
			Authority: "市场监督管理局", Items: []string{"食品经营许可检查"}, InspectedOn: "2026-11-05",
			Results: []string{inspection.NoProblem}}}
	raw, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	return inspection.Stream("2026-dist-01-" + u), raw
}

func count(ctx context.Context, t *testing.T, conn driver.Conn, q string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func offset(ctx context.Context, t *testing.T, conn driver.Conn) uint64 {
	t.Helper()
	pos, err := clickhouse.Offset(ctx, conn, clickhouse.DisclosureProjectorName)
	if err != nil {
		t.Fatal(err)
	}
	return pos
}

func snapshot(ctx context.Context, t *testing.T, conn driver.Conn) []string {
	t.Helper()
	rows, err := conn.Query(ctx, "SELECT task, plan, uscc, enterprise, toString(inspected_on), toString(published_on), arrayStringConcat(results, '|'), version FROM disclosures FINAL ORDER BY task")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var task, plan, u, ent, insp, pub, res string
		var v uint64
		if err := rows.Scan(&task, &plan, &u, &ent, &insp, &pub, &res, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{task, plan, u, ent, insp, pub, res, fmt.Sprint(v)}, "\t"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDistributedProject(t *testing.T) {
	brokers, addr := distEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	topic, db := "choucha.test.dist."+suffix, "choucha_dist_"+suffix
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(&logBuf, testWriter{t}), nil))
	cfg := projectConfig{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db, Batch: 500, Once: true, Poll: 100 * time.Millisecond}

	// A database without the migrations: project refuses and says what to run.
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: db, CreateDatabase: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(c, "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
		conn.Close()
	})
	if _, err := project(ctx, cfg, log); !errors.Is(err, errPendingMigrations) || !strings.Contains(err.Error(), "choucha migrate") {
		t.Fatalf("project before migrate: %v, want errPendingMigrations", err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "--clickhouse", addr, "--clickhouse-db", db}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}

	writer, err := eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if err := writer.WaitWriter(ctx); err != nil {
		t.Fatal(err)
	}

	// One published result.
	publish(ctx, t, writer, 1, 2, 1)
	t0 := time.Now()
	st, err := project(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("project --once (1 event): %s, %+v", time.Since(t0), st)
	if n := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL"); n != 1 {
		t.Fatalf("disclosures FINAL = %d, want 1", n)
	}
	if pos := offset(ctx, t, conn); pos != 1 {
		t.Fatalf("offset = %d, want 1", pos)
	}
	// The served query adapter sees it.
	page, err := clickhouse.NewDisclosures(conn).Disclosures(ctx, projections.DisclosureFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].USCC != uscc(t, 1) {
		t.Fatalf("NewDisclosures: %+v, %v", page, err)
	}

	// Again: nothing new, nothing changes.
	st, err = project(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if st.Applied != 0 || st.Resumed != 1 {
		t.Fatalf("second run: %+v, want nothing applied after 1", st)
	}
	if n, pos := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL"), offset(ctx, t, conn); n != 1 || pos != 1 {
		t.Fatalf("second run: %d rows, offset %d; want 1, 1", n, pos)
	}

	// 5,000 more; a child process projects them in small batches and is killed (SIGKILL) mid-way.
	const more = 5000
	t0 = time.Now()
	publish(ctx, t, writer, 2, 2+more, 500)
	t.Logf("appended %d published results through the Kafka store in %s", more, time.Since(t0))
	head, err := writer.Head(ctx)
	if err != nil || head != 1+more {
		t.Fatalf("head %d, %v; want %d", head, err, 1+more)
	}
	// The test binary runs `choucha` itself with CHOUCHA_TEST_MAIN=1 (main_test.go).
	child := exec.CommandContext(ctx, os.Args[0], "project", "--kafka", strings.Join(brokers, ","),
		"--topic", topic, "--clickhouse", addr, "--clickhouse-db", db, "--batch", "20", "--once")
	child.Env = append(os.Environ(), "CHOUCHA_TEST_MAIN=1")
	var childErr bytes.Buffer
	child.Stderr = &childErr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	var killedAt uint64
	for {
		pos := offset(ctx, t, conn)
		if pos > 1 {
			killedAt = pos
			break
		}
		if time.Since(t0) > 2*time.Minute {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = child.Process.Signal(syscall.SIGKILL)
	werr := child.Wait()
	after := offset(ctx, t, conn)
	t.Logf("child killed with offset %d seen (%d after the kill) of head %d, %s after start; wait: %v", killedAt, after, head, time.Since(t0), werr)
	if killedAt == 0 || after >= head {
		t.Errorf("the kill did not land mid-way (offset %d, head %d); child stderr:\n%s", after, head, childErr.String())
	}

	t0 = time.Now()
	st, err = project(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("project --once after the kill: %s, %+v", time.Since(t0), st)
	if st.Resumed != after || st.Position != head {
		t.Fatalf("resume: %+v, want resumed after %d up to %d", st, after, head)
	}
	final := count(ctx, t, conn, "SELECT count() FROM disclosures FINAL")
	raw := count(ctx, t, conn, "SELECT count() FROM disclosures")
	t.Logf("after the kill and a rerun: %d rows FINAL, %d raw (re-sent rows collapse on merge)", final, raw)
	if final != head || offset(ctx, t, conn) != head {
		t.Fatalf("rows FINAL = %d, offset %d; want %d, %d", final, offset(ctx, t, conn), head, head)
	}
	if raw < final || raw > final+20 {
		t.Errorf("raw rows %d: want between %d and %d (at most one re-sent batch)", raw, final, final+20)
	}
	before := snapshot(ctx, t, conn)

	// --rebuild: the same rows.
	rb := cfg
	rb.Rebuild = true
	t0 = time.Now()
	st, err = project(ctx, rb, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("project --rebuild --once: %s, %+v", time.Since(t0), st)
	if st.Resumed != 0 || st.Applied != int(head) {
		t.Fatalf("rebuild: %+v, want a replay from 1 of %d events", st, head)
	}
	rebuilt := snapshot(ctx, t, conn)
	if !slices.Equal(before, rebuilt) {
		t.Fatalf("rebuild: %d rows differ from the %d before", len(rebuilt), len(before))
	}
	if raw := count(ctx, t, conn, "SELECT count() FROM disclosures"); raw != head {
		t.Errorf("after rebuild raw rows %d, want %d", raw, head)
	}
	if pos := offset(ctx, t, conn); pos != head {
		t.Fatalf("after rebuild offset %d, want %d", pos, head)
	}

	// The polling mode stops on its context.
	pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	poll := cfg
	poll.Once = false
	if st, err := project(pctx, poll, log); err != nil || st.Applied != 0 {
		t.Fatalf("polling run: %+v, %v", st, err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// distBuffer is a bytes.Buffer safe for a serve goroutine writing and the test reading.
type distBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *distBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *distBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs serve in process and returns its base URL.
func startDistServe(ctx context.Context, t *testing.T, dist serveDist) (string, string, <-chan error) {
	t.Helper()
	var out distBuffer
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{Data: dir, Addr: "127.0.0.1:0", Authority: "市场监督管理局", Dist: dist}, &out)
	}()
	for deadline := time.Now().Add(90 * time.Second); ; {
		if s := out.String(); strings.Contains(s, "serving at ") {
			url := strings.Fields(s[strings.Index(s, "serving at ")+len("serving at "):])[0]
			tok, err := os.ReadFile(dir + "/admin.token")
			if err != nil {
				t.Fatal(err)
			}
			return url, strings.TrimSpace(string(tok)), done
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before serving: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start in 90s")
		}
	}
}

func getDistJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s %s", url, res.Status, b)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDistributedServe(t *testing.T) {
	brokers, addr := distEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	topic, db := "choucha.test.serve."+suffix, "choucha_serve_"+suffix
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "--clickhouse", addr, "--clickhouse-db", db}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = conn.Exec(c, "DROP DATABASE IF EXISTS `"+db+"`")
		conn.Close()
	})

	sctx, stop := context.WithCancel(ctx)
	t0 := time.Now()
	url, token, done := startDistServe(sctx, t, serveDist{Brokers: brokers, Topic: topic, ClickHouse: addr, Database: db})
	t.Logf("serve --kafka --clickhouse started in %s at %s", time.Since(t0), url)
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// The public API answers from ClickHouse, not from the memory read models (whose log has
	// no disclosure): a row written to ClickHouse directly shows up.
	var page projections.Page[projections.DisclosureRecord]
	getDistJSON(t, url+"/public/v1/disclosures", &page)
	if len(page.Items) != 0 {
		t.Fatalf("before: %d disclosures, want 0", len(page.Items))
	}
	p := clickhouse.NewDisclosureProjector(conn, 10)
	stream, raw := publishedPayload(t, 1)
	if err := p.Apply(event.Envelope{Stream: stream, Version: 1, Type: inspection.ResultPublished, Payload: raw, Position: 1}); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	getDistJSON(t, url+"/public/v1/disclosures", &page)
	if len(page.Items) != 1 || page.Items[0].USCC != uscc(t, 1) {
		t.Fatalf("after a ClickHouse row: %+v", page.Items)
	}

	// The writer role: serve holds it, so serve appends.
	post := func(base, tok string) (int, string) {
		body := `{"code":"DIST-` + suffix + `","name":"分布式检查","legal_basis":"依据","department":"市场监督管理局","category":"一般","object_type":"企业","content":"内容","method":"实地检查"}`
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/items", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := post(url, token); code/100 != 2 {
		t.Fatalf("POST item on the writer: %d %s", code, body)
	}

	// A second serve on the same topic is a follower: it refuses writes with 503.
	fctx, fstop := context.WithCancel(ctx)
	furl, ftoken, fdone := startDistServe(fctx, t, serveDist{Brokers: brokers, Topic: topic})
	code, body := post(furl, ftoken)
	fstop()
	if err := <-fdone; err != nil {
		t.Errorf("follower serve: %v", err)
	}
	t.Logf("POST item on the follower: %d %s", code, body)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("POST item on the follower: %d %s, want 503", code, body)
	}
}
