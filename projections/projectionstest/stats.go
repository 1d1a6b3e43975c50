package projectionstest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/projections"
)

// StatsStore is what RunStats needs of a fresh, empty store, as InspectionStore.
type StatsStore func(t *testing.T, now func() time.Time) (apply func(event.Envelope) error, flush func() error, q projections.StatsQueries)

// RunStats checks projections.StatsQueries against the log RunInspections feeds (taskWorld):
// drawn, inspected, published, on time, overdue and problems found for every grouping
// (none, region, department, item) and period (month, quarter, year, the default), From/To
// bounds given as a year, a month or a day, group names, rows in group then period order,
// overdue counts as the clock moves, idempotency under redelivery, and invalid filters
// rejected with an error (one that wraps invalid, when it is not nil).
func RunStats(t *testing.T, invalid error, newStore StatsStore) {
	t.Helper()
	ctx := context.Background()
	w := newTaskWorld(t)
	clock := &testClock{at: twToday}
	apply, flush, q := newStore(t, clock.now)
	feedTwice(t, w.log, apply, flush)

	t.Run("answers", func(t *testing.T) { checkStats(ctx, t, clock, q, invalid) })

	feedAll(t, w.log, apply)
	mustFlush(t, flush)
	t.Run("answers after the whole log is redelivered", func(t *testing.T) { checkStats(ctx, t, clock, q, invalid) })
}

// sr is a compact expected row.
func sr(group, name, period string, drawn, inspected, published, onTime, problems, overdue int) projections.StatRow {
	return projections.StatRow{Group: group, GroupName: name, Period: period, Drawn: drawn, Inspected: inspected,
		Published: published, OnTime: onTime, ProblemsFound: problems, Overdue: overdue}
}

const (
	twGD = "广东省"
	twSH = "上海市"
)

func checkStats(ctx context.Context, t *testing.T, clock *testClock, q projections.StatsQueries, invalid error) {
	clock.set(twToday)
	// Worked out by hand from the story in newTaskWorld (as of 2026-12-15):
	//   drawn: 2025-sh-09 h1 h2 on 2025-12-15 (Shanghai, SAMR, SC-01 SC-02); 2026-gz-01 g1–g4
	//   on 2026-03-10 (Guangdong, SAMR + fire, SC-01 XF-01); 2026-sz-02 s1–s3 on 2026-05-20
	//   (ecology, HB-01; s1 has moved to Shanghai since);
	//   inspected: h1 2025-12-29 published on time; h2 2026-01-12 published on time, problem
	//   (not in the directory: its USCC says Shanghai); g1 03-16 on time; g2 03-19 published
	//   late, problem; g3 03-20 approved, past due; g4 11-20 recorded (a problem, not yet
	//   reviewed); s1 06-02 on time; s2 12-10 returned; s3 never (unfilled).
	for _, c := range []struct {
		name string
		f    projections.StatsFilter
		want []projections.StatRow
	}{
		{"everything, by year (the default)", projections.StatsFilter{}, []projections.StatRow{
			sr("", "", "2025", 2, 1, 1, 1, 0, 0),
			sr("", "", "2026", 7, 7, 4, 3, 2, 2),
		}},
		{"by month", projections.StatsFilter{Period: "month"}, []projections.StatRow{
			sr("", "", "2025-12", 2, 1, 1, 1, 0, 0),
			sr("", "", "2026-01", 0, 1, 1, 1, 1, 0),
			sr("", "", "2026-03", 4, 3, 2, 1, 1, 2),
			sr("", "", "2026-05", 3, 0, 0, 0, 0, 0),
			sr("", "", "2026-06", 0, 1, 1, 1, 0, 0),
			sr("", "", "2026-11", 0, 1, 0, 0, 0, 0),
			sr("", "", "2026-12", 0, 1, 0, 0, 0, 0),
		}},
		{"by quarter", projections.StatsFilter{Period: "quarter"}, []projections.StatRow{
			sr("", "", "2025-Q4", 2, 1, 1, 1, 0, 0),
			sr("", "", "2026-Q1", 4, 4, 3, 2, 2, 2),
			sr("", "", "2026-Q2", 3, 1, 1, 1, 0, 0),
			sr("", "", "2026-Q4", 0, 2, 0, 0, 0, 0),
		}},
		{"by department: a joint task counts in each", projections.StatsFilter{GroupBy: "department", Period: "year"}, []projections.StatRow{
			sr(twSAMR, "", "2025", 2, 1, 1, 1, 0, 0),
			sr(twSAMR, "", "2026", 4, 5, 3, 2, 2, 2),
			sr(twFire, "", "2026", 4, 4, 2, 1, 1, 2),
			sr(twEco, "", "2026", 3, 2, 1, 1, 0, 0),
		}},
		{"by item, named as the plan created last names it", projections.StatsFilter{GroupBy: "item"}, []projections.StatRow{
			sr("HB-01", "排污许可证执行情况检查", "2026", 3, 2, 1, 1, 0, 0),
			sr("SC-01", "企业公示信息抽查", "2025", 2, 1, 1, 1, 0, 0),
			sr("SC-01", "企业公示信息抽查", "2026", 4, 5, 3, 2, 2, 2),
			sr("SC-02", "食品经营许可检查", "2025", 2, 1, 1, 1, 0, 0),
			sr("SC-02", "食品经营许可检查", "2026", 0, 1, 1, 1, 1, 0),
			sr("XF-01", "消防安全检查", "2026", 4, 4, 2, 1, 1, 2),
		}},
		{"by region: the province in the directory now, else the USCC's", projections.StatsFilter{GroupBy: "region"}, []projections.StatRow{
			sr("310000", twSH, "2025", 2, 1, 1, 1, 0, 0),
			sr("310000", twSH, "2026", 1, 2, 2, 2, 1, 0),
			sr("440000", twGD, "2026", 6, 5, 2, 1, 1, 2),
		}},
		{"by region and quarter, to a year", projections.StatsFilter{GroupBy: "region", Period: "quarter", To: "2025"}, []projections.StatRow{
			sr("310000", twSH, "2025-Q4", 2, 1, 1, 1, 0, 0),
		}},
		{"bounds: days, inclusive", projections.StatsFilter{From: "2026-03-17", To: "2026-03-19"}, []projections.StatRow{
			sr("", "", "2026", 0, 1, 1, 0, 1, 1),
		}},
		{"bounds: the draw day alone", projections.StatsFilter{GroupBy: "item", From: "2026-05-20", To: "2026-05-20"}, []projections.StatRow{
			sr("HB-01", "排污许可证执行情况检查", "2026", 3, 0, 0, 0, 0, 0),
		}},
		{"bounds: months", projections.StatsFilter{GroupBy: "department", Period: "month", From: "2026-05", To: "2026-06"}, []projections.StatRow{
			sr(twEco, "", "2026-05", 3, 0, 0, 0, 0, 0),
			sr(twEco, "", "2026-06", 0, 1, 1, 1, 0, 0),
		}},
		{"bounds: nothing between", projections.StatsFilter{From: "2026-05-21", To: "2026-05-31"}, nil},
		{"bounds: nothing after", projections.StatsFilter{From: "2027"}, nil},
		{"bounds: reversed", projections.StatsFilter{From: "2026-12", To: "2026-01"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) { checkStatRows(ctx, t, q, c.f, c.want) })
	}

	t.Run("every grouping, period and bound agrees with the facts", func(t *testing.T) {
		for _, by := range []string{"", "region", "department", "item"} {
			for _, per := range []string{"", "month", "quarter", "year"} {
				for _, b := range [][2]string{{"", ""}, {"2026", ""}, {"", "2026-03"}, {"2026-01-12", "2026-06-02"},
					{"2025-12-15", "2025-12-15"}, {"2025-12-16", "2026-03-10"}} {
					f := projections.StatsFilter{GroupBy: by, Period: per, From: b[0], To: b[1]}
					checkStatRows(ctx, t, q, f, twStatsReference(f))
				}
			}
		}
	})

	t.Run("overdue follows the clock", func(t *testing.T) {
		defer clock.set(twToday)
		clock.set(time.Date(2026, 12, 18, 16, 0, 0, 0, time.UTC)) // 12-19 in China: g4 is past due
		checkStatRows(ctx, t, q, projections.StatsFilter{GroupBy: "region", Period: "quarter", From: "2026-10"}, []projections.StatRow{
			sr("440000", twGD, "2026-Q4", 0, 2, 0, 0, 0, 1),
		})
		clock.set(time.Date(2026, 4, 20, 12, 0, 0, 0, twCST)) // g3 not yet past due; g2 was published late
		checkStatRows(ctx, t, q, projections.StatsFilter{Period: "month", From: "2026-03", To: "2026-03"}, []projections.StatRow{
			sr("", "", "2026-03", 4, 3, 2, 1, 1, 1),
		})
	})

	t.Run("invalid filters are rejected", func(t *testing.T) {
		for _, f := range []projections.StatsFilter{{GroupBy: "tier"}, {GroupBy: "Region"}, {GroupBy: "region; DROP TABLE tasks"},
			{Period: "week"}, {Period: "day"}, {GroupBy: "item", Period: "Month"}} {
			rows, err := q.Stats(ctx, f)
			if err == nil {
				t.Errorf("%+v: accepted, %d rows", f, len(rows))
			} else if invalid != nil && !errors.Is(err, invalid) {
				t.Errorf("%+v: %v, want an error that wraps %v", f, err, invalid)
			}
		}
	})
}

func checkStatRows(ctx context.Context, t *testing.T, q projections.StatsQueries, f projections.StatsFilter, want []projections.StatRow) {
	t.Helper()
	got, err := q.Stats(ctx, f)
	if err != nil {
		t.Fatalf("stats %+v: %v", f, err)
	}
	if got == nil {
		t.Errorf("stats %+v: nil, want a list (JSON [])", f)
	}
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("stats %+v:\n got  %s\n want %s", f, fmtStatRows(got), fmtStatRows(want))
	}
}

func fmtStatRows(rs []projections.StatRow) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "\n   %s(%s) %s: drawn %d inspected %d published %d on time %d problems %d overdue %d",
			r.Group, r.GroupName, r.Period, r.Drawn, r.Inspected, r.Published, r.OnTime, r.ProblemsFound, r.Overdue)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

// The facts of the world as of twToday, written out by hand (see checkStats), and a plain
// reference count over them for the exhaustive check.
type twFact struct {
	drawn                               bool // a drawn fact, else a task
	day, province                       string
	depts, items                        []string
	published, onTime, problem, overdue bool
}

var (
	twGZGroups = [2][]string{{twSAMR, twFire}, {"SC-01", "XF-01"}}
	twSZGroups = [2][]string{{twEco}, {"HB-01"}}
	twSHGroups = [2][]string{{twSAMR}, {"SC-01", "SC-02"}}
	twFacts    = []twFact{
		{drawn: true, day: "2025-12-15", province: "310000", depts: twSHGroups[0], items: twSHGroups[1]},                                   // h1
		{drawn: true, day: "2025-12-15", province: "310000", depts: twSHGroups[0], items: twSHGroups[1]},                                   // h2
		{drawn: true, day: "2026-03-10", province: "440000", depts: twGZGroups[0], items: twGZGroups[1]},                                   // g1
		{drawn: true, day: "2026-03-10", province: "440000", depts: twGZGroups[0], items: twGZGroups[1]},                                   // g2
		{drawn: true, day: "2026-03-10", province: "440000", depts: twGZGroups[0], items: twGZGroups[1]},                                   // g3
		{drawn: true, day: "2026-03-10", province: "440000", depts: twGZGroups[0], items: twGZGroups[1]},                                   // g4
		{drawn: true, day: "2026-05-20", province: "310000", depts: twSZGroups[0], items: twSZGroups[1]},                                   // s1, moved
		{drawn: true, day: "2026-05-20", province: "440000", depts: twSZGroups[0], items: twSZGroups[1]},                                   // s2
		{drawn: true, day: "2026-05-20", province: "440000", depts: twSZGroups[0], items: twSZGroups[1]},                                   // s3
		{day: "2025-12-29", province: "310000", depts: twSHGroups[0], items: twSHGroups[1], published: true, onTime: true},                 // h1
		{day: "2026-01-12", province: "310000", depts: twSHGroups[0], items: twSHGroups[1], published: true, onTime: true, problem: true},  // h2
		{day: "2026-03-16", province: "440000", depts: twGZGroups[0], items: twGZGroups[1], published: true, onTime: true},                 // g1
		{day: "2026-03-19", province: "440000", depts: twGZGroups[0], items: twGZGroups[1], published: true, problem: true, overdue: true}, // g2
		{day: "2026-03-20", province: "440000", depts: twGZGroups[0], items: twGZGroups[1], overdue: true},                                 // g3
		{day: "2026-11-20", province: "440000", depts: twGZGroups[0], items: twGZGroups[1]},                                                // g4
		{day: "2026-06-02", province: "310000", depts: twSZGroups[0], items: twSZGroups[1], published: true, onTime: true},                 // s1
		{day: "2026-12-10", province: "440000", depts: twSZGroups[0], items: twSZGroups[1]},                                                // s2
	}
	twGroupNames = map[string]string{"310000": twSH, "440000": twGD, "SC-01": "企业公示信息抽查", "SC-02": "食品经营许可检查",
		"XF-01": "消防安全检查", "HB-01": "排污许可证执行情况检查"}
)

func twStatsReference(f projections.StatsFilter) []projections.StatRow {
	in := func(day, bound string, after bool) bool {
		if bound == "" {
			return true
		}
		d := day[:min(len(bound), len(day))]
		if after {
			return d >= bound
		}
		return d <= bound
	}
	period := func(day string) string {
		switch f.Period {
		case "month":
			return day[:7]
		case "quarter":
			m := int(day[5]-'0')*10 + int(day[6]-'0')
			return fmt.Sprintf("%s-Q%d", day[:4], (m+2)/3)
		}
		return day[:4]
	}
	rows := map[[2]string]*projections.StatRow{}
	for _, x := range twFacts {
		if !in(x.day, f.From, true) || !in(x.day, f.To, false) {
			continue
		}
		groups := []string{""}
		switch f.GroupBy {
		case "region":
			groups = []string{x.province}
		case "department":
			groups = x.depts
		case "item":
			groups = x.items
		}
		for _, g := range groups {
			k := [2]string{g, period(x.day)}
			r := rows[k]
			if r == nil {
				r = &projections.StatRow{Group: g, GroupName: twGroupNames[g], Period: k[1]}
				if f.GroupBy == "" || f.GroupBy == "department" {
					r.GroupName = ""
				}
				rows[k] = r
			}
			if x.drawn {
				r.Drawn++
				continue
			}
			r.Inspected++
			r.Published += b2i(x.published)
			r.OnTime += b2i(x.onTime)
			r.ProblemsFound += b2i(x.problem)
			r.Overdue += b2i(x.overdue)
		}
	}
	out := []projections.StatRow{}
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b projections.StatRow) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Period, b.Period))
	})
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
