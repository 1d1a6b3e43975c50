package plan_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

func TestCreateRecordsTheCanonicalSpec(t *testing.T) {
	s := validSpec()
	p, ev := mustCreate(t, s)
	if p.State() != plan.StateDraft || p.ID() != s.ID || len(ev) != 1 || ev[0].Type != plan.Created {
		t.Fatalf("state %q, events %v", p.State(), ev)
	}
	got := ev[0].Payload.(plan.CreatedV1).Plan
	if got.Items[0].Code != "SC-01" || got.Items[1].Code != "XF-01" {
		t.Fatalf("items not in code order: %v", got.Items)
	}
	if !slices.Equal(p.Spec().Departments(), []string{"市场监管局", "消防救援支队"}) {
		t.Fatal(p.Spec().Departments())
	}
	if plan.Stream(s.ID) != "plan-2026-GZ-01" {
		t.Fatal(plan.Stream(s.ID))
	}
}

func TestCreateReportsEveryBrokenInvariant(t *testing.T) {
	s := plan.Spec{
		ID: "bad id", Year: 1999, Batch: 0, LeadDepartment: "",
		JointDepartments: []string{"消防", "消防"},
		Items:            []directory.Item{item("X1", "卫健委", "重点", ""), item("X1", "消防", "未知", "")},
		Scope:            plan.Scope{RegionPrefix: "99", Mode: "随便", EntityTypes: []string{"公司"}},
		DrawDate:         "2026-13-01",
		Seed:             plan.SeedSource{Type: "coin"},
	}
	_, _, err := plan.Create(s)
	if !errors.Is(err, directory.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"id:plan_id", "year:range", "batch:range", "title:required", "lead_department:required",
		"joint_departments[1]:duplicate", "items[0].department:not_a_plan_department", "items[1].category:oneof",
		"items[1].code:duplicate", "scope.region_prefix:region_prefix",
		"scope.entity_types[0]:oneof", "scope.mode:oneof",
		"ratios.A:ratio_range", "ratios.B:ratio_range", "ratios.C:ratio_range", "ratios.D:ratio_range",
		"draw_date:date", "seed.type:oneof",
	}
	if got := fieldsOf(err); !slices.Equal(got, want) {
		t.Fatalf("fields\n got %v\nwant %v", got, want)
	}
}

func TestRatioRules(t *testing.T) {
	r := plan.MustRatio
	for name, c := range map[string]struct {
		ratios plan.Ratios
		cat    string
		want   []string
	}{
		"Henan 1/2/10/30, key items":      {plan.Ratios{A: r("0.01"), B: r("0.02"), C: r("0.1"), D: r("0.3")}, directory.CategoryKey, nil},
		"Bayannur 2/5/100/100, key items": {plan.Ratios{A: r("0.02"), B: r("0.05"), C: r("1"), D: r("1")}, directory.CategoryKey, nil},
		"zero tier":                       {plan.Ratios{A: 0, B: r("0.02"), C: r("0.1"), D: r("0.3")}, directory.CategoryKey, []string{"ratios.A:ratio_range"}},
		"above one":                       {plan.Ratios{A: r("0.01"), B: r("0.02"), C: r("0.1"), D: plan.RatioOne + 1}, directory.CategoryKey, []string{"ratios.D:ratio_range"}},
		"D below C":                       {plan.Ratios{A: r("0.01"), B: r("0.02"), C: r("0.3"), D: r("0.1")}, directory.CategoryKey, []string{"ratios.D:tier_order"}},
		"general item over the cap":       {plan.Ratios{A: r("0.01"), B: r("0.02"), C: r("0.1"), D: r("0.3")}, directory.CategoryGeneral, []string{"ratios.D:general_item_cap"}},
		"general item at the cap":         {plan.Ratios{A: r("0.01"), B: r("0.02"), C: r("0.2"), D: r("0.2")}, directory.CategoryGeneral, nil},
	} {
		s := validSpec()
		s.Ratios = c.ratios
		s.Items[0].Category = c.cat
		_, _, err := plan.Create(s)
		if got := fieldsOf(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestScopeAndSeedRules(t *testing.T) {
	for name, c := range map[string]struct {
		edit func(*plan.Spec)
		want []string
	}{
		"定向 without filter":       {func(s *plan.Spec) { s.Scope.Mode = plan.ModeTargeted }, []string{"scope.mode:targeted_without_filter"}},
		"定向 by industry":          {func(s *plan.Spec) { s.Scope.Mode, s.Scope.Industries = plan.ModeTargeted, []string{"餐饮业"} }, nil},
		"不定向 with filter":         {func(s *plan.Spec) { s.Scope.EntityTypes = []string{"企业"} }, []string{"scope.mode:untargeted_with_filter"}},
		"nationwide":              {func(s *plan.Spec) { s.Scope.RegionPrefix = "" }, nil},
		"county":                  {func(s *plan.Spec) { s.Scope.RegionPrefix = "440103" }, nil},
		"3-digit prefix":          {func(s *plan.Spec) { s.Scope.RegionPrefix = "440" }, []string{"scope.region_prefix:region_prefix"}},
		"unknown prefix":          {func(s *plan.Spec) { s.Scope.RegionPrefix = "4499" }, []string{"scope.region_prefix:region_prefix"}},
		"lottery without text":    {func(s *plan.Spec) { s.Seed.Description = " " }, []string{"seed.description:required"}},
		"draw before the lottery": {func(s *plan.Spec) { s.DrawDate = "2026-12-04" }, []string{"draw_date:before_seed"}},
		"drand":                   {func(s *plan.Spec) { s.Seed = plan.SeedSource{Type: plan.SeedDrand, Round: 30_000_000} }, nil},
		"drand round 0":           {func(s *plan.Spec) { s.Seed = plan.SeedSource{Type: plan.SeedDrand} }, []string{"seed.round:range"}},
		"drand round after the draw date": {func(s *plan.Spec) { s.Seed = plan.SeedSource{Type: plan.SeedDrand, Round: 40_000_000} },
			[]string{"draw_date:before_seed"}},
		"lead without item": {func(s *plan.Spec) { s.Items = s.Items[:1] }, []string{"lead_department:no_item"}},
	} {
		s := validSpec()
		c.edit(&s)
		_, _, err := plan.Create(s)
		if got := fieldsOf(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestDrandRoundTime(t *testing.T) {
	// Round 1 is the quicknet genesis; a round every 3 s.
	if got := plan.DrandRoundTime(1).Unix(); got != plan.DrandQuicknetGenesis {
		t.Fatal(got)
	}
	if got := plan.DrandRoundTime(27946612).Format("2006-01-02T15:04:05Z07:00"); got != "2026-04-20T00:00:00Z" {
		t.Fatal(got)
	}
	var rnd [32]byte
	rnd[0], rnd[31] = 1, 2
	if got := plan.DrandSources(7, rnd); len(got) != 2 || got[0][0] != 7 || got[1][0] != 1<<56 || got[1][3] != 2 {
		t.Fatal(got)
	}
	if !strings.Contains(plan.Algorithm, "RFC3797-MD5") {
		t.Fatal(plan.Algorithm)
	}
}
