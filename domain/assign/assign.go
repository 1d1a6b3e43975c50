package assign

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/choucha/choucha/domain/directory"
)

// Skip and unfilled reasons, in the order the rules are checked.
const (
	ReasonInactive      = "inactive"
	ReasonConflict      = "conflict"
	ReasonRotation      = "rotation"
	ReasonWorkload      = "workload"
	ReasonDepartment    = "department"
	ReasonQualification = "qualification"
)

var reasons = []string{ReasonInactive, ReasonConflict, ReasonRotation, ReasonWorkload, ReasonDepartment, ReasonQualification}

// Task statuses.
const (
	StatusOK       = "ok"
	StatusUnfilled = "unfilled"
)

const (
	// MinTeam is the legal minimum of enforcement officers per inspection (行政处罚法 art. 42).
	MinTeam = 2
	// MaxRequirements bounds departments + qualification requirements per task, which keeps the
	// exact composition test (a set cover over 2^n states) cheap.
	MaxRequirements = 16
)

var (
	// ErrInput marks inputs an assignment cannot be computed from.
	ErrInput = errors.New("assign: invalid input")
	// ErrTeamSize: fewer than MinTeam officers per team is never allowed.
	ErrTeamSize = fmt.Errorf("%w: a team needs at least %d enforcement officers (行政处罚法 art. 42)", ErrInput, MinTeam)
)

// Inputs determine an assignment completely: Assign and Verify are functions of them.
type Inputs struct {
	Key      string                `json:"key"`       // draw.Key of the plan's seed sources
	TeamSize int                   `json:"team_size"` // ≥ MinTeam
	Cap      int                   `json:"cap"`       // teams per inspector in this batch, ≥ 1
	Roster   []directory.Inspector `json:"roster"`    // snapshot; ids unique
	Tasks    []Task                `json:"tasks"`     // ids unique
}

// Skip records a candidate picked and not accepted.
type Skip struct {
	Inspector string `json:"inspector"`
	Pick      uint64 `json:"pick"` // the stream's pick counter (0-based)
	Reason    string `json:"reason"`
}

func (s Skip) String() string { return fmt.Sprintf("%s@%d:%s", s.Inspector, s.Pick, s.Reason) }

// Result is the assignment of one task.
type Result struct {
	Task   string `json:"task"`
	Size   int    `json:"size"` // max(TeamSize, number of departments)
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"` // why unfilled
	// Team in pick order; only when Status is ok.
	Team []string `json:"team,omitempty"`
	// Partial lists who was accepted before the pool ran out (unfilled only). They do not go.
	Partial []string `json:"partial,omitempty"`
	Skips   []Skip   `json:"skips,omitempty"`
	// Picks is the stream counter after the last pick: where a substitution continues.
	Picks uint64 `json:"picks"`
}

// Record is what an assignment produced, results first, then substitutions in order. Nothing in
// it is ever rewritten: a substitution is appended.
type Record struct {
	Results       []Result       `json:"results"`
	Substitutions []Substitution `json:"substitutions,omitempty"`
}

// Validate returns every problem at once.
func (in Inputs) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInput}, a...)...))
	}
	if in.TeamSize < MinTeam {
		errs = append(errs, fmt.Errorf("%w (got %d)", ErrTeamSize, in.TeamSize))
	}
	if in.Cap < 1 {
		bad("workload cap %d, want at least 1", in.Cap)
	}
	if in.Key == "" {
		bad("empty key")
	}
	ids := make(map[string]bool, len(in.Roster))
	for i, r := range in.Roster {
		switch {
		case r.ID == "":
			bad("roster[%d]: empty id", i)
		case ids[r.ID]:
			bad("roster[%d]: duplicate inspector id %q", i, r.ID)
		case r.Department == "":
			bad("roster[%d] %s: no department", i, r.ID)
		}
		ids[r.ID] = true
	}
	tasks := make(map[string]bool, len(in.Tasks))
	for i, t := range in.Tasks {
		switch {
		case t.ID == "" || t.USCC == "":
			bad("tasks[%d]: empty id or uscc", i)
		case tasks[t.ID]:
			bad("tasks[%d]: duplicate task id %q", i, t.ID)
		case len(t.Departments) == 0:
			bad("task %s: no department", t.ID)
		case !strictlySorted(t.Departments, strings.Compare):
			bad("task %s: departments not sorted and unique", t.ID)
		case !strictlySorted(t.Requirements, compareRequirement):
			bad("task %s: requirements not sorted and unique", t.ID)
		case len(t.Departments)+len(t.Requirements) > MaxRequirements:
			bad("task %s: %d departments and requirements, at most %d", t.ID, len(t.Departments)+len(t.Requirements), MaxRequirements)
		}
		tasks[t.ID] = true
		for _, q := range t.Requirements {
			if q.Qualification == "" || !slices.Contains(t.Departments, q.Department) {
				bad("task %s: requirement %s/%s names no qualification or a department not in the task", t.ID, q.Department, q.Qualification)
			}
		}
	}
	return errors.Join(errs...)
}

func strictlySorted[T any](xs []T, c func(a, b T) int) bool {
	for i := 1; i < len(xs); i++ {
		if c(xs[i-1], xs[i]) >= 0 {
			return false
		}
	}
	return true
}

// Assign assigns every task, in ascending task id order, and returns the results in that order.
func Assign(in Inputs) ([]Result, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	b := newBatch(in)
	out := make([]Result, 0, len(b.tasks))
	for _, t := range b.tasks {
		tc := b.ctx(t)
		st, err := tc.start(nil, nil, 0)
		if err != nil {
			return nil, err
		}
		tc.fill(st)
		r := Result{Task: t.ID, Size: tc.size, Picks: st.s.Picks(), Skips: st.skips}
		if len(st.team) == tc.size {
			r.Status, r.Team = StatusOK, tc.ids(st.team)
			for _, i := range st.team {
				b.charge(tc.pool[i].ri)
			}
		} else {
			r.Status, r.Reason, r.Partial = StatusUnfilled, tc.unfilled(st), tc.ids(st.team)
		}
		out = append(out, r)
	}
	return out, nil
}

// batch indexes the inputs once: the roster by department, by id and by declared conflict,
// pools by department set.
type batch struct {
	in         Inputs
	byDept     map[string][]member
	shapes     map[string]*shape   // by departments and requirements
	deptShapes map[string][]*shape // the shapes whose pool holds the department
	conflicts  map[string][]int    // roster indices by a USCC in their Conflicts
	load       []int               // teams per inspector, by roster index
	key        []byte              // scratch for shape keys
	last       *shape              // the shape of lastTask, which the next task likely shares
	lastTask   *Task
	tasks      []*Task // by id
}

// member is a pool entry: the inspector and its roster index, which keys the workload counts
// (a slice, not a map: the workload is read for every candidate a pick looks at), and a copy of
// its Active flag, so that rules 1–4 need not load the inspector.
type member struct {
	*directory.Inspector
	ri     int
	active bool
}

func newBatch(in Inputs) *batch {
	b := &batch{in: in, byDept: make(map[string][]member), shapes: make(map[string]*shape),
		deptShapes: make(map[string][]*shape), conflicts: make(map[string][]int),
		load: make([]int, len(in.Roster)), tasks: make([]*Task, len(in.Tasks))}
	for i := range in.Roster {
		r := &in.Roster[i]
		b.byDept[r.Department] = append(b.byDept[r.Department], member{r, i, r.Active})
		for _, u := range r.Conflicts {
			b.conflicts[u] = append(b.conflicts[u], i)
		}
	}
	for i := range in.Tasks {
		b.tasks[i] = &in.Tasks[i]
	}
	slices.SortFunc(b.tasks, func(x, y *Task) int { return cmp.Compare(x.ID, y.ID) })
	return b
}

func byID(x, y member) int { return cmp.Compare(x.ID, y.ID) }

// Teams is each task's current team: the result's, then as every substitution left it. An
// unfilled task has none.
func (r Record) Teams() map[string][]string {
	out := make(map[string][]string, len(r.Results))
	for _, res := range r.Results {
		if len(res.Team) > 0 {
			out[res.Task] = res.Team
		}
	}
	for _, s := range r.Substitutions {
		if len(s.Team) > 0 {
			out[s.Task] = s.Team
		} else {
			delete(out, s.Task)
		}
	}
	return out
}
