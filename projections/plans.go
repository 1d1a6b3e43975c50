package projections

import (
	"context"
	"time"

	"github.com/choucha/choucha/domain/plan"
)

// PlanQueries is what the API reads about plans. Audit is for regulators and auditors only;
// Public is what anyone may see (no tiers, no pools, no inspectors).
type PlanQueries interface {
	Plan(ctx context.Context, id string) (PlanView, error)
	Plans(ctx context.Context, after string, limit int) (Page[PlanSummary], error)
	Audit(ctx context.Context, id string) (plan.AuditData, error)
	Public(ctx context.Context, id string) (plan.PublicView, error)
}

// PlanSummary is one line of the plan list.
type PlanSummary struct {
	ID    string     `json:"id"`
	Title string     `json:"title"`
	Year  int        `json:"year"`
	Batch int        `json:"batch"`
	State plan.State `json:"state"`
	Drawn int        `json:"drawn"`
}

func NewPlanSummary(p *plan.Plan) PlanSummary {
	s := p.Spec()
	return PlanSummary{ID: s.ID, Title: s.Title, Year: s.Year, Batch: s.Batch, State: p.State(), Drawn: len(p.Drawn())}
}

// PlanView is the regulator's view of one plan: its spec, where it stands, the public draw
// data, and how the assignment went.
type PlanView struct {
	PlanSummary
	Version     uint64          `json:"version"`
	Spec        plan.Spec       `json:"spec"`
	AnnouncedAt *time.Time      `json:"announced_at,omitempty"`
	RevealedAt  *time.Time      `json:"revealed_at,omitempty"`
	Ineligible  map[string]int  `json:"ineligible,omitempty"`
	Draw        plan.PublicView `json:"draw"`
	Tasks       int             `json:"tasks"`
	Unfilled    int             `json:"unfilled"`
	Substituted int             `json:"substitutions"`
	Recusals    []plan.Recusal  `json:"recusals,omitempty"`
}

func NewPlanView(p *plan.Plan, version uint64) PlanView {
	v := PlanView{PlanSummary: NewPlanSummary(p), Version: version, Spec: p.Spec(), Ineligible: p.Ineligible(), Draw: p.Public(), Recusals: p.Recusals()}
	if t := p.AnnouncedAt(); !t.IsZero() {
		v.AnnouncedAt = &t
	}
	if t := p.RevealedAt(); !t.IsZero() {
		v.RevealedAt = &t
	}
	if in, rec, ok := p.Assignment(); ok {
		v.Tasks = len(in.Tasks)
		v.Substituted = len(rec.Substitutions)
		v.Unfilled = len(in.Tasks) - len(rec.Teams())
	}
	return v
}
