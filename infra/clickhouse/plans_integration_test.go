//go:build integration

package clickhouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

// The plan publication tables pass the suite infra/memory passes, with batches small enough
// that Apply sends most of them (1 and 3 touched keys) and Flush the rest.
func TestPlansContract(t *testing.T) {
	for _, batch := range []int{1, 3} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			projectionstest.RunPlans(t, func(t *testing.T) (func(event.Envelope) error, func() error, projections.PlanQueries) {
				conn := migrated(t)
				p := clickhouse.NewPlansProjector(conn, batch)
				if _, err := p.Start(ctxT(t)); err != nil {
					t.Fatal(err)
				}
				return p.Apply, func() error { return p.Flush(ctxT(t)) }, clickhouse.NewPlans(conn)
			})
		})
	}
}

// planInserts is the highest block number of each table's parts (merged or not, active or not):
// it grows with every insert and with nothing else.
func planInserts(t *testing.T, conn driver.Conn) map[string]string {
	t.Helper()
	rows, err := conn.Query(ctxT(t), `SELECT table, toString(max(max_block_number)) FROM system.parts
		WHERE database = currentDatabase() AND table IN ('plans', 'plan_pools', 'projection_offsets') GROUP BY table`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, n string
		if err := rows.Scan(&table, &n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A restarted projector folds the log from position 1 into its memory model and writes
// nothing it had sent before; then it goes on where the last one stopped. A restart at the
// end of the log writes nothing at all. The answers are those of the suite every time.
func TestPlansProjectorRestartChangesNothing(t *testing.T) {
	ctx := ctxT(t)
	conn := migrated(t)
	q := clickhouse.NewPlans(conn)
	log := projectionstest.PlanLog(t)
	// Stop in the middle of the first plan's recusals.
	half := slices.IndexFunc(log, func(e event.Envelope) bool { return e.Type == plan.RecusalDecided })
	if half < 0 {
		t.Fatal("no recusal decided in the log")
	}
	start := func(wantResume uint64) *clickhouse.StateProjector {
		t.Helper()
		p := clickhouse.NewPlansProjector(conn, 4)
		resume, err := p.Start(ctx)
		if err != nil || resume != wantResume {
			t.Fatalf("start: resume after %d, %v; want %d", resume, err, wantResume)
		}
		return p
	}
	apply := func(p *clickhouse.StateProjector, es []event.Envelope) {
		t.Helper()
		for _, e := range es {
			if err := p.Apply(e); err != nil {
				t.Fatalf("apply %s %s@%d: %v", e.Type, e.Stream, e.Version, err)
			}
		}
	}
	flush := func(p *clickhouse.StateProjector) {
		t.Helper()
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}

	first := start(0)
	apply(first, log[:half])
	flush(first)
	sent := planInserts(t, conn)
	if sent["plans"] == "" || sent["plan_pools"] == "" {
		t.Fatalf("nothing sent: %v", sent)
	}

	// A restart: the replay up to the stored offset marks nothing and sends nothing.
	second := start(log[half-1].Position)
	apply(second, log[:half])
	if n := second.Buffered(); n != 0 {
		t.Fatalf("%d keys touched by the replay of events sent before", n)
	}
	flush(second)
	if got := planInserts(t, conn); !samePlanBlocks(got, sent) {
		t.Fatalf("the replay wrote: blocks %v, before %v", got, sent)
	}
	apply(second, log[half:])
	flush(second)
	t.Run("after a restart in the middle", func(t *testing.T) { projectionstest.CheckPlans(t, q) })

	// A restart at the end of the log: nothing to write.
	sent = planInserts(t, conn)
	third := start(log[len(log)-1].Position)
	apply(third, log)
	flush(third)
	if got := planInserts(t, conn); !samePlanBlocks(got, sent) {
		t.Fatalf("a replay of the whole log wrote: blocks %v, before %v", got, sent)
	}
	t.Run("after a restart at the end", func(t *testing.T) { projectionstest.CheckPlans(t, q) })

	// The rows are current as of the last position; every plan has one row.
	var rows, maxPos uint64
	if err := conn.QueryRow(ctx, "SELECT count(), max(position) FROM plans FINAL").Scan(&rows, &maxPos); err != nil {
		t.Fatal(err)
	}
	if rows != 6 || maxPos > log[len(log)-1].Position {
		t.Errorf("plans FINAL: %d rows, max position %d", rows, maxPos)
	}
}

func samePlanBlocks(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A province-wide plan: the announcement carries pools of millions of USCCs (CHOUCHA_PLAN_SCALE
// enterprises, default 3,000,000: ≈57 MB of pools), the assignment tens of thousands of
// tasks. Its audit data goes through batch inserts (the pools as Array(String) rows of
// plan_pools, the rest as the audit String of plans) and comes back exactly as the memory
// model gives it, and recomputes.
func TestPlansLargeAuditRoundTrips(t *testing.T) {
	n := 3_000_000
	if s := os.Getenv("CHOUCHA_PLAN_SCALE"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			t.Fatalf("CHOUCHA_PLAN_SCALE=%q: a number ≥ 1000", s)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn := migrated(t)
	began := time.Now()
	lap := func(what string) {
		t.Logf("%-44s %6.2fs", what, time.Since(began).Seconds())
		began = time.Now()
	}

	spec := plan.Spec{ID: "2026-GD-01", Year: 2026, Batch: 1, Title: "2026年广东省企业公示信息双随机抽查", LeadDepartment: "市场监管局",
		Items: []directory.Item{{Code: "SC-02", Name: "企业公示信息抽查", LegalBasis: "《企业信息公示暂行条例》", Department: "市场监管局",
			Category: directory.CategoryGeneral, ObjectType: "企业", Content: "年度报告", Method: "书面检查"}},
		Scope:    plan.Scope{RegionPrefix: "44", Mode: plan.ModeUntargeted},
		Ratios:   plan.Ratios{A: plan.MustRatio("0.005"), B: plan.MustRatio("0.01"), C: plan.MustRatio("0.02"), D: plan.MustRatio("0.05")},
		DrawDate: "2026-03-06",
		Seed:     plan.SeedSource{Type: plan.SeedLottery, Date: "2026-03-05", Description: "中国福利彩票双色球第2026025期开奖号码"}}
	p, changes, err := plan.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	// USCC-shaped codes (Announce checks the shape; the directory checked the rest), in the
	// tier shares of a real directory.
	ents := func(yield func(directory.Enterprise) bool) {
		e := directory.Enterprise{RegionCode: "440103", Industry: "零售业", EntityType: "企业", Status: "存续"}
		for i := range n {
			e.USCC = fmt.Sprintf("9144%013d1", i*7)
			switch i % 100 {
			case 0, 1, 2:
				e.Tier = "D"
			case 3, 4, 5, 6, 7, 8, 9:
				e.Tier = "C"
			case 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29:
				e.Tier = "B"
			default:
				e.Tier = "A"
			}
			if !yield(e) {
				return
			}
		}
	}
	var cst = time.FixedZone("CST", 8*3600)
	for _, step := range []func() ([]directory.Change, error){
		func() ([]directory.Change, error) {
			return p.Announce(time.Date(2026, 3, 1, 10, 0, 0, 0, cst), ents, nil)
		},
		func() ([]directory.Change, error) {
			return p.RevealSeed([][]uint64{{3, 11, 17, 22, 28, 31}, {9}}, time.Date(2026, 3, 5, 21, 40, 0, 0, cst))
		},
		p.DrawEnterprises,
		func() ([]directory.Change, error) {
			var roster []directory.Inspector
			for i := range 200 {
				roster = append(roster, directory.Inspector{ID: fmt.Sprintf("jc-%04d", i), Name: "检查员", CertNo: "粤执法", Department: "市场监管局",
					RegionCode: "440100", Active: true, Qualifications: []string{}, Conflicts: []string{}})
			}
			return p.AssignInspectors(roster, nil, 2, 1000)
		},
	} {
		ev, err := step()
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, ev...)
	}
	lap(fmt.Sprintf("%d enterprises: announced, drawn, assigned", n))

	m := memory.NewPlans()
	proj := clickhouse.NewPlansProjector(conn, 10)
	if _, err := proj.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range changes {
		raw, err := json.Marshal(c.Payload)
		if err != nil {
			t.Fatal(err)
		}
		e := event.Envelope{ID: strconv.Itoa(i + 1), Stream: plan.Stream(spec.ID), Version: uint64(i + 1), Type: c.Type, Payload: raw, Position: uint64(i + 1)}
		if c.Type == plan.Announced {
			t.Logf("announcement payload: %.1f MB", float64(len(raw))/1e6)
		}
		if err := m.Apply(e); err != nil {
			t.Fatal(err)
		}
		if err := proj.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	lap("events folded (memory, projector)")
	if err := proj.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	lap("rows sent to ClickHouse")

	q := clickhouse.NewPlans(conn)
	got, err := q.Audit(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	lap("audit data read back")
	want, err := m.Audit(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("audit data: %d bytes from ClickHouse, %d from memory, not equal", len(gb), len(wb))
	}
	var pools, audit uint64
	if err := conn.QueryRow(ctx, "SELECT sum(length(arrayStringConcat(pool, '\n')) + 1) FROM plan_pools FINAL").Scan(&pools); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT length(audit) FROM plans FINAL WHERE id = ?", spec.ID).Scan(&audit); err != nil {
		t.Fatal(err)
	}
	t.Logf("audit data %.1f MB: pools %.1f MB (plan_pools), the rest %.1f MB (plans.audit); %d tasks", float64(len(gb))/1e6, float64(pools)/1e6, float64(audit)/1e6, len(got.Tasks))
	if _, ms := plan.Recompute(got); len(ms) > 0 {
		t.Fatalf("recompute: %d mismatches, first %s", len(ms), ms[0])
	}
	lap("compared and recomputed")
	for _, c := range []struct {
		what      string
		got, want func() (any, error)
	}{
		{"plan view", func() (any, error) { return q.Plan(ctx, spec.ID) }, func() (any, error) { return m.Plan(ctx, spec.ID) }},
		{"public view", func() (any, error) { return q.Public(ctx, spec.ID) }, func() (any, error) { return m.Public(ctx, spec.ID) }},
	} {
		g, err := c.got()
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		w, _ := c.want()
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s: %d bytes from ClickHouse, %d from memory, not equal", c.what, len(gb), len(wb))
		}
	}
}
