package clickhouse

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections/projectionstest"
)

func TestPlanInsertsNameTheirColumns(t *testing.T) {
	withColumns := regexp.MustCompile(`^INSERT INTO \w+ \([a-z_, ]+\)$`)
	for _, q := range []string{insertPlans, insertPlanPools} {
		if !withColumns.MatchString(q) {
			t.Errorf("%q does not name its columns", q)
		}
	}
}

func TestPlanMigrationsKeepTheirRange(t *testing.T) {
	for _, m := range planMigrations {
		if m.Version < 20 || m.Version > 29 {
			t.Errorf("plan migration %d %s: outside 20–29", m.Version, m.Name)
		}
		if !strings.Contains(m.SQL, "ReplacingMergeTree(position)") {
			t.Errorf("plan migration %d %s: not replaced by position", m.Version, m.Name)
		}
	}
}

// The model renders, for the suite's log, one plans row per plan and the pools of the
// announced ones, pools first, each row as long as its column list; the audit column holds
// no pool, a draft no public view.
func TestPlansModelRows(t *testing.T) {
	m := plansModel{memory.NewPlans()}
	var keys []string
	var last uint64
	for _, e := range projectionstest.PlanLog(t) {
		if err := m.Apply(e); err != nil {
			t.Fatal(err)
		}
		touched := m.Touched(e)
		switch {
		case !strings.HasPrefix(e.Type, "plan."):
			if len(touched) != 0 {
				t.Errorf("%s touched %v", e.Type, touched)
			}
		case e.Type == plan.Announced:
			id := strings.TrimPrefix(e.Stream, "plan-")
			if !slices.Equal(touched, []string{poolsKey + id, id}) {
				t.Errorf("announcement touched %q", touched)
			}
		default:
			if len(touched) != 1 || touched[0] != strings.TrimPrefix(e.Stream, "plan-") {
				t.Errorf("%s touched %q", e.Type, touched)
			}
		}
		for _, k := range touched {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		last = e.Position
	}
	keys = append(keys, "no-such-plan", poolsKey+"no-such-plan")
	inserts, err := m.Rows(keys, last)
	if err != nil {
		t.Fatal(err)
	}
	if len(inserts) != 2 || inserts[0].SQL != insertPlanPools || inserts[1].SQL != insertPlans {
		t.Fatalf("inserts %+v: want plan_pools, then plans", inserts)
	}
	columns := func(sql string) int { return strings.Count(sql, ",") + 1 }
	pooled := map[string]int{}
	for _, r := range inserts[0].Rows {
		if len(r) != columns(insertPlanPools) || r[3] != last {
			t.Fatalf("pool row %v", r[:2])
		}
		pooled[r[0].(string)]++
		if pool := r[2].([]string); len(pool) == 0 || !slices.IsSorted(pool) {
			t.Errorf("pool of %v: %d USCCs, sorted %v", r[:2], len(pool), slices.IsSorted(pool))
		}
	}
	if len(inserts[1].Rows) != 6 {
		t.Fatalf("%d plans rows, want 6", len(inserts[1].Rows))
	}
	ctx := context.Background()
	for _, r := range inserts[1].Rows {
		id := r[0].(string)
		if len(r) != columns(insertPlans) || r[len(r)-1] != last {
			t.Fatalf("plans row of %s: %d values, position %v", id, len(r), r[len(r)-1])
		}
		a, err := m.Audit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if pooled[id] != len(a.Strata) {
			t.Errorf("%s: %d pool rows for %d strata", id, pooled[id], len(a.Strata))
		}
		var stored plan.AuditData
		if err := json.Unmarshal([]byte(r[9].(string)), &stored); err != nil {
			t.Fatal(err)
		}
		for i, s := range stored.Strata {
			if s.Pool != nil || s.PoolSHA256 != a.Strata[i].PoolSHA256 {
				t.Errorf("%s: stored stratum %s has %d pool entries", id, s.Label, len(s.Pool))
			}
		}
		if len(a.Strata) > 0 && a.Strata[0].Pool == nil {
			t.Errorf("%s: rendering dropped the model's own pool", id)
		}
		if draft := r[4] == string(plan.StateDraft); draft != (r[8] == "") {
			t.Errorf("%s: state %v, public view %q", id, r[4], r[8])
		}
	}
}
