package commands

import (
	"context"
	"errors"
	"slices"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/plan"
)

// loadPlan rehydrates a plan; version 0 means it does not exist.
func loadPlan(ctx context.Context, s event.Store, id string) (*plan.Plan, uint64, error) {
	p := &plan.Plan{}
	v, err := load(ctx, s, plan.Stream(id), func(e event.Envelope) error {
		return p.Apply(e.Type, e.Payload)
	})
	return p, v, err
}

// existingPlan loads a plan or says it does not exist; a regulator may act only on the plans
// of their department (lead or joint).
func existingPlan(ctx context.Context, s event.Store, m Meta, id string) (*plan.Plan, uint64, error) {
	p, v, err := loadPlan(ctx, s, id)
	switch {
	case err != nil:
		return nil, 0, err
	case v == 0:
		return nil, 0, notFound("plan_not_found")
	case m.Department != "" && !slices.Contains(p.Spec().Departments(), m.Department):
		return nil, 0, &Error{Kind: KindForbidden, Code: "other_department"}
	}
	return p, v, nil
}

// planError maps the plan and assignment domain's refusals to user-facing errors.
func planError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, plan.ErrRedraw):
		return conflict("plan_redraw", err)
	case errors.Is(err, plan.ErrState):
		return conflict("plan_state", err)
	case errors.Is(err, plan.ErrNoEligible):
		return &Error{Kind: KindInvalid, Code: "plan_no_eligible", Err: err}
	case errors.Is(err, assign.ErrTeamSize):
		return Invalid(Issue{Field: "team_size", Code: "team_size", Param: "2"})
	case errors.Is(err, assign.ErrNotOnTeam):
		return Invalid(Issue{Field: "inspector", Code: "not_on_team"})
	case errors.Is(err, assign.ErrNoTeam):
		return Invalid(Issue{Field: "task", Code: "no_team"})
	case errors.Is(err, directory.ErrInvalid):
		return Invalid(domainIssues(0, err)...)
	}
	return err
}

// appendPlan appends a plan command's events at the version it was loaded at.
func (d Deps) appendPlan(ctx context.Context, m Meta, id string, v uint64, changes []directory.Change, err error) (Outcome, error) {
	if err != nil {
		return Outcome{}, planError(err)
	}
	return d.appendOne(ctx, m, plan.Stream(id), v, changes)
}
