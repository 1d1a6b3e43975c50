package memory

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

// Plans is the in-memory plan read model: every plan folded from its events, plus the
// inspection history later plans ask about (yearly counts, last teams).
type Plans struct {
	mu    sync.RWMutex
	guard projections.Guard
	plans map[string]*planRow
	// drawn[uscc][year]: proactive inspections (every plan draw counts, rule 8).
	drawn map[string]map[int]int
	// last[uscc]: the team of the latest assignment or substitution.
	last map[string][]string
}

type planRow struct {
	p       *plan.Plan
	version uint64
}

var (
	_ projections.Projector   = (*Plans)(nil)
	_ projections.PlanQueries = (*Plans)(nil)
)

func NewPlans() *Plans {
	return &Plans{plans: map[string]*planRow{}, drawn: map[string]map[int]int{}, last: map[string][]string{}}
}

func (ps *Plans) Name() string { return "plans" }

func (ps *Plans) Apply(e event.Envelope) error {
	if !strings.HasPrefix(e.Type, "plan.") {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	id := strings.TrimPrefix(e.Stream, "plan-")
	row := ps.plans[id]
	if row == nil {
		row = &planRow{p: &plan.Plan{}}
	}
	if !ps.guard.Admit(e.Stream, row.version, e.Version) {
		return nil
	}
	if err := row.p.Apply(e.Type, e.Payload); err != nil {
		return err
	}
	row.version = e.Version
	ps.plans[id] = row
	switch e.Type {
	case plan.EnterprisesDrawn:
		year := row.p.Spec().Year
		for _, u := range row.p.Drawn() {
			if ps.drawn[u] == nil {
				ps.drawn[u] = map[int]int{}
			}
			ps.drawn[u][year]++
		}
	case plan.InspectorsAssigned, plan.SubstitutionRecorded:
		in, rec, _ := row.p.Assignment()
		teams := rec.Teams()
		for _, t := range in.Tasks {
			if team := teams[t.ID]; len(team) > 0 {
				ps.last[t.USCC] = team
			}
		}
	}
	return nil
}

func (ps *Plans) ProactiveCount(uscc string, year int) int {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return ps.drawn[uscc][year]
}

func (ps *Plans) LastInspectors(uscc string) []string {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return slices.Clone(ps.last[uscc])
}

func (ps *Plans) get(id string) (*planRow, error) {
	row, ok := ps.plans[id]
	if !ok {
		return nil, projections.ErrNotFound
	}
	return row, nil
}

func (ps *Plans) Plan(_ context.Context, id string) (projections.PlanView, error) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	row, err := ps.get(id)
	if err != nil {
		return projections.PlanView{}, err
	}
	return projections.NewPlanView(row.p, row.version), nil
}

func (ps *Plans) Plans(_ context.Context, after string, limit int) (projections.Page[projections.PlanSummary], error) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	ids := make([]string, 0, len(ps.plans))
	for id := range ps.plans {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	limit = projections.ClampLimit(limit)
	page := projections.Page[projections.PlanSummary]{Items: []projections.PlanSummary{}, Total: len(ids)}
	for _, id := range ids {
		if after != "" && id <= after {
			continue
		}
		if len(page.Items) == limit {
			page.Next = page.Items[limit-1].ID
			break
		}
		page.Items = append(page.Items, projections.NewPlanSummary(ps.plans[id].p))
	}
	return page, nil
}

func (ps *Plans) Audit(_ context.Context, id string) (plan.AuditData, error) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	row, err := ps.get(id)
	if err != nil {
		return plan.AuditData{}, err
	}
	return row.p.Audit(), nil
}

func (ps *Plans) Public(_ context.Context, id string) (plan.PublicView, error) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	row, err := ps.get(id)
	if err != nil {
		return plan.PublicView{}, err
	}
	if row.p.State() == plan.StateDraft {
		return plan.PublicView{}, projections.ErrNotFound // drafts are not public
	}
	return row.p.Public(), nil
}
