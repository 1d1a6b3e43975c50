package projectionstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

// PlanStore is what RunPlans needs of a fresh, empty store: apply feeds one event (in log
// order, at least once), flush makes everything applied so far visible to q (a batched store
// sends its batch; an in-memory one does nothing).
type PlanStore func(t *testing.T) (apply func(event.Envelope) error, flush func() error, q projections.PlanQueries)

// RunPlans checks projections.PlanQueries against a log of real plan events, produced by the
// domain aggregate as the commands produce them: six plans ending in every state — two
// drafts; announced (region, industry, status and yearly-cap exclusions); seed revealed; drawn
// (a drand seed); inspectors assigned with skips and unfilled tasks, then recusals approved
// (with the substitution the approval causes), rejected and pending, and a plain
// substitution — among directory events. After every command it checks every plan: Plan is
// the aggregate's view, Public the aggregate's public view (ErrNotFound for a draft) with no
// tier, pool, inspector or undrawn enterprise in it, Audit the aggregate's audit data, which
// recomputes as `choucha verify plan` recomputes it; Plans lists every plan by id in byte
// order with its Total and pages by cursor; unknown ids are ErrNotFound. Events are
// redelivered: at once, after a flush, and the whole log at the end.
func RunPlans(t *testing.T, newStore PlanStore) {
	t.Helper()
	ctx := context.Background()
	d := newPQData(t)
	apply, flush, q := newStore(t)

	for i, cp := range d.checkpoints {
		if i >= 2 && i%4 == 2 {
			old := d.checkpoints[i-2]
			feedAll(t, d.log[old.from:old.to], apply) // redelivered after a flush
		}
		step := d.log[cp.from:cp.to]
		feedAll(t, step, apply)
		if i%3 == 1 {
			feedAll(t, step, apply) // redelivered at once, in the same batch
		}
		mustFlush(t, flush)
		t.Run(fmt.Sprintf("%02d %s", i+1, cp.name), func(t *testing.T) { checkPQ(ctx, t, d, cp, q) })
	}
	t.Run("the final state", func(t *testing.T) { checkPQFinal(ctx, t, d, q) })

	// A whole redelivery (a consumer-group rebalance, a projector restarted from 0) changes
	// nothing.
	feedAll(t, d.log, apply)
	mustFlush(t, flush)
	t.Run("after the whole log is redelivered", func(t *testing.T) {
		checkPQ(ctx, t, d, d.last(), q)
		checkPQFinal(ctx, t, d, q)
	})
}

// PlanLog is the event log RunPlans feeds, in log order (positions 1, 2, 3 …). It is the same
// at every call.
func PlanLog(t *testing.T) []event.Envelope {
	t.Helper()
	return newPQData(t).log
}

// CheckPlans checks q as RunPlans does once the whole of PlanLog has been applied (for a store
// filled some other way: a restarted projector, a rebuild).
func CheckPlans(t *testing.T, q projections.PlanQueries) {
	t.Helper()
	ctx := context.Background()
	d := newPQData(t)
	checkPQ(ctx, t, d, d.last(), q)
	checkPQFinal(ctx, t, d, q)
}

// pqData is the plan log and what every store must answer after each step of it.
type pqData struct {
	log         []event.Envelope
	checkpoints []pqCheckpoint
	ids         []string // every plan of the log, sorted
	uscc        []string // every enterprise of the directory
	// secret: inspector ids, names and certificate numbers, never in a public view.
	secret []string
	// gz01 is what the assigned plan's view must say (from the aggregate's own record).
	gz01Unfilled, gz01Drawn int
}

// pqCheckpoint is the state after one step (one command's events, or directory events).
type pqCheckpoint struct {
	name     string
	from, to int // the step's events: log[from:to]
	ids      []string
	want     map[string]pqWant
}

type pqWant struct {
	summary     projections.PlanSummary
	view, audit []byte
	public      []byte // nil: a draft, not public
	drawn       map[string]bool
	verify      bool // drawn: the audit data recomputes
}

func (d *pqData) last() pqCheckpoint { return d.checkpoints[len(d.checkpoints)-1] }

// Plan ids, chosen to sort differently by bytes than by a case-insensitive collation
// ("2026-aq-01" after "2026-SZ-01", "2026_FS" after them all).
const (
	pqGZ01  = "2026-GZ-01" // inspectors assigned, recusals, substitutions
	pqGZ02  = "2026-GZ-02" // drawn, drand seed, yearly-cap exclusions
	pqSZ01  = "2026-SZ-01" // announced
	pqSZ01l = "2026-sz-01" // seed revealed
	pqAQ01  = "2026-aq-01" // draft
	pqFS    = "2026_FS"    // draft, created last
)

// pqUnknown are ids of no plan: a prefix, a case variant, a trailing space, the empty id, and
// values that would break a query built by splicing.
var pqUnknown = []string{"2026-GZ", "2026-gz-01", "2026-GZ-01 ", "", "x' OR '1'='1", "? OR 1=1", `\'`}

var pqCST = time.FixedZone("CST", 8*3600)

func pqAt(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, pqCST)
}

type pqInspector struct {
	id, name, cert, dept string
	qualified            bool
}

const (
	pqSAMR = "市场监管局"
	pqFire = "消防救援支队"
)

var pqItems = []directory.Item{
	{Code: "SC-01", Name: "食品生产经营检查", LegalBasis: "《中华人民共和国食品安全法》第一百一十条", Department: pqSAMR,
		Category: directory.CategoryKey, ObjectType: "食品生产经营者", Content: "许可条件、过程控制、标签标识", Method: "实地检查",
		Qualification: "食品检查"},
	{Code: "SC-02", Name: "企业公示信息抽查", LegalBasis: "《企业信息公示暂行条例》第十四条", Department: pqSAMR,
		Category: directory.CategoryGeneral, ObjectType: "企业", Content: "年度报告、即时信息", Method: "书面检查"},
	{Code: "XF-01", Name: "消防安全检查", LegalBasis: "《中华人民共和国消防法》第五十三条", Department: pqFire,
		Category: directory.CategoryKey, ObjectType: "单位", Content: "消防设施、疏散通道", Method: "实地检查"},
}

func pqItem(code string) directory.Item {
	i := slices.IndexFunc(pqItems, func(it directory.Item) bool { return it.Code == code })
	return pqItems[i]
}

var pqRoster = []pqInspector{
	{"jc-sc-0101", "欧阳明德", "粤执法44010101", pqSAMR, true},
	{"jc-sc-0102", "司马文博", "粤执法44010102", pqSAMR, true},
	{"jc-sc-0103", "上官静怡", "粤执法44010103", pqSAMR, true},
	{"jc-sc-0104", "诸葛云飞", "粤执法44010104", pqSAMR, false},
	{"jc-sc-0105", "慕容秋水", "粤执法44010105", pqSAMR, false},
	{"jc-xf-0201", "皇甫志远", "粤执法44010201", pqFire, false},
	{"jc-xf-0202", "令狐春生", "粤执法44010202", pqFire, false},
	{"jc-xf-0203", "公孙雨桐", "粤执法44010203", pqFire, false},
	{"jc-xf-0204", "宇文海潮", "粤执法44010204", pqFire, false},
	{"jc-wj-0301", "尉迟景行", "粤执法44010301", "卫生健康委员会", false}, // not a plan department
}

// pqBuilder runs the commands on live aggregates and records their events.
type pqBuilder struct {
	t     *testing.T
	b     *logBuilder
	d     *pqData
	plans map[string]*plan.Plan
	from  int
}

// step records a command's events and the expected answers after them.
func (w *pqBuilder) step(name, id string, changes []directory.Change, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("fixture: %s: %v", name, err)
	}
	for _, c := range changes {
		w.b.add(plan.Stream(id), c.Type, c.Payload)
	}
	w.checkpoint(name)
}

func (w *pqBuilder) checkpoint(name string) {
	w.t.Helper()
	cp := pqCheckpoint{name: name, from: w.from, to: len(w.b.log), want: map[string]pqWant{}}
	for id, p := range w.plans {
		cp.want[id] = pqExpect(w.t, p, w.b.versions[plan.Stream(id)])
		cp.ids = append(cp.ids, id)
	}
	slices.Sort(cp.ids)
	w.d.checkpoints = append(w.d.checkpoints, cp)
	w.from = cp.to
}

func (w *pqBuilder) create(s plan.Spec) *plan.Plan {
	w.t.Helper()
	p, changes, err := plan.Create(s)
	if err == nil {
		w.plans[s.ID] = p
	}
	w.step("create "+s.ID, s.ID, changes, err)
	return p
}

// pqExpect is what a store must answer about p, as the aggregate itself gives it.
func pqExpect(t *testing.T, p *plan.Plan, version uint64) pqWant {
	t.Helper()
	view := projections.NewPlanView(p, version)
	w := pqWant{summary: view.PlanSummary, view: pqJSON(t, view), audit: pqJSON(t, p.Audit()), drawn: map[string]bool{}}
	if p.State() != plan.StateDraft {
		w.public = pqJSON(t, p.Public())
	}
	for _, u := range p.Drawn() {
		w.drawn[u] = true
	}
	w.verify = p.State() == plan.StateDrawn || p.State() == plan.StateAssigned
	return w
}

func pqJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pqSpec(id string, batch int, title, region, mode string, industries []string, items []string, ratios [4]string, drawDate string, seed plan.SeedSource) plan.Spec {
	s := plan.Spec{ID: id, Year: 2026, Batch: batch, Title: title, LeadDepartment: pqSAMR,
		Scope:    plan.Scope{RegionPrefix: region, Industries: industries, Mode: mode},
		Ratios:   plan.Ratios{A: plan.MustRatio(ratios[0]), B: plan.MustRatio(ratios[1]), C: plan.MustRatio(ratios[2]), D: plan.MustRatio(ratios[3])},
		DrawDate: drawDate, Seed: seed}
	for _, code := range items {
		it := pqItem(code)
		s.Items = append(s.Items, it)
		if it.Department != pqSAMR && !slices.Contains(s.JointDepartments, it.Department) {
			s.JointDepartments = append(s.JointDepartments, it.Department)
		}
	}
	return s
}

func pqLottery(date, issue string) plan.SeedSource {
	return plan.SeedSource{Type: plan.SeedLottery, Date: date,
		Description: "中国福利彩票双色球第" + issue + "期开奖号码：6个红球为第一组，1个蓝球为第二组"}
}

func newPQData(t *testing.T) *pqData {
	t.Helper()
	d := &pqData{}
	w := &pqBuilder{t: t, d: d, plans: map[string]*plan.Plan{},
		b: &logBuilder{t: t, versions: map[string]uint64{}, at: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}}

	// The directory: items and 300 enterprises of Guangzhou (three districts) and Shenzhen
	// (Nanshan), every tier in every district, some closed (not drawable).
	for _, it := range pqItems {
		w.b.add(directory.ItemStream(it.Code), directory.ItemRegistered, directory.ItemRegisteredV1{Item: it})
	}
	regions := []string{"440103", "440104", "440106", "440305"}
	industries := []string{"零售业", "餐饮业", "制造业"}
	var ents []directory.Enterprise
	for i := range 300 {
		body := fmt.Sprintf("%08d", 30_000_000+i*7919)
		if i%11 == 4 {
			body = fmt.Sprintf("MA%06d", 100_000+i*37)
		}
		region := regions[(i/10)%4]
		tier := "B"
		switch i % 10 {
		case 0:
			tier = "A"
		case 6, 7, 8:
			tier = "C"
		case 9:
			tier = "D"
		}
		status := "存续"
		switch {
		case i%23 == 5:
			status = "注销"
		case i%17 == 3:
			status = "在业"
		}
		entityType := "企业"
		if i%7 == 2 {
			entityType = "个体工商户"
		}
		e := directory.Enterprise{USCC: makeUSCC(t, region, body), Name: fmt.Sprintf("企业%03d有限公司", i), LegalRep: "法定代表人",
			Address: "广东省", RegionCode: region, Industry: industries[i%3], EntityType: entityType, RegAuthority: pqSAMR,
			FoundedOn: "2012-03-01", Status: status, Tier: directory.Tier(tier), TierSetOn: "2025-12-01"}
		ents = append(ents, e)
		d.uscc = append(d.uscc, e.USCC)
		w.b.add(directory.EnterpriseStream(e.USCC), directory.EnterpriseRegistered, directory.EnterpriseRegisteredV1{Enterprise: e})
	}
	w.checkpoint("directory only: no plan yet")

	// Yearly counts of proactive inspections, as memory.Plans keeps them for AnnouncePlan.
	drawnThisYear := map[string]int{}
	count := func(p *plan.Plan) {
		for _, u := range p.Drawn() {
			drawnThisYear[u]++
		}
	}

	gz01 := w.create(pqSpec(pqGZ01, 1, "2026年广州市第一批食品及消防安全双随机抽查", "4401", plan.ModeUntargeted, nil,
		[]string{"XF-01", "SC-01"}, [4]string{"0.05", "0.1", "0.15", "0.3"}, "2026-03-06", pqLottery("2026-03-05", "2026025")))
	w.create(pqSpec(pqAQ01, 9, "2026年全省企业公示信息抽查（草案）", "44", plan.ModeUntargeted, nil,
		[]string{"SC-02"}, [4]string{"0.01", "0.02", "0.03", "0.05"}, "2026-10-10", pqLottery("2026-10-09", "2026118")))
	ev, err := gz01.Announce(pqAt(3, 1, 10, 0), slices.Values(ents), plan.YearlyCap(func(u string) int { return drawnThisYear[u] }, map[directory.Tier]int{"A": 1}))
	w.step("announce "+pqGZ01, pqGZ01, ev, err)
	ev, err = gz01.RevealSeed([][]uint64{{3, 11, 17, 22, 28, 31}, {9}}, pqAt(3, 5, 21, 40))
	w.step("reveal the seed of "+pqGZ01, pqGZ01, ev, err)
	ev, err = gz01.DrawEnterprises()
	w.step("draw "+pqGZ01, pqGZ01, ev, err)
	count(gz01)

	// The inspectors, one of them with a declared conflict with a drawn enterprise.
	var roster []directory.Inspector
	for i, in := range pqRoster {
		x := directory.Inspector{ID: in.id, Name: in.name, CertNo: in.cert, Department: in.dept, RegionCode: "440100", Active: true,
			Qualifications: []string{}, Conflicts: []string{}}
		if in.qualified {
			x.Qualifications = []string{"食品检查"}
		}
		if i == 5 {
			x.Conflicts = []string{gz01.Drawn()[0]}
		}
		roster = append(roster, x)
		d.secret = append(d.secret, in.id, in.name, in.cert)
		w.b.add(directory.InspectorStream(x.ID), directory.InspectorRegistered, directory.InspectorRegisteredV1{Inspector: x})
	}
	ev, err = gz01.AssignInspectors(roster, nil, 2, 8)
	w.step("assign inspectors to "+pqGZ01, pqGZ01, ev, err)

	// The second batch, drand-seeded, after the first was drawn: enterprises it drew are over
	// the yearly cap of their tier.
	const round = 27_663_412 // quicknet, 2026-04-10 ≈ 12:00 China time
	if rt := plan.DrandRoundTime(round); !rt.After(pqAt(4, 1, 10, 0)) || rt.After(pqAt(4, 10, 23, 0)) {
		t.Fatalf("fixture: drand round %d is at %s", round, rt)
	}
	gz02 := w.create(pqSpec(pqGZ02, 2, "2026年广州市第二批企业公示信息双随机抽查", "4401", plan.ModeTargeted, []string{"零售业", "餐饮业"},
		[]string{"SC-02"}, [4]string{"0.1", "0.1", "0.2", "0.2"}, "2026-04-10", plan.SeedSource{Type: plan.SeedDrand, Round: round}))
	ev, err = gz02.Announce(pqAt(4, 1, 10, 0), slices.Values(ents), plan.YearlyCap(func(u string) int { return drawnThisYear[u] }, map[directory.Tier]int{"A": 1, "B": 1}))
	w.step("announce "+pqGZ02, pqGZ02, ev, err)

	sz01 := w.create(pqSpec(pqSZ01, 1, "2026年深圳市餐饮业企业公示信息抽查", "4403", plan.ModeTargeted, []string{"餐饮业"},
		[]string{"SC-02"}, [4]string{"0.05", "0.1", "0.2", "0.2"}, "2026-05-21", pqLottery("2026-05-20", "2026057")))
	ev, err = sz01.Announce(pqAt(4, 2, 9, 30), slices.Values(ents), nil)
	w.step("announce "+pqSZ01, pqSZ01, ev, err)
	sz01l := w.create(pqSpec(pqSZ01l, 1, "2026年深圳市南山区消防安全抽查", "440305", plan.ModeUntargeted, nil,
		[]string{"XF-01", "SC-02"}, [4]string{"0.1", "0.15", "0.2", "0.2"}, "2026-04-09", pqLottery("2026-04-08", "2026040")))
	ev, err = sz01l.Announce(pqAt(4, 3, 15, 0), slices.Values(ents), nil)
	w.step("announce "+pqSZ01l, pqSZ01l, ev, err)

	// Recusals and substitutions on the assigned plan: approved (its substitution in the
	// same append), rejected, a plain substitution, and one left pending.
	_, rec, _ := gz01.Assignment()
	teams := rec.Teams()
	var tasks []string
	for task := range teams {
		tasks = append(tasks, task)
	}
	slices.Sort(tasks)
	if len(tasks) < 4 {
		t.Fatalf("fixture: %d tasks with a team", len(tasks))
	}
	ev, err = gz01.RequestRecusal(tasks[0], teams[tasks[0]][0], plan.RecusalByEnterprise, "该检查人员系企业法定代表人近亲属", pqAt(4, 5, 9, 0))
	w.step("R1 requested in "+pqGZ01, pqGZ01, ev, err)
	ev, err = gz01.DecideRecusal("R1", true, "经核实属实，准予回避", pqAt(4, 6, 16, 0))
	w.step("R1 approved, the substitution with it", pqGZ01, ev, err)
	ev, err = gz01.RequestRecusal(tasks[1], teams[tasks[1]][1], plan.RecusalByInspector, "曾在该企业任职", pqAt(4, 7, 9, 0))
	w.step("R2 requested in "+pqGZ01, pqGZ01, ev, err)
	ev, err = gz01.DecideRecusal("R2", false, "离职已逾五年，不构成回避情形", pqAt(4, 8, 10, 0))
	w.step("R2 rejected", pqGZ01, ev, err)
	ev, err = gz01.Substitute(tasks[3], teams[tasks[3]][0], "检查人员调离执法岗位")
	w.step("a substitution in "+pqGZ01, pqGZ01, ev, err)

	ev, err = sz01l.RevealSeed([][]uint64{{2, 7, 13, 19, 26, 33}, {5}}, pqAt(4, 8, 21, 30))
	w.step("reveal the seed of "+pqSZ01l, pqSZ01l, ev, err)
	randomness := sha256.Sum256([]byte("drand quicknet round 27663412 (contract suite)"))
	ev, err = gz02.RevealSeed(plan.DrandSources(round, randomness), plan.DrandRoundTime(round).Add(2*time.Minute))
	w.step("reveal the seed of "+pqGZ02, pqGZ02, ev, err)
	ev, err = gz02.DrawEnterprises()
	w.step("draw "+pqGZ02, pqGZ02, ev, err)

	ev, err = gz01.RequestRecusal(tasks[2], teams[tasks[2]][0], plan.RecusalByEnterprise, "检查人员与企业存在经济往来", pqAt(4, 12, 11, 0))
	w.step("R3 requested, left pending", pqGZ01, ev, err)
	w.create(pqSpec(pqFS, 3, "2026年佛山市第三批双随机抽查（草案）", "4406", plan.ModeUntargeted, nil,
		[]string{"SC-01", "XF-01"}, [4]string{"0.05", "0.1", "0.15", "0.3"}, "2026-11-02", pqLottery("2026-11-01", "2026127")))

	// The directory moves on: the plans keep what they froze.
	moved := ents[1]
	moved.Tier, moved.TierSetOn = "D", "2026-04-20"
	w.b.add(directory.EnterpriseStream(moved.USCC), directory.EnterpriseUpdated, directory.EnterpriseUpdatedV1{Enterprise: moved})
	w.checkpoint("a directory change after the plans")

	d.log = w.b.log
	d.ids = d.last().ids

	// The fixture is what it claims to be.
	in, rec, _ := gz01.Assignment()
	d.gz01Drawn = len(gz01.Drawn())
	d.gz01Unfilled = len(in.Tasks) - len(rec.Teams())
	skips := 0
	for _, r := range rec.Results {
		skips += len(r.Skips)
	}
	if d.gz01Unfilled == 0 || skips == 0 || len(gz01.Strata()) != 4 || len(rec.Substitutions) != 2 {
		t.Fatalf("fixture: %s has %d unfilled tasks, %d skips, %d strata, %d substitutions", pqGZ01, d.gz01Unfilled, skips, len(gz01.Strata()), len(rec.Substitutions))
	}
	capped := false
	for k := range gz02.Ineligible() {
		capped = capped || strings.HasPrefix(k, plan.IneligibleCapPrefix)
	}
	if !capped {
		t.Fatalf("fixture: nothing over the yearly cap in %s: %v", pqGZ02, gz02.Ineligible())
	}
	return d
}

// checkPQ checks every answer at one checkpoint.
func checkPQ(ctx context.Context, t *testing.T, d *pqData, cp pqCheckpoint, q projections.PlanQueries) {
	t.Helper()
	for _, id := range cp.ids {
		w := cp.want[id]
		v, err := q.Plan(ctx, id)
		if err != nil {
			t.Errorf("plan %s: %v", id, err)
			continue
		}
		pqSame(t, "plan "+id, v, w.view)
		if v.PlanSummary != w.summary {
			t.Errorf("plan %s: summary %+v, want %+v", id, v.PlanSummary, w.summary)
		}

		pub, err := q.Public(ctx, id)
		switch {
		case w.public == nil:
			if !errors.Is(err, projections.ErrNotFound) {
				t.Errorf("public view of the draft %s: %+v, %v; want ErrNotFound", id, pub, err)
			}
		case err != nil:
			t.Errorf("public view of %s: %v", id, err)
		default:
			pqSame(t, "public view of "+id, pub, w.public)
			pqNothingSecret(t, d, "public view of "+id, w, pub)
			pqNothingSecret(t, d, "the draw in the plan view of "+id, w, v.Draw)
		}

		a, err := q.Audit(ctx, id)
		if err != nil {
			t.Errorf("audit data of %s: %v", id, err)
			continue
		}
		pqSame(t, "audit data of "+id, a, w.audit)
		if w.verify {
			pqVerify(t, id, a, w.summary.Drawn)
		}
	}

	var want []projections.PlanSummary
	for _, id := range cp.ids {
		want = append(want, cp.want[id].summary)
	}
	p, err := q.Plans(ctx, "", 0)
	if err != nil {
		t.Fatalf("plans: %v", err)
	}
	if p.Items == nil {
		t.Error("plans: items are nil, want an empty list (JSON [])")
	}
	if !slices.Equal(p.Items, want) || p.Total != len(want) || p.Next != "" {
		t.Errorf("plans: %+v total %d next %q; want %+v total %d, no next", p.Items, p.Total, p.Next, want, len(want))
	}
	pqWalk(ctx, t, q, 2, cp.ids)

	unknown := slices.Clone(pqUnknown)
	for _, id := range d.ids {
		if _, ok := cp.want[id]; !ok {
			unknown = append(unknown, id) // created later in the log
		}
	}
	for _, id := range unknown {
		if v, err := q.Plan(ctx, id); !errors.Is(err, projections.ErrNotFound) {
			t.Errorf("plan %q: %+v, %v; want ErrNotFound", id, v.PlanSummary, err)
		}
		if _, err := q.Public(ctx, id); !errors.Is(err, projections.ErrNotFound) {
			t.Errorf("public view of %q: %v; want ErrNotFound", id, err)
		}
		if _, err := q.Audit(ctx, id); !errors.Is(err, projections.ErrNotFound) {
			t.Errorf("audit data of %q: %v; want ErrNotFound", id, err)
		}
	}
}

// pqWalk pages through every plan limit at a time and checks the pages against ids.
func pqWalk(ctx context.Context, t *testing.T, q projections.PlanQueries, limit int, ids []string) {
	t.Helper()
	var got []string
	after, pages := "", 0
	for {
		p, err := q.Plans(ctx, after, limit)
		if err != nil {
			t.Fatalf("plans after %q limit %d: %v", after, limit, err)
		}
		pages++
		if p.Total != len(ids) || len(p.Items) > limit {
			t.Fatalf("limit %d page %d: total %d, %d items; want total %d", limit, pages, p.Total, len(p.Items), len(ids))
		}
		for _, s := range p.Items {
			got = append(got, s.ID)
		}
		if p.Next == "" {
			break
		}
		if len(p.Items) == 0 || p.Next != p.Items[len(p.Items)-1].ID {
			t.Fatalf("limit %d page %d: next %q is not the last id of the page", limit, pages, p.Next)
		}
		if pages > len(ids)+1 {
			t.Fatalf("limit %d: paging does not end", limit)
		}
		after = p.Next
	}
	if !slices.Equal(got, ids) {
		t.Errorf("limit %d: pages gave %v, want %v", limit, got, ids)
	}
	if want := max(1, (len(ids)+limit-1)/limit); pages != want {
		t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
	}
}

// pqSame compares an answer with the aggregate's, as the API serves both: in JSON.
func pqSame(t *testing.T, what string, got any, want []byte) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if bytes.Equal(b, want) {
		return
	}
	i := 0
	for i < len(b) && i < len(want) && b[i] == want[i] {
		i++
	}
	lo := max(0, i-120)
	t.Errorf("%s differs from the aggregate's at byte %d (of %d, want %d):\n got  …%s…\n want …%s…",
		what, i, len(b), len(want), b[lo:min(len(b), i+120)], want[lo:min(len(want), i+120)])
}

// pqNothingSecret: no tier, pool, assignment or ineligibility data, no inspector, and no
// enterprise the plan did not draw.
func pqNothingSecret(t *testing.T, d *pqData, what string, w pqWant, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, key := range []string{"tier", "tiers", "pool", "roster", "team", "tasks", "skips", "substitutions", "ineligible", "recusals", "inspector"} {
		if strings.Contains(s, `"`+key+`"`) {
			t.Errorf("%s has a field %q", what, key)
		}
	}
	for _, x := range d.secret {
		if strings.Contains(s, x) {
			t.Errorf("%s contains the inspector's %q", what, x)
		}
	}
	for _, u := range d.uscc {
		if !w.drawn[u] && strings.Contains(s, u) {
			t.Errorf("%s contains %s, which the plan did not draw", what, u)
		}
	}
}

// pqVerify checks audit data as `choucha verify plan` does: read strictly from its JSON,
// recomputed from the seed without a mismatch; and with another seed it does not match.
func pqVerify(t *testing.T, id string, a plan.AuditData, drawn int) {
	t.Helper()
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var export plan.AuditData
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&export); err != nil {
		t.Fatalf("audit data of %s is not an auditor export: %v", id, err)
	}
	res, ms := plan.Recompute(export)
	if len(ms) > 0 {
		t.Errorf("audit data of %s: %d mismatches, first %s", id, len(ms), ms[0])
	}
	n := 0
	for _, s := range res.Strata {
		n += len(s.Drawn)
	}
	if n != drawn {
		t.Errorf("audit data of %s recomputes %d drawn, the plan has %d", id, n, drawn)
	}
	export.SeedSources = [][]uint64{{1, 2, 3}}
	if _, ms := plan.Recompute(export); len(ms) == 0 {
		t.Errorf("audit data of %s: another seed recomputes without a mismatch", id)
	}
}

// checkPQFinal checks facts of the end state stated directly, not through the aggregate, and
// paging in every way.
func checkPQFinal(ctx context.Context, t *testing.T, d *pqData, q projections.PlanQueries) {
	t.Helper()
	ids := []string{pqGZ01, pqGZ02, pqSZ01, pqAQ01, pqSZ01l, pqFS}
	if !slices.Equal(d.ids, ids) {
		t.Fatalf("fixture: plans %v, want %v", d.ids, ids)
	}
	states := map[string]plan.State{pqGZ01: plan.StateAssigned, pqGZ02: plan.StateDrawn, pqSZ01: plan.StateAnnounced,
		pqSZ01l: plan.StateSeedRevealed, pqAQ01: plan.StateDraft, pqFS: plan.StateDraft}
	versions := map[string]uint64{pqGZ01: 12, pqGZ02: 4, pqSZ01: 2, pqSZ01l: 3, pqAQ01: 1, pqFS: 1}
	views := map[string]projections.PlanView{}
	for _, id := range ids {
		v, err := q.Plan(ctx, id)
		if err != nil {
			t.Fatalf("plan %s: %v", id, err)
		}
		views[id] = v
		if v.ID != id || v.Spec.ID != id || v.State != states[id] || v.Version != versions[id] {
			t.Errorf("plan %s: id %q spec id %q state %q version %d; want state %q version %d", id, v.ID, v.Spec.ID, v.State, v.Version, states[id], versions[id])
		}
		if (v.AnnouncedAt == nil) != (v.State == plan.StateDraft) {
			t.Errorf("plan %s (%s): announced at %v", id, v.State, v.AnnouncedAt)
		}
	}

	gz := views[pqGZ01]
	if gz.Drawn != d.gz01Drawn || gz.Tasks != gz.Drawn || gz.Unfilled != d.gz01Unfilled || gz.Substituted != 2 {
		t.Errorf("%s: drawn %d tasks %d unfilled %d substitutions %d; want %d, %d, %d, 2", pqGZ01, gz.Drawn, gz.Tasks, gz.Unfilled, gz.Substituted, d.gz01Drawn, d.gz01Drawn, d.gz01Unfilled)
	}
	var recusals []string
	for _, r := range gz.Recusals {
		recusals = append(recusals, r.ID+":"+r.Status)
	}
	if want := []string{"R1:approved", "R2:rejected", "R3:pending"}; !slices.Equal(recusals, want) {
		t.Errorf("%s: recusals %v, want %v", pqGZ01, recusals, want)
	}
	if !gz.AnnouncedAt.Equal(pqAt(3, 1, 10, 0)) || gz.RevealedAt == nil || !gz.RevealedAt.Equal(pqAt(3, 5, 21, 40)) {
		t.Errorf("%s: announced at %v, revealed at %v", pqGZ01, gz.AnnouncedAt, gz.RevealedAt)
	}
	in := views[pqGZ02].Ineligible
	for _, reason := range []string{plan.IneligibleRegion, plan.IneligibleIndustry, plan.IneligibleStatus, plan.IneligibleCapPrefix + "yearly_cap_B"} {
		if in[reason] == 0 {
			t.Errorf("%s: ineligible %v has no %q", pqGZ02, in, reason)
		}
	}

	pub, err := q.Public(ctx, pqGZ01)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for i, s := range pub.Strata {
		sum += s.Count
		if s.Label != fmt.Sprintf("S%d", i+1) || s.PoolSize == 0 || len(s.PoolSHA256) != 64 {
			t.Errorf("%s: public stratum %d: %+v", pqGZ01, i, s)
		}
	}
	if len(pub.Strata) != 4 || len(pub.Drawn) != sum || sum != gz.Drawn || !slices.IsSorted(pub.Drawn) ||
		fmt.Sprint(pub.SeedSources) != "[[3 11 17 22 28 31] [9]]" {
		t.Errorf("%s: public view: %d strata counting %d, %d drawn (sorted %v), seed %v", pqGZ01, len(pub.Strata), sum, len(pub.Drawn), slices.IsSorted(pub.Drawn), pub.SeedSources)
	}
	pub, err = q.Public(ctx, pqSZ01)
	if err != nil || len(pub.Drawn) != 0 || pub.SeedSources != nil || len(pub.Strata) == 0 || pub.Seed.Date != "2026-05-20" {
		t.Errorf("%s: public view before the seed: %+v, %v", pqSZ01, pub, err)
	}
	a, err := q.Audit(ctx, pqSZ01)
	if err != nil || len(a.Strata) == 0 || len(a.Tiers) != len(a.Strata) {
		t.Fatalf("%s: audit data %+v, %v", pqSZ01, a, err)
	}
	for _, s := range a.Strata {
		if len(s.Pool) != s.PoolSize || plan.PoolSHA256(s.Pool) != s.PoolSHA256 || s.Drawn != nil {
			t.Errorf("%s: audited stratum %s: %d in the pool of %d, drawn %v", pqSZ01, s.Label, len(s.Pool), s.PoolSize, s.Drawn)
		}
	}
	if a, err := q.Audit(ctx, pqAQ01); err != nil || a.Plan != pqAQ01 || a.Strata != nil || a.Assignment != nil {
		t.Errorf("%s: audit data of a draft: %+v, %v", pqAQ01, a, err)
	}

	t.Run("paging", func(t *testing.T) {
		for _, limit := range []int{1, 2, 3, 5, len(ids), len(ids) + 1, projections.MaxLimit + 1} {
			pqWalk(ctx, t, q, limit, ids)
		}
		page := func(after string, limit int) (got []string, next string, total int) {
			t.Helper()
			p, err := q.Plans(ctx, after, limit)
			if err != nil {
				t.Fatalf("plans after %q: %v", after, err)
			}
			for _, s := range p.Items {
				got = append(got, s.ID)
			}
			return got, p.Next, p.Total
		}
		for _, c := range []struct {
			after string
			limit int
			want  []string
			next  string
		}{
			{"", 0, ids, ""}, // the default limit
			{"", -1, ids, ""},
			{"", 2, ids[:2], ids[1]},
			{pqGZ01, 2, ids[1:3], ids[2]},
			{pqGZ01 + "~", 1, ids[1:2], ids[1]}, // between two ids
			{"2026-GZ", 1, ids[:1], ids[0]},     // a prefix sorts first
			{"2026-SZ-01", 2, ids[3:5], ids[4]}, // "2026-aq-01" follows by bytes
			{"2026-Z", 5, ids[3:], ""},          // lower case after upper case
			{"0", 100, ids, ""},                 // before every id
			{pqSZ01l, 10, ids[5:], ""},          // '_' after '-'
			{pqFS, 10, nil, ""},                 // the last id
			{"zzz", 10, nil, ""},                // after every id
			{"x' OR '1'='1", 10, nil, ""},       // a value, not SQL
			{"2026-GZ-01' OR id > '", 3, ids[1:4], ids[3]},
		} {
			got, next, total := page(c.after, c.limit)
			if !slices.Equal(got, c.want) || next != c.next || total != len(ids) {
				t.Errorf("after %q limit %d: %v next %q total %d; want %v next %q total %d", c.after, c.limit, got, next, total, c.want, c.next, len(ids))
			}
		}
	})
}
