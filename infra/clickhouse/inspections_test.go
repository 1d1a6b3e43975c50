package clickhouse

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
	"github.com/choucha/choucha/projections/projectionstest"
)

func TestInspectionInsertsNameTheirColumns(t *testing.T) {
	withColumns := regexp.MustCompile(`^INSERT INTO \w+ \([a-z_, ]+\)$`)
	for _, q := range []string{insertTasks, insertDrawn, insertItemNames} {
		if !withColumns.MatchString(q) {
			t.Errorf("%q does not name its columns", q)
		}
	}
}

// Every row the model renders has one value per named column, and an event touches the rows
// it changes: the assignment its tasks, a renamed enterprise its tasks and drawn facts.
func TestInspectionsModelRendersEveryTouchedRow(t *testing.T) {
	m := inspectionsModel{memory.NewInspections(time.Now)}
	columns := map[string]int{}
	for _, q := range []string{insertTasks, insertDrawn, insertItemNames} {
		columns[q] = strings.Count(q, ",") + 1
	}
	counts := map[string]int{}
	var renamed []string
	for _, e := range projectionstest.InspectionsLog(t) {
		if err := m.Apply(e); err != nil {
			t.Fatal(err)
		}
		keys := m.Touched(e)
		if e.Type == directory.EnterpriseUpdated {
			renamed = append(renamed, keys...)
		}
		ins, err := m.Rows(keys, e.Position)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, in := range ins {
			for _, r := range in.Rows {
				if len(r) != columns[in.SQL] {
					t.Fatalf("%s: a row of %d values for %d columns", in.SQL, len(r), columns[in.SQL])
				}
				if r[len(r)-1] != e.Position {
					t.Fatalf("%s: position %v, want %d", in.SQL, r[len(r)-1], e.Position)
				}
				counts[strings.Fields(in.SQL)[2]]++
				n++
			}
		}
		if n != len(keys) {
			t.Errorf("%s %s: %d keys touched, %d rows rendered", e.Type, e.Stream, len(keys), n)
		}
	}
	if counts["tasks"] == 0 || counts["stats_drawn"] == 0 || counts["stats_item_names"] == 0 {
		t.Errorf("rows rendered per table: %v", counts)
	}
	// Two enterprises change name or region after their draw: each re-renders its task and its
	// drawn fact.
	var tasks, drawn int
	for _, k := range renamed {
		switch k[0] {
		case 't':
			tasks++
		case 'd':
			drawn++
		}
	}
	if tasks != 2 || drawn != 2 {
		t.Errorf("enterprise updates touched %d tasks and %d drawn facts, want 2 and 2: %q", tasks, drawn, renamed)
	}
}

func TestTaskAndStatsSQLBindEveryValue(t *testing.T) {
	conds, args := taskWhere(projections.TaskFilter{Plan: "P'1", Department: "局", Inspector: "i-1", Status: "approved", Overdue: true}, "2026-12-15")
	joined := strings.Join(conds, " AND ")
	if strings.Count(joined, "?") != len(args) || len(args) != 5 {
		t.Errorf("%d placeholders for %d args: %s", strings.Count(joined, "?"), len(args), joined)
	}
	for _, v := range []string{"P'1", "局", "i-1", "approved", "2026-12-15"} {
		if strings.Contains(joined, v) || !slices.Contains(args, any(v)) {
			t.Errorf("value %q spliced into %s or not bound (%q)", v, joined, args)
		}
	}
	conds, args = statsBounds("inspected_on", projections.StatsFilter{From: "2026-03", To: "2026"})
	joined = strings.Join(conds, " AND ")
	if strings.Count(joined, "?") != len(args) || strings.Contains(joined, "2026") {
		t.Errorf("bounds %s with %q", joined, args)
	}
	for _, per := range []string{"", "month", "quarter", "year"} {
		if strings.Contains(statsPeriodSQL("x", per), "?") {
			t.Errorf("period %q takes a value", per)
		}
	}
	if strings.Count(taskColumns, "?") != 1 || strings.Count(overdueSQL, "?") != 1 {
		t.Errorf("the task columns bind exactly today: %s", taskColumns)
	}
}
