//go:build integration

// Run against a real server (deployments/local/up.sh clickhouse):
//
//	set -a; . .local/env; set +a
//	go test -tags integration -count=1 ./infra/clickhouse/
//
// Every test works in its own fresh database and drops it afterwards.
package clickhouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

var addr = os.Getenv("CHOUCHA_CLICKHOUSE_ADDR")

// TestMain fails the whole package, loudly, without a server: an integration run that
// silently skips is a run that did not happen.
func TestMain(m *testing.M) {
	if addr == "" {
		fmt.Fprintln(os.Stderr, "FAIL: CHOUCHA_CLICKHOUSE_ADDR is empty. The integration tests of infra/clickhouse need a ClickHouse server:\n"+
			"\tdeployments/local/up.sh clickhouse && set -a && . .local/env && set +a")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

var dbSeq atomic.Int64

func dbName() string {
	return fmt.Sprintf("choucha_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, dbSeq.Add(1))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// migrated opens a fresh, migrated database that is dropped when the test ends.
func migrated(t *testing.T) driver.Conn {
	t.Helper()
	ctx := ctxT(t)
	name := dbName()
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: name, CreateDatabase: true})
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { dropDatabase(t, conn, name) })
	if err := clickhouse.Migrate(ctx, conn); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return conn
}

func dropDatabase(t *testing.T, conn driver.Conn, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
	conn.Close()
}

func TestDisclosureContract(t *testing.T) {
	projectionstest.RunDisclosures(t, func(t *testing.T) (func(event.Envelope) error, func() error, projections.DisclosureQueries) {
		conn := migrated(t)
		p := clickhouse.NewDisclosureProjector(conn, 3) // small: Apply sends full batches too
		return p.Apply, func() error { return p.Flush(ctxT(t)) }, clickhouse.NewDisclosures(conn)
	})
}

func TestServerVersion(t *testing.T) {
	conn := migrated(t)
	v, err := conn.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ClickHouse %d.%d.%d (revision %d)", v.Version.Major, v.Version.Minor, v.Version.Patch, v.Revision)
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	ctx := ctxT(t)
	name := dbName()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: name, CreateDatabase: true})
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			errs[i] = clickhouse.Migrate(ctx, conn)
		})
	}
	wg.Wait()
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropDatabase(t, conn, name) })
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent migrations: %v", err)
	}
	if err := clickhouse.Migrate(ctx, conn); err != nil {
		t.Fatalf("second migration: %v", err)
	}
	pending, err := clickhouse.Pending(ctx, conn)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending %v, %v", pending, err)
	}
	var versions []uint32
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations FINAL ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	var want []uint32
	for _, m := range clickhouse.Migrations() {
		want = append(want, m.Version)
	}
	if !slices.Equal(versions, want) {
		t.Errorf("schema_migrations FINAL: %v, want %v", versions, want)
	}
	engines := map[string]string{}
	rows, err = conn.Query(ctx, "SELECT name, engine FROM system.tables WHERE database = currentDatabase()")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, e string
		if err := rows.Scan(&n, &e); err != nil {
			t.Fatal(err)
		}
		engines[n] = e
	}
	rows.Close()
	for _, tbl := range []string{"schema_migrations", "disclosures", "projection_offsets"} {
		if engines[tbl] != "ReplacingMergeTree" {
			t.Errorf("table %s: engine %q, want ReplacingMergeTree", tbl, engines[tbl])
		}
	}
}

func TestMigrateRefusesAChangedMigration(t *testing.T) {
	ctx := ctxT(t)
	name := dbName()
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: name, CreateDatabase: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropDatabase(t, conn, name) })
	ms := clickhouse.Migrations()
	if err := conn.Exec(ctx, ms[1].SQL); err != nil { // schema_migrations
		t.Fatal(err)
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, checksum, applied_at)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(ms[2].Version, ms[2].Name, "0123456789abcdef", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	if err := clickhouse.Migrate(ctx, conn); !errors.Is(err, clickhouse.ErrMigrationChanged) {
		t.Fatalf("migrate over a changed migration: %v, want ErrMigrationChanged", err)
	}
}

func TestOpenWithoutTheDatabase(t *testing.T) {
	_, err := clickhouse.Open(ctxT(t), clickhouse.Config{Addr: addr, Database: dbName()})
	if !errors.Is(err, clickhouse.ErrNoDatabase) {
		t.Fatalf("open a missing database: %v, want ErrNoDatabase", err)
	}
	t.Log(err)
}

// published builds a task's inspection.result_published.v1 envelope.
func published(t *testing.T, planID, uscc, authority string, version, pos uint64) event.Envelope {
	t.Helper()
	raw, err := json.Marshal(inspection.ResultPublishedV1{PublishedOn: "2026-11-20", By: "publisher-1", Department: "市场监督管理局",
		Public: inspection.Public{USCC: uscc, Enterprise: "企业" + uscc[14:], RegionCode: "440104", Authority: authority,
			Items: []string{"企业公示信息抽查"}, InspectedOn: "2026-11-05", Results: []string{inspection.NoProblem}}})
	if err != nil {
		t.Fatal(err)
	}
	return event.Envelope{ID: fmt.Sprint(pos), Stream: inspection.Stream(planID + "-" + uscc), Version: version,
		Type: inspection.ResultPublished, Payload: raw, Position: pos}
}

func usccN(i int) string {
	body := fmt.Sprintf("%08d", i)
	c, _ := directory.OrgCodeCheckDigit(body)
	first := "91440104" + body + string(c)
	d, _ := directory.USCCCheckDigit(first)
	return first + string(d)
}

func TestProjectorRecordsThePositionOnlyAfterTheBatchIsSent(t *testing.T) {
	ctx := ctxT(t)
	conn := migrated(t)
	p := clickhouse.NewDisclosureProjector(conn, 100)
	position := func() uint64 {
		t.Helper()
		pos, err := p.Position(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return pos
	}
	for i := range 3 {
		if err := p.Apply(published(t, "P1", usccN(i), "市场监督管理局", 3, uint64(10+i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Apply(event.Envelope{Stream: "plan-P1", Version: 9, Type: "plan.created.v1", Position: 13}); err != nil {
		t.Fatal(err)
	}
	if p.Buffered() != 3 || position() != 0 {
		t.Fatalf("before a flush: buffered %d, position %d", p.Buffered(), position())
	}

	// The table is away: the batch cannot be sent, so the position is not recorded and
	// nothing is dropped.
	if err := conn.Exec(ctx, "RENAME TABLE disclosures TO disclosures_away"); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err == nil {
		t.Fatal("flush without the table succeeded")
	} else {
		t.Logf("flush without the table: %v", err)
	}
	if p.Buffered() != 3 || position() != 0 {
		t.Fatalf("after a failed flush: buffered %d, position %d", p.Buffered(), position())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Flush(cancelled); err == nil {
		t.Fatal("flush with a cancelled context succeeded")
	}
	if err := conn.Exec(ctx, "RENAME TABLE disclosures_away TO disclosures"); err != nil {
		t.Fatal(err)
	}
	if p.Buffered() != 3 || position() != 0 {
		t.Fatalf("after a cancelled flush: buffered %d, position %d", p.Buffered(), position())
	}

	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Buffered() != 0 || position() != 13 {
		t.Fatalf("after a flush: buffered %d, position %d, want 0 and 13", p.Buffered(), position())
	}
	page, err := clickhouse.NewDisclosures(conn).Disclosures(ctx, projections.DisclosureFilter{})
	if err != nil || page.Total != 3 {
		t.Fatalf("rows after the flush: %+v, %v", page, err)
	}

	// Events that make no row still move the position; a new projector (a restart) reads it.
	if err := p.Apply(event.Envelope{Stream: "plan-P2", Version: 1, Type: "plan.created.v1", Position: 20}); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if pos, err := clickhouse.NewDisclosureProjector(conn, 1).Position(ctx); err != nil || pos != 20 {
		t.Fatalf("position after a restart: %d, %v; want 20", pos, err)
	}
}

func TestProjectorSendsFullBatchesFromApply(t *testing.T) {
	ctx := ctxT(t)
	conn := migrated(t)
	p := clickhouse.NewDisclosureProjector(conn, 2)
	for i := range 5 {
		if err := p.Apply(published(t, "P1", usccN(i), "市场监督管理局", 3, uint64(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	if p.Buffered() != 1 {
		t.Fatalf("buffered %d, want 1 (two batches of 2 sent)", p.Buffered())
	}
	if pos, err := p.Position(ctx); err != nil || pos != 4 {
		t.Fatalf("position %d, %v; want 4", pos, err)
	}
}

// A higher version of a task replaces its row; a late redelivery of the lower one does not
// bring it back, and filters see only the current row (WHERE after FINAL).
func TestHigherVersionWins(t *testing.T) {
	ctx := ctxT(t)
	conn := migrated(t)
	p := clickhouse.NewDisclosureProjector(conn, 100)
	q := clickhouse.NewDisclosures(conn)
	u := usccN(7)
	apply := func(es ...event.Envelope) {
		t.Helper()
		for _, e := range es {
			if err := p.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	count := func(authority string) int {
		t.Helper()
		page, err := q.Disclosures(ctx, projections.DisclosureFilter{Authority: authority})
		if err != nil {
			t.Fatal(err)
		}
		return page.Total
	}
	apply(published(t, "P1", u, "甲局", 3, 1))
	apply(published(t, "P1", u, "乙局", 4, 2))
	apply(published(t, "P1", u, "甲局", 3, 1))
	if a, b, all := count("甲局"), count("乙局"), count(""); a != 0 || b != 1 || all != 1 {
		t.Fatalf("甲局 %d 乙局 %d all %d; want 0, 1, 1", a, b, all)
	}
	// Both versions in one batch: the higher one is sent.
	u2 := usccN(8)
	apply(published(t, "P1", u2, "乙局", 4, 4), published(t, "P1", u2, "甲局", 3, 3))
	if a, b := count("甲局"), count("乙局"); a != 0 || b != 2 {
		t.Fatalf("甲局 %d 乙局 %d; want 0, 2", a, b)
	}
	h, err := q.EnterpriseHistory(ctx, u)
	if err != nil || len(h) != 1 || h[0].Authority != "乙局" {
		t.Fatalf("history %+v, %v", h, err)
	}
}

func TestProjectorRejectsABadPayload(t *testing.T) {
	p := clickhouse.NewDisclosureProjector(migrated(t), 10)
	e := published(t, "P1", usccN(1), "局", 3, 1)
	e.Payload = []byte(`{"published_on":"2026-13-45","inspected_on":"2026-11-05"}`)
	if err := p.Apply(e); err == nil {
		t.Fatal("a published event with a bad date was accepted")
	}
	if p.Buffered() != 0 {
		t.Fatalf("buffered %d", p.Buffered())
	}
}
