package inspection

import (
	"slices"
	"strings"
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

// China has kept UTC+8 without daylight saving since 1991; dates are read on this clock.
var chinaTime = time.FixedZone("CST", 8*3600)

// Facts are what the plan says about one task; every Task method decides with them.
type Facts struct {
	Task        string
	Plan        string
	USCC        string
	Items       []directory.Item // the task's items, by code
	Departments []string         // sorted
	Team        []string         // the current team (after substitutions); nil when unfilled
	// DrawnOn is the earliest day the enterprise can have been drawn: the later of the plan's
	// draw date and the day its seed was revealed (China time). No inspection precedes it.
	DrawnOn string
}

// FactsOf reads a task's facts from its plan; ok is false when the plan has no such task
// (not assigned yet, or another plan's).
func FactsOf(p *plan.Plan, taskID string) (Facts, bool) {
	in, rec, ok := p.Assignment()
	if !ok {
		return Facts{}, false
	}
	k, found := slices.BinarySearchFunc(in.Tasks, taskID, func(t assign.Task, id string) int { return strings.Compare(t.ID, id) })
	if !found {
		return Facts{}, false
	}
	t := in.Tasks[k]
	spec := p.Spec()
	f := Facts{Task: t.ID, Plan: spec.ID, USCC: t.USCC, Departments: slices.Clone(t.Departments), DrawnOn: spec.DrawDate}
	for _, it := range spec.Items {
		if slices.Contains(t.Items, it.Code) {
			f.Items = append(f.Items, it)
		}
	}
	f.Team = slices.Clone(rec.Teams()[taskID])
	if r := p.RevealedAt(); !r.IsZero() {
		if d := r.In(chinaTime).Format(directory.DateLayout); d > f.DrawnOn {
			f.DrawnOn = d
		}
	}
	return f, true
}

// ItemNames are the names of the task's items, in code order.
func (f Facts) ItemNames() []string {
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		out[i] = it.Name
	}
	return out
}

// Authority is the inspecting authority as disclosed: the task's departments.
func (f Facts) Authority() string { return strings.Join(f.Departments, "、") }

func (f Facts) checkInspector(id string) error {
	if id == "" || !slices.Contains(f.Team, id) {
		return ErrNotOnTeam
	}
	return nil
}

func (f Facts) checkDepartment(d string) error {
	if d == "" || !slices.Contains(f.Departments, d) {
		return ErrOtherDepartment
	}
	return nil
}
