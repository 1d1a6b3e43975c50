package plan_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

func assigned(t *testing.T) (*plan.Plan, []directory.Change) {
	t.Helper()
	p, events := drawn(t, validSpec(), directoryOf(300, 120, 40, 10), nil)
	ev, err := p.AssignInspectors(roster(), nil, 2, 30)
	if err != nil {
		t.Fatal(err)
	}
	return p, append(events, ev...)
}

func TestRecusalApprovedContinuesTheStream(t *testing.T) {
	p, events := assigned(t)
	_, rec, _ := p.Assignment()
	task, out := rec.Results[0].Task, rec.Results[0].Team[1]
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

	ev, err := p.RequestRecusal(task, out, plan.RecusalByEnterprise, "检查人员为法定代表人近亲属", at)
	if err != nil {
		t.Fatal(err)
	}
	events = append(events, ev...)
	if _, err := p.RequestRecusal(task, out, plan.RecusalByInspector, "again", at); !slices.Contains(fieldsOf(err), "inspector:recusal_pending") {
		t.Fatalf("a second open request for the same pair: %v", err)
	}
	// What the approval must give: exactly the substitution Substitute gives.
	twin := rehydrate(t, events)
	want, err := twin.Substitute(task, out, "回避 R1（企业申请）：检查人员为法定代表人近亲属")
	if err != nil {
		t.Fatal(err)
	}
	ev, err = p.DecideRecusal("R1", true, "经审核属实，予以回避", at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Type != plan.RecusalDecided || ev[1].Type != plan.SubstitutionRecorded {
		t.Fatalf("events %+v", ev)
	}
	a, _ := json.Marshal(ev[1].Payload)
	b, _ := json.Marshal(want[0].Payload)
	if string(a) != string(b) {
		t.Fatalf("substitution %s, want %s", a, b)
	}
	events = append(events, ev...)
	q := rehydrate(t, events)
	rs := q.Recusals()
	if len(rs) != 1 || rs[0].Status != plan.RecusalApproved || rs[0].By != plan.RecusalByEnterprise {
		t.Fatalf("recusals %+v", rs)
	}
	_, rec2, _ := q.Assignment()
	if rec2.Results[0].Team[1] != out || len(rec2.Substitutions) != 1 || slices.Contains(rec2.Teams()[task], out) {
		t.Fatal("the original team must stay recorded and the new team must not hold the recused officer")
	}
	if _, ms := plan.Recompute(q.Audit()); len(ms) != 0 {
		t.Fatalf("recompute after a recusal: %v", ms)
	}
	if _, err := p.DecideRecusal("R1", false, "again", at); !slices.Contains(fieldsOf(err), "id:recusal_decided") {
		t.Fatalf("deciding twice: %v", err)
	}
}

func TestRecusalRejectedChangesNoTeam(t *testing.T) {
	p, _ := assigned(t)
	_, rec, _ := p.Assignment()
	task, member := rec.Results[0].Task, rec.Results[0].Team[0]
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if _, err := p.RequestRecusal(task, member, plan.RecusalByInspector, "曾在该企业任职", at); err != nil {
		t.Fatal(err)
	}
	ev, err := p.DecideRecusal("R1", false, "离职已满五年，不构成回避事由", at)
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	if _, rec2, _ := p.Assignment(); len(rec2.Substitutions) != 0 || p.Recusals()[0].Status != plan.RecusalRejected {
		t.Fatal("a rejected request substituted someone")
	}
}

func TestRecusalRequestChecks(t *testing.T) {
	p, _ := assigned(t)
	_, rec, _ := p.Assignment()
	at := time.Now()
	for name, tc := range map[string]struct {
		task, inspector, by, reason string
		field                       string
	}{
		"unknown task": {"nope", "a01", plan.RecusalByInspector, "r", "task:no_team"},
		"not on team":  {rec.Results[0].Task, "zz99", plan.RecusalByInspector, "r", "inspector:not_on_team"},
		"who asks":     {rec.Results[0].Task, rec.Results[0].Team[0], "public", "r", "by:oneof"},
		"no reason":    {rec.Results[0].Task, rec.Results[0].Team[0], plan.RecusalByInspector, " ", "reason:required"},
	} {
		if _, err := p.RequestRecusal(tc.task, tc.inspector, tc.by, tc.reason, at); !slices.Contains(fieldsOf(err), tc.field) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := p.DecideRecusal("R9", true, "ok", at); !slices.Contains(fieldsOf(err), "id:recusal_not_found") {
		t.Errorf("unknown request: %v", err)
	}
	q, _ := drawn(t, validSpec(), directoryOf(30, 12, 4, 1), nil)
	if _, err := q.RequestRecusal("x", "a01", plan.RecusalByInspector, "r", at); !errors.Is(err, plan.ErrState) {
		t.Errorf("before assignment: %v", err)
	}
}
