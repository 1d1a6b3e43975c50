package plan_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

func roster() []directory.Inspector {
	var out []directory.Inspector
	for i, d := range []string{"市场监管局", "市场监管局", "市场监管局", "市场监管局", "消防救援支队", "消防救援支队", "消防救援支队", "卫健委"} {
		in := directory.Inspector{ID: string(rune('a'+i)) + "01", Name: "姓名", CertNo: "证", Department: d, RegionCode: "440103", Active: true}
		if i%2 == 0 && d == "市场监管局" {
			in.Qualifications = []string{"食品检查"}
		}
		out = append(out, in)
	}
	return out
}

// Every command refuses the wrong state with ErrState, and the plan stays where it was.
func TestCommandsFollowTheLifecycle(t *testing.T) {
	ents := directoryOf(20, 10, 5, 3)
	p, _ := mustCreate(t, validSpec())
	refused := func(step string, err error) {
		t.Helper()
		if !errors.Is(err, plan.ErrState) {
			t.Fatalf("%s in state %s: err = %v, want ErrState", step, p.State(), err)
		}
	}
	assignNow := func() error { _, err := p.AssignInspectors(roster(), nil, 2, 10); return err }
	substitute := func() error { _, err := p.Substitute("x", "a01", "回避"); return err }
	reveal := func() error { _, err := p.RevealSeed(seeds, revealAt); return err }
	announce := func() error { _, err := p.Announce(announceAt, slices.Values(ents), nil); return err }
	drawNow := func() error { _, err := p.DrawEnterprises(); return err }

	// draft
	refused("reveal", reveal())
	refused("draw", drawNow())
	refused("assign", assignNow())
	refused("substitute", substitute())
	if err := announce(); err != nil {
		t.Fatal(err)
	}
	// announced
	refused("announce again", announce())
	refused("draw before the seed", drawNow())
	refused("assign", assignNow())
	if err := reveal(); err != nil {
		t.Fatal(err)
	}
	// seed revealed
	refused("reveal again", reveal())
	refused("assign before the draw", assignNow())
	if err := drawNow(); err != nil {
		t.Fatal(err)
	}
	// drawn: never again
	err := drawNow()
	if !errors.Is(err, plan.ErrRedraw) || !errors.Is(err, plan.ErrState) {
		t.Fatalf("second draw: %v", err)
	}
	refused("substitute before assignment", substitute())
	if err := assignNow(); err != nil {
		t.Fatal(err)
	}
	if p.State() != plan.StateAssigned {
		t.Fatal(p.State())
	}
	refused("assign again", assignNow())
	if !errors.Is(drawNow(), plan.ErrRedraw) {
		t.Fatal("draw after assignment not refused as a redraw")
	}
}

// Apply refuses events out of order too: a stream is folded only in lifecycle order.
func TestApplyRefusesEventsOutOfOrder(t *testing.T) {
	_, events := drawn(t, validSpec(), directoryOf(20, 10, 5, 3), nil)
	var p plan.Plan
	b, _ := json.Marshal(events[2].Payload)
	if err := p.Apply(events[2].Type, b); !errors.Is(err, plan.ErrState) {
		t.Fatalf("seed before creation: %v", err)
	}
	for _, c := range events[:2] {
		b, _ := json.Marshal(c.Payload)
		if err := p.Apply(c.Type, b); err != nil {
			t.Fatal(err)
		}
	}
	b, _ = json.Marshal(events[0].Payload)
	if err := p.Apply(plan.Created, b); !errors.Is(err, plan.ErrState) {
		t.Fatalf("created twice: %v", err)
	}
	if err := p.Apply("plan.unknown.v1", []byte(`{}`)); err == nil {
		t.Fatal("unknown event type applied")
	}
	if len(plan.EventTypes) != 8 {
		t.Fatal(plan.EventTypes)
	}
}

// The whole lifecycle through its recorded JSON: a rehydrated plan equals the live one, and
// its audit data recomputes without a mismatch.
func TestRehydratedPlanEqualsTheLiveOne(t *testing.T) {
	p, events := drawn(t, validSpec(), directoryOf(300, 120, 40, 10), nil)
	ev, err := p.AssignInspectors(roster(), nil, 2, 30)
	if err != nil {
		t.Fatal(err)
	}
	events = append(events, ev...)
	in, rec, _ := p.Assignment()
	ev, err = p.Substitute(rec.Results[0].Task, rec.Results[0].Team[0], "当事人申请回避")
	if err != nil {
		t.Fatal(err)
	}
	events = append(events, ev...)
	wantTypes := []string{plan.Created, plan.Announced, plan.SeedRevealed, plan.EnterprisesDrawn, plan.InspectorsAssigned, plan.SubstitutionRecorded}
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, wantTypes) {
		t.Fatal(types)
	}
	q := rehydrate(t, events)
	a, _ := json.Marshal(p.Audit())
	b, _ := json.Marshal(q.Audit())
	if string(a) != string(b) || q.State() != plan.StateAssigned {
		t.Fatal("rehydrated audit data differ from the live plan's")
	}
	if _, ms := plan.Recompute(q.Audit()); len(ms) != 0 {
		t.Fatalf("recompute: %v", ms)
	}
	_, rec2, _ := q.Assignment()
	if len(rec2.Substitutions) != 1 || len(in.Tasks) != len(p.Drawn()) {
		t.Fatal("substitution or tasks lost")
	}
}

func TestAssignmentThroughThePlan(t *testing.T) {
	p, _ := drawn(t, validSpec(), directoryOf(300, 120, 40, 10), nil)
	// Team size below 2 is refused and records nothing.
	if _, err := p.AssignInspectors(roster(), nil, 1, 30); !errors.Is(err, assign.ErrTeamSize) || p.State() != plan.StateDrawn {
		t.Fatalf("team of 1: %v, state %s", err, p.State())
	}
	last := func(uscc string) []string { return []string{"a01"} }
	ev, err := p.AssignInspectors(roster(), last, 2, 30)
	if err != nil {
		t.Fatal(err)
	}
	payload := ev[0].Payload.(plan.InspectorsAssignedV1)
	// The snapshot keeps the plan's departments only, sorted by id.
	for _, in := range payload.Roster {
		if in.Department == "卫健委" {
			t.Fatal("roster snapshot kept another department")
		}
	}
	if len(payload.Tasks) != len(p.Drawn()) {
		t.Fatalf("%d tasks for %d drawn", len(payload.Tasks), len(p.Drawn()))
	}
	for i, r := range payload.Results {
		tk := payload.Tasks[i]
		if tk.ID != assign.TaskID(p.ID(), tk.USCC) || !slices.Equal(tk.Departments, []string{"市场监管局", "消防救援支队"}) ||
			!slices.Equal(tk.LastInspectors, []string{"a01"}) {
			t.Fatalf("task %+v", tk)
		}
		if r.Status == assign.StatusOK && slices.Contains(r.Team, "a01") {
			t.Fatalf("rotation broken: %+v", r)
		}
	}
	// A substitution of someone not on the team is refused and records nothing.
	if _, err := p.Substitute(payload.Results[0].Task, "h01", "回避"); !errors.Is(err, assign.ErrNotOnTeam) {
		t.Fatal(err)
	}
	if _, rec, _ := p.Assignment(); len(rec.Substitutions) != 0 {
		t.Fatal("refused substitution recorded")
	}
}

// Recompute checks the assignment as well: one task per drawn enterprise, and every team,
// skip and substitution from the recorded inputs.
func TestRecomputeChecksTheAssignment(t *testing.T) {
	fixture := func() plan.AuditData {
		p, _ := drawn(t, validSpec(), directoryOf(300, 120, 40, 10), nil)
		if _, err := p.AssignInspectors(roster(), nil, 2, 30); err != nil {
			t.Fatal(err)
		}
		_, rec, _ := p.Assignment()
		if _, err := p.Substitute(rec.Results[1].Task, rec.Results[1].Team[1], "回避"); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p.Audit())
		var a plan.AuditData
		json.Unmarshal(b, &a)
		if _, ms := plan.Recompute(a); len(ms) != 0 {
			t.Fatal(ms)
		}
		return a
	}
	a := fixture()
	team := a.Tasks[2].Result.Team
	team[0], team[1] = team[1], team[0]
	_, ms := plan.Recompute(a)
	if len(ms) != 2 || ms[0].Task != a.Tasks[2].Task.ID || ms[0].Field != "team" || ms[0].Index != 0 || ms[1].Index != 1 {
		t.Fatalf("swapped team: %v", ms)
	}
	a = fixture()
	a.Substitutions[0].In = "h01"
	if _, ms := plan.Recompute(a); len(ms) == 0 || ms[0].Field != "substitutions[0].in" {
		t.Fatalf("altered substitute: %v", ms)
	}
	a = fixture()
	a.Tasks = a.Tasks[1:]
	if _, ms := plan.Recompute(a); len(ms) == 0 || ms[0].Field != "tasks" {
		t.Fatalf("task dropped: %v", ms)
	}
}
