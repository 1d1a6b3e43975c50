package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

// Disclosure reports (公示报告): per plan, or per period (month, quarter, year) and optionally
// one inspecting authority. The HTML is a printable page; ?format=csv is UTF-8 with a BOM.

// period is a calendar month, quarter or year, keyed as the statistics key it ("2026-11",
// "2026-Q4", "2026").
type period struct {
	Kind       string // month, quarter, year
	Key        string
	Start, End time.Time // first and last day
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$`)

func parsePeriod(s string) (period, bool) {
	m := periodRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return period{}, false
	}
	y, _ := strconv.Atoi(m[1])
	if y < 2000 || y > 2099 {
		return period{}, false
	}
	switch {
	case m[2] != "":
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return period{}, false
		}
		start := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
		return period{Kind: "month", Key: m[1] + "-" + m[2], Start: start, End: start.AddDate(0, 1, -1)}, true
	case m[3] != "":
		q, _ := strconv.Atoi(m[3])
		start := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		return period{Kind: "quarter", Key: m[1] + "-Q" + m[3], Start: start, End: start.AddDate(0, 3, -1)}, true
	}
	start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return period{Kind: "year", Key: m[1], Start: start, End: start.AddDate(1, 0, -1)}, true
}

func periodOf(kind string, t time.Time) period {
	var s string
	switch kind {
	case "month":
		s = t.Format("2006-01")
	case "quarter":
		s = fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3)
	default:
		s = strconv.Itoa(t.Year())
	}
	p, _ := parsePeriod(s)
	return p
}

// name words a period: 2026年第四季度 / Q4 2026.
func (p period) name(l validation.Lang) string {
	y := p.Start.Year()
	switch p.Kind {
	case "month":
		if l == validation.EN {
			return p.Start.Format("January 2006")
		}
		return fmt.Sprintf("%d年%d月", y, p.Start.Month())
	case "quarter":
		q := (int(p.Start.Month()) + 2) / 3
		if l == validation.EN {
			return fmt.Sprintf("Q%d %d", q, y)
		}
		return fmt.Sprintf("%d年第%s季度", y, []string{"一", "二", "三", "四"}[q-1])
	}
	if l == validation.EN {
		return strconv.Itoa(y)
	}
	return fmt.Sprintf("%d年度", y)
}

type reportsIndex struct {
	Quick     []namedLink
	Plans     []namedLink
	MorePlans string
	Action    string
}

type namedLink struct{ Name, URL string }

type report struct {
	Title     string
	Subject   string
	Filter    string // the inspecting authority reported on ("" all)
	Issuer    string
	IssuedOn  string
	Rows      []tally // by department (period) or the plan
	Total     tally
	Results   []resultCount
	Records   int
	PlanURL   string
	CSV       string
	Basis     string // how the period's results were selected
	PlanBased bool
}

type resultCount struct {
	Result  string // as recorded
	Count   int
	Problem bool
}

func (s *Site) reports(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := newParams(r.URL.Query())
	planID := p.text("plan", 100)
	per := p.text("period", 20)
	authority := p.text("authority", 100)
	format := p.oneOf("format", "html", "html", "csv")
	var pd period
	if per != "" {
		var ok bool
		if pd, ok = parsePeriod(per); !ok {
			p.add("period", "period", "2026 · 2026-Q4 · 2026-11")
		}
	}
	if planID != "" && per != "" {
		p.add("plan", "report_one", "")
	}
	if planID != "" && authority != "" {
		p.add("authority", "report_plan_authority", "")
	}
	if planID == "" && per == "" && (authority != "" || format == "csv") {
		p.add("period", "required", "")
	}
	if err := p.err(); err != nil {
		return err
	}
	var rep report
	var err error
	switch {
	case planID != "":
		rep, err = s.planReport(r, rq, planID)
	case per != "":
		rep, err = s.periodReport(r.Context(), rq, pd, authority)
	default:
		return s.reportsIndex(w, r, rq)
	}
	if err != nil {
		return err
	}
	rep.Issuer = s.cfg.Authority
	rep.IssuedOn = issueDate(rq.lang, s.cfg.Now())
	if format == "csv" {
		return writeReportCSV(w, rq.lang, rep, csvName(planID, pd.Key))
	}
	rep.CSV = rq.link("/reports", "plan", planID, "period", pd.Key, "authority", authority, "format", "csv")
	return s.render(w, rq, http.StatusOK, "report", rep.Title, "reports", rep)
}

func (s *Site) reportsIndex(w http.ResponseWriter, r *http.Request, rq *request) error {
	now := s.cfg.Now().In(chinaTime)
	d := reportsIndex{Action: "/reports"}
	for _, p := range []period{
		periodOf("month", now), periodOf("month", now.AddDate(0, -1, 0)),
		periodOf("quarter", now), periodOf("quarter", now.AddDate(0, -3, 0)),
		periodOf("year", now), periodOf("year", now.AddDate(-1, 0, 0)),
	} {
		d.Quick = append(d.Quick, namedLink{Name: p.name(rq.lang), URL: rq.link("/reports", "period", p.Key)})
	}
	plans, err := s.publicPlans(r, "", 50)
	if err != nil {
		return err
	}
	for _, p := range plans.Items {
		d.Plans = append(d.Plans, namedLink{Name: p.Title, URL: rq.link("/reports", "plan", p.ID)})
	}
	if plans.Next != "" {
		d.MorePlans = rq.link("/plans")
	}
	return s.render(w, rq, http.StatusOK, "reports", tr(rq.lang, "reports.title"), "reports", d)
}

// periodReport: the counts come from the statistics read model (by department; the total by
// region, so that a joint inspection counted for two departments is counted once), the
// results by type from the disclosures inspected in the period.
func (s *Site) periodReport(ctx context.Context, rq *request, p period, authority string) (report, error) {
	l := rq.lang
	rep := report{Subject: p.name(l), Filter: authority}
	rep.Title = tr(l, "report.title", rep.Subject)
	depts, err := s.cfg.Stats.Stats(ctx, projections.StatsFilter{GroupBy: "department", Period: p.Kind})
	if err != nil {
		return rep, err
	}
	for _, row := range depts {
		if row.Period != p.Key || (authority != "" && row.Group != authority) {
			continue
		}
		t := tally{Label: row.Group}
		t.add(row)
		rep.Rows = append(rep.Rows, t)
		if authority != "" {
			rep.Total.add(row)
		}
	}
	slices.SortFunc(rep.Rows, func(a, b tally) int { return strings.Compare(a.Label, b.Label) })
	if authority == "" {
		regions, err := s.cfg.Stats.Stats(ctx, projections.StatsFilter{GroupBy: "region", Period: p.Kind})
		if err != nil {
			return rep, err
		}
		for _, row := range regions {
			if row.Period == p.Key {
				rep.Total.add(row)
			}
		}
	}
	rep.Total.Label = tr(l, "report.total")
	f := projections.DisclosureFilter{Authority: authority, From: p.Start.Format("2006-01-02"), To: p.End.Format("2006-01-02")}
	err = s.eachDisclosure(ctx, f, func(rec projections.DisclosureRecord) {
		rep.Records++
		rep.Results = countResults(rep.Results, rec.Results)
	})
	rep.Results = orderResults(rep.Results)
	rep.Basis = tr(l, "report.basis_period", f.From, f.To)
	return rep, err
}

// planReport: drawn from the plan's public draw, published and results from its disclosures.
// Inspections not yet published and on-time counts are not in the public read models per plan.
func (s *Site) planReport(r *http.Request, rq *request, id string) (report, error) {
	p, err := s.publicPlan(r, id)
	if err != nil {
		return report{}, err
	}
	l := rq.lang
	rep := report{Subject: p.Title, PlanURL: rq.link("/plans/" + p.ID), PlanBased: true}
	rep.Title = tr(l, "report.title_plan", p.Title)
	t := tally{Label: strings.Join(append([]string{p.Lead}, p.Joint...), "、"), Drawn: len(p.Drawn), Inspected: -1, OnTime: -1, Overdue: -1}
	err = s.eachDisclosure(r.Context(), projections.DisclosureFilter{From: p.DrawDate}, func(rec projections.DisclosureRecord) {
		if rec.Plan != p.ID {
			return
		}
		rep.Records++
		t.Published++
		if hasProblem(rec.Results) {
			t.ProblemsFound++
		}
		rep.Results = countResults(rep.Results, rec.Results)
	})
	rep.Results = orderResults(rep.Results)
	rep.Rows = []tally{t}
	rep.Total = t
	rep.Total.Label = tr(l, "report.total")
	rep.Basis = tr(l, "report.basis_plan")
	return rep, err
}

// maxReportPages bounds one report's walk over the disclosures (MaxLimit records a page).
const maxReportPages = 20_000

func (s *Site) eachDisclosure(ctx context.Context, f projections.DisclosureFilter, fn func(projections.DisclosureRecord)) error {
	f.Limit = projections.MaxLimit
	for range maxReportPages {
		page, err := s.cfg.Disclosures.Disclosures(ctx, f)
		if err != nil {
			return err
		}
		for _, rec := range page.Items {
			fn(rec)
		}
		if page.Next == "" || page.Next == f.After {
			return nil
		}
		f.After = page.Next
	}
	return nil
}

func countResults(acc []resultCount, results []string) []resultCount {
	for _, res := range results {
		i := slices.IndexFunc(acc, func(c resultCount) bool { return c.Result == res })
		if i < 0 {
			acc = append(acc, resultCount{Result: res, Problem: isProblem(res)})
			i = len(acc) - 1
		}
		acc[i].Count++
	}
	return acc
}

// orderResults puts the results in vocabulary order, unknown ones last.
func orderResults(rs []resultCount) []resultCount {
	pos := func(r string) int {
		if i := slices.Index(resultVocabulary, r); i >= 0 {
			return i
		}
		return len(resultVocabulary)
	}
	slices.SortStableFunc(rs, func(a, b resultCount) int {
		if d := pos(a.Result) - pos(b.Result); d != 0 {
			return d
		}
		return strings.Compare(a.Result, b.Result)
	})
	return rs
}

func issueDate(l validation.Lang, t time.Time) string {
	t = t.In(chinaTime)
	if l == validation.EN {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func csvName(planID, key string) string {
	if planID != "" {
		return "report-plan-" + planID + ".csv"
	}
	return "report-" + key + ".csv"
}

// writeReportCSV writes the report as UTF-8 CSV with a BOM (so Excel reads it as UTF-8) and
// CRLF line ends; cells that a spreadsheet would read as a formula are quoted with '.
func writeReportCSV(w http.ResponseWriter, l validation.Lang, rep report, name string) error {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	num := func(n int) string {
		if n < 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	row := func(t tally) []string {
		c, ok := t.Completion()
		rate := ""
		if ok {
			rate = pct(c)
		}
		return cells(rep.Subject, t.Label, num(t.Drawn), num(t.Inspected), num(t.Published), num(t.OnTime), num(t.ProblemsFound), num(t.Overdue), rate)
	}
	_ = cw.Write(cells(tr(l, "csv.report"), tr(l, "csv.authority"), tr(l, "col.drawn"), tr(l, "col.inspected"), tr(l, "col.published"),
		tr(l, "col.on_time"), tr(l, "col.problems"), tr(l, "col.overdue"), tr(l, "col.completion")))
	for _, t := range rep.Rows {
		_ = cw.Write(row(t))
	}
	if !rep.PlanBased {
		_ = cw.Write(row(rep.Total))
	}
	_ = cw.Write([]string{})
	_ = cw.Write(cells(tr(l, "col.result"), tr(l, "col.count")))
	for _, rc := range rep.Results {
		_ = cw.Write(cells(resultName(l, rc.Result), strconv.Itoa(rc.Count)))
	}
	_ = cw.Write([]string{})
	_ = cw.Write(cells(tr(l, "report.issuer"), rep.Issuer))
	_ = cw.Write(cells(tr(l, "report.issued_on"), rep.IssuedOn))
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
	return nil
}

// cells guards against spreadsheet formulas (CSV injection).
func cells(vs ...string) []string {
	for i, v := range vs {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			vs[i] = "'" + v
		}
	}
	return vs
}
