package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
)

var cst = time.FixedZone("CST", 8*3600)

func usccN(i int) string {
	body := fmt.Sprintf("%08d", i)
	c, _ := directory.OrgCodeCheckDigit(body)
	first := "91440104" + body + string(c)
	d, _ := directory.USCCCheckDigit(first)
	return first + string(d)
}

// feed envelopes domain changes with per-stream versions and log positions.
type feed struct {
	t        *testing.T
	s        *memory.Inspections
	versions map[string]uint64
	pos      uint64
	log      []event.Envelope
}

func (f *feed) add(stream string, changes ...directory.Change) []event.Envelope {
	f.t.Helper()
	var out []event.Envelope
	for _, c := range changes {
		b, err := json.Marshal(c.Payload)
		if err != nil {
			f.t.Fatal(err)
		}
		f.versions[stream]++
		f.pos++
		e := event.Envelope{ID: fmt.Sprint(f.pos), Stream: stream, Version: f.versions[stream], Type: c.Type, Payload: b, Position: f.pos}
		if err := f.s.Apply(e); err != nil {
			f.t.Fatalf("apply %s %s@%d: %v", e.Type, stream, e.Version, err)
		}
		f.log = append(f.log, e)
		out = append(out, e)
	}
	return out
}

func must(t testing.TB) func([]directory.Change, error) []directory.Change {
	return func(ev []directory.Change, err error) []directory.Change {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
}

type fixture struct {
	*feed
	clock time.Time
	p     *plan.Plan
	tasks []string
	tks   map[string]*inspection.Task
}

// newFixture: four enterprises (one per tier, all drawn), two departments, draw date
// 2026-09-10; the directory holds every enterprise.
func newFixture(t *testing.T) *fixture {
	fx := &fixture{clock: time.Date(2026, 9, 20, 10, 0, 0, 0, cst), tks: map[string]*inspection.Task{}}
	fx.feed = &feed{t: t, versions: map[string]uint64{}}
	fx.s = memory.NewInspections(func() time.Time { return fx.clock })

	item := func(code, name, dept string) directory.Item {
		return directory.Item{Code: code, Name: name, LegalBasis: "《条例》", Department: dept, Category: directory.CategoryKey,
			ObjectType: "企业", Content: "内容", Method: "实地检查"}
	}
	spec := plan.Spec{ID: "P9", Year: 2026, Batch: 3, Title: "2026年第三批联合抽查", LeadDepartment: "市场监管局", JointDepartments: []string{"消防救援支队"},
		Items:  []directory.Item{item("SC-01", "企业公示信息抽查", "市场监管局"), item("XF-01", "消防安全检查", "消防救援支队")},
		Scope:  plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios: plan.Ratios{A: plan.MustRatio("1"), B: plan.MustRatio("1"), C: plan.MustRatio("1"), D: plan.MustRatio("1")}, DrawDate: "2026-09-10",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2026-09-10", Description: "双色球第2026105期开奖号码"}}
	var ents []directory.Enterprise
	for i, tier := range directory.Tiers {
		e := directory.Enterprise{USCC: usccN(3000 + i), Name: fmt.Sprintf("越秀企业%d", i), LegalRep: "李四", Address: "越秀区", RegionCode: "440104",
			Industry: "零售业", EntityType: "企业", RegAuthority: "越秀区市场监管局", FoundedOn: "2010-01-01", Status: "存续",
			Tier: directory.Tier(tier), TierSetOn: "2026-08-01"}
		ents = append(ents, e)
		fx.add(directory.EnterpriseStream(e.USCC), directory.RegisterEnterprise(e))
	}
	var roster []directory.Inspector
	for i, d := range []string{"市场监管局", "市场监管局", "市场监管局", "消防救援支队", "消防救援支队", "消防救援支队"} {
		roster = append(roster, directory.Inspector{ID: fmt.Sprintf("insp%02d", i), Name: "姓名", CertNo: "证", Department: d, RegionCode: "440104", Active: true})
	}
	p, ev, err := plan.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	stream := plan.Stream("P9")
	fx.add(stream, ev...)
	fx.add(stream, must(t)(p.Announce(time.Date(2026, 9, 1, 10, 0, 0, 0, cst), slices.Values(ents), nil))...)
	fx.add(stream, must(t)(p.RevealSeed([][]uint64{{1}, {2, 3}}, time.Date(2026, 9, 10, 21, 40, 0, 0, cst)))...)
	fx.add(stream, must(t)(p.DrawEnterprises())...)
	fx.add(stream, must(t)(p.AssignInspectors(roster, nil, 2, 10))...)
	fx.p = p
	in, _, _ := p.Assignment()
	for _, task := range in.Tasks {
		fx.tasks = append(fx.tasks, task.ID)
		fx.tks[task.ID] = &inspection.Task{}
	}
	if len(fx.tasks) != 4 {
		t.Fatalf("%d tasks", len(fx.tasks))
	}
	return fx
}

func (fx *fixture) facts(task string) inspection.Facts {
	f, ok := inspection.FactsOf(fx.p, task)
	if !ok {
		fx.t.Fatalf("no task %s", task)
	}
	return f
}

// do runs a task command at clock time at and feeds its events.
func (fx *fixture) do(task string, at string, step func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error)) {
	fx.t.Helper()
	now, _ := time.ParseInLocation(time.DateOnly, at, cst)
	ev, err := step(fx.tks[task], fx.facts(task), now.Add(10*time.Hour))
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.add(inspection.Stream(task), ev...)
}

func (fx *fixture) record(task, inspectedOn string, r inspection.Result) {
	r.InspectedOn = inspectedOn
	fx.do(task, inspectedOn, func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error) {
		return k.Record(f, f.Team[0], r, now)
	})
}

func (fx *fixture) approve(task, on string) {
	fx.do(task, on, func(k *inspection.Task, f inspection.Facts, _ time.Time) ([]directory.Change, error) {
		return k.Approve(f, f.Departments[0], "reg1")
	})
}

func (fx *fixture) publish(task, on string) {
	fx.do(task, on, func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error) {
		u := f.USCC
		return k.Publish(f, f.Departments[0], "reg1", inspection.Enterprise{Name: "公示时名称" + u[len(u)-4:], RegionCode: "440104"}, now)
	})
}

var (
	clean   = inspection.Result{CheckMethods: []string{"实地检查"}, Results: []string{inspection.NoProblem}, FollowUp: inspection.FollowNone}
	problem = inspection.Result{CheckMethods: []string{"书面检查"}, Results: []string{inspection.NotDisclosed, inspection.CorrectionOrdered},
		Findings: "年报未公示", FollowUp: inspection.FollowCorrect}
)

func TestInspectionsFollowThePlan(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	page, _ := fx.s.Tasks(ctx, projections.TaskFilter{})
	if page.Total != 4 || len(page.Items) != 4 {
		t.Fatalf("tasks %+v", page)
	}
	_, rec, _ := fx.p.Assignment()
	for _, v := range page.Items {
		if v.Status != "assigned" || v.Plan != "P9" || !slices.Equal(v.Departments, []string{"市场监管局", "消防救援支队"}) ||
			!slices.Equal(v.Items, []string{"SC-01", "XF-01"}) || !slices.Equal(v.Team, rec.Teams()[v.ID]) ||
			!strings.HasPrefix(v.Enterprise, "越秀企业") || v.RegionCode != "440104" || v.Version != 0 {
			t.Fatalf("task %+v", v)
		}
	}
	// A substitution changes the team the view shows, and the inspector filter with it.
	task := fx.tasks[0]
	out := rec.Teams()[task][0]
	fx.add(plan.Stream("P9"), must(t)(fx.p.Substitute(task, out, "回避"))...)
	v, _ := fx.s.Task(ctx, task)
	if slices.Contains(v.Team, out) || len(v.Team) != 2 {
		t.Fatalf("team after substitution %v", v.Team)
	}
	mine, _ := fx.s.Tasks(ctx, projections.TaskFilter{Inspector: v.Team[1]})
	if !slices.ContainsFunc(mine.Items, func(x projections.TaskView) bool { return x.ID == task }) {
		t.Fatal("the replacement does not see the task")
	}
	if _, err := fx.s.Task(ctx, "P9-"+usccN(1)); !errors.Is(err, projections.ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
	// Paging by task id.
	p1, _ := fx.s.Tasks(ctx, projections.TaskFilter{Limit: 3})
	p2, _ := fx.s.Tasks(ctx, projections.TaskFilter{Limit: 3, After: p1.Next})
	if len(p1.Items) != 3 || p1.Next != fx.tasks[2] || len(p2.Items) != 1 || p2.Items[0].ID != fx.tasks[3] || p2.Next != "" {
		t.Fatalf("pages %v / %v", p1.Next, p2.Items)
	}
}

func TestRedeliveryIsSkipped(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	task := fx.tasks[0]
	fx.record(task, "2026-09-18", clean)
	recorded := fx.log[len(fx.log)-1]
	fx.approve(task, "2026-09-19")
	before, _ := fx.s.Task(ctx, task)
	skipped := fx.s.Guard().Skipped
	// Every event again, in log order (at-least-once delivery after a restart): nothing moves.
	for _, e := range fx.log {
		if err := fx.s.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := fx.s.Apply(recorded); err != nil { // an old one, late
		t.Fatal(err)
	}
	after, _ := fx.s.Task(ctx, task)
	if got := fx.s.Guard().Skipped - skipped; got != len(fx.log)+1 {
		t.Fatalf("skipped %d, want %d", got, len(fx.log)+1)
	}
	if after.Status != "approved" || after.Version != 2 || !slices.Equal(after.Results, before.Results) {
		t.Fatalf("after redelivery %+v", after)
	}
	page, _ := fx.s.Tasks(ctx, projections.TaskFilter{})
	if page.Total != 4 {
		t.Fatalf("redelivered assignment made %d tasks", page.Total)
	}
}

// The disclosure list holds published results only, with the public fields only.
func TestDisclosuresArePublicOnly(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	a, b := fx.tasks[0], fx.tasks[1]
	fx.record(a, "2026-09-18", problem)
	fx.approve(a, "2026-09-21")
	fx.publish(a, "2026-09-22")
	fx.record(b, "2026-09-18", clean)
	fx.approve(b, "2026-09-21") // approved, not published
	// The enterprise is renamed after publication: the disclosure keeps what was published.
	_, ua, _ := inspection.ParseTaskID(a)
	renamed := directory.Enterprise{USCC: ua, Name: "新名称有限公司", LegalRep: "李四", Address: "越秀区", RegionCode: "440104",
		Industry: "零售业", EntityType: "企业", RegAuthority: "越秀区市场监管局", FoundedOn: "2010-01-01", Status: "存续", Tier: "D", TierSetOn: "2026-08-01"}
	fx.add(directory.EnterpriseStream(ua), directory.Change{Type: directory.EnterpriseUpdated, Payload: directory.EnterpriseUpdatedV1{Enterprise: renamed}})

	page, _ := fx.s.Disclosures(ctx, projections.DisclosureFilter{})
	if page.Total != 1 || page.Items[0].Task != a {
		t.Fatalf("disclosures %+v", page)
	}
	d := page.Items[0]
	if d.Enterprise != "公示时名称"+ua[14:] || d.USCC != ua || d.Plan != "P9" || d.Authority != "市场监管局、消防救援支队" ||
		!slices.Equal(d.Items, []string{"企业公示信息抽查", "消防安全检查"}) || d.InspectedOn != "2026-09-18" || d.PublishedOn != "2026-09-22" ||
		!slices.Equal(d.Results, []string{inspection.NotDisclosed, inspection.CorrectionOrdered}) {
		t.Fatalf("disclosure %+v", d)
	}
	if v, _ := fx.s.Task(ctx, a); v.Enterprise != "新名称有限公司" || v.Status != "published" || v.PublishedOn != "2026-09-22" {
		t.Fatalf("task view %+v", v)
	}
	raw, _ := json.Marshal(page)
	_, rec, _ := fx.p.Assignment()
	for _, team := range rec.Teams() {
		for _, id := range team {
			if strings.Contains(string(raw), id) {
				t.Fatalf("the disclosure names inspector %s: %s", id, raw)
			}
		}
	}
	for _, secret := range []string{"tier", "credit", "recorded_by", "team", "年报未公示", "reg1", `"D"`} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("the disclosure shows %q: %s", secret, raw)
		}
	}
	var fields []map[string]any
	json.Unmarshal(mustJSON(page.Items), &fields)
	for k := range fields[0] {
		if !slices.Contains([]string{"task", "plan", "uscc", "enterprise", "region_code", "authority", "items", "inspected_on", "results", "published_on"}, k) {
			t.Errorf("disclosed field %q", k)
		}
	}

	filters := map[string]projections.DisclosureFilter{
		"name":      {Query: "公示时名称"},
		"uscc":      {Query: ua},
		"authority": {Authority: "消防"},
		"item":      {Item: "公示信息"},
		"result":    {Result: inspection.NotDisclosed},
		"range":     {From: "2026-09", To: "2026-09-18"},
	}
	for name, f := range filters {
		if p, _ := fx.s.Disclosures(ctx, f); p.Total != 1 {
			t.Errorf("filter %s: %d", name, p.Total)
		}
	}
	for name, f := range map[string]projections.DisclosureFilter{"other name": {Query: "别家"}, "other result": {Result: inspection.NoProblem}, "later": {From: "2026-09-19"}} {
		if p, _ := fx.s.Disclosures(ctx, f); p.Total != 0 {
			t.Errorf("filter %s: %d", name, p.Total)
		}
	}
	h, _ := fx.s.EnterpriseHistory(ctx, ua)
	if len(h) != 1 || h[0].Task != a {
		t.Fatalf("history %+v", h)
	}
	if h, _ := fx.s.EnterpriseHistory(ctx, usccN(1)); h == nil || len(h) != 0 {
		t.Fatalf("history of a stranger %+v", h)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// The deadline counts Chinese working days: 20 after Friday 2026-09-18 is 2026-10-22 (中秋 and
// 国庆 off, Sunday 9-20 and Saturday 10-10 working); weekends alone would give 2026-10-16.
func TestOverdueCountsWorkingDays(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	onTime, late, pending, idle := fx.tasks[0], fx.tasks[1], fx.tasks[2], fx.tasks[3]
	for _, id := range []string{onTime, late, pending} {
		r := clean
		if id == late {
			r = problem
		}
		fx.record(id, "2026-09-18", r)
		fx.approve(id, "2026-09-25")
	}
	fx.publish(onTime, "2026-10-22") // the last day
	fx.publish(late, "2026-10-23")

	v, _ := fx.s.Task(ctx, pending)
	if v.PublishDue != "2026-10-22" || v.PublishDueEstimated {
		t.Fatalf("due %s (estimated %v)", v.PublishDue, v.PublishDueEstimated)
	}
	overdueIDs := func() []string {
		p, _ := fx.s.Tasks(ctx, projections.TaskFilter{Overdue: true})
		var ids []string
		for _, x := range p.Items {
			ids = append(ids, x.ID)
		}
		return ids
	}
	fx.clock = time.Date(2026, 10, 19, 9, 0, 0, 0, cst) // past the weekends-only date
	if ids := overdueIDs(); !slices.Equal(ids, []string{late}) {
		t.Fatalf("on 10-19: overdue %v, want only the late publication", ids)
	}
	fx.clock = time.Date(2026, 10, 22, 23, 59, 0, 0, cst)
	if ids := overdueIDs(); !slices.Equal(ids, []string{late}) {
		t.Fatalf("on the due day: overdue %v", ids)
	}
	fx.clock = time.Date(2026, 10, 22, 16, 0, 0, 0, time.UTC) // 10-23 00:00 in China
	if ids := overdueIDs(); !slices.Equal(ids, []string{late, pending}) {
		t.Fatalf("the day after: overdue %v", ids)
	}
	if v, _ := fx.s.Task(ctx, pending); !v.Overdue {
		t.Fatal("Task does not flag the pending result")
	}
	if v, _ := fx.s.Task(ctx, onTime); v.Overdue {
		t.Fatal("a result published on the due day is on time")
	}
	if v, _ := fx.s.Task(ctx, idle); v.Overdue || v.PublishDue != "" {
		t.Fatal("an uninspected task has no deadline")
	}

	rows, err := fx.s.Stats(ctx, projections.StatsFilter{GroupBy: "department", Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	want := projections.StatRow{Period: "2026-09", Drawn: 4, Inspected: 3, Published: 2, OnTime: 1, ProblemsFound: 1, Overdue: 2}
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	for i, dept := range []string{"市场监管局", "消防救援支队"} {
		w := want
		w.Group, w.GroupName = dept, ""
		if rows[i] != w {
			t.Errorf("row %+v, want %+v", rows[i], w)
		}
	}
	rows, _ = fx.s.Stats(ctx, projections.StatsFilter{GroupBy: "region", Period: "quarter"})
	if len(rows) != 1 || rows[0].Group != "440000" || rows[0].GroupName != "广东省" || rows[0].Period != "2026-Q3" || rows[0].Drawn != 4 || rows[0].Overdue != 2 {
		t.Fatalf("by region %+v", rows)
	}
	rows, _ = fx.s.Stats(ctx, projections.StatsFilter{GroupBy: "item"})
	if len(rows) != 2 || rows[0].Group != "SC-01" || rows[0].GroupName != "企业公示信息抽查" || rows[0].Period != "2026" || rows[1].Published != 2 {
		t.Fatalf("by item %+v", rows)
	}
	if rows, _ = fx.s.Stats(ctx, projections.StatsFilter{From: "2026-10"}); len(rows) != 0 {
		t.Fatalf("from October: %+v", rows)
	}
	for _, f := range []projections.StatsFilter{{GroupBy: "tier"}, {Period: "week"}} {
		if _, err := fx.s.Stats(ctx, f); !errors.Is(err, memory.ErrStatsFilter) {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

// Past the calendar's years the deadline is a weekends-only estimate, and says so.
func TestDeadlineBeyondTheCalendarIsFlagged(t *testing.T) {
	fx := newFixture(t)
	task := fx.tasks[0]
	fx.record(task, "2026-12-10", clean)
	v, _ := fx.s.Task(context.Background(), task)
	if v.PublishDue != "2027-01-07" || !v.PublishDueEstimated {
		t.Fatalf("due %s, estimated %v", v.PublishDue, v.PublishDueEstimated)
	}
}

// An event the task refuses in its state (here a publication with no recorded result) is
// flagged and skipped; the projection goes on with the events after it.
func TestRefusedEventIsFlaggedNotFatal(t *testing.T) {
	s := memory.NewInspections(time.Now)
	u := usccN(3)
	raw, _ := json.Marshal(inspection.ResultPublishedV1{PublishedOn: "2026-11-20", Public: inspection.Public{USCC: u, InspectedOn: "2026-11-05", Results: []string{inspection.NoProblem}}})
	stream := inspection.Stream("P1-" + u)
	if err := s.Apply(event.Envelope{Stream: stream, Version: 1, Type: inspection.ResultPublished, Payload: raw, Position: 1}); err != nil {
		t.Fatalf("a refused event stopped the projection: %v", err)
	}
	if g := s.Guard(); g.Rejected != 1 {
		t.Fatalf("guard %+v, want 1 rejected", g)
	}
	if page, _ := s.Disclosures(context.Background(), projections.DisclosureFilter{}); page.Total != 0 {
		t.Fatalf("the refused publication was disclosed: %+v", page)
	}
}
