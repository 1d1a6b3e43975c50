package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/projections"
)

// inspectionZone decides which day "today" is: deadlines are China dates (UTC+8, as
// infra/memory reads them).
var inspectionZone = time.FixedZone("CST", 8*3600)

func inspectionToday(now func() time.Time) string {
	return now().In(inspectionZone).Format(time.DateOnly)
}

// overdueSQL is infra/memory's overdue() over the tasks table, with one parameter, today: the
// deadline passed without publication by it (still unpublished, or published late). Dates
// are "YYYY-MM-DD" strings, "" for none, compared as strings as memory compares them.
const overdueSQL = "(publish_due != '' AND if(published_on != '', published_on > publish_due, ? > publish_due))"

// Tasks serves projections.InspectionQueries from the tasks table (NewInspectionsProjector).
// It reads with FINAL (filters in WHERE, applied after FINAL; see Disclosures) and computes
// Overdue when it reads, from the clock now. Values are bound by the driver, never spliced.
type Tasks struct {
	conn driver.Conn
	now  func() time.Time
}

var _ projections.InspectionQueries = (*Tasks)(nil)

// NewTasks: now is the clock that decides which unpublished results are overdue.
func NewTasks(conn driver.Conn, now func() time.Time) *Tasks {
	if conn == nil || now == nil {
		panic("clickhouse: task queries need a connection and a clock")
	}
	return &Tasks{conn: conn, now: now}
}

const taskColumns = "id, plan, uscc, enterprise, region_code, departments, items, team, status, check_methods, results, " +
	"findings, follow_up, inspected_on, return_reason, publish_due, published_on, follow_up_open, version, " +
	"publish_due_estimated, recorded_by, evidence, rechecked_on, recheck_outcome, " + overdueSQL

func (q *Tasks) Task(ctx context.Context, id string) (projections.TaskView, error) {
	vs, err := q.query(ctx, "SELECT "+taskColumns+" FROM tasks FINAL WHERE id = ?", inspectionToday(q.now), id)
	if err != nil {
		return projections.TaskView{}, err
	}
	if len(vs) == 0 {
		return projections.TaskView{}, projections.ErrNotFound
	}
	return vs[0], nil
}

// Tasks pages the matching tasks by id: Total counts every match, Items are up to Limit
// after the cursor f.After, Next is set when more follow. Every set field of f must match
// (taskWhere).
func (q *Tasks) Tasks(ctx context.Context, f projections.TaskFilter) (projections.Page[projections.TaskView], error) {
	today := inspectionToday(q.now)
	conds, args := taskWhere(f, today)
	out := projections.Page[projections.TaskView]{Items: []projections.TaskView{}}
	var total uint64
	if err := q.conn.QueryRow(ctx, "SELECT count() FROM tasks FINAL"+where(conds), args...).Scan(&total); err != nil {
		return out, readErr("count tasks", err)
	}
	out.Total = int(total)
	if f.After != "" {
		conds, args = append(conds, "id > ?"), append(args, f.After)
	}
	limit := projections.ClampLimit(f.Limit)
	sql := fmt.Sprintf("SELECT %s FROM tasks FINAL%s ORDER BY id LIMIT %d", taskColumns, where(conds), limit+1)
	vs, err := q.query(ctx, sql, append([]any{today}, args...)...)
	if err != nil {
		return out, err
	}
	if len(vs) > limit {
		vs = vs[:limit]
		out.Next = vs[limit-1].ID
	}
	out.Items = vs
	return out, nil
}

// taskWhere is memory's Tasks filter: Plan and Status exactly, Department one of the task's,
// Inspector one of its current team, Overdue as of today. Values are bound, never spliced.
func taskWhere(f projections.TaskFilter, today string) ([]string, []any) {
	var conds []string
	var args []any
	if f.Plan != "" {
		conds, args = append(conds, "plan = ?"), append(args, f.Plan)
	}
	if f.Department != "" {
		conds, args = append(conds, "has(departments, ?)"), append(args, f.Department)
	}
	if f.Inspector != "" {
		conds, args = append(conds, "has(team, ?)"), append(args, f.Inspector)
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, f.Status)
	}
	if f.Overdue {
		conds, args = append(conds, overdueSQL), append(args, today)
	}
	return conds, args
}

func (q *Tasks) query(ctx context.Context, sql string, args ...any) ([]projections.TaskView, error) {
	rows, err := q.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, readErr("query tasks", err)
	}
	defer rows.Close()
	out := []projections.TaskView{}
	for rows.Next() {
		var v projections.TaskView
		var open, estimated, overdue uint8
		if err := rows.Scan(&v.ID, &v.Plan, &v.USCC, &v.Enterprise, &v.RegionCode, &v.Departments, &v.Items, &v.Team,
			&v.Status, &v.CheckMethods, &v.Results, &v.Findings, &v.FollowUp, &v.InspectedOn, &v.ReturnReason,
			&v.PublishDue, &v.PublishedOn, &open, &v.Version, &estimated, &v.RecordedBy, &v.Evidence,
			&v.RecheckedOn, &v.RecheckOutcome, &overdue); err != nil {
			return nil, readErr("read tasks", err)
		}
		v.FollowUpOpen, v.PublishDueEstimated, v.Overdue = open != 0, estimated != 0, overdue != 0
		// Lists memory leaves nil (an unfilled team, no evidence) read back empty: keep nil.
		for _, xs := range []*[]string{&v.Departments, &v.Items, &v.Team, &v.CheckMethods, &v.Results, &v.Evidence} {
			if len(*xs) == 0 {
				*xs = nil
			}
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr("read tasks", err)
	}
	return out, nil
}
