package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

const (
	pageSize    = 20
	maxPageSize = 100
)

type homeData struct {
	Search string
	Latest []projections.DisclosureRecord
	Total  int
	Plans  []projections.PlanSummary
}

func (s *Site) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	latest, err := s.cfg.Disclosures.Disclosures(ctx, projections.DisclosureFilter{Limit: 10})
	if err != nil {
		return err
	}
	plans, err := s.publicPlans(r, "", 10)
	if err != nil {
		return err
	}
	d := homeData{Search: rq.link("/disclosures"), Latest: latest.Items, Total: latest.Total, Plans: plans.Items}
	return s.render(w, rq, http.StatusOK, "home", tr(rq.lang, "home.title"), "home", d)
}

// publicPlans is a page of plans without drafts (drafts are not public).
func (s *Site) publicPlans(r *http.Request, after string, limit int) (projections.Page[projections.PlanSummary], error) {
	out := projections.Page[projections.PlanSummary]{Items: []projections.PlanSummary{}}
	for {
		p, err := s.cfg.Plans.Plans(r.Context(), after, limit)
		if err != nil {
			return out, err
		}
		for _, it := range p.Items {
			if it.State == plan.StateDraft || it.State == plan.StateNone {
				continue
			}
			if len(out.Items) == limit {
				out.Next = out.Items[limit-1].ID
				return out, nil
			}
			out.Items = append(out.Items, it)
		}
		if p.Next == "" || p.Next == after {
			return out, nil
		}
		after = p.Next
	}
}

type disclosuresData struct {
	Filter  projections.DisclosureFilter
	Results []string // the result vocabulary, for the select
	Page    projections.Page[projections.DisclosureRecord]
	Next    string
	First   string // the first page with the same filters ("" when on it)
	Clear   string
}

func (s *Site) disclosures(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := newParams(r.URL.Query())
	f := projections.DisclosureFilter{
		Query:     p.text("q", 100),
		Authority: p.text("authority", 100),
		Item:      p.text("item", 100),
		Result:    p.oneOf("result", "", resultVocabulary...),
		After:     p.text("after", 200),
		Limit:     p.limit(pageSize, maxPageSize),
	}
	f.From, f.To = p.dateRange()
	if err := p.err(); err != nil {
		return err
	}
	if looksLikeUSCC(f.Query) {
		f.Query = strings.ToUpper(f.Query)
	}
	res, err := s.cfg.Disclosures.Disclosures(r.Context(), f)
	if err != nil {
		return err
	}
	kv := func(after string) []string {
		lim := ""
		if f.Limit != pageSize {
			lim = itoa(f.Limit)
		}
		return []string{"q", f.Query, "authority", f.Authority, "item", f.Item, "result", f.Result, "from", f.From, "to", f.To, "limit", lim, "after", after}
	}
	d := disclosuresData{Filter: f, Results: resultVocabulary, Page: res, Clear: rq.link("/disclosures")}
	if res.Next != "" {
		d.Next = rq.link("/disclosures", kv(res.Next)...)
	}
	if f.After != "" {
		d.First = rq.link("/disclosures", kv("")...)
	}
	return s.render(w, rq, http.StatusOK, "disclosures", tr(rq.lang, "disclosures.title"), "disclosures", d)
}

// looksLikeUSCC: 18 characters of digits and letters (then searched upper-case).
func looksLikeUSCC(q string) bool {
	if len(q) != 18 {
		return false
	}
	for _, c := range q {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

type enterpriseData struct {
	USCC, Name, Region string
	Records            []projections.DisclosureRecord
	Problems           int
}

func (s *Site) enterprise(w http.ResponseWriter, r *http.Request, rq *request) error {
	uscc := strings.ToUpper(strings.TrimSpace(r.PathValue("uscc")))
	if err := directory.ValidateUSCC(uscc); err != nil {
		var issues []commands.Issue
		for _, fe := range directory.FieldErrors(err) {
			issues = append(issues, commands.Issue{Field: "uscc", Code: fe.Code, Param: fe.Param})
		}
		if len(issues) == 0 {
			issues = append(issues, commands.Issue{Field: "uscc", Code: "uscc"})
		}
		return invalid(issues...)
	}
	recs, err := s.cfg.Disclosures.EnterpriseHistory(r.Context(), uscc)
	if errors.Is(err, projections.ErrNotFound) || (err == nil && len(recs) == 0) {
		return notFound("err.enterprise_not_found")
	}
	if err != nil {
		return err
	}
	d := enterpriseData{USCC: uscc, Records: recs}
	latest := ""
	for _, rec := range recs {
		if d.Name == "" || rec.InspectedOn > latest {
			d.Name, d.Region, latest = rec.Enterprise, rec.RegionCode, rec.InspectedOn
		}
		if hasProblem(rec.Results) {
			d.Problems++
		}
	}
	return s.render(w, rq, http.StatusOK, "enterprise", d.Name, "disclosures", d)
}

type plansData struct {
	Plans []projections.PlanSummary
	Next  string
}

func (s *Site) plans(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := newParams(r.URL.Query())
	after, limit := p.text("after", 200), p.limit(pageSize, maxPageSize)
	if err := p.err(); err != nil {
		return err
	}
	res, err := s.publicPlans(r, after, limit)
	if err != nil {
		return err
	}
	d := plansData{Plans: res.Items}
	if res.Next != "" {
		d.Next = rq.link("/plans", "after", res.Next)
	}
	return s.render(w, rq, http.StatusOK, "plans", tr(rq.lang, "plans.title"), "plans", d)
}
