package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/infra/web"
	"github.com/choucha/choucha/projections"
)

var cst = time.FixedZone("CST", 8*3600)

const (
	planID  = "2026-GZ-01"
	draftID = "2026-GZ-02"
	drandID = "2026-GZ-03" // seeded by a drand round, not drawn yet
)

// Inspector identities in the fixture: no page may show any of them.
var inspectorNames = []string{"张三丰", "李四光", "王五岳", "赵六合", "钱七星", "孙八达"}

func certNo(i int) string { return fmt.Sprintf("粤执法证440100%04d", i) }

// uscc returns a valid USCC for a number (GB 32100-2015 check characters), region 440103.
func uscc(i int) string {
	body := fmt.Sprintf("%08d", i)
	c, err := directory.OrgCodeCheckDigit(body)
	if err != nil {
		panic(err)
	}
	first := "91440103" + body + string(c)
	d, err := directory.USCCCheckDigit(first)
	if err != nil {
		panic(err)
	}
	return first + string(d)
}

type fixture struct {
	site     *web.Site
	srv      *httptest.Server
	plans    *memory.Plans
	audit    plan.AuditData
	names    map[string]string // USCC → enterprise name
	drawn    []string
	notDrawn []string // pool members that were not drawn: confidential
	records  []projections.DisclosureRecord
}

func item(code, name, dept string) directory.Item {
	return directory.Item{Code: code, Name: name, LegalBasis: "《企业信息公示暂行条例》", Department: dept, Category: directory.CategoryKey,
		ObjectType: "企业", Content: "检查内容", Method: "实地检查"}
}

func spec(id string) plan.Spec {
	return plan.Spec{
		ID: id, Year: 2026, Batch: 1, Title: "2026年广州市越秀区第一批双随机抽查",
		LeadDepartment: "市场监管局", JointDepartments: []string{"消防救援支队"},
		Items: []directory.Item{
			item("SC-01", "企业公示信息检查", "市场监管局"),
			item("XF-01", "消防安全检查", "消防救援支队"),
		},
		Scope:    plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios:   plan.Ratios{A: plan.MustRatio("0.05"), B: plan.MustRatio("0.1"), C: plan.MustRatio("0.2"), D: plan.MustRatio("0.5")},
		DrawDate: "2026-12-05",
		Seed:     plan.SeedSource{Type: plan.SeedLottery, Date: "2026-12-05", Description: "中国福利彩票双色球第2026140期开奖号码：红球一组，蓝球一组"},
	}
}

// findings are recorded but never public.
const findings = "年报未按期公示（内部记录，不公开）"

// newFixture builds a real plan (announced, seeded, drawn, assigned) and a draft, and records,
// approves and publishes results through the inspection domain; the events feed the memory
// read models (plans and inspections) the site reads.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	now := time.Date(2027, 1, 10, 9, 0, 0, 0, cst)
	plans, insp := memory.NewPlans(), memory.NewInspections(func() time.Time { return now })
	fd := &feed{t: t, to: []projections.Projector{plans, insp}, versions: map[string]uint64{}}

	var ents []directory.Enterprise
	names := map[string]string{}
	for _, tier := range directory.Tiers {
		base := map[string]int{"A": 1000, "B": 2000, "C": 3000, "D": 4000}[tier]
		n := map[string]int{"A": 60, "B": 24, "C": 10, "D": 6}[tier]
		for i := range n {
			u := uscc(base + i)
			names[u] = fmt.Sprintf("广州市越秀区鸿运商行%d号", base+i)
			e := directory.Enterprise{USCC: u, Name: names[u], LegalRep: "陈法人", Address: "越秀区中山路1号", RegionCode: "440104",
				Industry: "零售业", EntityType: "企业", RegAuthority: "越秀区市场监管局", FoundedOn: "2010-01-01", Status: "存续",
				Tier: directory.Tier(tier), TierSetOn: "2026-11-01"}
			ents = append(ents, e)
			fd.add(directory.EnterpriseStream(u), directory.RegisterEnterprise(e))
		}
	}
	var roster []directory.Inspector
	for i, name := range inspectorNames {
		dept := "市场监管局"
		if i%2 == 1 {
			dept = "消防救援支队"
		}
		roster = append(roster, directory.Inspector{ID: fmt.Sprintf("INS%03d", i+1), Name: name, CertNo: certNo(i + 1), Department: dept,
			RegionCode: "440104", Active: true})
	}

	p, ev, err := plan.Create(spec(planID))
	if err != nil {
		t.Fatal(err)
	}
	fd.add(plan.Stream(planID), ev...)
	for _, step := range []func() ([]directory.Change, error){
		func() ([]directory.Change, error) {
			return p.Announce(time.Date(2026, 12, 1, 10, 0, 0, 0, cst), slices.Values(ents), nil)
		},
		func() ([]directory.Change, error) {
			return p.RevealSeed([][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}}, time.Date(2026, 12, 5, 21, 40, 0, 0, cst))
		},
		p.DrawEnterprises,
		func() ([]directory.Change, error) { return p.AssignInspectors(roster, nil, 2, 50) },
	} {
		ev, err := step()
		if err != nil {
			t.Fatal(err)
		}
		fd.add(plan.Stream(planID), ev...)
	}
	_, draft, err := plan.Create(spec(draftID))
	if err != nil {
		t.Fatal(err)
	}
	fd.add(plan.Stream(draftID), draft...)

	round := uint64((time.Date(2026, 12, 10, 12, 0, 0, 0, cst).Unix()-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
	ds := spec(drandID)
	ds.Batch, ds.Title, ds.DrawDate = 3, "2026年广州市越秀区第三批双随机抽查", "2026-12-10"
	ds.Seed = plan.SeedSource{Type: plan.SeedDrand, Round: round}
	p3, ev, err := plan.Create(ds)
	if err != nil {
		t.Fatal(err)
	}
	fd.add(plan.Stream(drandID), ev...)
	for _, step := range []func() ([]directory.Change, error){
		func() ([]directory.Change, error) {
			return p3.Announce(time.Date(2026, 12, 8, 10, 0, 0, 0, cst), slices.Values(ents), nil)
		},
		func() ([]directory.Change, error) {
			return p3.RevealSeed(plan.DrandSources(round, [32]byte{1, 2, 3}), plan.DrandRoundTime(round).Add(time.Minute))
		},
	} {
		ev, err := step()
		if err != nil {
			t.Fatal(err)
		}
		fd.add(plan.Stream(drandID), ev...)
	}

	f := &fixture{plans: plans, names: names, audit: p.Audit()}
	f.drawn = slices.Sorted(slices.Values(p.Drawn()))
	for _, st := range f.audit.Strata {
		for _, u := range st.Pool {
			if !slices.Contains(f.drawn, u) {
				f.notDrawn = append(f.notDrawn, u)
			}
		}
	}
	// Tasks of the drawn enterprises, in USCC order: all but the last two published (the first
	// late), the next to last recorded only (and overdue by now), the last not visited yet.
	clean := inspection.Result{CheckMethods: []string{"实地检查"}, Results: []string{inspection.NoProblem}, FollowUp: inspection.FollowNone}
	for i, u := range f.drawn[:len(f.drawn)-1] {
		task := assign.TaskID(planID, u)
		facts, ok := inspection.FactsOf(p, task)
		if !ok {
			t.Fatalf("no task %s", task)
		}
		r := clean
		switch i % 4 {
		case 1:
			r = inspection.Result{CheckMethods: []string{"书面检查"}, Results: []string{inspection.NotDisclosed, inspection.CorrectionOrdered},
				Findings: findings, FollowUp: inspection.FollowCorrect}
		case 2:
			r = inspection.Result{CheckMethods: []string{"实地检查"}, Results: []string{inspection.Unreachable}, Findings: findings, FollowUp: inspection.FollowInform}
		}
		r.InspectedOn = fmt.Sprintf("2026-12-%02d", 7+i)
		day := time.Date(2026, 12, 7+i, 18, 0, 0, 0, cst)
		var k inspection.Task
		steps := []func() ([]directory.Change, error){
			func() ([]directory.Change, error) { return k.Record(facts, facts.Team[0], r, day) },
		}
		if i < len(f.drawn)-2 {
			pubOn := day.AddDate(0, 0, 10)
			if i == 0 {
				pubOn = time.Date(2027, 1, 8, 10, 0, 0, 0, cst) // past the 20 working days
			}
			steps = append(steps,
				func() ([]directory.Change, error) { return k.Approve(facts, facts.Departments[0], "reviewer") },
				func() ([]directory.Change, error) {
					return k.Publish(facts, facts.Departments[0], "reviewer", inspection.Enterprise{Name: names[u], RegionCode: "440104"}, pubOn)
				})
		}
		for _, step := range steps {
			ev, err := step()
			if err != nil {
				t.Fatalf("task %d: %v", i, err)
			}
			fd.add(inspection.Stream(task), ev...)
		}
	}
	page, err := insp.Disclosures(context.Background(), projections.DisclosureFilter{Limit: projections.MaxLimit})
	if err != nil || len(page.Items) != len(f.drawn)-2 {
		t.Fatalf("disclosures %d, %v", len(page.Items), err)
	}
	f.records = page.Items

	site, err := web.New(web.Config{
		Plans: plans, Disclosures: insp, Stats: insp,
		Now:       func() time.Time { return now },
		Authority: "广州市越秀区市场监督管理局",
	})
	if err != nil {
		t.Fatal(err)
	}
	f.site = site
	f.srv = httptest.NewServer(site.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// feed envelopes changes with per-stream versions and applies them to every read model.
type feed struct {
	t        testing.TB
	to       []projections.Projector
	versions map[string]uint64
	pos      uint64
}

func (fd *feed) add(stream string, changes ...directory.Change) {
	fd.t.Helper()
	for _, c := range changes {
		b, err := json.Marshal(c.Payload)
		if err != nil {
			fd.t.Fatal(err)
		}
		fd.versions[stream]++
		fd.pos++
		e := event.Envelope{Stream: stream, Version: fd.versions[stream], Type: c.Type, Payload: b, Position: fd.pos}
		for _, p := range fd.to {
			if err := p.Apply(e); err != nil {
				fd.t.Fatalf("%s: apply %s: %v", p.Name(), c.Type, err)
			}
		}
	}
}

// get fetches a page; lang is sent as Accept-Language ("" for none).
func (f *fixture) get(t testing.TB, path, lang string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b), res.Header
}
