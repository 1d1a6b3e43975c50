package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

// Scope modes: 定向 draws only the named industries or entity types, 不定向 every entity of the
// region.
const (
	ModeTargeted   = "定向"
	ModeUntargeted = "不定向"
)

// Seed source types.
const (
	SeedLottery = "lottery" // numbers of a named public lottery draw on a named date
	SeedDrand   = "drand"   // a round of the League of Entropy's drand quicknet beacon
)

// drand quicknet (chain 52db9ba7…e971): round r is published at genesis + (r−1)·period.
const (
	DrandQuicknetGenesis = 1692803367 // Unix seconds
	DrandQuicknetPeriod  = 3          // seconds
)

// GeneralRatioCap limits every tier's ratio of a plan that lists any 一般 (general) item: such
// items are to be checked sparingly (DOMAIN, 一单两库). A plan whose ratios go higher (D at 30 %,
// say) lists 重点 items only, or is split in two plans.
var GeneralRatioCap = MustRatio("0.2")

// China has kept UTC+8 without daylight saving since 1991; dates are read on this clock.
var chinaTime = time.FixedZone("CST", 8*3600)

// Scope filters the directory. An empty list filters nothing.
type Scope struct {
	RegionPrefix string   `json:"region_prefix"` // "" (nationwide) or 2, 4 or 6 GB/T 2260 digits
	Industries   []string `json:"industries,omitempty"`
	EntityTypes  []string `json:"entity_types,omitempty"`
	Mode         string   `json:"mode"` // ModeTargeted or ModeUntargeted
}

// Ratios are the per-tier sampling ratios. Every tier has one (no tier is exempt, rule 2).
type Ratios struct {
	A Ratio `json:"A"`
	B Ratio `json:"B"`
	C Ratio `json:"C"`
	D Ratio `json:"D"`
}

// Of returns the ratio of tier t (0 for an unknown tier).
func (r Ratios) Of(t directory.Tier) Ratio {
	switch t {
	case "A":
		return r.A
	case "B":
		return r.B
	case "C":
		return r.C
	case "D":
		return r.D
	}
	return 0
}

// SeedSource names, before the pools are committed, the public random values the draw will use.
type SeedSource struct {
	Type string `json:"type"`
	// Date (lottery): the day of the named draw, "2006-01-02", China time.
	Date string `json:"date,omitempty"`
	// Description: which public draw and which numbers, e.g.
	// "中国福利彩票双色球第2026135期开奖号码：6个红球为第一组，1个蓝球为第二组".
	Description string `json:"description,omitempty"`
	// Round (drand): the quicknet round.
	Round uint64 `json:"round,omitempty"`
}

// availableFrom is the earliest moment the seed can exist: the start of the lottery day, or the
// drand round's publication time. Pools must be committed before it.
func (s SeedSource) availableFrom() time.Time {
	switch s.Type {
	case SeedLottery:
		d, _ := time.ParseInLocation(directory.DateLayout, s.Date, chinaTime)
		return d
	case SeedDrand:
		return DrandRoundTime(s.Round)
	}
	return time.Time{}
}

// DrandRoundTime is when quicknet publishes round r (r ≥ 1).
func DrandRoundTime(r uint64) time.Time {
	return time.Unix(DrandQuicknetGenesis+int64(r-1)*DrandQuicknetPeriod, 0).UTC()
}

// DrandSources turns a drand round into seed sources: the round number, then the 32-byte
// randomness as four big-endian 64-bit values (RFC 3797 §4 sorts values within a source).
func DrandSources(round uint64, randomness [32]byte) [][]uint64 {
	words := make([]uint64, 4)
	for i := range words {
		for _, b := range randomness[8*i : 8*i+8] {
			words[i] = words[i]<<8 | uint64(b)
		}
	}
	return [][]uint64{{round}, words}
}

// Spec is what a plan is created with (rule 1).
type Spec struct {
	ID               string           `json:"id"`
	Year             int              `json:"year"`
	Batch            int              `json:"batch"`
	Title            string           `json:"title"`
	LeadDepartment   string           `json:"lead_department"`
	JointDepartments []string         `json:"joint_departments,omitempty"`
	Items            []directory.Item `json:"items"`
	Scope            Scope            `json:"scope"`
	Ratios           Ratios           `json:"ratios"`
	DrawDate         string           `json:"draw_date"` // "2006-01-02"
	Seed             SeedSource       `json:"seed"`
}

// Departments returns the lead department then the joint ones.
func (s Spec) Departments() []string {
	return append([]string{s.LeadDepartment}, s.JointDepartments...)
}

var planID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$`)

// normalize puts lists in canonical order so that equal plans record equal events.
func (s Spec) normalize() Spec {
	s.Title = strings.TrimSpace(s.Title)
	s.JointDepartments = slices.Sorted(slices.Values(s.JointDepartments))
	s.Items = slices.Clone(s.Items)
	slices.SortStableFunc(s.Items, func(a, b directory.Item) int { return strings.Compare(a.Code, b.Code) })
	s.Scope.Industries = slices.Sorted(slices.Values(s.Scope.Industries))
	s.Scope.EntityTypes = slices.Sorted(slices.Values(s.Scope.EntityTypes))
	return s
}

// Validate returns every broken invariant at once (of the spec in canonical order, as Create
// records it).
func (s Spec) Validate() error {
	s = s.normalize()
	var errs fieldErrors
	if !planID.MatchString(s.ID) {
		errs.add("id", "plan_id", "")
	}
	if s.Year < 2000 || s.Year > 2099 {
		errs.add("year", "range", "2000-2099")
	}
	if s.Batch < 1 || s.Batch > 99 {
		errs.add("batch", "range", "1-99")
	}
	if n := len([]rune(s.Title)); n == 0 || n > 200 {
		errs.add("title", "required", "200")
	}
	s.validateDepartments(&errs)
	s.validateScope(&errs)
	s.validateRatios(&errs)
	s.validateDates(&errs)
	return errs.err()
}

func (s Spec) validateDepartments(errs *fieldErrors) {
	if strings.TrimSpace(s.LeadDepartment) == "" {
		errs.add("lead_department", "required", "")
	}
	for i, d := range s.JointDepartments {
		switch {
		case strings.TrimSpace(d) == "":
			errs.add(fmt.Sprintf("joint_departments[%d]", i), "required", "")
		case d == s.LeadDepartment || (i > 0 && d == s.JointDepartments[i-1]):
			errs.add(fmt.Sprintf("joint_departments[%d]", i), "duplicate", d)
		}
	}
	if len(s.Items) == 0 {
		errs.add("items", "required", "")
	}
	depts := s.Departments()
	used := make(map[string]bool)
	for i, it := range s.Items {
		field := fmt.Sprintf("items[%d]", i)
		if _, err := directory.NewItem(it); err != nil {
			for _, fe := range directory.FieldErrors(err) {
				errs.add(field+"."+fe.Field, fe.Code, fe.Param)
			}
		}
		if i > 0 && it.Code == s.Items[i-1].Code {
			errs.add(field+".code", "duplicate", it.Code)
		}
		if !slices.Contains(depts, it.Department) {
			errs.add(field+".department", "not_a_plan_department", strings.Join(depts, " "))
		}
		used[it.Department] = true
	}
	// A department without an item would send an officer with nothing to inspect.
	if s.LeadDepartment != "" && len(s.Items) > 0 && !used[s.LeadDepartment] {
		errs.add("lead_department", "no_item", s.LeadDepartment)
	}
	for i, d := range s.JointDepartments {
		if d != "" && !used[d] {
			errs.add(fmt.Sprintf("joint_departments[%d]", i), "no_item", d)
		}
	}
}

func (s Spec) validateScope(errs *fieldErrors) {
	sc := s.Scope
	if !validRegionPrefix(sc.RegionPrefix) {
		errs.add("scope.region_prefix", "region_prefix", "")
	}
	for i, x := range sc.Industries {
		if strings.TrimSpace(x) == "" || (i > 0 && x == sc.Industries[i-1]) {
			errs.add(fmt.Sprintf("scope.industries[%d]", i), "required_unique", "")
		}
	}
	for i, x := range sc.EntityTypes {
		if !slices.Contains(directory.EntityTypes, x) || (i > 0 && x == sc.EntityTypes[i-1]) {
			errs.add(fmt.Sprintf("scope.entity_types[%d]", i), "oneof", strings.Join(directory.EntityTypes, " "))
		}
	}
	filtered := len(sc.Industries) > 0 || len(sc.EntityTypes) > 0
	switch sc.Mode {
	case ModeTargeted:
		if !filtered {
			errs.add("scope.mode", "targeted_without_filter", "")
		}
	case ModeUntargeted:
		if filtered {
			errs.add("scope.mode", "untargeted_with_filter", "")
		}
	default:
		errs.add("scope.mode", "oneof", ModeTargeted+" "+ModeUntargeted)
	}
}

// validRegionPrefix accepts "" and 2, 4 or 6 digits that begin at least one current code.
func validRegionPrefix(p string) bool {
	switch len(p) {
	case 0:
		return true
	case 6:
		return directory.ValidRegionCode(p)
	case 2, 4:
		if !digits(p) {
			return false
		}
		for _, c := range directory.RegionCodes() {
			if strings.HasPrefix(c, p) {
				return true
			}
		}
	}
	return false
}

func (s Spec) validateRatios(errs *fieldErrors) {
	general := slices.ContainsFunc(s.Items, func(it directory.Item) bool { return it.Category == directory.CategoryGeneral })
	var prev Ratio
	for _, t := range directory.Tiers {
		r := s.Ratios.Of(directory.Tier(t))
		field := "ratios." + t
		switch {
		case r == 0 || r > RatioOne:
			errs.add(field, "ratio_range", "0 < r ≤ 1")
		case r < prev:
			// Higher risk is never checked less often (国市监信发〔2022〕6号).
			errs.add(field, "tier_order", "A ≤ B ≤ C ≤ D")
		case general && r > GeneralRatioCap:
			errs.add(field, "general_item_cap", GeneralRatioCap.String())
		}
		prev = max(prev, r)
	}
}

func (s Spec) validateDates(errs *fieldErrors) {
	draw, err := time.ParseInLocation(directory.DateLayout, s.DrawDate, chinaTime)
	if err != nil {
		errs.add("draw_date", "date", directory.DateLayout)
	}
	sd := s.Seed
	switch sd.Type {
	case SeedLottery:
		if _, err := time.Parse(directory.DateLayout, sd.Date); err != nil {
			errs.add("seed.date", "date", directory.DateLayout)
		}
		if n := len([]rune(strings.TrimSpace(sd.Description))); n == 0 || n > 500 {
			errs.add("seed.description", "required", "500")
		}
		if sd.Round != 0 {
			errs.add("seed.round", "lottery_has_no_round", "")
		}
	case SeedDrand:
		if sd.Round == 0 || sd.Round > 1<<40 {
			errs.add("seed.round", "range", "1-"+strconv.FormatUint(1<<40, 10))
		}
		if sd.Date != "" {
			errs.add("seed.date", "drand_has_no_date", "")
		}
	default:
		errs.add("seed.type", "oneof", SeedLottery+" "+SeedDrand)
		return
	}
	// The draw cannot happen before its seed exists.
	if from := sd.availableFrom(); err == nil && !from.IsZero() && draw.Before(dayOf(from)) {
		errs.add("draw_date", "before_seed", from.In(chinaTime).Format(directory.DateLayout))
	}
}

// dayOf is the start of t's day in China time.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}
