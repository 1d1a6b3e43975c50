package inspection_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
)

var cst = time.FixedZone("CST", 8*3600)

// now is the clock of every decision: 2026-12-20 10:00 China time.
var now = time.Date(2026, 12, 20, 10, 0, 0, 0, cst)

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

func item(code, dept, qual string) directory.Item {
	return directory.Item{Code: code, Name: "事项" + code, LegalBasis: "《条例》", Department: dept, Category: directory.CategoryKey,
		ObjectType: "企业", Content: "检查内容", Method: "实地检查", Qualification: qual}
}

// facts is a task of two departments with team a01, x01.
func facts() inspection.Facts {
	return inspection.Facts{
		Task: "2026-GZ-01-" + uscc(1001), Plan: "2026-GZ-01", USCC: uscc(1001),
		Items:       []directory.Item{item("SC-01", "市场监管局", ""), item("XF-01", "消防救援支队", "")},
		Departments: []string{"市场监管局", "消防救援支队"},
		Team:        []string{"a01", "x01"},
		DrawnOn:     "2026-12-05",
	}
}

// clean is a valid result with no problem.
func clean() inspection.Result {
	return inspection.Result{CheckMethods: []string{"实地检查"}, Results: []string{inspection.NoProblem},
		FollowUp: inspection.FollowNone, InspectedOn: "2026-12-10"}
}

// corrected is a valid result with a problem corrected on the spot: it opens the follow-up.
func corrected() inspection.Result {
	return inspection.Result{CheckMethods: []string{"书面检查", "实地检查"}, Results: []string{inspection.CorrectionOrdered, inspection.NotDisclosed},
		Findings: "2025年度报告未公示", FollowUp: inspection.FollowCorrect, InspectedOn: "2026-12-10",
		Evidence: []string{hash('a'), hash('B')}}
}

func hash(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func fieldsOf(err error) []string {
	var out []string
	for _, fe := range directory.FieldErrors(err) {
		out = append(out, fe.Field+":"+fe.Code)
	}
	sort.Strings(out)
	return out
}

// rehydrate folds events through their JSON form, as a command handler does after Load.
func rehydrate(t testing.TB, events []directory.Change) *inspection.Task {
	t.Helper()
	var k inspection.Task
	for _, c := range events {
		b, err := json.Marshal(c.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Apply(c.Type, b); err != nil {
			t.Fatalf("apply %s: %v", c.Type, err)
		}
	}
	return &k
}

// must(t)(k.Record(…)) fails the test on an error and returns the events.
func must(t testing.TB) func([]directory.Change, error) []directory.Change {
	return func(ev []directory.Change, err error) []directory.Change {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
}

// assignedPlan takes a plan of two departments through to its assignment. The seed is
// revealed the day after the draw date, so the earliest inspection day is the reveal's.
func assignedPlan(t testing.TB) *plan.Plan {
	t.Helper()
	spec := plan.Spec{
		ID: "2026-GZ-01", Year: 2026, Batch: 1, Title: "2026年广州市第一批双随机抽查",
		LeadDepartment: "市场监管局", JointDepartments: []string{"消防救援支队"},
		Items:    []directory.Item{item("XF-01", "消防救援支队", ""), item("SC-01", "市场监管局", "食品检查")},
		Scope:    plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios:   plan.Ratios{A: plan.MustRatio("0.05"), B: plan.MustRatio("0.1"), C: plan.MustRatio("0.2"), D: plan.MustRatio("0.5")},
		DrawDate: "2026-12-05",
		Seed:     plan.SeedSource{Type: plan.SeedLottery, Date: "2026-12-05", Description: "中国福利彩票双色球第2026140期开奖号码"},
	}
	var ents []directory.Enterprise
	for i, tier := range []directory.Tier{"A", "A", "A", "B", "B", "C", "D", "D"} {
		ents = append(ents, directory.Enterprise{USCC: uscc(1000 + i), Name: fmt.Sprintf("企业%d", i), RegionCode: "440103",
			Industry: "零售业", EntityType: "企业", Status: "存续", Tier: tier, TierSetOn: "2026-11-01"})
	}
	var roster []directory.Inspector
	for i, d := range []string{"市场监管局", "市场监管局", "市场监管局", "市场监管局", "消防救援支队", "消防救援支队", "消防救援支队"} {
		in := directory.Inspector{ID: fmt.Sprintf("i%02d", i), Name: "姓名", CertNo: "证", Department: d, RegionCode: "440103", Active: true}
		if d == "市场监管局" {
			in.Qualifications = []string{"食品检查"}
		}
		roster = append(roster, in)
	}
	p, _, err := plan.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	must(t)(p.Announce(time.Date(2026, 12, 1, 10, 0, 0, 0, cst), slices.Values(ents), nil))
	must(t)(p.RevealSeed([][]uint64{{9319}, {2, 5, 12, 8, 10}}, time.Date(2026, 12, 6, 0, 30, 0, 0, cst)))
	must(t)(p.DrawEnterprises())
	must(t)(p.AssignInspectors(roster, nil, 2, 10))
	return p
}
