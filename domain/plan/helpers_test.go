package plan_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

var cst = time.FixedZone("CST", 8*3600)

var (
	announceAt = time.Date(2026, 12, 1, 10, 0, 0, 0, cst)
	revealAt   = time.Date(2026, 12, 5, 21, 40, 0, 0, cst)
	// The worked example of RFC 3797 §6 as seed.
	seeds = [][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}}
)

// uscc returns a valid USCC (GB 32100-2015 check digits) for a number: organisation code
// body i in 8 digits, region 440103.
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

func item(code, dept, category, qual string) directory.Item {
	return directory.Item{Code: code, Name: "事项" + code, LegalBasis: "《条例》", Department: dept, Category: category,
		ObjectType: "企业", Content: "检查内容", Method: "实地检查", Qualification: qual}
}

func validSpec() plan.Spec {
	return plan.Spec{
		ID: "2026-GZ-01", Year: 2026, Batch: 1, Title: "2026年广州市第一批双随机抽查",
		LeadDepartment: "市场监管局", JointDepartments: []string{"消防救援支队"},
		Items: []directory.Item{
			item("XF-01", "消防救援支队", directory.CategoryKey, ""),
			item("SC-01", "市场监管局", directory.CategoryKey, "食品检查"),
		},
		Scope:    plan.Scope{RegionPrefix: "4401", Mode: plan.ModeUntargeted},
		Ratios:   plan.Ratios{A: plan.MustRatio("0.01"), B: plan.MustRatio("0.02"), C: plan.MustRatio("0.1"), D: plan.MustRatio("0.3")},
		DrawDate: "2026-12-05",
		Seed:     plan.SeedSource{Type: plan.SeedLottery, Date: "2026-12-05", Description: "中国福利彩票双色球第2026140期开奖号码：红球一组，蓝球一组"},
	}
}

// ent is a drawable enterprise of Guangzhou (440103).
func ent(i int, tier directory.Tier) directory.Enterprise {
	return directory.Enterprise{USCC: uscc(i), Name: fmt.Sprintf("企业%d", i), RegionCode: "440103", Industry: "零售业",
		EntityType: "企业", Status: "存续", Tier: tier, TierSetOn: "2026-11-01"}
}

// directoryOf returns n enterprises per tier: tier A numbered 1000…1999, B 2000…, C 3000…,
// D 4000…; past 1000 per tier, A continues at 10,001,000, B at 20,001,000 and so on.
func directoryOf(a, b, c, d int) []directory.Enterprise {
	var out []directory.Enterprise
	for t, n := range []int{a, b, c, d} {
		for i := range n {
			num := (t+1)*1000 + i
			if i >= 1000 {
				num = (t+1)*10_000_000 + i
			}
			out = append(out, ent(num, directory.Tier(directory.Tiers[t])))
		}
	}
	return out
}

func mustCreate(t testing.TB, s plan.Spec) (*plan.Plan, []directory.Change) {
	t.Helper()
	p, ev, err := plan.Create(s)
	if err != nil {
		t.Fatal(err)
	}
	return p, ev
}

// drawn takes a plan through announcement, seed and draw and returns it with every event.
func drawn(t testing.TB, s plan.Spec, ents []directory.Enterprise, overCap plan.CapCheck) (*plan.Plan, []directory.Change) {
	t.Helper()
	p, events := mustCreate(t, s)
	for _, step := range []func() ([]directory.Change, error){
		func() ([]directory.Change, error) { return p.Announce(announceAt, slices.Values(ents), overCap) },
		func() ([]directory.Change, error) { return p.RevealSeed(seeds, revealAt) },
		p.DrawEnterprises,
	} {
		ev, err := step()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev...)
	}
	return p, events
}

// rehydrate folds events through their JSON form, as a command handler does after Load.
func rehydrate(t testing.TB, events []directory.Change) *plan.Plan {
	t.Helper()
	var p plan.Plan
	for _, c := range events {
		b, err := json.Marshal(c.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(c.Type, b); err != nil {
			t.Fatalf("apply %s: %v", c.Type, err)
		}
	}
	return &p
}

func fieldsOf(err error) []string {
	var out []string
	for _, fe := range directory.FieldErrors(err) {
		out = append(out, fe.Field+":"+fe.Code)
	}
	return out
}

// chiSquareCritical is the upper p-quantile of χ² with df degrees of freedom by the
// Wilson–Hilferty approximation df·(1 − 2/(9df) + z·√(2/(9df)))³, z the standard normal upper
// p-quantile; within 0.2 % of the exact value for df ≥ 10 at p = 0.01 (checked in package
// assign's tests against table values).
func chiSquareCritical(df int, z float64) float64 {
	h := 2 / (9 * float64(df))
	return float64(df) * math.Pow(1-h+z*math.Sqrt(h), 3)
}

const z01 = 2.3263478740408408 // standard normal, upper tail 0.01
