//go:build integration

package clickhouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

// Small batches: Apply sends full batches itself, a flush sends the rest, and an event that
// touches many rows (an assignment, a renamed enterprise) spans several.
func TestInspectionContract(t *testing.T) {
	projectionstest.RunInspections(t, func(t *testing.T, now func() time.Time) (func(event.Envelope) error, func() error, projections.InspectionQueries) {
		conn := migrated(t)
		p := clickhouse.NewInspectionsProjector(conn, now, 3)
		if _, err := p.Start(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		return p.Apply, func() error { return p.Flush(ctxT(t)) }, clickhouse.NewTasks(conn, now)
	})
}

func TestStatsContract(t *testing.T) {
	projectionstest.RunStats(t, memory.ErrStatsFilter, func(t *testing.T, now func() time.Time) (func(event.Envelope) error, func() error, projections.StatsQueries) {
		conn := migrated(t)
		p := clickhouse.NewInspectionsProjector(conn, now, 2)
		if _, err := p.Start(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		return p.Apply, func() error { return p.Flush(ctxT(t)) }, clickhouse.NewStats(conn, now)
	})
}

// answers is everything the two adapters say, as JSON, for comparing stores.
func answers(t *testing.T, tasks projections.InspectionQueries, stats projections.StatsQueries) map[string]string {
	t.Helper()
	ctx := ctxT(t)
	out := map[string]string{}
	put := func(k string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = string(b)
	}
	all, err := tasks.Tasks(ctx, projections.TaskFilter{})
	put("tasks", all, err)
	for _, v := range all.Items {
		one, err := tasks.Task(ctx, v.ID)
		put("task "+v.ID, one, err)
	}
	over, err := tasks.Tasks(ctx, projections.TaskFilter{Overdue: true})
	put("overdue", over, err)
	for _, by := range []string{"", "region", "department", "item"} {
		for _, per := range []string{"", "month", "quarter"} {
			rows, err := stats.Stats(ctx, projections.StatsFilter{GroupBy: by, Period: per})
			put("stats "+by+"/"+per, rows, err)
		}
	}
	return out
}

func sameAnswers(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d answers, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s:\n got  %s\n want %s", what, k, got[k], w)
		}
	}
}

func rawCount(t *testing.T, conn driver.Conn, table string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(ctxT(t), "SELECT count() FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func feedProjector(t *testing.T, p *clickhouse.StateProjector, log []event.Envelope) {
	t.Helper()
	for _, e := range log {
		if err := p.Apply(e); err != nil {
			t.Fatalf("apply %s %s@%d: %v", e.Type, e.Stream, e.Version, err)
		}
	}
	if err := p.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// A batch sent again (the projector died after the send and before recording its offset, so
// the next one sends everything since the older offset again) and a restart (a new projector
// resumes after the stored offset, folding the log from position 1 without writing) change
// no answer; what follows the restart is written as usual. Memory, fed the same log, is the
// oracle throughout.
func TestInspectionsResentBatchesAndRestart(t *testing.T) {
	ctx := ctxT(t)
	conn := migrated(t)
	now := func() time.Time { return projectionstest.InspectionsToday }
	log := projectionstest.InspectionsLog(t)
	oracle := memory.NewInspections(now)
	for _, e := range log {
		if err := oracle.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	tasks, stats := clickhouse.NewTasks(conn, now), clickhouse.NewStats(conn, now)

	first := clickhouse.NewInspectionsProjector(conn, now, 7)
	if _, err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	feedProjector(t, first, log)
	want := answers(t, oracle, oracle)
	sameAnswers(t, "after the first run", answers(t, tasks, stats), want)
	tables := []string{"tasks", "stats_drawn", "stats_drawn_rollup", "stats_item_names"}

	// Every batch sent again, with the intermediate snapshots (lower positions) in other
	// batch boundaries: the tables and the roll-up get every row twice, the answers stay.
	again := clickhouse.NewInspectionsProjector(conn, now, 5) // no Start: as if no offset had been recorded
	feedProjector(t, again, log)
	sameAnswers(t, "after every batch was sent again", answers(t, tasks, stats), want)

	// A restart: Start reads the offset, the replay from 1 writes nothing.
	restarted := clickhouse.NewInspectionsProjector(conn, now, 3)
	resume, err := restarted.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head := log[len(log)-1].Position; resume != head {
		t.Fatalf("resume after %d, want the head %d", resume, head)
	}
	mid := map[string]uint64{}
	for _, tbl := range tables {
		mid[tbl] = rawCount(t, conn, tbl)
	}
	for _, e := range log {
		if err := restarted.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if n := restarted.Buffered(); n != 0 {
		t.Fatalf("the replay up to the offset touched %d rows", n)
	}
	if err := restarted.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range tables {
		if n := rawCount(t, conn, tbl); n > mid[tbl] {
			t.Errorf("table %s: the replay wrote %d rows", tbl, n-mid[tbl])
		}
	}
	sameAnswers(t, "after a restart", answers(t, tasks, stats), want)

	// After the restart: the approved, overdue task is published and its enterprise renamed;
	// a redelivery of the new events changes nothing more.
	approved, err := tasks.Tasks(ctx, projections.TaskFilter{Status: "approved"})
	if err != nil || len(approved.Items) != 1 {
		t.Fatalf("approved tasks %+v, %v", approved, err)
	}
	v := approved.Items[0]
	next := log[len(log)-1].Position
	extra := []event.Envelope{
		envelope(t, inspection.Stream(v.ID), v.Version+1, inspection.ResultPublished, inspection.ResultPublishedV1{PublishedOn: "2026-12-15",
			Public: inspection.Public{USCC: v.USCC, Enterprise: v.Enterprise, RegionCode: v.RegionCode, Authority: "市场监督管理局、消防救援支队",
				Items: []string{"企业公示信息抽查", "消防安全检查"}, InspectedOn: v.InspectedOn, Results: v.Results}, By: "publisher-1", Department: "市场监督管理局"}, next+1),
		envelope(t, directory.EnterpriseStream(v.USCC), versionOf(log, directory.EnterpriseStream(v.USCC))+1, directory.EnterpriseUpdated,
			directory.EnterpriseUpdatedV1{Enterprise: directory.Enterprise{USCC: v.USCC, Name: "广州新名称有限公司", LegalRep: "法定代表人", Address: "登记住所",
				RegionCode: "441900", Industry: "批发和零售业", EntityType: "企业", RegAuthority: "市场监督管理局", FoundedOn: "2012-04-01", Status: "存续",
				Tier: "C", TierSetOn: "2025-11-01"}}, next+2),
	}
	for _, e := range extra {
		if err := oracle.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	feedProjector(t, restarted, extra)
	feedProjector(t, restarted, extra)
	want = answers(t, oracle, oracle)
	sameAnswers(t, "after new events", answers(t, tasks, stats), want)
	got, err := tasks.Task(ctx, v.ID)
	if err != nil || got.Status != "published" || got.Enterprise != "广州新名称有限公司" || got.RegionCode != "441900" || !got.Overdue {
		t.Fatalf("the task after the new events: %+v, %v", got, err)
	}
	if pos, err := clickhouse.Offset(ctx, conn, clickhouse.InspectionsProjectorName); err != nil || pos != next+2 {
		t.Fatalf("offset %d, %v; want %d", pos, err, next+2)
	}
}

func envelope(t *testing.T, stream string, version uint64, typ string, payload any, pos uint64) event.Envelope {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return event.Envelope{ID: fmt.Sprintf("extra-%d", pos), Stream: stream, Version: version, Type: typ, Payload: raw, Position: pos}
}

func versionOf(log []event.Envelope, stream string) uint64 {
	var v uint64
	for _, e := range log {
		if e.Stream == stream {
			v = max(v, e.Version)
		}
	}
	return v
}

// The migrations made the roll-up an AggregatingMergeTree fed by a materialized view.
func TestInspectionTables(t *testing.T) {
	conn := migrated(t)
	rows, err := conn.Query(ctxT(t), "SELECT name, engine FROM system.tables WHERE database = currentDatabase()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	engines := map[string]string{}
	for rows.Next() {
		var n, e string
		if err := rows.Scan(&n, &e); err != nil {
			t.Fatal(err)
		}
		engines[n] = e
	}
	for tbl, want := range map[string]string{"tasks": "ReplacingMergeTree", "stats_drawn": "ReplacingMergeTree",
		"stats_drawn_rollup": "AggregatingMergeTree", "stats_drawn_rollup_mv": "MaterializedView", "stats_item_names": "ReplacingMergeTree"} {
		if engines[tbl] != want {
			t.Errorf("table %s: engine %q, want %q", tbl, engines[tbl], want)
		}
	}
	p := clickhouse.NewInspectionsProjector(conn, time.Now, 0)
	if p.Name() != clickhouse.InspectionsProjectorName || !slices.Equal(p.Tables(), []string{"tasks", "stats_drawn", "stats_drawn_rollup", "stats_item_names"}) {
		t.Errorf("projector %s tables %v", p.Name(), p.Tables())
	}
	for _, tbl := range p.Tables() {
		if err := conn.Exec(ctxT(t), "TRUNCATE TABLE "+tbl); err != nil { // what --rebuild does
			t.Errorf("truncate %s: %v", tbl, err)
		}
	}
	if _, err := clickhouse.NewStats(conn, time.Now).Stats(context.Background(), projections.StatsFilter{GroupBy: "tier"}); !errors.Is(err, memory.ErrStatsFilter) {
		t.Errorf("an invalid filter: %v", err)
	}
}
