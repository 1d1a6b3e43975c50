package plan

import (
	"cmp"
	"slices"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
)

// Tasks returns one task per drawn enterprise (assign.Merge over this plan alone: every task
// covers all of the plan's items and their departments), sorted by task id.
func (p *Plan) Tasks(last func(uscc string) []string) []assign.Task {
	drawn := make([]assign.Drawn, 0, len(p.Drawn()))
	for _, u := range p.Drawn() {
		drawn = append(drawn, assign.Drawn{Plan: p.spec.ID, USCC: u, Items: p.spec.Items})
	}
	return assign.Merge(drawn, last)
}

// AssignInspectors draws a team for every drawn enterprise (package assign) with the plan's key
// and records the inputs and the results. roster is the current roster; the recorded snapshot
// keeps the inspectors of the plan's item departments, sorted by id. last gives the inspectors
// of each enterprise's previous inspection (nil: none). Unfilled tasks are recorded as such.
func (p *Plan) AssignInspectors(roster []directory.Inspector, last func(uscc string) []string, teamSize, workloadCap int) ([]directory.Change, error) {
	if p.state != StateDrawn {
		return nil, stateErr("assign inspectors to", p.state)
	}
	depts := make(map[string]bool)
	for _, it := range p.spec.Items {
		depts[it.Department] = true
	}
	var snap []directory.Inspector
	for _, in := range roster {
		if depts[in.Department] {
			snap = append(snap, in)
		}
	}
	slices.SortFunc(snap, func(a, b directory.Inspector) int { return cmp.Compare(a.ID, b.ID) })
	in := assign.Inputs{Key: p.Key(), TeamSize: teamSize, Cap: workloadCap, Roster: snap, Tasks: p.Tasks(last)}
	results, err := assign.Assign(in)
	if err != nil {
		return nil, err
	}
	return p.emit(directory.Change{Type: InspectorsAssigned, Payload: InspectorsAssignedV1{
		TeamSize: teamSize, Cap: workloadCap, Roster: snap, Tasks: in.Tasks, Results: results,
	}}), nil
}

// Substitute replaces inspectorID on a task's team (回避 or another reason, rule 5) by
// continuing the task's pick stream; see assign.Substitute. The original team and every earlier
// substitution stay recorded. When the pool is exhausted the substitution is still recorded,
// with no replacement, and the task becomes unfilled.
func (p *Plan) Substitute(taskID, inspectorID, reason string) ([]directory.Change, error) {
	in, rec, ok := p.Assignment()
	if !ok || p.state != StateAssigned {
		return nil, stateErr("substitute an inspector in", p.state)
	}
	s, err := assign.Substitute(in, rec, taskID, inspectorID, reason)
	if err != nil {
		return nil, err
	}
	return p.emit(directory.Change{Type: SubstitutionRecorded, Payload: SubstitutionRecordedV1{Substitution: s}}), nil
}
