package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/eventlog"
)

var cst = time.FixedZone("CST", 8*3600)

type fakeDir struct {
	ents   []directory.Enterprise
	roster []directory.Inspector
}

func (d fakeDir) AllEnterprises(context.Context) iter.Seq[directory.Enterprise] {
	return slices.Values(d.ents)
}
func (d fakeDir) Roster(context.Context) ([]directory.Inspector, error) { return d.roster, nil }

type noHistory struct{}

func (noHistory) ProactiveCount(string, int) int { return 0 }
func (noHistory) LastInspectors(string) []string { return nil }

// world is a real embedded log with one assigned plan of two departments.
type world struct {
	t       *testing.T
	store   *eventlog.Bolt
	now     time.Time
	n       int
	app     commands.Application
	record  commands.RecordResultHandler
	ret     commands.ReturnResultHandler
	approve commands.ApproveResultHandler
	publish commands.PublishResultHandler
	recheck commands.RecordRecheckHandler
	tasks   []string            // task ids
	teams   map[string][]string // current team per task
	ents    map[string]directory.Enterprise
}

func (w *world) meta(actor, role string) commands.Meta {
	w.n++
	return commands.Meta{CommandID: fmt.Sprintf("cmd-%d", w.n), Actor: event.Actor{ID: actor, Role: role}}
}

func (w *world) must(o commands.Outcome, err error) commands.Outcome {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
	return o
}

func (w *world) head() uint64 {
	h, err := w.store.Head(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

func uscc(i int) string {
	body := fmt.Sprintf("%08d", i)
	c, _ := directory.OrgCodeCheckDigit(body)
	first := "91440103" + body + string(c)
	d, _ := directory.USCCCheckDigit(first)
	return first + string(d)
}

// newWorld registers items and enterprises, then creates, announces, seeds, draws and assigns
// a plan through the plan commands, the clock moving as a real one would. The enterprise of
// the last task is left out of the log (to test publication without it).
func newWorld(t *testing.T) *world {
	ctx := context.Background()
	store, err := eventlog.OpenBolt(filepath.Join(t.TempDir(), "log.db"), eventlog.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w := &world{t: t, store: store, now: time.Date(2026, 12, 1, 10, 0, 0, 0, cst), ents: map[string]directory.Enterprise{}}
	deps := commands.Deps{Store: store, Now: func() time.Time { return w.now }}

	var dir fakeDir
	for i, tier := range []string{"A", "A", "A", "A", "B", "B", "C", "D"} {
		e := directory.Enterprise{USCC: uscc(2000 + i), Name: fmt.Sprintf("广州企业%d有限公司", i), LegalRep: "张三", Address: "广州市越秀区某路1号",
			RegionCode: "440104", Industry: "零售业", EntityType: "企业", RegAuthority: "广州市越秀区市场监督管理局", FoundedOn: "2015-03-01",
			Status: "存续", Tier: directory.Tier(tier), TierSetOn: "2026-11-01"}
		dir.ents = append(dir.ents, e)
		w.ents[e.USCC] = e
	}
	for i, d := range []string{"市场监管局", "市场监管局", "市场监管局", "消防救援支队", "消防救援支队", "消防救援支队"} {
		dir.roster = append(dir.roster, directory.Inspector{ID: fmt.Sprintf("i%02d", i), Name: "姓名", CertNo: "证", Department: d, RegionCode: "440104", Active: true})
	}
	w.app = commands.NewApplication(deps, dir, noHistory{})
	w.record, w.ret, w.approve = commands.NewRecordResultHandler(deps), commands.NewReturnResultHandler(deps), commands.NewApproveResultHandler(deps)
	w.publish, w.recheck = commands.NewPublishResultHandler(deps), commands.NewRecordRecheckHandler(deps)

	for _, it := range []commands.ItemFields{
		{Code: "SC-01", Name: "企业公示信息抽查", LegalBasis: "《企业信息公示暂行条例》", Department: "市场监管局", Category: "重点", ObjectType: "企业", Content: "年报公示", Method: "书面检查"},
		{Code: "XF-01", Name: "消防安全检查", LegalBasis: "《消防法》", Department: "消防救援支队", Category: "重点", ObjectType: "企业", Content: "消防设施", Method: "实地检查"},
	} {
		w.must(w.app.RegisterItem.Handle(ctx, commands.RegisterItem{Meta: w.meta("admin", "regulator"), ItemFields: it}))
	}
	w.must(w.app.CreatePlan.Handle(ctx, commands.CreatePlan{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-01", Year: 2026, Batch: 1,
		Title: "2026年越秀区第一批联合抽查", LeadDepartment: "市场监管局", JointDepartments: []string{"消防救援支队"}, Items: []string{"SC-01", "XF-01"},
		Scope:  plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios: plan.Ratios{A: plan.MustRatio("0.25"), B: plan.MustRatio("0.5"), C: plan.MustRatio("1"), D: plan.MustRatio("1")}, DrawDate: "2026-12-05",
		Seed: plan.SeedSource{Type: plan.SeedLottery, Date: "2026-12-05", Description: "中国福利彩票双色球第2026140期开奖号码"}}))
	w.must(w.app.AnnouncePlan.Handle(ctx, commands.AnnouncePlan{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-01"}))
	w.now = time.Date(2026, 12, 5, 21, 40, 0, 0, cst)
	w.must(w.app.RevealSeed.Handle(ctx, commands.RevealSeed{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-01", Sources: [][]uint64{{9319}, {2, 5, 12, 8, 10}}}))
	w.must(w.app.DrawEnterprises.Handle(ctx, commands.DrawEnterprises{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-01"}))
	w.now = time.Date(2026, 12, 7, 9, 0, 0, 0, cst)
	w.must(w.app.AssignInspectors.Handle(ctx, commands.AssignInspectors{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-01", TeamSize: 2, WorkloadCap: 10}))

	w.readTeams()
	if len(w.tasks) < 3 {
		t.Fatalf("only %d tasks", len(w.tasks))
	}
	for _, id := range w.tasks[:len(w.tasks)-1] {
		_, u, _ := inspection.ParseTaskID(id)
		e := w.ents[u]
		f := commands.EnterpriseFields{USCC: e.USCC, Name: e.Name, LegalRep: e.LegalRep, Address: e.Address, RegionCode: e.RegionCode,
			Industry: e.Industry, EntityType: e.EntityType, RegAuthority: e.RegAuthority, FoundedOn: e.FoundedOn, Status: e.Status,
			CreditTier: string(e.Tier), TierSetOn: e.TierSetOn}
		w.must(w.app.RegisterEnterprise.Handle(ctx, commands.RegisterEnterprise{Meta: w.meta("admin", "regulator"), EnterpriseFields: f}))
	}
	w.now = time.Date(2026, 12, 20, 10, 0, 0, 0, cst)
	return w
}

// readTeams rehydrates the plan from the log for the current teams.
func (w *world) readTeams() {
	evs, err := w.store.Load(context.Background(), plan.Stream("2026-YX-01"))
	if err != nil {
		w.t.Fatal(err)
	}
	var p plan.Plan
	for _, e := range evs {
		if err := p.Apply(e.Type, e.Payload); err != nil {
			w.t.Fatal(err)
		}
	}
	in, rec, _ := p.Assignment()
	w.tasks, w.teams = nil, rec.Teams()
	for _, t := range in.Tasks {
		w.tasks = append(w.tasks, t.ID)
	}
}

func (w *world) result(task, inspector string) commands.RecordResult {
	return commands.RecordResult{Meta: w.meta(inspector, "inspector"), Task: task, Inspector: inspector,
		CheckMethods: []string{"实地检查", "书面检查"}, Results: []string{inspection.NotDisclosed, inspection.CorrectionOrdered},
		Findings: "2025年度报告未按期公示，已当场责令改正", FollowUp: inspection.FollowCorrect, InspectedOn: "2026-12-10"}
}

// refused checks a command failed with kind and code and appended nothing.
func (w *world) refused(what string, kind commands.Kind, code string, run func() (commands.Outcome, error)) *commands.Error {
	w.t.Helper()
	before := w.head()
	_, err := run()
	ce, ok := commands.AsError(err)
	if !ok || ce.Kind != kind || ce.Code != code {
		w.t.Fatalf("%s: %v, want %s/%s", what, err, kind, code)
	}
	if h := w.head(); h != before {
		w.t.Fatalf("%s: a refusal appended %d events", what, h-before)
	}
	return ce
}

func (w *world) stream(task string) []event.Envelope {
	evs, err := w.store.Load(context.Background(), inspection.Stream(task))
	if err != nil {
		w.t.Fatal(err)
	}
	return evs
}

func TestInspectionCommandsThroughTheLog(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	task := w.tasks[0]
	team := w.teams[task]
	stranger := "i02"
	for _, id := range []string{"i00", "i01", "i02", "i03", "i04", "i05"} {
		if !slices.Contains(team, id) {
			stranger = id
		}
	}

	w.refused("record by a stranger", commands.KindForbidden, "not_on_team", func() (commands.Outcome, error) {
		return w.record.Handle(ctx, w.result(task, stranger))
	})
	w.refused("approve before recording", commands.KindConflict, "task_state", func() (commands.Outcome, error) {
		return w.approve.Handle(ctx, commands.ApproveResult{Meta: w.meta("reg1", "regulator"), Task: task, Department: "市场监管局"})
	})
	bad := w.result(task, team[0])
	bad.Results = append(bad.Results, inspection.NoProblem)
	bad.InspectedOn = "2026-12-04"
	ce := w.refused("invalid result", commands.KindInvalid, "invalid_input", func() (commands.Outcome, error) { return w.record.Handle(ctx, bad) })
	var codes []string
	for _, is := range ce.Issues {
		codes = append(codes, is.Field+":"+is.Code)
	}
	if !slices.Contains(codes, "results:excludes_problems") || !slices.Contains(codes, "inspected_on:before_draw") {
		t.Fatalf("issues %v", codes)
	}

	o := w.must(w.record.Handle(ctx, w.result(task, team[0])))
	if o.Events != 1 || o.Replayed {
		t.Fatalf("record: %+v", o)
	}
	w.refused("return by another department", commands.KindForbidden, "other_department", func() (commands.Outcome, error) {
		return w.ret.Handle(ctx, commands.ReturnResult{Meta: w.meta("reg9", "regulator"), Task: task, Department: "卫健委", Reason: "x"})
	})
	w.refused("return without a reason", commands.KindInvalid, "invalid_input", func() (commands.Outcome, error) {
		return w.ret.Handle(ctx, commands.ReturnResult{Meta: w.meta("reg2", "regulator"), Task: task, Department: "消防救援支队"})
	})
	w.must(w.ret.Handle(ctx, commands.ReturnResult{Meta: w.meta("reg2", "regulator"), Task: task, Department: "消防救援支队", Reason: "缺少现场照片"}))
	w.must(w.record.Handle(ctx, w.result(task, team[1])))

	// A retried approval (same command id) returns the first outcome and appends nothing.
	am := w.meta("reg1", "regulator")
	first := w.must(w.approve.Handle(ctx, commands.ApproveResult{Meta: am, Task: task, Department: "市场监管局"}))
	before := w.head()
	again := w.must(w.approve.Handle(ctx, commands.ApproveResult{Meta: am, Task: task, Department: "市场监管局"}))
	if !again.Replayed || again.Events != 1 || again.Head != first.Head || w.head() != before {
		t.Fatalf("retried approval: first %+v, again %+v", first, again)
	}
	w.refused("approve again (a new command)", commands.KindConflict, "task_state", func() (commands.Outcome, error) {
		return w.approve.Handle(ctx, commands.ApproveResult{Meta: w.meta("reg1", "regulator"), Task: task, Department: "市场监管局"})
	})

	w.now = time.Date(2026, 12, 22, 16, 0, 0, 0, time.UTC) // 2026-12-23 in China
	w.must(w.publish.Handle(ctx, commands.PublishResult{Meta: w.meta("reg1", "regulator"), Task: task, Department: "市场监管局"}))
	w.must(w.recheck.Handle(ctx, commands.RecordRecheck{Meta: w.meta(team[0], "inspector"), Task: task, Inspector: team[0],
		CheckedOn: "2026-12-22", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone}))
	w.refused("a second re-check after closing", commands.KindConflict, "task_state", func() (commands.Outcome, error) {
		return w.recheck.Handle(ctx, commands.RecordRecheck{Meta: w.meta(team[0], "inspector"), Task: task, Inspector: team[0],
			CheckedOn: "2026-12-22", Outcome: inspection.Corrected, FollowUp: inspection.FollowNone})
	})

	evs := w.stream(task)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []string{inspection.ResultRecorded, inspection.ResultReturned, inspection.ResultRecorded, inspection.ResultApproved,
		inspection.ResultPublished, inspection.RecheckRecorded}
	if !slices.Equal(types, want) {
		t.Fatalf("stream %v", types)
	}
	if err := event.VerifyStream(evs); err != nil {
		t.Fatal(err)
	}
	var pub inspection.ResultPublishedV1
	json.Unmarshal(evs[4].Payload, &pub)
	_, u, _ := inspection.ParseTaskID(task)
	if pub.PublishedOn != "2026-12-23" || pub.Enterprise != w.ents[u].Name || pub.USCC != u || pub.RegionCode != "440104" ||
		pub.Authority != "市场监管局、消防救援支队" || !slices.Equal(pub.Items, []string{"企业公示信息抽查", "消防安全检查"}) ||
		pub.InspectedOn != "2026-12-10" || evs[4].Actor.ID != "reg1" {
		t.Fatalf("published %+v", pub)
	}
	var rec inspection.ResultRecordedV1
	json.Unmarshal(evs[2].Payload, &rec)
	if rec.RecordedBy != team[1] {
		t.Fatalf("recorded by %s", rec.RecordedBy)
	}
}

func TestInspectionCommandsFindTheTask(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	_, u, _ := inspection.ParseTaskID(w.tasks[0])
	for _, id := range []string{"", "nonsense", "2026-YX-01", "2026-YX-02-" + u, "2026-YX-01-" + uscc(9999)} {
		w.refused("task "+id, commands.KindNotFound, "task_not_found", func() (commands.Outcome, error) {
			return w.record.Handle(ctx, w.result(id, "i00"))
		})
	}
	// The last task's enterprise is not in the log: its result cannot be disclosed by name.
	last := w.tasks[len(w.tasks)-1]
	m := w.teams[last][0]
	r := w.result(last, m)
	w.must(w.record.Handle(ctx, r))
	w.must(w.approve.Handle(ctx, commands.ApproveResult{Meta: w.meta("reg1", "regulator"), Task: last, Department: "消防救援支队"}))
	w.refused("publish without the enterprise", commands.KindNotFound, "enterprise_not_found", func() (commands.Outcome, error) {
		return w.publish.Handle(ctx, commands.PublishResult{Meta: w.meta("reg1", "regulator"), Task: last, Department: "市场监管局"})
	})
}

// After a substitution only the current team may record: the plan's record decides.
func TestRecordFollowsTheCurrentTeam(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	task := w.tasks[1]
	out := w.teams[task][0]
	w.must(w.app.SubstituteInspector.Handle(ctx, commands.SubstituteInspector{Meta: w.meta("reg1", "regulator"), ID: "2026-YX-01",
		Task: task, Inspector: out, Reason: "回避：与企业负责人系亲属"}))
	w.readTeams()
	in := w.teams[task]
	if slices.Contains(in, out) || len(in) != 2 {
		t.Fatalf("team after substitution %v", in)
	}
	w.refused("record by the replaced member", commands.KindForbidden, "not_on_team", func() (commands.Outcome, error) {
		return w.record.Handle(ctx, w.result(task, out))
	})
	w.must(w.record.Handle(ctx, w.result(task, in[len(in)-1])))
}
