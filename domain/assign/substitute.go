package assign

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

var (
	// ErrRecord: a record does not fit its inputs (a substitution cannot continue from it).
	ErrRecord = errors.New("assign: record does not fit the inputs")
	// ErrNotOnTeam: the inspector to replace is not on the task's current team.
	ErrNotOnTeam = errors.New("assign: inspector is not on the task's team")
	// ErrNoTeam: the task has no team to substitute in (it is unfilled).
	ErrNoTeam = errors.New("assign: task has no team")
)

// Substitution replaces one member of a task's team (回避 or any other recorded reason, rule 5)
// by continuing the task's pick stream. The original result and every earlier substitution stay
// in the record.
type Substitution struct {
	Task   string `json:"task"`
	Out    string `json:"out"`
	Reason string `json:"reason"`
	// In is the replacement; empty when the pool is exhausted (the task is then unfilled).
	In     string `json:"in,omitempty"`
	Skips  []Skip `json:"skips,omitempty"`
	Picks  uint64 `json:"picks"` // the stream counter afterwards
	Status string `json:"status"`
	// Unfilled explains an exhausted pool, as Result.Reason does.
	Unfilled string `json:"unfilled,omitempty"`
	// Team after the substitution, in pick order (the replacement last); ok only.
	Team []string `json:"team,omitempty"`
	// Partial: the members left when no replacement was found. They do not go.
	Partial []string `json:"partial,omitempty"`
}

// current is a task as the record stands: its team, and the candidates its stream has used up.
type current struct {
	status string
	team   []string
	used   []string
	picks  uint64
}

func replay(rec Record) (map[string]*current, error) {
	cur := make(map[string]*current, len(rec.Results))
	for _, r := range rec.Results {
		c := &current{status: r.Status, team: r.Team, picks: r.Picks}
		c.used = append(append(slices.Clone(r.Team), r.Partial...), usedBySkips(r.Skips)...)
		cur[r.Task] = c
	}
	for i, s := range rec.Substitutions {
		c := cur[s.Task]
		if c == nil {
			return nil, fmt.Errorf("%w: substitution %d names unknown task %q", ErrRecord, i, s.Task)
		}
		c.status, c.team, c.picks = s.Status, s.Team, s.Picks
		if s.In != "" {
			c.used = append(c.used, s.In)
		}
		c.used = append(c.used, s.Partial...)
		c.used = append(c.used, usedBySkips(s.Skips)...)
	}
	return cur, nil
}

// usedBySkips lists the skipped candidates that stay out of the pool. A skip for team
// composition (department, qualification) judged the candidate against a team that a
// substitution changes, so that candidate may be picked again; the other reasons are facts
// about the candidate and this enterprise or batch.
func usedBySkips(skips []Skip) []string {
	var out []string
	for _, s := range skips {
		if s.Reason != ReasonDepartment && s.Reason != ReasonQualification {
			out = append(out, s.Inspector)
		}
	}
	return out
}

// Substitute replaces out on task taskID's current team. The replacement is the next candidate
// of the task's pick stream that the rules accept: the pick counter continues where the task's
// record stopped, over the pool without every candidate already used — anyone ever on the team
// (out included) and anyone skipped for inactive, conflict, rotation or workload. Candidates
// skipped for department or qualification are back in the pool (see usedBySkips). Without such
// skips this is exactly the member the original draw would have picked next for a team one
// larger (prefix property). Workload counts every team of the batch as the record stands,
// without out on this task. Append the returned substitution to rec to record it.
func Substitute(in Inputs, rec Record, taskID, out, reason string) (Substitution, error) {
	if err := in.Validate(); err != nil {
		return Substitution{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Substitution{}, fmt.Errorf("%w: a substitution needs a reason", ErrInput)
	}
	cur, err := replay(rec)
	if err != nil {
		return Substitution{}, err
	}
	b := newBatch(in)
	var t *Task
	if k, ok := slices.BinarySearchFunc(b.tasks, taskID, func(t *Task, id string) int { return strings.Compare(t.ID, id) }); ok {
		t = b.tasks[k]
	}
	c := cur[taskID]
	switch {
	case t == nil || c == nil:
		return Substitution{}, fmt.Errorf("%w: no task %q", ErrInput, taskID)
	case c.status != StatusOK:
		return Substitution{}, fmt.Errorf("%w: task %s is %s", ErrNoTeam, taskID, c.status)
	case !slices.Contains(c.team, out):
		return Substitution{}, fmt.Errorf("%w: %s is not on task %s's team %v", ErrNotOnTeam, out, taskID, c.team)
	}
	ri := make(map[string]int, len(in.Roster)) // roster index by inspector id
	for i, r := range in.Roster {
		ri[r.ID] = i
	}
	load := b.load
	for task, x := range cur {
		if x.status != StatusOK {
			continue
		}
		for _, id := range x.team {
			i, ok := ri[id]
			if !ok {
				return Substitution{}, fmt.Errorf("%w: task %s: %s is not in the roster", ErrRecord, task, id)
			}
			load[i]++
		}
	}
	load[ri[out]]--
	tc := b.ctx(t)
	stay := slices.DeleteFunc(slices.Clone(c.team), func(id string) bool { return id == out })
	st, err := tc.start(c.used, stay, c.picks)
	if err != nil {
		return Substitution{}, err
	}
	tc.fill(st)
	s := Substitution{Task: taskID, Out: out, Reason: reason, Skips: st.skips, Picks: st.s.Picks()}
	if len(st.team) == tc.size {
		s.Status, s.Team = StatusOK, tc.ids(st.team)
		s.In = s.Team[len(s.Team)-1]
	} else {
		s.Status, s.Unfilled, s.Partial = StatusUnfilled, tc.unfilled(st), tc.ids(st.team)
	}
	return s, nil
}
