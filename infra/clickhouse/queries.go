package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/projections"
)

// Disclosures serves projections.DisclosureQueries from the disclosures table. It reads with
// FINAL, so rows not yet merged by the ReplacingMergeTree count once, at their highest
// version. (Filters stay in WHERE, which 18.16 and later apply after FINAL; an explicit
// PREWHERE would filter before it and could see a replaced row.)
type Disclosures struct {
	conn driver.Conn
}

var _ projections.DisclosureQueries = (*Disclosures)(nil)

func NewDisclosures(conn driver.Conn) *Disclosures {
	if conn == nil {
		panic("clickhouse: disclosure queries need a connection")
	}
	return &Disclosures{conn: conn}
}

// Dates are read as strings: no time zone of the server or the client can move a day.
const disclosureColumns = "task, plan, uscc, enterprise, region_code, authority, items, toString(inspected_on), results, toString(published_on)"

// disclosureWhere matches what infra/memory does: Query is a substring of the enterprise name
// or a prefix of the USCC (upper-cased), Authority and Item substrings, Result one of the
// results, From/To bounds on the inspection date given as a year, a month or a day,
// inclusive. Values are bound by the driver, never spliced.
func disclosureWhere(f projections.DisclosureFilter) ([]string, []any) {
	var conds []string
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, "(position(enterprise, ?) > 0 OR startsWith(uscc, ?))")
		args = append(args, q, strings.ToUpper(q))
	}
	if f.Authority != "" {
		conds = append(conds, "position(authority, ?) > 0")
		args = append(args, f.Authority)
	}
	if f.Item != "" {
		conds = append(conds, "arrayExists(x -> position(x, ?) > 0, items)")
		args = append(args, f.Item)
	}
	if f.Result != "" {
		conds = append(conds, "has(results, ?)")
		args = append(args, f.Result)
	}
	if f.From != "" {
		conds = append(conds, fmt.Sprintf("substring(toString(inspected_on), 1, %d) >= ?", len(f.From)))
		args = append(args, f.From)
	}
	if f.To != "" {
		conds = append(conds, fmt.Sprintf("substring(toString(inspected_on), 1, %d) <= ?", len(f.To)))
		args = append(args, f.To)
	}
	return conds, args
}

func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// Disclosures pages the matching records by task id: Total counts every match, Items are
// up to Limit after the cursor f.After, Next is set when more follow.
func (d *Disclosures) Disclosures(ctx context.Context, f projections.DisclosureFilter) (projections.Page[projections.DisclosureRecord], error) {
	conds, args := disclosureWhere(f)
	out := projections.Page[projections.DisclosureRecord]{Items: []projections.DisclosureRecord{}}
	var total uint64
	if err := d.conn.QueryRow(ctx, "SELECT count() FROM disclosures FINAL"+where(conds), args...).Scan(&total); err != nil {
		return out, readErr("count disclosures", err)
	}
	out.Total = int(total)
	if f.After != "" {
		conds = append(conds, "task > ?")
		args = append(args, f.After)
	}
	limit := projections.ClampLimit(f.Limit)
	q := fmt.Sprintf("SELECT %s FROM disclosures FINAL%s ORDER BY task LIMIT %d", disclosureColumns, where(conds), limit+1)
	recs, err := d.query(ctx, q, args...)
	if err != nil {
		return out, err
	}
	if len(recs) > limit {
		recs = recs[:limit]
		out.Next = recs[limit-1].Task
	}
	out.Items = recs
	return out, nil
}

// EnterpriseHistory is every disclosure of one enterprise, by inspection date then task.
func (d *Disclosures) EnterpriseHistory(ctx context.Context, uscc string) ([]projections.DisclosureRecord, error) {
	return d.query(ctx, "SELECT "+disclosureColumns+" FROM disclosures_by_uscc FINAL WHERE uscc = ? ORDER BY inspected_on, task", uscc)
}

func (d *Disclosures) query(ctx context.Context, q string, args ...any) ([]projections.DisclosureRecord, error) {
	rows, err := d.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, readErr("query disclosures", err)
	}
	defer rows.Close()
	out := []projections.DisclosureRecord{}
	for rows.Next() {
		var r projections.DisclosureRecord
		if err := rows.Scan(&r.Task, &r.Plan, &r.USCC, &r.Enterprise, &r.RegionCode, &r.Authority,
			&r.Items, &r.InspectedOn, &r.Results, &r.PublishedOn); err != nil {
			return nil, readErr("read disclosures", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr("read disclosures", err)
	}
	return out, nil
}
