package assign_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// A substitution continues the task's pick stream (prefix property): the replacement is the
// member the original draw would have picked next had the team been one larger, and a second
// substitution the one after that. The original result and the first substitution remain.
func TestSubstituteContinuesTheStream(t *testing.T) {
	tk := task("t", "X")
	tk.LastInspectors = []string{"a03", "a07"}
	pool := roster(staff("a", "X", 12), []directory.Inspector{officer("b1", "X", inactive), officer("b2", "X", conflicted)})
	for k := range 20 {
		in := assign.Inputs{Key: draw.Key([][]uint64{{uint64(k)}, {42}}), Cap: 1, Roster: pool, Tasks: []assign.Task{tk}}
		run := func(size int) assign.Result {
			in := in
			in.TeamSize = size
			return mustAssign(t, in)[0]
		}
		r2, r3, r4 := run(2), run(3), run(4)
		if !slices.Equal(r3.Team[:2], r2.Team) || !slices.Equal(r4.Team[:3], r3.Team) {
			t.Fatalf("key %d: teams are not prefixes: %v %v %v", k, r2.Team, r3.Team, r4.Team)
		}
		in.TeamSize = 2
		rec := assign.Record{Results: []assign.Result{r2}}
		s1, err := assign.Substitute(in, rec, "t", r2.Team[0], "企业申请回避")
		if err != nil {
			t.Fatal(err)
		}
		if s1.In != r3.Team[2] || s1.Picks != r3.Picks || s1.Status != assign.StatusOK ||
			!slices.Equal(s1.Team, []string{r2.Team[1], r3.Team[2]}) || s1.Out != r2.Team[0] || s1.Reason != "企业申请回避" {
			t.Fatalf("key %d: substitution %+v, want %s at pick counter %d", k, s1, r3.Team[2], r3.Picks)
		}
		if fmt.Sprint(s1.Skips) != fmt.Sprint(r3.Skips[len(r2.Skips):]) {
			t.Fatalf("key %d: substitution skips %v, want the tail of %v", k, s1.Skips, r3.Skips)
		}
		rec.Substitutions = append(rec.Substitutions, s1)
		s2, err := assign.Substitute(in, rec, "t", s1.In, "临时公务")
		if err != nil {
			t.Fatal(err)
		}
		if s2.In != r4.Team[3] || s2.Picks != r4.Picks || !slices.Equal(s2.Team, []string{r2.Team[1], r4.Team[3]}) {
			t.Fatalf("key %d: second substitution %+v, want %s", k, s2, r4.Team[3])
		}
		rec.Substitutions = append(rec.Substitutions, s2)
		// History: the original team is still the recorded result; everything verifies.
		if !slices.Equal(rec.Results[0].Team, r2.Team) || len(rec.Substitutions) != 2 {
			t.Fatal("history changed")
		}
		if ms := assign.Verify(in, rec); len(ms) != 0 {
			t.Fatalf("key %d: %v", k, ms)
		}
		// The one who left may not come back through the stream: he was already picked.
		if slices.Contains(s2.Team, r2.Team[0]) || slices.Contains(s2.Team, s1.In) {
			t.Fatal("a replaced member returned")
		}
	}
}

// A replacement keeps the team's composition: the only member of a department is replaced by
// a member of the same department, including one skipped earlier only for composition.
func TestSubstituteKeepsDepartmentsCovered(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 2, Roster: roster(staff("x", "X", 8), staff("y", "Y", 4)), Tasks: []assign.Task{task("t", "X", "Y")}}
	r := mustAssign(t, in)[0]
	var y string
	for _, id := range r.Team {
		if id[0] == 'y' {
			y = id
		}
	}
	s, err := assign.Substitute(in, assign.Record{Results: []assign.Result{r}}, "t", y, "回避")
	if err != nil {
		t.Fatal(err)
	}
	if s.In == "" || s.In[0] != 'y' {
		t.Fatalf("replacement %+v, want a member of Y", s)
	}
	// This draw had skipped every other Y officer for "department" while y was on the team;
	// the replacement is one of them, back in the pool now that the team has changed.
	if !slices.ContainsFunc(r.Skips, func(sk assign.Skip) bool { return sk.Inspector == s.In && sk.Reason == assign.ReasonDepartment }) {
		t.Fatalf("replacement %s was not a department skip of %+v", s.In, r)
	}
	if ms := assign.Verify(in, assign.Record{Results: []assign.Result{r}, Substitutions: []assign.Substitution{s}}); len(ms) != 0 {
		t.Fatal(ms)
	}
	for _, sk := range s.Skips {
		if sk.Inspector[0] != 'x' || sk.Reason != assign.ReasonDepartment {
			t.Fatalf("skip %v", sk)
		}
	}
}

// Workload for a substitution counts the whole batch as it stands.
func TestSubstituteRespectsWorkloadOfTheBatch(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Roster: staff("a", "X", 5), Tasks: []assign.Task{task("t1", "X"), task("t2", "X")}}
	rs := mustAssign(t, in)
	s, err := assign.Substitute(in, assign.Record{Results: rs}, "t1", rs[0].Team[0], "回避")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != assign.StatusOK || slices.Contains(rs[1].Team, s.In) {
		t.Fatalf("%+v took an officer at the cap (t2 team %v)", s, rs[1].Team)
	}
	for _, sk := range s.Skips {
		if sk.Reason != assign.ReasonWorkload || !slices.Contains(rs[1].Team, sk.Inspector) {
			t.Fatalf("skip %v", sk)
		}
	}
}

// No replacement left: the substitution is still recorded, the task becomes unfilled, and a
// further substitution is refused.
func TestSubstituteWithExhaustedPool(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Roster: roster(staff("a", "X", 2), []directory.Inspector{officer("c", "X", conflicted)}), Tasks: []assign.Task{task("t", "X")}}
	r := mustAssign(t, in)[0]
	rec := assign.Record{Results: []assign.Result{r}}
	s, err := assign.Substitute(in, rec, "t", r.Team[0], "回避")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != assign.StatusUnfilled || s.In != "" || s.Team != nil || !slices.Equal(s.Partial, r.Team[1:]) ||
		s.Picks != 3 || s.Unfilled[:len("pool_exhausted: need 2, found 1")] != "pool_exhausted: need 2, found 1" {
		t.Fatalf("%+v", s)
	}
	rec.Substitutions = append(rec.Substitutions, s)
	if _, err := assign.Substitute(in, rec, "t", r.Team[1], "回避"); !errors.Is(err, assign.ErrNoTeam) {
		t.Fatalf("substitution in an unfilled task: %v", err)
	}
	if ms := assign.Verify(in, rec); len(ms) != 0 {
		t.Fatal(ms)
	}
}

func TestSubstituteRefusals(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Roster: staff("a", "X", 4), Tasks: []assign.Task{task("t", "X")}}
	r := mustAssign(t, in)[0]
	rec := assign.Record{Results: []assign.Result{r}}
	outside := "a00"
	for _, id := range []string{"a00", "a01", "a02", "a03"} {
		if !slices.Contains(r.Team, id) {
			outside = id
		}
	}
	for name, c := range map[string]struct {
		task, out, reason string
		want              error
	}{
		"not on team":  {"t", outside, "回避", assign.ErrNotOnTeam},
		"unknown task": {"nope", r.Team[0], "回避", assign.ErrInput},
		"no reason":    {"t", r.Team[0], "  ", assign.ErrInput},
	} {
		if _, err := assign.Substitute(in, rec, c.task, c.out, c.reason); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	// A record that names a candidate outside the pool cannot be continued.
	bad := rec
	bad.Results = []assign.Result{r}
	bad.Results[0].Skips = []assign.Skip{{Inspector: "ghost", Pick: 0, Reason: "conflict"}}
	if _, err := assign.Substitute(in, bad, "t", r.Team[0], "回避"); !errors.Is(err, assign.ErrRecord) {
		t.Errorf("inconsistent record: %v", err)
	}
}
