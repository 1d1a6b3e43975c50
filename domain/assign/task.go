package assign

import (
	"cmp"
	"slices"

	"github.com/choucha/choucha/domain/directory"
)

// Requirement asks that some member of Department hold Qualification (rule 4).
type Requirement struct {
	Department    string `json:"department"`
	Qualification string `json:"qualification"`
}

func compareRequirement(a, b Requirement) int {
	return cmp.Or(cmp.Compare(a.Department, b.Department), cmp.Compare(a.Qualification, b.Qualification))
}

// Task is one visit to one enterprise. Departments, Requirements and LastInspectors are part
// of the recorded inputs, so a task list is all an assignment needs besides key and roster.
type Task struct {
	ID    string   `json:"id"`
	USCC  string   `json:"uscc"`
	Plans []string `json:"plans"`
	Items []string `json:"items"` // item codes
	// Departments participating: each sends at least one member. Sorted, unique.
	Departments []string `json:"departments"`
	// Requirements of the items that name a qualification. Sorted, unique.
	Requirements []Requirement `json:"requirements,omitempty"`
	// LastInspectors were on the enterprise's previous inspection (rotation, rule 6).
	LastInspectors []string `json:"last_inspectors,omitempty"`
}

// Drawn is one enterprise drawn by one plan, with that plan's items.
type Drawn struct {
	Plan  string
	USCC  string
	Items []directory.Item
}

// TaskID is the id of the task for an enterprise drawn by plan (the smallest plan id when
// several plans drew it).
func TaskID(plan, uscc string) string { return plan + "-" + uscc }

// Merge builds one task per enterprise (rule 7: several plans of one period that drew the same
// enterprise make one visit), sorted by id. last returns the inspectors of the enterprise's
// previous inspection; nil means no history.
func Merge(drawn []Drawn, last func(uscc string) []string) []Task {
	by := make(map[string]*Task, len(drawn))
	var order []*Task
	for _, d := range drawn {
		t := by[d.USCC]
		if t == nil {
			t = &Task{USCC: d.USCC}
			by[d.USCC] = t
			order = append(order, t)
		}
		t.Plans = append(t.Plans, d.Plan)
		for _, it := range d.Items {
			t.Items = append(t.Items, it.Code)
			t.Departments = append(t.Departments, it.Department)
			if it.Qualification != "" {
				t.Requirements = append(t.Requirements, Requirement{it.Department, it.Qualification})
			}
		}
	}
	for _, t := range order {
		uscc := t.USCC
		t.Plans = sortedSet(t.Plans)
		t.Items = sortedSet(t.Items)
		t.Departments = sortedSet(t.Departments)
		slices.SortFunc(t.Requirements, compareRequirement)
		t.Requirements = slices.Compact(t.Requirements)
		t.ID = TaskID(t.Plans[0], uscc)
		if last != nil {
			t.LastInspectors = sortedSet(slices.Clone(last(uscc)))
		}
	}
	// Ids are unique (one task per USCC), so any sort gives the one order; sorting the ids
	// beside their tasks moves a fraction of the tasks' bytes.
	type keyed struct {
		id string
		t  *Task
	}
	ks := make([]keyed, len(order))
	for i, t := range order {
		ks[i] = keyed{t.ID, t}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.id, b.id) })
	out := make([]Task, len(ks))
	for i, k := range ks {
		out[i] = *k.t
	}
	return out
}

func sortedSet(xs []string) []string {
	slices.Sort(xs)
	return slices.Compact(xs)
}
