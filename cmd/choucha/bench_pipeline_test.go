//go:build integration

// Distributed-mode benchmarks (issue 5) against real servers: the Kafka event log, `choucha
// project` and the ClickHouse read model. Each prints `bench:` lines (benchLine, bench_test.go)
// against baselines measured in the same run, and `bench-note:` lines.
//
//	deployments/local/up.sh all && set -a && . ./.local/env && set +a
//	go test -tags integration -run '^$' -bench 'Pipeline|Replay|Lookup' -benchtime=1x -timeout 60m ./cmd/choucha/
//
// Every benchmark uses its own topics and database (unique per run) and deletes them at the
// end; the servers are shared with other runs and are never stopped here. Sizes:
//
//	CHOUCHA_BENCH_PIPELINE_EVENTS  events of pipeline_e2e (200000)
//	CHOUCHA_BENCH_PIPELINE_BATCH   events per Append in pipeline_e2e (500)
//	CHOUCHA_BENCH_REPLAY_EVENTS    events of replay (benchReplayDefault)
//	CHOUCHA_BENCH_LOOKUP_ROWS      result rows of public_lookup (10000000)
//	CHOUCHA_BENCH_LOOKUP_CLIENTS   concurrent clients of public_lookup (100)
//	CHOUCHA_BENCH_LOOKUPS          lookups per measured set of public_lookup (benchLookupsDefault)
//	CHOUCHA_BENCH_CPUPROFILE=DIR   write a CPU profile of each timed phase into DIR
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/kafka"
	"github.com/choucha/choucha/projections"
)

const (
	// The issue asks for a replay of 10M events; it does not fit this machine kind (24 GiB,
	// shared with Kafka, ClickHouse and other runs): `project` keeps every event of the log
	// in memory (its KafkaStore) besides its stateful projectors' models, ≈3.5 KB of peak
	// RSS per event measured at 5M (16.6 GiB), so ≈32 GiB for 10M; the writer KafkaStore
	// that generates the events (closed before the replay) takes ≈2 KB per event. 3M
	// (≈10 GiB) is the largest round size that leaves the machine headroom; the bench line
	// names the size, and CHOUCHA_BENCH_REPLAY_EVENTS=10000000 runs the size where
	// memory allows.
	benchReplayDefault  = 3_000_000
	benchLookupsDefault = 1000
	benchMaxMessage     = 8 << 20 // eventlog's default MaxMessageBytes
)

// ---------------------------------------------------------------------------------------------
// Servers, topics, databases.

// benchDist is one benchmark's share of the servers: its database (migrated) and the topics
// it creates, all removed by b.Cleanup.
type benchDist struct {
	brokers []string
	addr    string
	suffix  string
	db      string
	conn    driver.Conn // to db, the default pool of clickhouse.Open

	mu     sync.Mutex
	topics []string
}

func newBenchDist(b *testing.B, name string) *benchDist {
	b.Helper()
	brokers, addr := splitList(os.Getenv("CHOUCHA_KAFKA_BROKERS")), os.Getenv("CHOUCHA_CLICKHOUSE_ADDR")
	if len(brokers) == 0 || addr == "" {
		b.Fatalf("FAIL LOUDLY: CHOUCHA_KAFKA_BROKERS=%q CHOUCHA_CLICKHOUSE_ADDR=%q: the distributed benchmarks need Kafka and ClickHouse:\n"+
			"\tdeployments/local/up.sh all && set -a && . ./.local/env && set +a", os.Getenv("CHOUCHA_KAFKA_BROKERS"), addr)
	}
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	d := &benchDist{brokers: brokers, addr: addr, suffix: suffix, db: "choucha_bench_" + name + "_" + suffix}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: d.db, CreateDatabase: true})
	if err != nil {
		b.Fatal(err)
	}
	d.conn = conn
	b.Cleanup(d.cleanup)
	if err := clickhouse.Migrate(ctx, conn); err != nil {
		b.Fatal(err)
	}
	return d
}

// topic names a fresh event topic (its election topic and consumer groups go with it).
func (d *benchDist) topic(kind string) string {
	t := "choucha.bench." + kind + "." + d.suffix
	d.mu.Lock()
	d.topics = append(d.topics, t)
	d.mu.Unlock()
	return t
}

func (d *benchDist) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+d.db+"`"); err != nil {
		fmt.Printf("bench-note: cleanup: drop database %s: %v\n", d.db, err)
	}
	d.conn.Close()
	if len(d.topics) == 0 {
		return
	}
	tr := &kafkago.Transport{}
	defer tr.CloseIdleConnections()
	client := &kafkago.Client{Addr: kafkago.TCP(d.brokers...), Transport: tr, Timeout: 30 * time.Second}
	var names []string
	for _, t := range d.topics {
		names = append(names, t, t+".writer")
	}
	if res, err := client.DeleteTopics(ctx, &kafkago.DeleteTopicsRequest{Topics: names}); err != nil {
		fmt.Printf("bench-note: cleanup: delete topics %v: %v\n", names, err)
	} else {
		for name, err := range res.Errors {
			if err != nil && !errors.Is(err, kafkago.UnknownTopicOrPartition) {
				fmt.Printf("bench-note: cleanup: delete topic %s: %v\n", name, err)
			}
		}
	}
	// The election groups (the writer's, and each projector's "<topic>.writer.project.<uuid>").
	groups, err := client.ListGroups(ctx, &kafkago.ListGroupsRequest{})
	if err != nil {
		return
	}
	var ids []string
	for _, g := range groups.Groups {
		for _, t := range d.topics {
			if strings.HasPrefix(g.GroupID, t+".") {
				ids = append(ids, g.GroupID)
			}
		}
	}
	if len(ids) > 0 {
		_, _ = client.DeleteGroups(ctx, &kafkago.DeleteGroupsRequest{GroupIDs: ids})
	}
}

// rawConn is a plain clickhouse-go connection to the benchmark's database with a pool of
// conns connections that waits (up to a minute) for a free one, for the baselines.
func (d *benchDist) rawConn(b *testing.B, conns int) driver.Conn {
	b.Helper()
	conn, err := ch.Open(&ch.Options{Addr: []string{d.addr}, Auth: ch.Auth{Database: d.db, Username: "default"},
		DialTimeout: time.Minute, ReadTimeout: 5 * time.Minute, MaxOpenConns: conns, MaxIdleConns: conns})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return conn
}

// openWriter opens a Kafka store on topic and waits until it holds the writer role.
func (d *benchDist) openWriter(ctx context.Context, b *testing.B, topic string) *eventlog.KafkaStore {
	b.Helper()
	w, err := eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: d.brokers, Topic: topic})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.WaitWriter(ctx); err != nil {
		w.Close()
		b.Fatal(err)
	}
	return w
}

// waitMerges waits (up to limit) until ClickHouse runs no merge in the benchmark's database,
// so that one phase's background merges do not slow the next; it returns how long it waited.
func (d *benchDist) waitMerges(ctx context.Context, b *testing.B, limit time.Duration) time.Duration {
	b.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		var n uint64
		if err := d.conn.QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = ?", d.db).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return time.Since(start)
}

func (d *benchDist) count(ctx context.Context, b *testing.B, q string, args ...any) uint64 {
	b.Helper()
	var n uint64
	if err := d.conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	return n
}

// projectorNames are the projectors `choucha project` runs (each records its own offset).
func projectorNames(conn driver.Conn) []string {
	var names []string
	for _, p := range projectors(conn, 1) {
		names = append(names, p.Name())
	}
	return names
}

// offset is the least offset recorded by the projectors `choucha project` runs (0 while one
// has recorded none).
func (d *benchDist) offset(ctx context.Context, b *testing.B) uint64 {
	b.Helper()
	low := ^uint64(0)
	for _, name := range projectorNames(d.conn) {
		pos, err := clickhouse.Offset(ctx, d.conn, name)
		if err != nil {
			b.Fatal(err)
		}
		low = min(low, pos)
	}
	return low
}

// ---------------------------------------------------------------------------------------------
// Events and rows.

// benchUSCC is enterprise i's USCC (the same as distributed_test.go's uscc).
func benchUSCC(i int) string {
	body := fmt.Sprintf("%08d", i)
	org, err := directory.OrgCodeCheckDigit(body)
	if err != nil {
		panic(err)
	}
	first := "91440305" + body + string(org)
	c, err := directory.USCCCheckDigit(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// benchRow is a disclosures row, as DisclosureProjector derives it from a published event.
type benchRow struct {
	task, plan, uscc, enterprise, region, authority string
	items, results                                  []string
	inspectedOn, publishedOn                        time.Time
	version                                         uint64
}

var (
	benchInspected = time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	benchPublished = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

// benchPublishedEvent is enterprise i's published result in plan planID (the payload of
// distributed_test.go's publishedPayload) and the row the projector makes of it.
func benchPublishedEvent(i int, planID, cmd string) (event.Envelope, benchRow) {
	u := benchUSCC(i)
	pub := inspection.ResultPublishedV1{PublishedOn: "2026-11-20", By: "publisher-li", Department: "市场监督管理局",
		Public: inspection.Public{USCC: u, Enterprise: fmt.Sprintf("企业%d有限公司", i), RegionCode: "440305",
			Authority: "市场监督管理局", Items: []string{"食品经营许可检查"}, InspectedOn: "2026-11-05",
			Results: []string{inspection.NoProblem}}}
	raw, err := json.Marshal(pub)
	if err != nil {
		panic(err)
	}
	task := planID + "-" + u
	e := event.Envelope{ID: uuid.Must(uuid.NewV7()).String(), Stream: inspection.Stream(task), Type: inspection.ResultPublished,
		OccurredAt: time.Now(), Actor: event.Actor{ID: "publisher-li", Role: "regulator"}, CommandID: cmd, Payload: raw}
	return e, benchRow{task: task, plan: planID, uscc: u, enterprise: pub.Enterprise, region: pub.RegionCode,
		authority: pub.Authority, items: pub.Items, results: pub.Results, inspectedOn: benchInspected,
		publishedOn: benchPublished, version: 1}
}

// benchTaskEvents is a task's life as the commands write it: its result recorded, approved
// and published (versions 1–3 of the task's stream), so every projector folds real work.
func benchTaskEvents(i int, planID, cmd string) ([]event.Envelope, benchRow) {
	pub, row := benchPublishedEvent(i, planID, cmd)
	rec, err := json.Marshal(inspection.ResultRecordedV1{Result: inspection.Result{CheckMethods: []string{"实地检查"},
		Results: []string{inspection.NoProblem}, FollowUp: "无需后续处置", InspectedOn: "2026-11-05"}, RecordedBy: "INS000001"})
	if err != nil {
		panic(err)
	}
	appr, err := json.Marshal(inspection.ResultApprovedV1{By: "reviewer-wang", Department: "市场监督管理局"})
	if err != nil {
		panic(err)
	}
	mk := func(typ string, v uint64, payload []byte, actor string) event.Envelope {
		return event.Envelope{ID: uuid.Must(uuid.NewV7()).String(), Stream: pub.Stream, Version: v, Type: typ,
			OccurredAt: pub.OccurredAt, Actor: event.Actor{ID: actor, Role: "inspector"}, CommandID: cmd, Payload: payload}
	}
	pub.Version = 3
	row.version = 3
	return []event.Envelope{mk(inspection.ResultRecorded, 1, rec, "INS000001"), mk(inspection.ResultApproved, 2, appr, "reviewer-wang"), pub}, row
}

// benchEventsPerTask: every task is three events (benchTaskEvents).
const benchEventsPerTask = 3

// benchBatch is the Append of tasks [lo, hi): one command, one new stream per task with its
// three events. rows gets one row per event (the raw insert moves as many rows as the
// pipeline moves events) if not nil.
func benchBatch(lo, hi int, planID string, rows *[]benchRow) event.Batch {
	cmd := uuid.Must(uuid.NewV7()).String()
	b := event.Batch{CommandID: cmd, Streams: make([]event.StreamAppend, 0, hi-lo)}
	for i := lo; i < hi; i++ {
		es, row := benchTaskEvents(i, planID, cmd)
		b.Streams = append(b.Streams, event.StreamAppend{Stream: es[0].Stream, Events: es})
		if rows != nil {
			for v := range uint64(benchEventsPerTask) {
				r := row // one row per event: a key of its own, so the raw table keeps them all
				r.task, r.version = fmt.Sprintf("%s/%d", row.task, v+1), v+1
				*rows = append(*rows, r)
			}
		}
	}
	return b
}

const benchInsertColumns = " (task, plan, uscc, enterprise, region_code, authority, items, inspected_on, results, published_on, version)"

// insertRows is the raw clickhouse-go batch insert: PrepareBatch with the column list, Append
// per row, Send, every batch rows.
func insertRows(ctx context.Context, conn driver.Conn, table string, rows []benchRow, batch int) error {
	for lo := 0; lo < len(rows); lo += batch {
		bt, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+benchInsertColumns)
		if err != nil {
			return err
		}
		for _, r := range rows[lo:min(lo+batch, len(rows))] {
			if err := bt.Append(r.task, r.plan, r.uscc, r.enterprise, r.region, r.authority,
				r.items, r.inspectedOn, r.results, r.publishedOn, r.version); err != nil {
				bt.Close()
				return err
			}
		}
		if err := bt.Send(); err != nil {
			return err
		}
	}
	return nil
}

// createLike creates table name with the disclosures table's columns and engine, ordered by
// orderBy.
func createLike(ctx context.Context, b *testing.B, conn driver.Conn, name, orderBy string) {
	b.Helper()
	var ddl string
	for _, m := range clickhouse.Migrations() {
		if m.Name == "disclosures" {
			ddl = m.SQL
		}
	}
	if ddl == "" || !strings.Contains(ddl, "disclosures (") || !strings.HasSuffix(ddl, "ORDER BY task") {
		b.Fatalf("unexpected disclosures migration: %q", ddl)
	}
	ddl = strings.Replace(ddl, "disclosures (", name+" (", 1)
	ddl = strings.TrimSuffix(ddl, "ORDER BY task") + "ORDER BY " + orderBy
	if err := conn.Exec(ctx, ddl); err != nil {
		b.Fatal(err)
	}
}

// ---------------------------------------------------------------------------------------------
// Raw Kafka.

// readRecords reads every record of partition 0 of topic (key, value, headers; no decoding),
// returning them (if keep) and their value bytes.
func readRecords(ctx context.Context, b *testing.B, brokers []string, topic string, keep bool) (recs []kafkago.Message, n int, bytes int64) {
	b.Helper()
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...), Timeout: 30 * time.Second}
	res, err := client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{
		Topics: map[string][]kafkago.OffsetRequest{topic: {kafkago.LastOffsetOf(0)}}})
	if err != nil {
		b.Fatal(err)
	}
	end := res.Topics[topic][0].LastOffset
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: brokers, Topic: topic, Partition: 0, MinBytes: 1,
		MaxBytes: benchMaxMessage + 1<<20, MaxWait: 250 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(kafkago.FirstOffset); err != nil {
		b.Fatal(err)
	}
	for next := int64(0); next < end; {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		next = m.Offset + 1
		n++
		bytes += int64(len(m.Value))
		if keep {
			recs = append(recs, kafkago.Message{Key: m.Key, Value: m.Value, Headers: m.Headers})
		}
	}
	return recs, n, bytes
}

// produceRecords is the raw produce: a kafka-go Writer configured as the Kafka store's
// (RequiredAcks=all, Hash balancer, one record per request), writing recs one after the other
// and waiting for each acknowledgement, as the single writer does with its Appends.
func produceRecords(ctx context.Context, b *testing.B, brokers []string, topic string, recs []kafkago.Message) time.Duration {
	b.Helper()
	if err := kafka.EnsureTopic(ctx, brokers, nil, topic, kafka.TopicConfig{NumPartitions: 1, ReplicationFactor: 1,
		Configs: map[string]string{"max.message.bytes": strconv.Itoa(benchMaxMessage), "retention.ms": "-1"}}); err != nil {
		b.Fatal(err)
	}
	w := &kafkago.Writer{Addr: kafkago.TCP(brokers...), Topic: topic, Balancer: &kafkago.Hash{},
		RequiredAcks: kafkago.RequireAll, BatchSize: 1, BatchBytes: benchMaxMessage, BatchTimeout: time.Millisecond,
		WriteTimeout: 10 * time.Second, Transport: &kafkago.Transport{MetadataTopics: []string{topic}}}
	defer w.Close()
	start := time.Now()
	for i := range recs {
		if err := w.WriteMessages(ctx, recs[i]); err != nil {
			b.Fatalf("raw produce record %d: %v", i, err)
		}
	}
	return time.Since(start)
}

// ---------------------------------------------------------------------------------------------
// Helpers.

func cpuProfile(b *testing.B, name string) func() {
	dir := os.Getenv("CHOUCHA_BENCH_CPUPROFILE")
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, name+".cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		fmt.Printf("bench-note: CPU profile %s\n", path)
	}
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

func secs(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// projectLogStats sums the "project: caught up" lines of a projector's JSON log.
func projectLogStats(log string) (loops int, seconds float64) {
	for line := range strings.SplitSeq(log, "\n") {
		if !strings.Contains(line, `"project: caught up"`) {
			continue
		}
		var m struct {
			Seconds float64 `json:"seconds"`
		}
		if json.Unmarshal([]byte(line), &m) == nil {
			loops++
			seconds += m.Seconds
		}
	}
	return loops, seconds
}

// captureSlog sends the default slog logger (the projections' Guard warns through it) to a
// buffer until the returned function restores it and returns what was logged.
func captureSlog() func() string {
	prev := slog.Default()
	var buf benchBuffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	return func() string {
		slog.SetDefault(prev)
		return buf.String()
	}
}

// rejectNote says whether a projection rejected events (projections.Guard logs the first 10).
func rejectNote(name, logged string) {
	if n := strings.Count(logged, "projection rejected an event"); n > 0 {
		first, _, _ := strings.Cut(logged, "\n")
		fmt.Printf("bench-note: %s: a projection rejected events (the first %d logged; the inspections model refuses a "+
			"result_published.v1 whose task has no recorded and approved result in the log, so it writes no tasks row): %s\n", name, n, first)
	}
}

// startProject runs project (polling) in a goroutine and waits until it has opened the log.
func startProject(ctx context.Context, b *testing.B, cfg projectConfig) (stop func() projectStats, log *benchBuffer) {
	b.Helper()
	log = &benchBuffer{}
	pctx, cancel := context.WithCancel(ctx)
	type result struct {
		st  projectStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := project(pctx, cfg, slog.New(slog.NewJSONHandler(log, nil)))
		done <- result{st, err}
	}()
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(log.String(), `"project: started"`); {
		select {
		case r := <-done:
			cancel()
			b.Fatalf("project ended before starting: %+v %v\n%s", r.st, r.err, log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			b.Fatalf("project did not start in 2 minutes:\n%s", log.String())
		}
	}
	return func() projectStats {
		cancel()
		r := <-done
		if r.err != nil {
			b.Fatalf("project: %v\n%s", r.err, log.String())
		}
		return r.st
	}, log
}

// ---------------------------------------------------------------------------------------------
// 1. pipeline_e2e

// BenchmarkPipelineE2E: N published results appended through a writer KafkaStore (batches of
// CHOUCHA_BENCH_PIPELINE_BATCH events per Append, one goroutine, as the single writer does)
// while `project` (polling every 50 ms, the CLI's default batch of 1000 rows) runs in a
// goroutine; timed from the first Append until the offset recorded by every projector that
// `project` runs (disclosures, and the others of project.go's projectors) is the last position
// and `SELECT count() FROM disclosures FINAL` returns N.
//
// Baselines on the same rows, in the same run: raw kafka-go produce of the very records the
// store wrote (read back from the topic: same bytes, one record per 500 events, a Writer with
// RequiredAcks=all writing them one after the other, as the store does) and a raw
// clickhouse-go batch insert of the same rows (PrepareBatch with the column list, batches of
// the projector's size) into a table like disclosures. The ratio is against the slower one.
func BenchmarkPipelineE2E(b *testing.B) {
	n := envSize(b, "CHOUCHA_BENCH_PIPELINE_EVENTS", 200_000)
	per := envSize(b, "CHOUCHA_BENCH_PIPELINE_BATCH", 500)
	chBatch := defaultProjectBatch // the projector's batch: the same inserts
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for range b.N {
		resetPeakRSS()
		d := newBenchDist(b, "pipe")
		topic := d.topic("pipe")

		// The batches and their rows, built before any timing.
		var batches []event.Batch
		rows := make([]benchRow, 0, n)
		tasks, perTasks := n/benchEventsPerTask, max(1, per/benchEventsPerTask)
		n = tasks * benchEventsPerTask
		for lo := 0; lo < tasks; lo += perTasks {
			batches = append(batches, benchBatch(lo, min(lo+perTasks, tasks), "2026-bench-01", &rows))
		}

		// Baseline 1: raw ClickHouse batch insert of the same rows.
		createLike(ctx, b, d.conn, "disclosures_raw", "task")
		raw := d.rawConn(b, 4)
		start := time.Now()
		if err := insertRows(ctx, raw, "disclosures_raw", rows, chBatch); err != nil {
			b.Fatal(err)
		}
		chTook := time.Since(start)
		if got := d.count(ctx, b, "SELECT count() FROM disclosures_raw"); got != uint64(n) {
			b.Fatalf("disclosures_raw has %d rows, want %d", got, n)
		}
		start = time.Now()
		if err := insertRows(ctx, raw, "disclosures_raw", rows, n); err != nil {
			b.Fatal(err)
		}
		chOneTook := time.Since(start)
		if err := d.conn.Exec(ctx, "DROP TABLE disclosures_raw"); err != nil {
			b.Fatal(err)
		}
		rows = nil
		d.waitMerges(ctx, b, time.Minute)

		// The pipeline.
		writer := d.openWriter(ctx, b, topic)
		logged := captureSlog()
		stop, plog := startProject(ctx, b, projectConfig{Brokers: d.brokers, Topic: topic, ClickHouse: d.addr, Database: d.db,
			Batch: defaultProjectBatch, Linger: defaultLinger, Poll: defaultPoll})
		runtime.GC()
		before := cpuSnapshot()
		endProfile := cpuProfile(b, "pipeline_e2e")
		start = time.Now()
		for i := range batches {
			if _, err := writer.Append(ctx, batches[i]); err != nil {
				b.Fatalf("append batch %d: %v", i, err)
			}
		}
		appended := time.Since(start)
		head, err := writer.Head(ctx)
		if err != nil || head != uint64(n) {
			b.Fatalf("head %d, %v; want %d", head, err, n)
		}
		for d.offset(ctx, b) < head {
			if time.Since(start) > 15*time.Minute {
				b.Fatalf("the projector's offset is %d of %d after 15 minutes:\n%s", d.offset(ctx, b), head, plog.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		projected := time.Since(start)
		if got := d.count(ctx, b, "SELECT count() FROM disclosures FINAL"); got != uint64(tasks) {
			b.Fatalf("disclosures FINAL has %d rows, want %d", got, tasks)
		}
		took := time.Since(start)
		endProfile()
		cpu := cpuSnapshot().since(before)
		st := stop()
		rejectNote("pipeline_e2e", logged())
		writer.Close()
		loops, loopSecs := projectLogStats(plog.String())

		// Where the time goes: the same Appends with no projector running.
		alone := d.openWriter(ctx, b, d.topic("pipe-alone"))
		start = time.Now()
		for i := range batches {
			if _, err := alone.Append(ctx, batches[i]); err != nil {
				b.Fatalf("append batch %d (writer alone): %v", i, err)
			}
		}
		aloneTook := time.Since(start)
		alone.Close()
		batches = nil

		// Baseline 2: raw produce of the same records.
		recs, nrec, recBytes := readRecords(ctx, b, d.brokers, topic, true)
		if nrec != len(recs) || nrec != (tasks+perTasks-1)/perTasks {
			b.Fatalf("the topic has %d records, want one per Append (%d)", nrec, (tasks+perTasks-1)/perTasks)
		}
		kTook := produceRecords(ctx, b, d.brokers, d.topic("pipe-raw"), recs)

		value, kRate, chRate := rate(n, took), rate(n, kTook), rate(n, chTook)
		fmt.Printf("bench: pipeline_raw_kafka_produce %s events/s baseline=%s ratio=1.000\n", num(kRate), num(kRate))
		fmt.Printf("bench: pipeline_raw_clickhouse_insert %s events/s baseline=%s ratio=1.000\n", num(chRate), num(chRate))
		benchLine(b, "pipeline_e2e", value, min(kRate, chRate), "events/s")
		fmt.Printf("bench-note: pipeline_e2e: %d events in %d Appends of %d (%d record bytes, %.0f B/event), %s end to end; "+
			"the writer's Appends took %s (%s events/s), the offset reached the head %s after the first Append, count FINAL %s\n",
			n, nrec, per, recBytes, float64(recBytes)/float64(n), secs(took), secs(appended), num(rate(n, appended)),
			secs(projected), secs(took-projected))
		fmt.Printf("bench-note: pipeline_e2e: project (projectors %s) %d events in %d batches of ≤%d rows, %d catch-up loops summing %s; "+
			"raw produce %s for %d records one by one (acks=all); raw insert %s in batches of %d rows, %s in one batch (%s rows/s)\n",
			strings.Join(projectorNames(d.conn), ", "), st.Applied, st.Batches, chBatch, loops, fmt.Sprintf("%.1fs", loopSecs), secs(kTook), nrec, secs(chTook), chBatch,
			secs(chOneTook), num(rate(n, chOneTook)))
		fmt.Printf("bench-note: pipeline_e2e: CPU during the timed run: %s; the same Appends with no projector running: %s (%s events/s)\n",
			cpu, secs(aloneTook), num(rate(n, aloneTook)))
		fmt.Printf("bench-note: pipeline_e2e peak RSS %.0f MiB\n", peakRSS())
	}
}

// ---------------------------------------------------------------------------------------------
// 2. replay

// BenchmarkReplay: `project --rebuild --once` (the CLI's default batch of 1000 rows) of a
// topic of CHOUCHA_BENCH_REPLAY_EVENTS published results, from position 1: open the log
// (read, decode and verify every record), apply every event, send every batch. The topic is
// written first through a writer KafkaStore in Appends of 5,000 events (not timed) and that
// store is closed before the replay. Peak RSS is the process's high-water mark during the
// replay alone.
//
// Baselines, same run, same data: a raw kafka-go read of every record of the topic (no
// decoding), and a raw clickhouse-go batch insert of the same rows in batches of the
// projector's size into a table like disclosures; the ratio is against the slower one.
func BenchmarkReplay(b *testing.B) {
	n := envSize(b, "CHOUCHA_BENCH_REPLAY_EVENTS", benchReplayDefault)
	const gen = 5000
	chBatch := defaultProjectBatch // the projector's batch: the same inserts
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	for range b.N {
		d := newBenchDist(b, "replay")
		topic := d.topic("replay")

		writer := d.openWriter(ctx, b, topic)
		start := time.Now()
		tasks := n / benchEventsPerTask
		n = tasks * benchEventsPerTask
		for lo := 0; lo < tasks; lo += gen / benchEventsPerTask {
			if _, err := writer.Append(ctx, benchBatch(lo, min(lo+gen/benchEventsPerTask, tasks), "2026-bench-02", nil)); err != nil {
				b.Fatalf("append %d..: %v", lo, err)
			}
		}
		genTook := time.Since(start)
		genRSS := peakRSS()
		writer.Close()
		writer = nil
		resetPeakRSS()

		// Baseline 1: raw read of the topic.
		start = time.Now()
		_, nrec, recBytes := readRecords(ctx, b, d.brokers, topic, false)
		kTook := time.Since(start)
		if per := gen / benchEventsPerTask; nrec != (tasks+per-1)/per {
			b.Fatalf("the topic has %d records, want one per Append (%d)", nrec, (tasks+per-1)/per)
		}

		// The replay.
		runtime.GC()
		resetPeakRSS()
		before := cpuSnapshot()
		endProfile := cpuProfile(b, "replay")
		plog := &benchBuffer{}
		logged := captureSlog()
		start = time.Now()
		st, err := project(ctx, projectConfig{Brokers: d.brokers, Topic: topic, ClickHouse: d.addr, Database: d.db,
			Batch: defaultProjectBatch, Once: true, Rebuild: true, Poll: defaultPoll}, slog.New(slog.NewJSONHandler(plog, nil)))
		took := time.Since(start)
		endProfile()
		cpu := cpuSnapshot().since(before)
		peak := peakRSS()
		resetPeakRSS() // the replay's garbage back to the OS before the next phase allocates
		name := "replay_" + countName(n)
		rejectNote(name, logged())
		if err != nil {
			b.Fatalf("replay: %v\n%s", err, plog.String())
		}
		if st.Applied != n || st.Position != uint64(n) || st.Resumed != 0 {
			b.Fatalf("replay: %+v, want %d events from position 1", st, n)
		}
		open := logSeconds(plog.String(), `"project: started"`, "open_seconds")
		if got := d.count(ctx, b, "SELECT count() FROM disclosures FINAL"); got != uint64(tasks) {
			b.Fatalf("disclosures FINAL has %d rows, want %d", got, tasks)
		}
		if err := d.conn.Exec(ctx, "TRUNCATE TABLE disclosures"); err != nil {
			b.Fatal(err)
		}
		d.waitMerges(ctx, b, 2*time.Minute)

		// Baseline 2: raw insert of the same rows (built per chunk, not timed).
		createLike(ctx, b, d.conn, "disclosures_raw", "task")
		raw := d.rawConn(b, 4)
		var chTook time.Duration
		const chunk = 100_000
		rows := make([]benchRow, 0, chunk)
		for lo := 0; lo < n; lo += chunk {
			rows = rows[:0]
			for i := lo; i < min(lo+chunk, n); i++ {
				_, row := benchPublishedEvent(i, "2026-bench-02", "")
				rows = append(rows, row)
			}
			t0 := time.Now()
			if err := insertRows(ctx, raw, "disclosures_raw", rows, chBatch); err != nil {
				b.Fatal(err)
			}
			chTook += time.Since(t0)
		}
		if err := d.conn.Exec(ctx, "DROP TABLE disclosures_raw"); err != nil {
			b.Fatal(err)
		}

		value, kRate, chRate := rate(n, took), rate(n, kTook), rate(n, chTook)
		fmt.Printf("bench: %s_raw_kafka_read %s events/s baseline=%s ratio=1.000\n", name, num(kRate), num(kRate))
		fmt.Printf("bench: %s_raw_clickhouse_insert %s events/s baseline=%s ratio=1.000\n", name, num(chRate), num(chRate))
		benchLine(b, name, value, min(kRate, chRate), "events/s")
		fmt.Printf("bench-note: %s: %d events (%d records, %d bytes), replayed in %s: opening the log (read, decode, verify) %.1fs, "+
			"then apply + %d ClickHouse batches %.1fs; peak RSS %.0f MiB during the replay (%.0f B/event); CPU %s\n",
			name, n, nrec, recBytes, secs(took), open, st.Batches, took.Seconds()-open, peak, peak*(1<<20)/float64(n), cpu)
		fmt.Printf("bench-note: %s: written through the KafkaStore in %s (%s events/s, Appends of %d; the writer's peak RSS %.0f MiB); "+
			"raw read %s, raw insert %s in batches of %d\n", name, secs(genTook), num(rate(n, genTook)), gen, genRSS, secs(kTook), secs(chTook), chBatch)
		if n < 10_000_000 {
			fmt.Printf("bench-note: %s: the issue's 10M events would need ≈%.1f GiB of peak RSS at this run's %.0f B/event (and ≈%.0fs at this rate): "+
				"not run by default on a 24 GiB machine (CHOUCHA_BENCH_REPLAY_EVENTS=10000000 to try)\n",
				name, peak*(1<<20)/float64(n)*10e6/(1<<30), peak*(1<<20)/float64(n), 10e6/value)
		}
	}
}

func countName(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dm", n/1_000_000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// logSeconds reads a float field of the first JSON log line containing marker.
func logSeconds(log, marker, field string) float64 {
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, marker) {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil {
				if v, ok := m[field].(float64); ok {
					return v
				}
			}
		}
	}
	return 0
}

// cpuTimes is the CPU time (user + system) of this process and, when their pid files are
// found (deployments/local's state directory), of the local Kafka and ClickHouse servers.
type cpuTimes map[string]float64

func cpuSnapshot() cpuTimes {
	out := cpuTimes{"self": procCPU("self")}
	state := os.Getenv("CHOUCHA_LOCAL_STATE")
	if state == "" {
		state = filepath.Join("..", "..", ".local")
	}
	for name, file := range map[string]string{"kafka": "kafka/kafka.pid", "clickhouse": "clickhouse/clickhouse.pid"} {
		if raw, err := os.ReadFile(filepath.Join(state, file)); err == nil {
			if v := procCPU(strings.TrimSpace(string(raw))); v >= 0 {
				out[name] = v
			}
		}
	}
	return out
}

// procCPU is utime + stime of /proc/PID/stat in seconds (-1 if unreadable).
func procCPU(pid string) float64 {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

func (c cpuTimes) since(before cpuTimes) string {
	var parts []string
	for _, k := range []string{"self", "kafka", "clickhouse"} {
		if v, ok := c[k]; ok {
			if w, ok := before[k]; ok {
				name := map[string]string{"self": "this process", "kafka": "Kafka broker", "clickhouse": "ClickHouse server"}[k]
				parts = append(parts, fmt.Sprintf("%s %.1fs", name, v-w))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// ---------------------------------------------------------------------------------------------
// 3. public_lookup

// BenchmarkPublicLookup: the public lookup of an enterprise's disclosures by USCC over
// CHOUCHA_BENCH_LOOKUP_ROWS result rows (4 per enterprise, in 4 plans), inserted directly
// with batch inserts of 100,000 rows (not timed; the background merges are waited for), under
// CHOUCHA_BENCH_LOOKUP_CLIENTS concurrent clients issuing CHOUCHA_BENCH_LOOKUPS lookups of
// random enterprises in all, in each of these sets:
//
//   - http: GET /public/v1/enterprises/{uscc}/disclosures of a running `serve --kafka
//     --clickhouse` (no public rate limit), which calls the adapter below: the bench line;
//   - adapter: clickhouse.NewDisclosures(...).EnterpriseHistory on a connection from
//     clickhouse.Open (its default pool of 16 connections);
//   - baseline: the same rows read from the same table with a raw clickhouse-go query (a pool
//     of one connection per client), `SELECT <columns> FROM disclosures WHERE uscc = ?`: a
//     scan, as the table's primary key is the task id, without FINAL and ORDER BY;
//   - SELECT 1 on the same raw pool: the round trip, the least any lookup costs (a note);
//   - the adapter's query on a copy of the table ordered by (uscc, task) (a note: what a
//     primary key that starts with the USCC would give).
//
// A lookup that fails or returns other than 4 records is counted as an error: p50 and p99 are
// those of the successful lookups, and public_lookup_ok is the share of lookups that
// succeeded (the baseline's share beside it). The raw pool and the HTTP connections are
// warmed (SELECT 1, /healthz) before the sets.
func BenchmarkPublicLookup(b *testing.B) {
	nrows := envSize(b, "CHOUCHA_BENCH_LOOKUP_ROWS", 10_000_000)
	clients := envSize(b, "CHOUCHA_BENCH_LOOKUP_CLIENTS", 100)
	total := envSize(b, "CHOUCHA_BENCH_LOOKUPS", benchLookupsDefault)
	const perEnt = 4
	ents := max(nrows/perEnt, 1)
	nrows = ents * perEnt
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	for range b.N {
		resetPeakRSS()
		d := newBenchDist(b, "lookup")
		usccs := make([]string, ents)
		for i := range usccs {
			usccs[i] = benchUSCC(i)
		}

		// The rows: enterprise e's result in plan p is row p*ents+e.
		raw := d.rawConn(b, clients)
		start := time.Now()
		const chunk = 100_000
		rows := make([]benchRow, 0, chunk)
		for lo := 0; lo < nrows; lo += chunk {
			rows = rows[:0]
			for i := lo; i < min(lo+chunk, nrows); i++ {
				e, p := i%ents, i/ents
				planID := fmt.Sprintf("2026-lookup-%02d", p+1)
				rows = append(rows, benchRow{task: planID + "-" + usccs[e], plan: planID, uscc: usccs[e],
					enterprise: fmt.Sprintf("企业%d有限公司", e), region: "440305", authority: "市场监督管理局",
					items: []string{"食品经营许可检查"}, results: []string{inspection.NoProblem},
					inspectedOn: benchInspected.AddDate(0, p, 0), publishedOn: benchPublished.AddDate(0, p, 0), version: 1})
			}
			if err := insertRows(ctx, raw, "disclosures", rows, chunk); err != nil {
				b.Fatal(err)
			}
		}
		rows = nil
		loaded := time.Since(start)
		merged := d.waitMerges(ctx, b, 5*time.Minute)
		parts := d.count(ctx, b, "SELECT count() FROM system.parts WHERE database = ? AND table = 'disclosures' AND active", d.db)
		disk := d.count(ctx, b, "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ? AND table = 'disclosures' AND active", d.db)
		if got := d.count(ctx, b, "SELECT count() FROM disclosures"); got != uint64(nrows) {
			b.Fatalf("disclosures has %d rows, want %d", got, nrows)
		}
		fmt.Printf("bench-note: public_lookup: %d rows (%d enterprises × %d) inserted in %s, merges waited %s, %d active parts, %d MiB on disk\n",
			nrows, ents, perEnt, secs(loaded), secs(merged), parts, disk>>20)

		// The enterprises to look up, the same sequence for every set.
		rng := rand.New(rand.NewPCG(1, 2))
		keys := make([]string, total)
		for i := range keys {
			keys[i] = usccs[rng.IntN(ents)]
		}
		usccs = nil

		// Warm the raw pool (one connection per client) outside the measured sets.
		warm := runLookups(ctx, clients, keys[:min(clients, len(keys))], func(ctx context.Context, _ string) (int, error) {
			var one uint8
			return perEnt, raw.QueryRow(ctx, "SELECT 1").Scan(&one)
		}, perEnt)
		if warm.errs > 0 {
			b.Fatalf("warming the raw pool: %v", warm.firstErr)
		}

		// SELECT 1.
		sel1 := runLookups(ctx, clients, keys, func(ctx context.Context, _ string) (int, error) {
			var one uint8
			return perEnt, raw.QueryRow(ctx, "SELECT 1").Scan(&one)
		}, perEnt)
		// Baseline: the raw scan.
		const cols = "task, plan, uscc, enterprise, region_code, authority, items, toString(inspected_on), results, toString(published_on)"
		rawScan := func(table string, final bool) func(context.Context, string) (int, error) {
			q := "SELECT " + cols + " FROM " + table + " WHERE uscc = ?"
			if final {
				q = "SELECT " + cols + " FROM " + table + " FINAL WHERE uscc = ? ORDER BY inspected_on, task"
			}
			return func(ctx context.Context, u string) (int, error) {
				rs, err := raw.Query(ctx, q, u)
				if err != nil {
					return 0, err
				}
				defer rs.Close()
				n := 0
				for rs.Next() {
					var r projections.DisclosureRecord
					if err := rs.Scan(&r.Task, &r.Plan, &r.USCC, &r.Enterprise, &r.RegionCode, &r.Authority,
						&r.Items, &r.InspectedOn, &r.Results, &r.PublishedOn); err != nil {
						return n, err
					}
					n++
				}
				return n, rs.Err()
			}
		}
		base := runLookups(ctx, clients, keys, rawScan("disclosures", false), perEnt)
		// The adapter.
		disc := clickhouse.NewDisclosures(d.conn)
		adapter := runLookups(ctx, clients, keys, func(ctx context.Context, u string) (int, error) {
			h, err := disc.EnterpriseHistory(ctx, u)
			return len(h), err
		}, perEnt)
		// Through serve.
		url, stopServe := benchServe(ctx, b, serveDist{Brokers: d.brokers, Topic: d.topic("lookup"), ClickHouse: d.addr, Database: d.db})
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Minute}
		warm = runLookups(ctx, clients, keys[:min(clients, len(keys))], func(ctx context.Context, _ string) (int, error) {
			res, err := hc.Get(url + "/healthz")
			if err != nil {
				return 0, err
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return perEnt, nil
		}, perEnt)
		if warm.errs > 0 {
			b.Fatalf("warming the HTTP connections: %v", warm.firstErr)
		}
		web := runLookups(ctx, clients, keys, func(ctx context.Context, u string) (int, error) {
			req, err := http.NewRequestWithContext(ctx, "GET", url+"/public/v1/enterprises/"+u+"/disclosures", nil)
			if err != nil {
				return 0, err
			}
			res, err := hc.Do(req)
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(res.Body, 300))
				return 0, fmt.Errorf("GET: %s %s", res.Status, strings.TrimSpace(string(body)))
			}
			var recs []projections.DisclosureRecord
			if err := json.NewDecoder(res.Body).Decode(&recs); err != nil {
				return 0, err
			}
			return len(recs), nil
		}, perEnt)
		stopServe()
		// The proposal: a table whose primary key starts with the USCC.
		start = time.Now()
		createLike(ctx, b, d.conn, "disclosures_by_uscc", "(uscc, task)")
		if err := d.conn.Exec(ctx, "INSERT INTO disclosures_by_uscc SELECT * FROM disclosures"); err != nil {
			b.Fatal(err)
		}
		copied := time.Since(start)
		d.waitMerges(ctx, b, 5*time.Minute)
		byUSCC := runLookups(ctx, clients, keys, rawScan("disclosures_by_uscc", true), perEnt)

		benchLine(b, "public_lookup_p50", ms(web.p(50)), ms(base.p(50)), "ms")
		benchLine(b, "public_lookup_p99", ms(web.p(99)), ms(base.p(99)), "ms")
		benchLine(b, "public_lookup_ok", 100*web.okFraction(), 100*base.okFraction(), "%")
		for _, s := range []struct {
			name string
			l    lookupRun
		}{{"http (serve --kafka --clickhouse, the bench lines)", web}, {"adapter (EnterpriseHistory, default pool)", adapter},
			{"baseline: raw scan without FINAL (pool of " + strconv.Itoa(clients) + ")", base}, {"SELECT 1 round trip", sel1},
			{"proposal: FINAL … WHERE uscc = ? on a copy ORDER BY (uscc, task)", byUSCC}} {
			fmt.Printf("bench-note: public_lookup %s: %s\n", s.name, s.l)
		}
		fmt.Printf("bench-note: public_lookup: %d rows, %d clients, %d lookups per set; the ORDER BY (uscc, task) copy took %s; peak RSS %.0f MiB\n",
			nrows, clients, total, secs(copied), peakRSS())
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// lookupRun is one set of lookups: the latencies of the successful ones, sorted.
type lookupRun struct {
	lat      []time.Duration
	errs     int
	firstErr error
	took     time.Duration
}

func (l lookupRun) p(q int) time.Duration {
	if len(l.lat) == 0 {
		return 0
	}
	i := (len(l.lat)*q + 99) / 100 // nearest rank
	return l.lat[min(max(i-1, 0), len(l.lat)-1)]
}

func (l lookupRun) okFraction() float64 {
	return float64(len(l.lat)) / float64(max(len(l.lat)+l.errs, 1))
}

func (l lookupRun) String() string {
	n := len(l.lat) + l.errs
	s := fmt.Sprintf("p50 %s ms, p99 %s ms, max %s ms, %d of %d ok, %s lookups/s over %s",
		num(ms(l.p(50))), num(ms(l.p(99))), num(ms(l.p(100))), len(l.lat), n, num(rate(n, l.took)), secs(l.took))
	if l.errs > 0 {
		s += fmt.Sprintf(", %d errors (first: %v)", l.errs, l.firstErr)
	}
	return s
}

// runLookups runs fn over keys with clients concurrent callers.
func runLookups(ctx context.Context, clients int, keys []string, fn func(context.Context, string) (int, error), want int) lookupRun {
	var (
		next atomic.Int64
		mu   sync.Mutex
		out  lookupRun
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(keys) {
					return
				}
				t0 := time.Now()
				n, err := fn(ctx, keys[i])
				d := time.Since(t0)
				if err == nil && n != want {
					err = fmt.Errorf("%s: %d records, want %d", keys[i], n, want)
				}
				mu.Lock()
				if err != nil {
					if out.errs++; out.firstErr == nil {
						out.firstErr = err
					}
				} else {
					out.lat = append(out.lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	out.took = time.Since(start)
	slices.Sort(out.lat)
	return out
}

// benchServe runs serve in process (distributed mode, no public rate limit, its logs
// discarded) and returns its base URL and a function that stops it.
func benchServe(ctx context.Context, b *testing.B, dist serveDist) (string, func()) {
	b.Helper()
	var out benchBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- serve(sctx, serveConfig{Data: b.TempDir(), Addr: "127.0.0.1:0", Authority: "市场监督管理局", PublicRate: -1, Dist: dist}, &out)
	}()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("serve: %v", err)
		}
		slog.SetDefault(prev)
	}
	for deadline := time.Now().Add(90 * time.Second); ; {
		if s := out.String(); strings.Contains(s, "serving at ") {
			return strings.Fields(s[strings.Index(s, "serving at ")+len("serving at "):])[0], stop
		}
		select {
		case err := <-done:
			slog.SetDefault(prev)
			b.Fatalf("serve ended before serving: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			b.Fatal("serve did not start in 90s")
		}
	}
}

// benchBuffer is a bytes.Buffer safe for a writing goroutine and a reading one.
type benchBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *benchBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *benchBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
