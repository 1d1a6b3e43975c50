package clickhouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/projections"
)

// PlansProjectorName is the plans projector's name: its row in projection_offsets.
const PlansProjectorName = "plans"

const (
	insertPlans     = "INSERT INTO plans (id, title, year, batch, state, drawn, version, view, public, audit, position)"
	insertPlanPools = "INSERT INTO plan_pools (plan, label, pool, position)"
)

// NewPlansProjector fills the plan publication tables, plans and plan_pools, from the plan
// events: a StateProjector over memory.Plans (the embedded mode's read model), which renders
// every touched plan's current documents. A plan's pools are written when its announcement
// is applied, and only then: they never change afterwards, and they are most of a large
// plan's audit data (≈20 bytes per eligible enterprise), which every later event of the plan
// would otherwise send again. batch ≤ 0 is DefaultBatchSize touched keys.
func NewPlansProjector(conn driver.Conn, batch int) *StateProjector {
	return NewStateProjector(conn, plansModel{memory.NewPlans()}, []string{"plans", "plan_pools"}, batch)
}

// plansModel is memory.Plans as a Model. Keys are plan ids (the plans row) and poolsKey + id
// (the plan_pools rows); a plan id never holds a NUL.
type plansModel struct{ *memory.Plans }

const poolsKey = "pools\x00"

var _ Model = plansModel{}

func (m plansModel) Name() string { return PlansProjectorName }

// Touched: a plan event touches its plan's row, an announcement its pools too.
func (m plansModel) Touched(e event.Envelope) []string {
	if !strings.HasPrefix(e.Type, "plan.") {
		return nil
	}
	id := strings.TrimPrefix(e.Stream, "plan-") // as memory.Plans keys it
	if e.Type == plan.Announced {
		return []string{poolsKey + id, id}
	}
	return []string{id}
}

// Rows renders the touched plans from the memory model: the pools first, so that a plans
// row naming strata is never visible before their pools are (the inserts are sent in order,
// and a failed one stops the flush).
func (m plansModel) Rows(keys []string, position uint64) ([]Insert, error) {
	ctx := context.Background()
	pools := Insert{SQL: insertPlanPools}
	plans := Insert{SQL: insertPlans}
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, poolsKey); ok {
			a, err := m.Audit(ctx, id)
			if errors.Is(err, projections.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			for _, s := range a.Strata {
				pools.Rows = append(pools.Rows, []any{id, s.Label, nonNil(s.Pool), position})
			}
			continue
		}
		row, err := m.planRow(ctx, k, position)
		if errors.Is(err, projections.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		plans.Rows = append(plans.Rows, row)
	}
	return []Insert{pools, plans}, nil
}

func (m plansModel) planRow(ctx context.Context, id string, position uint64) ([]any, error) {
	v, err := m.Plan(ctx, id)
	if err != nil {
		return nil, err
	}
	view, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("plan %s: view: %w", id, err)
	}
	public := ""
	if v.State != plan.StateDraft {
		pv, err := m.Public(ctx, id)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(pv)
		if err != nil {
			return nil, fmt.Errorf("plan %s: public view: %w", id, err)
		}
		public = string(b)
	}
	a, err := m.Audit(ctx, id)
	if err != nil {
		return nil, err
	}
	a.Strata = slices.Clone(a.Strata) // shared with the model
	for i := range a.Strata {
		a.Strata[i].Pool = nil
	}
	audit, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("plan %s: audit data: %w", id, err)
	}
	return []any{id, v.Title, uint16(v.Year), uint16(v.Batch), string(v.State), uint32(v.Drawn), v.Version,
		string(view), public, string(audit), position}, nil
}

// Plans serves projections.PlanQueries from the plans and plan_pools tables, reading with
// FINAL (a row not yet merged counts once, at its highest position).
type Plans struct {
	conn driver.Conn
}

var _ projections.PlanQueries = (*Plans)(nil)

func NewPlans(conn driver.Conn) *Plans {
	if conn == nil {
		panic("clickhouse: plan queries need a connection")
	}
	return &Plans{conn: conn}
}

// document reads one column of a plan's row; ErrNotFound without a row.
func (q *Plans) document(ctx context.Context, column, id string) (state, doc string, err error) {
	err = q.conn.QueryRow(ctx, "SELECT state, "+column+" FROM plans FINAL WHERE id = ?", id).Scan(&state, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", projections.ErrNotFound
	}
	if err != nil {
		return "", "", readErr("read plan "+column, err)
	}
	return state, doc, nil
}

func (q *Plans) Plan(ctx context.Context, id string) (projections.PlanView, error) {
	var v projections.PlanView
	_, doc, err := q.document(ctx, "view", id)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return projections.PlanView{}, fmt.Errorf("clickhouse: plan %s: view: %w", id, err)
	}
	return v, nil
}

// Public is ErrNotFound for a draft, as for a plan that does not exist.
func (q *Plans) Public(ctx context.Context, id string) (plan.PublicView, error) {
	var v plan.PublicView
	state, doc, err := q.document(ctx, "public", id)
	if err != nil {
		return v, err
	}
	if plan.State(state) == plan.StateDraft || doc == "" {
		return v, projections.ErrNotFound
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return plan.PublicView{}, fmt.Errorf("clickhouse: plan %s: public view: %w", id, err)
	}
	return v, nil
}

// Audit joins the plan's audit data with its pools. A stratum without its pool is an error,
// not an answer: audit data without a pool cannot be verified.
func (q *Plans) Audit(ctx context.Context, id string) (plan.AuditData, error) {
	var a plan.AuditData
	_, doc, err := q.document(ctx, "audit", id)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return plan.AuditData{}, fmt.Errorf("clickhouse: plan %s: audit data: %w", id, err)
	}
	if len(a.Strata) == 0 {
		return a, nil
	}
	rows, err := q.conn.Query(ctx, "SELECT label, pool FROM plan_pools FINAL WHERE plan = ?", id)
	if err != nil {
		return plan.AuditData{}, readErr("read plan pools", err)
	}
	defer rows.Close()
	pools := make(map[string][]string, len(a.Strata))
	for rows.Next() {
		var label string
		var pool []string
		if err := rows.Scan(&label, &pool); err != nil {
			return plan.AuditData{}, readErr("read plan pools", err)
		}
		pools[label] = pool
	}
	if err := rows.Err(); err != nil {
		return plan.AuditData{}, readErr("read plan pools", err)
	}
	for i, s := range a.Strata {
		pool, ok := pools[s.Label]
		if !ok {
			return plan.AuditData{}, fmt.Errorf("clickhouse: plan %s: no pool for stratum %s in plan_pools", id, s.Label)
		}
		a.Strata[i].Pool = pool
	}
	return a, nil
}

// Plans pages every plan by id (byte order, as Go compares strings): Total counts them all,
// Items are up to limit after the cursor, Next is set when more follow.
func (q *Plans) Plans(ctx context.Context, after string, limit int) (projections.Page[projections.PlanSummary], error) {
	out := projections.Page[projections.PlanSummary]{Items: []projections.PlanSummary{}}
	var total uint64
	if err := q.conn.QueryRow(ctx, "SELECT count() FROM plans FINAL").Scan(&total); err != nil {
		return out, readErr("count plans", err)
	}
	out.Total = int(total)
	var conds []string
	var args []any
	if after != "" {
		conds, args = append(conds, "id > ?"), append(args, after)
	}
	limit = projections.ClampLimit(limit)
	rows, err := q.conn.Query(ctx, fmt.Sprintf("SELECT id, title, year, batch, state, drawn FROM plans FINAL%s ORDER BY id LIMIT %d", where(conds), limit+1), args...)
	if err != nil {
		return out, readErr("query plans", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s projections.PlanSummary
		var year, batch uint16
		var state string
		var drawn uint32
		if err := rows.Scan(&s.ID, &s.Title, &year, &batch, &state, &drawn); err != nil {
			return out, readErr("read plans", err)
		}
		s.Year, s.Batch, s.State, s.Drawn = int(year), int(batch), plan.State(state), int(drawn)
		out.Items = append(out.Items, s)
	}
	if err := rows.Err(); err != nil {
		return out, readErr("read plans", err)
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.Next = out.Items[limit-1].ID
	}
	return out, nil
}
