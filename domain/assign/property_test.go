package assign_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// On random small batches, checked by brute force: an ok team is valid (size, departments,
// qualifications, no ineligible member, loads within the cap), and a task is unfilled exactly
// when no valid team exists among the candidates rules 1–4 leave. So the composition rule
// never strands a task that could have been staffed, and never relaxes one that could not.
func TestAssignmentAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	depts := []string{"X", "Y", "Z"}
	quals := []string{"q1", "q2"}
	unfilled, filled := 0, 0
	for round := range 300 {
		var ros []directory.Inspector
		for i := range 6 + rng.IntN(8) {
			in := officer(fmt.Sprintf("i%02d", i), depts[rng.IntN(3)])
			in.Active = rng.IntN(8) > 0
			if rng.IntN(6) == 0 {
				in.Conflicts = []string{enterprise}
			}
			for _, q := range quals {
				if rng.IntN(3) == 0 {
					in.Qualifications = append(in.Qualifications, q)
				}
			}
			ros = append(ros, in)
		}
		in := assign.Inputs{Key: draw.Key([][]uint64{{uint64(round)}}), TeamSize: 2 + rng.IntN(2), Cap: 1 + rng.IntN(3), Roster: ros}
		for k := range 1 + rng.IntN(4) {
			ds := slices.Clone(depts[:1+rng.IntN(2)])
			if rng.IntN(2) == 0 {
				ds = []string{depts[1+rng.IntN(2)]}
			}
			tk := task(fmt.Sprintf("t%d", k), ds...)
			for _, q := range quals {
				if rng.IntN(3) == 0 {
					tk.Requirements = append(tk.Requirements, assign.Requirement{ds[0], q})
				}
			}
			if rng.IntN(3) == 0 {
				tk.LastInspectors = []string{ros[rng.IntN(len(ros))].ID}
			}
			in.Tasks = append(in.Tasks, tk)
		}
		rs := mustAssign(t, in)
		load := map[string]int{}
		for i, r := range rs {
			tk := in.Tasks[i]
			var eligible []directory.Inspector
			for _, c := range ros {
				if slices.Contains(tk.Departments, c.Department) && c.Active && !c.ConflictsWith(enterprise) &&
					!slices.Contains(tk.LastInspectors, c.ID) && load[c.ID] < in.Cap {
					eligible = append(eligible, c)
				}
			}
			size := max(in.TeamSize, len(tk.Departments))
			exists := anyValidTeam(eligible, size, tk)
			if (r.Status == assign.StatusOK) != exists {
				t.Fatalf("round %d task %s: status %s (%s), but a valid team exists = %v\ninputs %+v", round, tk.ID, r.Status, r.Reason, exists, in)
			}
			if r.Status == assign.StatusOK {
				filled++
				team := byID(eligible)
				var members []directory.Inspector
				for _, id := range r.Team {
					m, ok := team[id]
					if !ok {
						t.Fatalf("round %d task %s: %s is not eligible", round, tk.ID, id)
					}
					members = append(members, m)
					load[id]++
				}
				if len(members) != size || !valid(members, tk) {
					t.Fatalf("round %d task %s: invalid team %v", round, tk.ID, r.Team)
				}
			} else {
				unfilled++
			}
		}
	}
	if unfilled < 100 || filled < 100 {
		t.Fatalf("weak sample: %d filled, %d unfilled", filled, unfilled)
	}
	t.Logf("%d tasks filled, %d unfilled", filled, unfilled)
}

func valid(team []directory.Inspector, tk assign.Task) bool {
	for _, d := range tk.Departments {
		if !slices.ContainsFunc(team, func(c directory.Inspector) bool { return c.Department == d }) {
			return false
		}
	}
	for _, q := range tk.Requirements {
		if !slices.ContainsFunc(team, func(c directory.Inspector) bool { return c.Department == q.Department && c.Qualified(q.Qualification) }) {
			return false
		}
	}
	return true
}

func anyValidTeam(eligible []directory.Inspector, size int, tk assign.Task) bool {
	if len(eligible) < size {
		return false
	}
	for set := 0; set < 1<<len(eligible); set++ {
		var team []directory.Inspector
		for i := range eligible {
			if set&(1<<i) != 0 {
				team = append(team, eligible[i])
			}
		}
		if len(team) == size && valid(team, tk) {
			return true
		}
	}
	return false
}

// Substitutions on random batches, by brute force: the replacement is eligible under the batch
// loads (without the one leaving), was never used by the stream (on a team, or skipped for a
// reason of its own), and completes a valid team; when none is found, no such candidate exists.
func TestSubstitutionAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	depts := []string{"X", "Y"}
	found, none := 0, 0
	for round := range 300 {
		var ros []directory.Inspector
		for i := range 5 + rng.IntN(8) {
			in := officer(fmt.Sprintf("i%02d", i), depts[rng.IntN(2)])
			in.Active = rng.IntN(8) > 0
			if rng.IntN(6) == 0 {
				in.Conflicts = []string{enterprise}
			}
			if rng.IntN(3) == 0 {
				in.Qualifications = []string{"q"}
			}
			ros = append(ros, in)
		}
		tk := task("t", depts[:1+rng.IntN(2)]...)
		if rng.IntN(2) == 0 {
			tk.Requirements = []assign.Requirement{{"X", "q"}}
		}
		in := assign.Inputs{Key: draw.Key([][]uint64{{uint64(round)}}), TeamSize: 2, Cap: 1, Roster: ros, Tasks: []assign.Task{tk}}
		r := mustAssign(t, in)[0]
		if r.Status != assign.StatusOK {
			continue
		}
		out := r.Team[rng.IntN(len(r.Team))]
		s, err := assign.Substitute(in, assign.Record{Results: []assign.Result{r}}, "t", out, "回避")
		if err != nil {
			t.Fatal(err)
		}
		used := slices.Clone(r.Team)
		for _, sk := range r.Skips {
			if sk.Reason != assign.ReasonDepartment && sk.Reason != assign.ReasonQualification {
				used = append(used, sk.Inspector)
			}
		}
		stay := slices.DeleteFunc(slices.Clone(r.Team), func(id string) bool { return id == out })
		var team []directory.Inspector
		for _, c := range ros {
			if slices.Contains(stay, c.ID) {
				team = append(team, c)
			}
		}
		var options []string
		for _, c := range ros {
			if slices.Contains(tk.Departments, c.Department) && c.Active && !c.ConflictsWith(enterprise) && !slices.Contains(used, c.ID) &&
				valid(append(slices.Clone(team), c), tk) {
				options = append(options, c.ID)
			}
		}
		switch {
		case s.Status == assign.StatusOK && slices.Contains(options, s.In):
			found++
		case s.Status == assign.StatusUnfilled && len(options) == 0:
			none++
		default:
			t.Fatalf("round %d: substitution %+v; valid replacements %v (result %+v)", round, s, options, r)
		}
	}
	if found < 50 || none < 10 {
		t.Fatalf("weak sample: %d replaced, %d without replacement", found, none)
	}
	t.Logf("%d replaced, %d without replacement", found, none)
}
