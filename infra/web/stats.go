package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/choucha/choucha/projections"
)

// Statistics: completion rate = published / drawn (rule 12); problem-found rate = problems
// found / inspected. Charts are SVG computed here and drawn by the template: no script, no
// chart library, readable in print, and every chart is followed by its data table.

type statsData struct {
	Group, Period, From, To string
	Groups, Periods         []string // the filter choices
	ByGroup, ByPeriod       []tally
	Rows                    []tally
	Total                   tally
	GroupChart, TimeChart   *chart
}

// tally is a summed StatRow with its label.
type tally struct {
	Label, Period                                               string
	Drawn, Inspected, Published, OnTime, ProblemsFound, Overdue int
}

func (t *tally) add(r projections.StatRow) {
	t.Drawn += r.Drawn
	t.Inspected += r.Inspected
	t.Published += r.Published
	t.OnTime += r.OnTime
	t.ProblemsFound += r.ProblemsFound
	t.Overdue += r.Overdue
}

// Completion is published / drawn; ok is false without a denominator.
func (t tally) Completion() (float64, bool)  { return ratio(t.Published, t.Drawn) }
func (t tally) ProblemRate() (float64, bool) { return ratio(t.ProblemsFound, t.Inspected) }
func (t tally) OnTimeRate() (float64, bool)  { return ratio(t.OnTime, t.Published) }

func ratio(n, d int) (float64, bool) {
	if d <= 0 {
		return 0, false
	}
	return float64(n) / float64(d), true
}

var (
	statGroups  = []string{"department", "region", "item"}
	statPeriods = []string{"month", "quarter", "year"}
)

func (s *Site) stats(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := newParams(r.URL.Query())
	d := statsData{Groups: statGroups, Periods: statPeriods}
	d.Group = p.oneOf("group", "department", statGroups...)
	d.Period = p.oneOf("period", "month", statPeriods...)
	d.From, d.To = p.dateRange()
	if err := p.err(); err != nil {
		return err
	}
	rows, err := s.cfg.Stats.Stats(r.Context(), projections.StatsFilter{GroupBy: d.Group, Period: d.Period, From: d.From, To: d.To})
	if err != nil {
		return err
	}
	label := func(row projections.StatRow) string {
		switch {
		case row.GroupName != "" && row.GroupName != row.Group:
			return row.Group + " " + row.GroupName
		case d.Group == "region":
			if n := regionName(row.Group); n != "" {
				return row.Group + " " + n
			}
		}
		return row.Group
	}
	groups, periods := map[string]*tally{}, map[string]*tally{}
	for _, row := range rows {
		g := groups[row.Group]
		if g == nil {
			g = &tally{Label: label(row)}
			groups[row.Group] = g
		}
		pt := periods[row.Period]
		if pt == nil {
			pt = &tally{Label: row.Period}
			periods[row.Period] = pt
		}
		g.add(row)
		pt.add(row)
		t := tally{Label: label(row), Period: row.Period}
		t.add(row)
		d.Rows = append(d.Rows, t)
	}
	// Totals by region: a joint task counts for each of its departments and items, once for
	// its region.
	totals := rows
	if d.Group != "region" {
		if totals, err = s.cfg.Stats.Stats(r.Context(), projections.StatsFilter{GroupBy: "region", Period: d.Period, From: d.From, To: d.To}); err != nil {
			return err
		}
	}
	for _, row := range totals {
		d.Total.add(row)
	}
	for _, g := range groups {
		d.ByGroup = append(d.ByGroup, *g)
	}
	for _, pt := range periods {
		d.ByPeriod = append(d.ByPeriod, *pt)
	}
	slices.SortFunc(d.ByGroup, func(a, b tally) int { return cmp.Compare(a.Label, b.Label) })
	slices.SortFunc(d.ByPeriod, func(a, b tally) int { return cmp.Compare(a.Label, b.Label) })
	slices.SortFunc(d.Rows, func(a, b tally) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.Label, b.Label))
	})
	l := rq.lang
	series := []string{tr(l, "stats.completion"), tr(l, "stats.problem_rate")}
	if len(d.ByGroup) > 0 {
		d.GroupChart = hbarChart("chart-group", tr(l, "stats.chart_group", tr(l, "stats.group."+d.Group)), series, d.ByGroup)
	}
	if len(d.ByPeriod) > 0 {
		d.TimeChart = columnChart("chart-time", tr(l, "stats.chart_time"), series, d.ByPeriod)
	}
	return s.render(w, rq, http.StatusOK, "stats", tr(l, "stats.title"), "stats", d)
}
