package inspection_test

import (
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/inspection"
)

func TestFactsOf(t *testing.T) {
	p := assignedPlan(t)
	in, rec, _ := p.Assignment()
	task := in.Tasks[0]
	f, ok := inspection.FactsOf(p, task.ID)
	if !ok {
		t.Fatal("task not found")
	}
	if f.Task != task.ID || f.Plan != "2026-GZ-01" || f.USCC != task.USCC ||
		!slices.Equal(f.Departments, []string{"市场监管局", "消防救援支队"}) ||
		!slices.Equal(f.ItemNames(), []string{"事项SC-01", "事项XF-01"}) || f.Authority() != "市场监管局、消防救援支队" {
		t.Fatalf("facts %+v", f)
	}
	if !slices.Equal(f.Team, rec.Teams()[task.ID]) || len(f.Team) != 2 {
		t.Fatalf("team %v, record %v", f.Team, rec.Teams()[task.ID])
	}
	// The seed was revealed on 12-06 (China time), after the draw date 12-05.
	if f.DrawnOn != "2026-12-06" {
		t.Fatalf("drawn on %s", f.DrawnOn)
	}
	if _, ok := inspection.FactsOf(p, "2026-GZ-01-"+uscc(9999)); ok {
		t.Fatal("a task the plan does not have")
	}

	// After a substitution the facts give the new team.
	out := f.Team[0]
	if _, err := p.Substitute(task.ID, out, "回避"); err != nil {
		t.Fatal(err)
	}
	g, _ := inspection.FactsOf(p, task.ID)
	if slices.Contains(g.Team, out) || len(g.Team) != 2 {
		t.Fatalf("team after substitution %v (out %s)", g.Team, out)
	}
	var k inspection.Task
	if _, err := k.Record(g, out, clean(), now); err == nil {
		t.Fatal("the replaced member recorded a result")
	}
	r := clean()
	r.InspectedOn = "2026-12-05"
	if _, err := k.Record(g, g.Team[0], r, now); !slices.Equal(fieldsOf(err), []string{"inspected_on:before_draw"}) {
		t.Fatalf("inspection on the draw date, before the seed: %v", err)
	}
}
