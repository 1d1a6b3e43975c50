package commands

import (
	"context"
	"fmt"

	"github.com/choucha/choucha/domain/plan"
)

// CreatePlan drafts a random inspection plan (rule 1). Items are named by code and taken from
// the 抽查事项清单 as they stand now.
type CreatePlan struct {
	Meta
	ID               string          `json:"id" validate:"required,max=40"`
	Year             int             `json:"year" validate:"required"`
	Batch            int             `json:"batch" validate:"required"`
	Title            string          `json:"title" validate:"required,max=200"`
	LeadDepartment   string          `json:"lead_department" validate:"required,max=100"`
	JointDepartments []string        `json:"joint_departments" validate:"max=20,dive,required,max=100"`
	Items            []string        `json:"items" validate:"required,min=1,max=100,dive,required"`
	Scope            plan.Scope      `json:"scope"`
	Ratios           plan.Ratios     `json:"ratios"`
	DrawDate         string          `json:"draw_date" validate:"required,datetime=2006-01-02"`
	Seed             plan.SeedSource `json:"seed"`
}

type CreatePlanHandler struct{ d Deps }

func NewCreatePlanHandler(d Deps) CreatePlanHandler {
	d.validate()
	return CreatePlanHandler{d}
}

func (h CreatePlanHandler) Handle(ctx context.Context, c CreatePlan) (Outcome, error) {
	spec := plan.Spec{
		ID: c.ID, Year: c.Year, Batch: c.Batch, Title: c.Title, LeadDepartment: c.LeadDepartment,
		JointDepartments: c.JointDepartments, Scope: c.Scope, Ratios: c.Ratios, DrawDate: c.DrawDate, Seed: c.Seed,
	}
	if c.Department != "" && c.LeadDepartment != c.Department {
		return Outcome{}, Invalid(Issue{Field: "lead_department", Code: "own_department", Param: c.Department})
	}
	var missing []Issue
	for i, code := range c.Items {
		it, v, err := loadItem(ctx, h.d.Store, code)
		if err != nil {
			return Outcome{}, err
		}
		if v == 0 {
			missing = append(missing, Issue{Field: fmt.Sprintf("items[%d]", i), Code: "item_not_listed", Param: code})
			continue
		}
		spec.Items = append(spec.Items, it)
	}
	if len(missing) > 0 {
		return Outcome{}, Invalid(missing...)
	}
	_, changes, err := plan.Create(spec)
	o, err := h.d.appendPlan(ctx, c.Meta, c.ID, 0, changes, err)
	if ce, ok := AsError(err); ok && ce.Kind == KindConflict {
		ce.Code = "plan_exists"
	}
	return o, err
}
