package projectionstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

// InspectionStore is what RunInspections needs of a fresh, empty store: apply and flush as for
// DisclosureStore; now is the store's clock, which the suite moves (it decides which results
// are overdue), read at every query.
type InspectionStore func(t *testing.T, now func() time.Time) (apply func(event.Envelope) error, flush func() error, q projections.InspectionQueries)

// RunInspections checks projections.InspectionQueries against a known event log built with
// the domain's own aggregates (taskWorld): one row per task with its current state (assigned,
// recorded, returned and recorded again, approved, published, re-checked), the team after
// substitutions (a recusal, an exhausted pool), the enterprise's current name and region from
// the directory, every filter of TaskFilter, cursor paging, Total, ErrNotFound, the overdue
// flag as the clock moves, and idempotency under redelivery.
func RunInspections(t *testing.T, newStore InspectionStore) {
	t.Helper()
	ctx := context.Background()
	w := newTaskWorld(t)
	clock := &testClock{at: twToday}
	apply, flush, q := newStore(t, clock.now)
	feedTwice(t, w.log, apply, flush)

	t.Run("answers", func(t *testing.T) { checkTaskAnswers(ctx, t, w, clock, q) })

	feedAll(t, w.log, apply)
	mustFlush(t, flush)
	t.Run("answers after the whole log is redelivered", func(t *testing.T) { checkTaskAnswers(ctx, t, w, clock, q) })
}

// InspectionsLog is the event log RunInspections and RunStats feed, for an adapter's own
// tests (a re-sent batch, a restart in the middle of it).
func InspectionsLog(t *testing.T) []event.Envelope { return newTaskWorld(t).log }

// InspectionsToday is the clock at which RunInspections' and RunStats' expected answers hold.
var InspectionsToday = twToday

// testClock is the store's clock; the suite moves it between queries.
type testClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *testClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

// feedTwice delivers the log as at-least-once delivery does: the first half, a flush, the
// task events of the first half again, then the rest with every task and plan event repeated
// at once (in the same batch), and a flush.
func feedTwice(t *testing.T, log []event.Envelope, apply func(event.Envelope) error, flush func() error) {
	t.Helper()
	half := len(log) / 2
	feedAll(t, log[:half], apply)
	mustFlush(t, flush)
	for _, e := range log[:half] {
		if strings.HasPrefix(e.Type, "inspection.") {
			feedAll(t, []event.Envelope{e}, apply)
		}
	}
	for _, e := range log[half:] {
		feedAll(t, []event.Envelope{e}, apply)
		if strings.HasPrefix(e.Type, "inspection.") || strings.HasPrefix(e.Type, "plan.") {
			feedAll(t, []event.Envelope{e}, apply)
		}
	}
	mustFlush(t, flush)
}

func checkTaskAnswers(ctx context.Context, t *testing.T, w *taskWorld, clock *testClock, q projections.InspectionQueries) {
	clock.set(twToday)
	all := w.allTasks()

	t.Run("every task, current state, all fields", func(t *testing.T) {
		p := mustTasks(ctx, t, q, projections.TaskFilter{})
		if p.Total != len(all) || p.Next != "" {
			t.Errorf("total %d next %q, want %d and no next", p.Total, p.Next, len(all))
		}
		if got := taskIDs(p.Items); !slices.Equal(got, all) {
			t.Fatalf("tasks %v, want %v", w.labels(got), w.labels(all))
		}
		for _, got := range p.Items {
			if want := w.want[got.ID]; !equalTask(got, want) {
				t.Errorf("task %s:\n got  %+v\n want %+v", w.label[got.ID], got, want)
			}
		}
	})

	t.Run("one task", func(t *testing.T) {
		for _, id := range all {
			got, err := q.Task(ctx, id)
			if err != nil {
				t.Fatalf("task %s: %v", w.label[id], err)
			}
			if want := w.want[id]; !equalTask(got, want) {
				t.Errorf("task %s:\n got  %+v\n want %+v", w.label[id], got, want)
			}
		}
	})

	t.Run("an unknown task is ErrNotFound", func(t *testing.T) {
		for _, id := range []string{"2026-gz-01-" + w.uscc["g5"], "2026-gz-01", "", "x' OR 1=1 OR '", w.id["g1"] + " "} {
			if _, err := q.Task(ctx, id); !errors.Is(err, projections.ErrNotFound) {
				t.Errorf("task %q: %v, want ErrNotFound", id, err)
			}
		}
	})

	for _, c := range []struct {
		name string
		f    projections.TaskFilter
		want []string // labels
	}{
		{"plan", projections.TaskFilter{Plan: "2026-gz-01"}, []string{"g1", "g2", "g3", "g4"}},
		{"plan: a prefix is no match", projections.TaskFilter{Plan: "2026"}, nil},
		{"plan: unknown", projections.TaskFilter{Plan: "2026-bj-07"}, nil},
		{"department: joint tasks count in each", projections.TaskFilter{Department: twSAMR}, []string{"h1", "h2", "g1", "g2", "g3", "g4"}},
		{"department: the joint one", projections.TaskFilter{Department: twFire}, []string{"g1", "g2", "g3", "g4"}},
		{"department: exact, not a substring", projections.TaskFilter{Department: "市场"}, nil},
		{"status: assigned (unfilled after substitutions)", projections.TaskFilter{Status: "assigned"}, []string{"s3"}},
		{"status: recorded", projections.TaskFilter{Status: "recorded"}, []string{"g4"}},
		{"status: returned", projections.TaskFilter{Status: "returned"}, []string{"s2"}},
		{"status: approved", projections.TaskFilter{Status: "approved"}, []string{"g3"}},
		{"status: published", projections.TaskFilter{Status: "published"}, []string{"h1", "h2", "g1", "g2", "s1"}},
		{"status: unknown", projections.TaskFilter{Status: "deleted"}, nil},
		{"overdue: late publication and past-due approval", projections.TaskFilter{Overdue: true}, []string{"g2", "g3"}},
		{"combined: plan and status", projections.TaskFilter{Plan: "2026-gz-01", Status: "published"}, []string{"g1", "g2"}},
		{"combined: department and overdue", projections.TaskFilter{Department: twFire, Overdue: true}, []string{"g2", "g3"}},
		{"combined: nothing", projections.TaskFilter{Plan: "2026-sz-02", Department: twSAMR}, nil},
		{"quotes are values", projections.TaskFilter{Plan: `x' OR 1=1 OR '`}, nil},
		{"placeholders are values", projections.TaskFilter{Department: "? OR 1=1", Status: "?"}, nil},
		{"backslashes are values", projections.TaskFilter{Inspector: `\\' OR ''='`}, nil},
	} {
		t.Run(c.name, func(t *testing.T) { checkTaskFilter(ctx, t, w, q, c.f, w.ids(c.want...)) })
	}

	t.Run("inspector: the current team only", func(t *testing.T) {
		for _, in := range w.roster {
			var want []string
			for _, id := range all {
				if slices.Contains(w.want[id].Team, in.ID) {
					want = append(want, id)
				}
			}
			checkTaskFilter(ctx, t, w, q, projections.TaskFilter{Inspector: in.ID}, want)
		}
		// The recused inspector left g1's team; the replacement joined it.
		if !slices.Contains(w.teamBefore["g1"], w.recused) || slices.Contains(w.want[w.id["g1"]].Team, w.recused) {
			t.Fatalf("fixture: recused %s, team before %v, after %v", w.recused, w.teamBefore["g1"], w.want[w.id["g1"]].Team)
		}
		p := mustTasks(ctx, t, q, projections.TaskFilter{Inspector: w.recused, Plan: "2026-gz-01"})
		if slices.Contains(taskIDs(p.Items), w.id["g1"]) {
			t.Errorf("the recused inspector %s still sees g1", w.recused)
		}
		// s3's pool ran out: nobody sees it.
		for _, in := range w.roster {
			p := mustTasks(ctx, t, q, projections.TaskFilter{Inspector: in.ID})
			if slices.Contains(taskIDs(p.Items), w.id["s3"]) {
				t.Errorf("inspector %s sees the unfilled s3", in.ID)
			}
		}
		checkTaskFilter(ctx, t, w, q, projections.TaskFilter{Inspector: "m-nobody-99"}, nil)
		checkTaskFilter(ctx, t, w, q, projections.TaskFilter{Inspector: w.want[w.id["g2"]].Team[0], Status: "published", Overdue: true}, w.ids("g2"))
	})

	t.Run("overdue follows the clock (China time)", func(t *testing.T) {
		defer clock.set(twToday)
		for _, c := range []struct {
			at   time.Time
			want []string
		}{
			// g2 was published after its due day: overdue whatever the day. g3 (approved, due
			// 2026-04-20) becomes overdue the day after; g4 (recorded, due 2026-12-18) too.
			{time.Date(2026, 4, 17, 9, 0, 0, 0, twCST), []string{"g2"}},
			{time.Date(2026, 4, 20, 23, 59, 0, 0, twCST), []string{"g2"}},
			{time.Date(2026, 4, 20, 16, 0, 0, 0, time.UTC), []string{"g2", "g3"}}, // 04-21 00:00 in China
			{time.Date(2026, 12, 18, 23, 59, 0, 0, twCST), []string{"g2", "g3"}},
			{time.Date(2026, 12, 18, 16, 0, 0, 0, time.UTC), []string{"g2", "g3", "g4"}},
			// s2 (returned) is due on its estimated day 2027-01-07.
			{time.Date(2027, 1, 8, 9, 0, 0, 0, twCST), []string{"g2", "g3", "g4", "s2"}},
		} {
			clock.set(c.at)
			want := w.ids(c.want...)
			p := mustTasks(ctx, t, q, projections.TaskFilter{Overdue: true})
			if got := taskIDs(p.Items); !slices.Equal(got, want) || p.Total != len(want) {
				t.Errorf("at %s: overdue %v (total %d), want %v", c.at, w.labels(got), p.Total, w.labels(want))
			}
			for _, id := range all {
				v, err := q.Task(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if v.Overdue != slices.Contains(want, id) {
					t.Errorf("at %s: task %s overdue %v", c.at, w.label[id], v.Overdue)
				}
			}
		}
	})

	t.Run("paging covers every row once, in task order", func(t *testing.T) {
		checkPaging(t, all, func(r projections.TaskView) string { return r.ID }, func(after string, limit int) projections.Page[projections.TaskView] {
			return mustTasks(ctx, t, q, projections.TaskFilter{After: after, Limit: limit})
		})
	})

	t.Run("paging with a filter", func(t *testing.T) {
		f := projections.TaskFilter{Department: twSAMR, Limit: 4}
		want := w.ids("h1", "h2", "g1", "g2", "g3", "g4")
		p1 := mustTasks(ctx, t, q, f)
		f.After = p1.Next
		p2 := mustTasks(ctx, t, q, f)
		if got := append(taskIDs(p1.Items), taskIDs(p2.Items)...); !slices.Equal(got, want) ||
			p1.Total != len(want) || p2.Total != len(want) || p1.Next != want[3] || p2.Next != "" {
			t.Errorf("pages %v (next %q, total %d) + %v (next %q, total %d), want %v", w.labels(taskIDs(p1.Items)), p1.Next, p1.Total,
				w.labels(taskIDs(p2.Items)), p2.Next, p2.Total, w.labels(want))
		}
	})

	t.Run("cursor after the last row and between rows", func(t *testing.T) {
		p := mustTasks(ctx, t, q, projections.TaskFilter{After: all[len(all)-1]})
		if len(p.Items) != 0 || p.Next != "" || p.Total != len(all) {
			t.Errorf("after the last: items %v next %q total %d", w.labels(taskIDs(p.Items)), p.Next, p.Total)
		}
		if p.Items == nil {
			t.Error("items are nil, want an empty list (JSON [])")
		}
		p = mustTasks(ctx, t, q, projections.TaskFilter{After: all[1] + "~", Limit: 1})
		if got := taskIDs(p.Items); !slices.Equal(got, all[2:3]) || p.Next != all[2] {
			t.Errorf("between rows: items %v next %q, want %v next %q", w.labels(got), p.Next, w.labels(all[2:3]), all[2])
		}
	})

	t.Run("limits: default and maximum", func(t *testing.T) {
		for _, limit := range []int{0, -5, projections.MaxLimit + 1} {
			p := mustTasks(ctx, t, q, projections.TaskFilter{Limit: limit})
			if len(p.Items) != len(all) || p.Next != "" {
				t.Errorf("limit %d: %d items next %q", limit, len(p.Items), p.Next)
			}
		}
	})
}

func checkTaskFilter(ctx context.Context, t *testing.T, w *taskWorld, q projections.InspectionQueries, f projections.TaskFilter, want []string) {
	t.Helper()
	p := mustTasks(ctx, t, q, f)
	if got := taskIDs(p.Items); !slices.Equal(got, want) {
		t.Errorf("%+v: tasks %v, want %v", f, w.labels(got), w.labels(want))
	}
	if p.Total != len(want) || p.Next != "" {
		t.Errorf("%+v: total %d next %q, want %d and no next", f, p.Total, p.Next, len(want))
	}
	if p.Items == nil {
		t.Errorf("%+v: items are nil, want an empty list (JSON [])", f)
	}
	for _, v := range p.Items {
		if !equalTask(v, w.want[v.ID]) {
			t.Errorf("%+v: task %s:\n got  %+v\n want %+v", f, w.label[v.ID], v, w.want[v.ID])
		}
	}
}

func mustTasks(ctx context.Context, t *testing.T, q projections.InspectionQueries, f projections.TaskFilter) projections.Page[projections.TaskView] {
	t.Helper()
	p, err := q.Tasks(ctx, f)
	if err != nil {
		t.Fatalf("tasks %+v: %v", f, err)
	}
	return p
}

func taskIDs(vs []projections.TaskView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

// equalTask compares every field; nil and empty lists are equal.
func equalTask(a, b projections.TaskView) bool {
	return reflect.DeepEqual(normalTask(a), normalTask(b))
}

func normalTask(v projections.TaskView) projections.TaskView {
	for _, xs := range []*[]string{&v.Departments, &v.Items, &v.Team, &v.CheckMethods, &v.Results, &v.Evidence} {
		if len(*xs) == 0 {
			*xs = nil
		}
	}
	return v
}

// ---------------------------------------------------------------------------------------------
// The world both RunInspections and RunStats feed.

var twCST = time.FixedZone("CST", 8*3600)

// twToday is the suites' "today" unless a check moves the clock.
var twToday = time.Date(2026, 12, 15, 10, 0, 0, 0, twCST)

const (
	twSAMR = "市场监督管理局"
	twFire = "消防救援支队"
	twEco  = "生态环境局"
)

// taskWorld is a log of three plans in two provinces over two years, built with the domain
// aggregates (plan.Plan draws and assigns; inspection.Task records, returns, approves,
// publishes, re-checks), interleaved with the directory events, and each task's expected view.
type taskWorld struct {
	t        *testing.T
	log      []event.Envelope
	versions map[string]uint64

	uscc  map[string]string               // enterprise key → USCC
	dir   map[string]directory.Enterprise // current directory entries by key (registered ones)
	plans map[string]*plan.Plan
	tasks map[string]*inspection.Task // by label
	id    map[string]string           // task label (the enterprise key) → task id
	label map[string]string           // task id → label
	want  map[string]projections.TaskView

	roster     []directory.Inspector
	recused    string              // the inspector recused from g1
	teamBefore map[string][]string // label → the team as first assigned
}

func newTaskWorld(t *testing.T) *taskWorld {
	t.Helper()
	w := &taskWorld{t: t, versions: map[string]uint64{}, uscc: map[string]string{}, dir: map[string]directory.Enterprise{},
		plans: map[string]*plan.Plan{}, tasks: map[string]*inspection.Task{}, id: map[string]string{}, label: map[string]string{},
		want: map[string]projections.TaskView{}, teamBefore: map[string][]string{}}
	day := func(d string) time.Time {
		at, err := time.ParseInLocation(time.DateOnly, d, twCST)
		if err != nil {
			t.Fatal(err)
		}
		return at.Add(9 * time.Hour)
	}

	// 一单两库: items (SC-01 renamed in 2026), inspectors, enterprises.
	item := func(code, name, dept string) directory.Item {
		return directory.Item{Code: code, Name: name, LegalBasis: "《企业信息公示暂行条例》", Department: dept, Category: directory.CategoryKey,
			ObjectType: "企业", Content: "检查内容", Method: "实地检查"}
	}
	sc01Old := item("SC-01", "企业年度报告公示信息抽查", twSAMR)
	sc01 := item("SC-01", "企业公示信息抽查", twSAMR)
	sc02 := item("SC-02", "食品经营许可检查", twSAMR)
	xf01 := item("XF-01", "消防安全检查", twFire)
	hb01 := item("HB-01", "排污许可证执行情况检查", twEco)
	start := day("2025-11-20")
	for _, it := range []directory.Item{sc01Old, sc02, xf01, hb01} {
		w.add(directory.ItemStream(it.Code), start, directory.RegisterItem(it))
	}
	for _, r := range []struct{ id, dept, region string }{
		{"m-chen-01", twSAMR, "440100"}, {"m-li-02", twSAMR, "440100"}, {"m-wang-03", twSAMR, "310100"}, {"m-zhao-04", twSAMR, "310100"},
		{"f-sun-01", twFire, "440100"}, {"f-zhou-02", twFire, "440100"}, {"f-wu-03", twFire, "440100"},
		{"e-zheng-01", twEco, "440300"}, {"e-feng-02", twEco, "440300"}, {"e-he-03", twEco, "440300"},
	} {
		in := directory.Inspector{ID: r.id, Name: "检查员" + r.id[2:], CertNo: "执法证" + r.id, Department: r.dept, RegionCode: r.region, Active: true}
		w.roster = append(w.roster, in)
		w.add(directory.InspectorStream(in.ID), start, directory.RegisterInspector(in))
	}
	ents := []struct {
		key, name, region, body, tier, status string
		unregistered                          bool
	}{
		{"g1", "广州市越秀百货有限公司", "440104", "MA59G1X0", "A", "存续", false},
		{"g2", "广州市海珠食品有限公司", "440105", "19283746", "B", "存续", false},
		{"g3", "广州市天河科技有限公司", "440106", "MA5CT7Q2", "C", "存续", false},
		{"g4", "广州市白云物流有限公司", "440111", "70561238", "D", "在业", false},
		{"g5", "广州市番禺旧货商店", "440113", "55667788", "B", "注销", false}, // never drawn
		{"s1", "深圳市南山电子有限公司", "440305", "MA5DN0E1", "B", "存续", false},
		{"s2", "深圳市宝安模具厂", "440306", "33445566", "C", "存续", false},
		{"s3", "深圳市龙岗化工有限公司", "440307", "MA5FL9H3", "A", "存续", false},
		{"h1", "上海市黄浦餐饮有限公司", "310101", "13572468", "A", "存续", false},
		// h2 is drawn from a pool the plan was given, but the directory log never names it:
		// no name, no region; statistics fall back to its USCC's registration region.
		{"h2", "上海市徐汇食品店", "310104", "MA1XH2K7", "D", "存续", true},
	}
	var h2 directory.Enterprise
	for _, e := range ents {
		w.uscc[e.key] = makeUSCC(t, e.region, e.body)
		en := directory.Enterprise{USCC: w.uscc[e.key], Name: e.name, LegalRep: "法定代表人", Address: "登记住所", RegionCode: e.region,
			Industry: "批发和零售业", EntityType: "企业", RegAuthority: "市场监督管理局", FoundedOn: "2012-04-01", Status: e.status,
			Tier: directory.Tier(e.tier), TierSetOn: "2025-11-01"}
		if e.unregistered {
			h2 = en
			continue
		}
		w.dir[e.key] = en
		w.add(directory.EnterpriseStream(en.USCC), start, directory.RegisterEnterprise(en))
	}
	directoryNow := func(extra ...directory.Enterprise) []directory.Enterprise {
		var out []directory.Enterprise
		for _, e := range ents {
			if en, ok := w.dir[e.key]; ok {
				out = append(out, en)
			}
		}
		return append(out, extra...)
	}

	// Plan 2025-sh-09 (Shanghai, SAMR, items SC-01 under its old name and SC-02).
	shanghai := plan.Spec{ID: "2025-sh-09", Year: 2025, Batch: 9, Title: "2025年第九批食品经营抽查", LeadDepartment: twSAMR,
		Items: []directory.Item{sc01Old, sc02}, Scope: plan.Scope{RegionPrefix: "3101", Mode: plan.ModeUntargeted},
		Ratios: twAll(), DrawDate: "2025-12-15",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2025-12-15", Description: "双色球第2025144期开奖号码"}}
	w.runPlan(shanghai, day("2025-12-01"), day("2025-12-15").Add(12*time.Hour), [][]uint64{{3, 9, 14, 21, 27, 30}, {8}}, directoryNow(h2))

	res := func(results []string, followUp, findings string, methods ...string) inspection.Result {
		return inspection.Result{CheckMethods: methods, Results: results, FollowUp: followUp, Findings: findings}
	}
	clean := res([]string{inspection.NoProblem}, inspection.FollowNone, "", "实地检查")
	w.record("h1", "2025-12-29", 0, clean, "2026-01-27", false, false)
	w.approve("h1", "2026-01-05")
	w.publish("h1", "2026-01-08")
	w.record("h2", "2026-01-12", 1, res([]string{inspection.FalseDisclosure, inspection.CorrectionOrdered}, inspection.FollowCorrect,
		"年报从业人数与社保记录不符", "书面检查", "实地检查"), "2026-02-09", false, true)
	w.approve("h2", "2026-01-14")
	w.publish("h2", "2026-01-16")

	// The directory renames SC-01; g1's tier is refreshed (no read model here shows tiers).
	w.add(directory.ItemStream("SC-01"), day("2026-02-01"), directory.UpdateItem(sc01Old, sc01)...)
	g1 := w.dir["g1"]
	tier, err := directory.ChangeTier(g1, "B", "2026-02-01")
	if err != nil {
		t.Fatal(err)
	}
	w.add(directory.EnterpriseStream(g1.USCC), day("2026-02-01"), tier)
	g1.Tier, g1.TierSetOn = "B", "2026-02-01"
	w.dir["g1"] = g1
	w.recheck("h2", "2026-02-10", inspection.Recheck{CheckedOn: "2026-02-10", Outcome: inspection.NotCorrected,
		Findings: "仍未更正年报", FollowUp: inspection.FollowCorrect}, true)

	// Plan 2026-gz-01 (Guangzhou, SAMR with the fire brigade: joint tasks).
	guangzhou := plan.Spec{ID: "2026-gz-01", Year: 2026, Batch: 1, Title: "2026年第一批部门联合抽查", LeadDepartment: twSAMR,
		JointDepartments: []string{twFire}, Items: []directory.Item{sc01, xf01}, Scope: plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios: twAll(), DrawDate: "2026-03-10",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2026-03-10", Description: "双色球第2026027期开奖号码"}}
	w.runPlan(guangzhou, day("2026-03-01"), day("2026-03-10").Add(12*time.Hour), [][]uint64{{2, 11, 17, 19, 25, 33}, {5}}, directoryNow())

	// g1: the enterprise asks that an inspector recuse; approved, the pick stream continues.
	gp := w.plans["2026-gz-01"]
	w.recused = w.teamBefore["g1"][0]
	w.planStep(gp, day("2026-03-11"), func(p *plan.Plan, at time.Time) ([]directory.Change, error) {
		return p.RequestRecusal(w.id["g1"], w.recused, plan.RecusalByEnterprise, "该检查人员曾为本企业提供咨询服务", at)
	})
	w.planStep(gp, day("2026-03-12"), func(p *plan.Plan, at time.Time) ([]directory.Change, error) {
		return p.DecideRecusal("R1", true, "情况属实，予以回避", at)
	})
	w.syncTeams(gp)
	if slices.Contains(w.want[w.id["g1"]].Team, w.recused) || len(w.want[w.id["g1"]].Team) != 2 {
		t.Fatalf("fixture: g1's team after the recusal of %s: %v", w.recused, w.want[w.id["g1"]].Team)
	}

	problem := res([]string{inspection.NotDisclosed, inspection.CorrectionOrdered}, inspection.FollowCorrect, "未按期公示年度报告", "实地检查")
	w.record("g1", "2026-03-16", 0, res([]string{inspection.NoProblem, inspection.NoRelevantActivity}, inspection.FollowNone, "", "实地检查", "网络监测"),
		"2026-04-14", false, false)
	w.record("g2", "2026-03-17", 0, res([]string{inspection.PendingFurther, inspection.Obstructed}, inspection.FollowTransfer, "拒绝提供账簿", "实地检查"),
		"2026-04-15", false, false)
	w.approve("g1", "2026-03-18")
	w.returnResult("g2", "2026-03-18", "证据不足，请补充现场照片")
	w.record("g2", "2026-03-19", 1, withEvidence(problem, "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
		"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"), "2026-04-17", false, true)
	w.publish("g1", "2026-03-20")
	w.record("g3", "2026-03-20", 0, clean, "2026-04-20", false, false)
	w.approve("g2", "2026-03-23")
	w.approve("g3", "2026-03-25")

	// Plan 2026-sz-02 (Shenzhen, ecology only).
	shenzhen := plan.Spec{ID: "2026-sz-02", Year: 2026, Batch: 2, Title: "2026年第二批生态环境抽查", LeadDepartment: twEco,
		Items: []directory.Item{hb01}, Scope: plan.Scope{RegionPrefix: "4403", Mode: plan.ModeUntargeted},
		Ratios: twAll(), DrawDate: "2026-05-20",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2026-05-20", Description: "双色球第2026057期开奖号码"}}
	w.planCreated(shenzhen, day("2026-05-01"), directoryNow())
	w.publish("g2", "2026-05-06") // late: due 2026-04-17
	w.recheck("g2", "2026-05-10", inspection.Recheck{CheckedOn: "2026-05-10", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone}, false)
	w.planDrawn(shenzhen.ID, day("2026-05-20").Add(12*time.Hour), [][]uint64{{1, 4, 15, 22, 26, 31}, {12}})

	// s2: a recusal requested and rejected (no change); s3: two substitutions, the second
	// finds the pool exhausted and leaves the task unfilled.
	sp := w.plans["2026-sz-02"]
	w.planStep(sp, day("2026-05-21"), func(p *plan.Plan, at time.Time) ([]directory.Change, error) {
		return p.RequestRecusal(w.id["s2"], w.teamBefore["s2"][1], plan.RecusalByInspector, "亲属在该企业任职", at)
	})
	w.planStep(sp, day("2026-05-22"), func(p *plan.Plan, at time.Time) ([]directory.Change, error) {
		return p.DecideRecusal("R1", false, "经核实不存在利害关系", at)
	})
	w.planStep(sp, day("2026-05-25"), func(p *plan.Plan, _ time.Time) ([]directory.Change, error) {
		return p.Substitute(w.id["s3"], w.teamBefore["s3"][0], "人员借调")
	})
	w.syncTeams(sp)
	s3 := w.want[w.id["s3"]].Team
	if len(s3) != 2 || slices.Contains(s3, w.teamBefore["s3"][0]) {
		t.Fatalf("fixture: s3's team after one substitution: %v (before %v)", s3, w.teamBefore["s3"])
	}
	w.planStep(sp, day("2026-05-26"), func(p *plan.Plan, _ time.Time) ([]directory.Change, error) {
		return p.Substitute(w.id["s3"], s3[len(s3)-1], "人员借调")
	})
	w.syncTeams(sp)
	if team := w.want[w.id["s3"]].Team; team != nil {
		t.Fatalf("fixture: s3 should be unfilled, has %v", team)
	}
	if !slices.Equal(w.want[w.id["s2"]].Team, w.teamBefore["s2"]) {
		t.Fatalf("fixture: a rejected recusal changed s2's team")
	}

	w.record("s1", "2026-06-02", 0, clean, "2026-07-01", false, false)
	w.approve("s1", "2026-06-05")
	w.publish("s1", "2026-06-10")

	// s1 moves to Shanghai (another province) under a new name; g3 is renamed and moves within
	// Guangzhou. Tasks show the directory as it is now; statistics count s1 in Shanghai.
	w.updateEnterprise("s1", day("2026-07-01"), "上海浦东电子有限公司", "310115")
	w.updateEnterprise("g3", day("2026-08-01"), "广州天河智能科技集团有限公司", "440112")

	w.record("g4", "2026-11-20", 1, withEvidence(res([]string{inspection.Unreachable, inspection.PendingFurther}, inspection.FollowInform,
		"登记住所无法联系", "实地检查"), "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"), "2026-12-18", false, false)
	w.record("s2", "2026-12-10", 0, res([]string{inspection.NotDisclosed, inspection.PendingFurther}, inspection.FollowTransfer,
		"排污许可执行报告未公开", "检验检测"), "2027-01-07", true, false)
	w.returnResult("s2", "2026-12-11", "检测报告未上传")

	for key, id := range w.id {
		v := w.want[id]
		if en, ok := w.dir[key]; ok {
			v.Enterprise, v.RegionCode = en.Name, en.RegionCode
		}
		v.Overdue = key == "g2" || key == "g3" // as of twToday
		w.want[id] = v
	}
	return w
}

func twAll() plan.Ratios {
	one := plan.MustRatio("1")
	return plan.Ratios{A: one, B: one, C: one, D: one}
}

func withEvidence(r inspection.Result, hashes ...string) inspection.Result {
	r.Evidence = hashes
	return r
}

// add envelopes changes on stream at time at.
func (w *taskWorld) add(stream string, at time.Time, changes ...directory.Change) {
	w.t.Helper()
	for _, c := range changes {
		raw, err := json.Marshal(c.Payload)
		if err != nil {
			w.t.Fatal(err)
		}
		w.versions[stream]++
		pos := uint64(len(w.log) + 1)
		w.log = append(w.log, event.Envelope{
			ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", pos), Stream: stream, Version: w.versions[stream], Type: c.Type,
			OccurredAt: at.UTC(), RecordedAt: at.UTC(), Actor: event.Actor{ID: "user-7", Role: "regulator"},
			CommandID: fmt.Sprintf("cmd-%d", pos), Payload: raw, Position: pos,
		})
	}
}

func (w *taskWorld) planStep(p *plan.Plan, at time.Time, step func(p *plan.Plan, at time.Time) ([]directory.Change, error)) {
	w.t.Helper()
	ch, err := step(p, at)
	if err != nil {
		w.t.Fatalf("plan %s: %v", p.ID(), err)
	}
	w.add(plan.Stream(p.ID()), at, ch...)
}

// runPlan creates and announces a plan, reveals its seed, draws and assigns.
func (w *taskWorld) runPlan(s plan.Spec, announced, revealed time.Time, seed [][]uint64, ents []directory.Enterprise) {
	w.planCreated(s, announced, ents)
	w.planDrawn(s.ID, revealed, seed)
}

func (w *taskWorld) planCreated(s plan.Spec, announced time.Time, ents []directory.Enterprise) {
	w.t.Helper()
	p, ch, err := plan.Create(s)
	if err != nil {
		w.t.Fatalf("plan %s: %v", s.ID, err)
	}
	w.plans[s.ID] = p
	w.add(plan.Stream(s.ID), announced, ch...)
	w.planStep(p, announced, func(p *plan.Plan, at time.Time) ([]directory.Change, error) {
		return p.Announce(at, slices.Values(ents), nil)
	})
}

func (w *taskWorld) planDrawn(id string, revealed time.Time, seed [][]uint64) {
	w.t.Helper()
	p := w.plans[id]
	w.planStep(p, revealed, func(p *plan.Plan, at time.Time) ([]directory.Change, error) { return p.RevealSeed(seed, at) })
	w.planStep(p, revealed, func(p *plan.Plan, _ time.Time) ([]directory.Change, error) { return p.DrawEnterprises() })
	w.planStep(p, revealed.Add(time.Hour), func(p *plan.Plan, _ time.Time) ([]directory.Change, error) {
		return p.AssignInspectors(w.roster, nil, 2, 10)
	})
	in, _, _ := p.Assignment()
	for _, task := range in.Tasks {
		key := ""
		for k, u := range w.uscc {
			if u == task.USCC {
				key = k
			}
		}
		if key == "" {
			w.t.Fatalf("plan %s drew an unknown enterprise %s", id, task.USCC)
		}
		w.id[key], w.label[task.ID] = task.ID, key
		w.tasks[key] = &inspection.Task{}
		w.want[task.ID] = projections.TaskView{ID: task.ID, Plan: id, USCC: task.USCC, Departments: task.Departments, Items: task.Items,
			Status: string(inspection.StateAssigned)}
	}
	w.syncTeams(p)
	for _, task := range in.Tasks {
		w.teamBefore[w.label[task.ID]] = w.want[task.ID].Team
	}
}

// syncTeams copies the plan's current teams (after substitutions) into the expected views.
func (w *taskWorld) syncTeams(p *plan.Plan) {
	_, rec, _ := p.Assignment()
	teams := rec.Teams()
	in, _, _ := p.Assignment()
	for _, task := range in.Tasks {
		v := w.want[task.ID]
		v.Team = slices.Clone(teams[task.ID])
		w.want[task.ID] = v
	}
}

func (w *taskWorld) updateEnterprise(key string, at time.Time, name, region string) {
	w.t.Helper()
	cur := w.dir[key]
	next := cur
	next.Name, next.RegionCode = name, region
	w.add(directory.EnterpriseStream(cur.USCC), at, directory.UpdateEnterprise(cur, next)...)
	w.dir[key] = next
}

// taskStep runs an inspection command on day d (17:00 China time) and updates the view.
func (w *taskWorld) taskStep(key, d string, step func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error), update func(v *projections.TaskView)) {
	w.t.Helper()
	id := w.id[key]
	p, _, _ := inspection.ParseTaskID(id)
	f, ok := inspection.FactsOf(w.plans[p], id)
	if !ok {
		w.t.Fatalf("no facts for %s", key)
	}
	day, err := time.ParseInLocation(time.DateOnly, d, twCST)
	if err != nil {
		w.t.Fatal(err)
	}
	now := day.Add(17 * time.Hour)
	ch, err := step(w.tasks[key], f, now)
	if err != nil {
		w.t.Fatalf("task %s on %s: %v", key, d, err)
	}
	w.add(inspection.Stream(id), now, ch...)
	v := w.want[id]
	v.Version += uint64(len(ch))
	update(&v)
	w.want[id] = v
}

// record records r (inspected on d) by the team's member at index by; due, estimated and open
// are what the view must then show (the 20th working day after d, whether the calendar had to
// guess, whether a correction awaits its re-check).
func (w *taskWorld) record(key, d string, by int, r inspection.Result, due string, estimated, open bool) {
	r.InspectedOn = d
	var inspector string
	w.taskStep(key, d, func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error) {
		inspector = f.Team[by]
		return k.Record(f, inspector, r, now)
	}, func(v *projections.TaskView) {
		v.Status = string(inspection.StateRecorded)
		v.CheckMethods, v.Results, v.Findings, v.FollowUp = r.CheckMethods, r.Results, r.Findings, r.FollowUp
		v.InspectedOn, v.RecordedBy, v.PublishDue, v.PublishDueEstimated, v.FollowUpOpen = d, inspector, due, estimated, open
		v.Evidence = nil
		for _, h := range r.Evidence {
			v.Evidence = append(v.Evidence, strings.ToLower(h))
		}
		// Recorded lists come back in vocabulary order.
		v.Results = slices.Clone(v.Results)
		slices.SortStableFunc(v.Results, func(a, b string) int {
			return slices.Index(inspection.Results, a) - slices.Index(inspection.Results, b)
		})
		v.CheckMethods = slices.Clone(v.CheckMethods)
		slices.SortStableFunc(v.CheckMethods, func(a, b string) int {
			return slices.Index(inspection.CheckMethods, a) - slices.Index(inspection.CheckMethods, b)
		})
	})
}

func (w *taskWorld) approve(key, d string) {
	w.taskStep(key, d, func(k *inspection.Task, f inspection.Facts, _ time.Time) ([]directory.Change, error) {
		return k.Approve(f, f.Departments[0], "reviewer-gao-5")
	}, func(v *projections.TaskView) { v.Status = string(inspection.StateApproved) })
}

func (w *taskWorld) returnResult(key, d, reason string) {
	w.taskStep(key, d, func(k *inspection.Task, f inspection.Facts, _ time.Time) ([]directory.Change, error) {
		return k.Return(f, f.Departments[len(f.Departments)-1], "reviewer-gao-5", reason)
	}, func(v *projections.TaskView) { v.Status, v.ReturnReason = string(inspection.StateReturned), reason })
}

func (w *taskWorld) publish(key, d string) {
	name, region := "", ""
	if en, ok := w.dir[key]; ok {
		name, region = en.Name, en.RegionCode
	} else {
		name = "上海市徐汇食品店" // the publisher's own record of an enterprise the directory lacks
	}
	w.taskStep(key, d, func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error) {
		return k.Publish(f, f.Departments[0], "publisher-qian-8", inspection.Enterprise{Name: name, RegionCode: region}, now)
	}, func(v *projections.TaskView) { v.Status, v.PublishedOn = string(inspection.StatePublished), d })
}

func (w *taskWorld) recheck(key, d string, rc inspection.Recheck, open bool) {
	var by string
	w.taskStep(key, d, func(k *inspection.Task, f inspection.Facts, now time.Time) ([]directory.Change, error) {
		by = f.Team[0]
		return k.RecordRecheck(f, by, rc, now)
	}, func(v *projections.TaskView) {
		v.RecheckedOn, v.RecheckOutcome, v.FollowUpOpen = rc.CheckedOn, rc.Outcome, open
	})
}

// allTasks is every task id in id order.
func (w *taskWorld) allTasks() []string {
	var out []string
	for id := range w.want {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// ids maps labels to task ids in id order (nil for none).
func (w *taskWorld) ids(labels ...string) []string {
	var out []string
	for _, l := range labels {
		id, ok := w.id[l]
		if !ok {
			panic("projectionstest: no task " + l)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (w *taskWorld) labels(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = w.label[id]
		if out[i] == "" {
			out[i] = id
		}
	}
	return out
}
