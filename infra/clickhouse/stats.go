package clickhouse

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
)

// Stats serves projections.StatsQueries with memory.Inspections.Stats' definitions (see its
// doc comment for every count): drawn from the roll-up stats_drawn_rollup (by region from
// stats_drawn FINAL: the province follows the directory, which an add-only roll-up cannot
// follow); inspected, published, on time, overdue and problems found from the tasks table
// FINAL, a joint task counted in each of its departments and items (ARRAY JOIN). Overdue is
// computed as of today (the clock now, China time). Values are bound, never spliced.
type Stats struct {
	conn driver.Conn
	now  func() time.Time
}

var _ projections.StatsQueries = (*Stats)(nil)

func NewStats(conn driver.Conn, now func() time.Time) *Stats {
	if conn == nil || now == nil {
		panic("clickhouse: statistics need a connection and a clock")
	}
	return &Stats{conn: conn, now: now}
}

// statsPeriodSQL is memory's period() over an expression holding a "YYYY-MM-DD" string.
func statsPeriodSQL(date, period string) string {
	switch period {
	case "month":
		return "substring(" + date + ", 1, 7)"
	case "quarter":
		return "concat(substring(" + date + ", 1, 4), '-Q', toString(intDiv(toUInt32(substring(" + date + ", 6, 2)) + 2, 3)))"
	}
	return "substring(" + date + ", 1, 4)"
}

// statsBounds is memory's inRange() over an expression holding a "YYYY-MM-DD" string: the
// date's prefix as long as the bound compared with the bound, inclusive.
func statsBounds(date string, f projections.StatsFilter) ([]string, []any) {
	conds := []string{date + " != ''"}
	var args []any
	if f.From != "" {
		conds, args = append(conds, "substring("+date+", 1, length(?)) >= ?"), append(args, f.From, f.From)
	}
	if f.To != "" {
		conds, args = append(conds, "substring("+date+", 1, length(?)) <= ?"), append(args, f.To, f.To)
	}
	return conds, args
}

// statsGroupKinds maps GroupBy to the roll-up's kind.
var statsGroupKinds = map[string]string{"": "", "department": "department", "item": "item"}

func (s *Stats) Stats(ctx context.Context, f projections.StatsFilter) ([]projections.StatRow, error) {
	if !slices.Contains([]string{"", "region", "department", "item"}, f.GroupBy) {
		return nil, fmt.Errorf("%w: group by %q (region, department or item)", memory.ErrStatsFilter, f.GroupBy)
	}
	if !slices.Contains([]string{"", "month", "quarter", "year"}, f.Period) {
		return nil, fmt.Errorf("%w: period %q (month, quarter or year)", memory.ErrStatsFilter, f.Period)
	}
	type key struct{ group, period string }
	rows := map[key]*projections.StatRow{}
	row := func(group, period string) *projections.StatRow {
		r := rows[key{group, period}]
		if r == nil {
			r = &projections.StatRow{Group: group, Period: period}
			rows[key{group, period}] = r
		}
		return r
	}

	// Drawn.
	var sql string
	var args []any
	if f.GroupBy == "region" {
		conds, bargs := statsBounds("toString(drawn_on)", f)
		sql = "SELECT province AS g, " + statsPeriodSQL("toString(drawn_on)", f.Period) + " AS p, count() FROM stats_drawn FINAL" +
			where(conds) + " GROUP BY g, p"
		args = bargs
	} else {
		conds, bargs := statsBounds("toString(day)", f)
		sql = "SELECT grp, " + statsPeriodSQL("toString(day)", f.Period) + " AS p, uniqExactMerge(drawn) FROM stats_drawn_rollup" +
			where(append([]string{"kind = ?"}, conds...)) + " GROUP BY grp, p"
		args = append([]any{statsGroupKinds[f.GroupBy]}, bargs...)
	}
	if err := s.each(ctx, sql, args, func(scan func(...any) error) error {
		var g, p string
		var n uint64
		if err := scan(&g, &p, &n); err != nil {
			return err
		}
		row(g, p).Drawn = int(n)
		return nil
	}); err != nil {
		return nil, err
	}

	// Inspected and what became of it, in the period of the inspection date.
	group, join := "'' AS g", ""
	switch f.GroupBy {
	case "region":
		group = "province AS g"
	case "department":
		group, join = "g", " ARRAY JOIN departments AS g"
	case "item":
		group, join = "g", " ARRAY JOIN items AS g"
	}
	conds, bargs := statsBounds("inspected_on", f)
	sql = "SELECT g, p, count(), sum(pub), sum(pub AND NOT late), sum(late), sum(problem) FROM (" +
		"SELECT " + group + ", " + statsPeriodSQL("inspected_on", f.Period) + " AS p, published_on != '' AS pub, " +
		overdueSQL + " AS late, (status IN (?, ?) AND hasAny(results, ?)) AS problem FROM tasks FINAL" + join + where(conds) +
		") GROUP BY g, p"
	args = append([]any{inspectionToday(s.now), string(inspection.StateApproved), string(inspection.StatePublished), inspection.Problems}, bargs...)
	if err := s.each(ctx, sql, args, func(scan func(...any) error) error {
		var g, p string
		var inspected, published, onTime, late, problems uint64
		if err := scan(&g, &p, &inspected, &published, &onTime, &late, &problems); err != nil {
			return err
		}
		r := row(g, p)
		r.Inspected, r.Published, r.OnTime, r.Overdue, r.ProblemsFound = int(inspected), int(published), int(onTime), int(late), int(problems)
		return nil
	}); err != nil {
		return nil, err
	}

	// Group names: a province's official name, an item's name as the plan created last gave it.
	names := map[string]string{}
	switch f.GroupBy {
	case "region":
		for k := range rows {
			if n, ok := directory.RegionName(k.group); ok {
				names[k.group] = n
			}
		}
	case "item":
		var codes []string
		for k := range rows {
			codes = append(codes, k.group)
		}
		if len(codes) > 0 {
			if err := s.each(ctx, "SELECT code, name FROM stats_item_names FINAL WHERE has(?, code)", []any{codes}, func(scan func(...any) error) error {
				var code, name string
				if err := scan(&code, &name); err != nil {
					return err
				}
				names[code] = name
				return nil
			}); err != nil {
				return nil, err
			}
		}
	}

	out := make([]projections.StatRow, 0, len(rows))
	for _, r := range rows {
		r.GroupName = names[r.Group]
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b projections.StatRow) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Period, b.Period))
	})
	return out, nil
}

func (s *Stats) each(ctx context.Context, sql string, args []any, f func(scan func(...any) error) error) error {
	rows, err := s.conn.Query(ctx, sql, args...)
	if err != nil {
		return readErr("query statistics", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows.Scan); err != nil {
			return readErr("read statistics", err)
		}
	}
	if err := rows.Err(); err != nil {
		return readErr("read statistics", err)
	}
	return nil
}
