package web

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

// chinaTime: dates of plans and lotteries are read on UTC+8 (no daylight saving since 1991).
var chinaTime = time.FixedZone("CST", 8*3600)

// publicPlan is everything a plan page may show: the public parts of the spec, the
// announcement and reveal times, and plan.PublicView. It is built field by field so that
// nothing confidential of projections.PlanView (tier ratios, ineligible counts by cap,
// recusals) can reach a template.
type publicPlan struct {
	ID, Title   string
	Year, Batch int
	State       plan.State
	Lead        string
	Joint       []string
	Items       []publicItem
	Scope       plan.Scope
	RegionName  string
	DrawDate    string
	Seed        plan.SeedSource
	SeedFrom    time.Time // the earliest moment the seed can exist
	AnnouncedAt *time.Time
	RevealedAt  *time.Time
	Algorithm   string
	SeedSources [][]uint64
	Strata      []plan.PublicStratum
	Drawn       []string
	Planned     int // Σ count over the strata
}

type publicItem struct {
	Code, Name, LegalBasis, Department, Category, ObjectType, Method string
}

func (s *Site) publicPlan(r *http.Request, id string) (publicPlan, error) {
	if id == "" || len(id) > 100 {
		return publicPlan{}, notFound("err.plan_not_found")
	}
	pub, err := s.cfg.Plans.Public(r.Context(), id)
	if errors.Is(err, projections.ErrNotFound) {
		return publicPlan{}, notFound("err.plan_not_found")
	}
	if err != nil {
		return publicPlan{}, err
	}
	v, err := s.cfg.Plans.Plan(r.Context(), id)
	if errors.Is(err, projections.ErrNotFound) {
		return publicPlan{}, notFound("err.plan_not_found")
	}
	if err != nil {
		return publicPlan{}, err
	}
	sp := v.Spec
	p := publicPlan{
		ID: sp.ID, Title: sp.Title, Year: sp.Year, Batch: sp.Batch, State: v.State,
		Lead: sp.LeadDepartment, Joint: sp.JointDepartments, Scope: sp.Scope, DrawDate: sp.DrawDate,
		Seed: pub.Seed, AnnouncedAt: v.AnnouncedAt, RevealedAt: v.RevealedAt,
		Algorithm: pub.Algorithm, SeedSources: pub.SeedSources, Strata: pub.Strata, Drawn: pub.Drawn,
	}
	for _, it := range sp.Items {
		p.Items = append(p.Items, publicItem{Code: it.Code, Name: it.Name, LegalBasis: it.LegalBasis, Department: it.Department,
			Category: it.Category, ObjectType: it.ObjectType, Method: it.Method})
	}
	if sp.Scope.RegionPrefix != "" {
		p.RegionName = regionName(sp.Scope.RegionPrefix)
	}
	switch pub.Seed.Type {
	case plan.SeedLottery:
		p.SeedFrom, _ = time.ParseInLocation(directory.DateLayout, pub.Seed.Date, chinaTime)
	case plan.SeedDrand:
		if pub.Seed.Round > 0 {
			p.SeedFrom = plan.DrandRoundTime(pub.Seed.Round)
		}
	}
	for _, st := range pub.Strata {
		p.Planned += st.Count
	}
	return p, nil
}

// regionName names a region code or prefix ("4401" → the name of "440100").
func regionName(prefix string) string {
	code := prefix
	for len(code) < 6 {
		code += "0"
	}
	name, _ := directory.RegionName(code)
	return name
}

type planData struct {
	Plan   publicPlan
	Verify string
}

func (s *Site) plan(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := s.publicPlan(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := planData{Plan: p, Verify: rq.link("/plans/" + p.ID + "/verify")}
	return s.render(w, rq, http.StatusOK, "plan", p.Title, "plans", d)
}

// check is one line of the public verification: OK, failed, or not yet possible (Pending).
type check struct {
	Name    string
	OK      bool
	Pending bool
	Detail  string
}

// stratumCheck recomputes a stratum's count from its public ratio and size.
type stratumCheck struct {
	plan.PublicStratum
	Want int
	OK   bool
}

// publicChecks recomputes what the public data alone allows.
func publicChecks(rq *request, p publicPlan) ([]check, []stratumCheck) {
	l := rq.lang
	var cs []check
	add := func(name string, ok, pending bool, detail string) {
		cs = append(cs, check{Name: tr(l, name), OK: ok, Pending: pending, Detail: detail})
	}
	ann, seed := "", fmtTime(p.SeedFrom)
	if p.AnnouncedAt != nil {
		ann = fmtTime(*p.AnnouncedAt)
	}
	switch {
	case p.AnnouncedAt == nil || p.SeedFrom.IsZero():
		add("check.announced_before_seed", false, false, tr(l, "check.no_time"))
	default:
		ok := p.AnnouncedAt.Before(p.SeedFrom)
		add("check.announced_before_seed", ok, false, tr(l, "check.announced_before_seed.detail", ann, seed))
	}
	switch {
	case p.RevealedAt == nil:
		add("check.revealed_after_announcement", false, true, tr(l, "check.not_revealed"))
	case p.AnnouncedAt == nil:
		add("check.revealed_after_announcement", false, false, tr(l, "check.no_time"))
	default:
		ok := p.RevealedAt.After(*p.AnnouncedAt) && !p.RevealedAt.Before(p.SeedFrom)
		add("check.revealed_after_announcement", ok, false, tr(l, "check.revealed_after_announcement.detail", fmtTime(*p.RevealedAt), ann, seed))
	}
	if p.Seed.Type == plan.SeedDrand && p.RevealedAt != nil {
		ok := len(p.SeedSources) > 0 && slices.Equal(p.SeedSources[0], []uint64{p.Seed.Round})
		add("check.drand_round", ok, false, tr(l, "check.drand_round.detail", p.Seed.Round))
	}
	labelsOK := true
	var strata []stratumCheck
	countsOK := true
	for i, st := range p.Strata {
		if st.Label != "S"+itoa(i+1) {
			labelsOK = false
		}
		want := st.Ratio.Count(st.PoolSize)
		ok := want == st.Count && st.Ratio > 0 && st.Ratio <= plan.RatioOne && st.Count <= st.PoolSize
		countsOK = countsOK && ok
		strata = append(strata, stratumCheck{PublicStratum: st, Want: want, OK: ok})
	}
	add("check.labels", labelsOK && len(p.Strata) > 0, false, tr(l, "check.labels.detail", len(p.Strata)))
	add("check.counts", countsOK && len(p.Strata) > 0, false, tr(l, "check.counts.detail"))
	drawn := p.State == plan.StateDrawn || p.State == plan.StateAssigned
	if !drawn {
		add("check.drawn_total", false, true, tr(l, "check.not_drawn"))
		return cs, strata
	}
	add("check.drawn_total", len(p.Drawn) == p.Planned, false, tr(l, "check.drawn_total.detail", len(p.Drawn), p.Planned))
	listOK := true
	for i, u := range p.Drawn {
		if directory.ValidateUSCC(u) != nil || (i > 0 && p.Drawn[i-1] >= u) {
			listOK = false
			break
		}
	}
	add("check.drawn_list", listOK, false, tr(l, "check.drawn_list.detail"))
	return cs, strata
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(chinaTime).Format("2006-01-02 15:04:05") + " (UTC+8)"
}
