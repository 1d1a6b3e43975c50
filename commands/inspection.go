package commands

import (
	"context"
	"errors"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
)

// loadedTask is a task rehydrated from its stream, with the task's facts from its plan.
type loadedTask struct {
	task    *inspection.Task
	facts   inspection.Facts
	version uint64
	// replay is what an earlier run of the same command appended to this stream, if any.
	replay *Outcome
}

// loadTask reads a task's plan (the part of the id before the USCC) for the facts, then the
// task's own stream. A task the plan has not assigned does not exist.
func loadTask(ctx context.Context, s event.Store, m Meta, id string) (loadedTask, error) {
	planID, _, ok := inspection.ParseTaskID(id)
	if !ok {
		return loadedTask{}, notFound("task_not_found")
	}
	p, pv, err := loadPlan(ctx, s, planID)
	if err != nil {
		return loadedTask{}, err
	}
	f, ok := inspection.FactsOf(p, id)
	if pv == 0 || !ok {
		return loadedTask{}, notFound("task_not_found")
	}
	lt := loadedTask{task: &inspection.Task{}, facts: f}
	lt.version, err = load(ctx, s, inspection.Stream(id), func(e event.Envelope) error {
		if m.CommandID != "" && e.CommandID == m.CommandID {
			if lt.replay == nil {
				lt.replay = &Outcome{Replayed: true}
			}
			lt.replay.Events++
			lt.replay.Head = e.Position
		}
		return lt.task.Apply(e.Type, e.Payload)
	})
	return lt, err
}

// decide appends what a task command decided. A command id already in the task's stream
// returns that first outcome and appends nothing, whatever the task says now (ARCHITECTURE
// "Events" rule 4): a retried approval is not refused because the first one went through.
func (d Deps) decide(ctx context.Context, m Meta, lt loadedTask, changes []directory.Change, err error) (Outcome, error) {
	if lt.replay != nil {
		return *lt.replay, nil
	}
	if err != nil {
		return Outcome{}, inspectionError(err)
	}
	return d.appendOne(ctx, m, inspection.Stream(lt.facts.Task), lt.version, changes)
}

// inspectionError maps the task's refusals to user-facing errors. Membership refusals are
// forbidden, not invalid: the caller may not act on this task at all.
func inspectionError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, inspection.ErrNotOnTeam):
		return &Error{Kind: KindForbidden, Code: "not_on_team", Err: err}
	case errors.Is(err, inspection.ErrOtherDepartment):
		return &Error{Kind: KindForbidden, Code: "other_department", Err: err}
	case errors.Is(err, inspection.ErrState):
		return conflict("task_state", err)
	case errors.Is(err, directory.ErrInvalid):
		return Invalid(domainIssues(0, err)...)
	}
	return err
}
