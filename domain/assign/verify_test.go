package assign_test

import (
	"fmt"
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
)

func verifyFixture(t *testing.T) (assign.Inputs, assign.Record) {
	t.Helper()
	tk := task("t1", "X")
	tk.LastInspectors = []string{"a02"}
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 1,
		Roster: roster(staff("a", "X", 6), []directory.Inspector{officer("b", "X", inactive), officer("c", "X", conflicted)}),
		Tasks:  []assign.Task{tk, task("t2", "X")}}
	rs := mustAssign(t, in)
	rec := assign.Record{Results: rs}
	s, err := assign.Substitute(in, rec, "t2", rs[1].Team[1], "回避")
	if err != nil {
		t.Fatal(err)
	}
	rec.Substitutions = []assign.Substitution{s}
	if ms := assign.Verify(in, rec); len(ms) != 0 {
		t.Fatal(ms)
	}
	return in, rec
}

func clone(rec assign.Record) assign.Record {
	c := assign.Record{}
	for _, r := range rec.Results {
		r.Team = append([]string(nil), r.Team...)
		r.Skips = append([]assign.Skip(nil), r.Skips...)
		c.Results = append(c.Results, r)
	}
	for _, s := range rec.Substitutions {
		s.Team = append([]string(nil), s.Team...)
		c.Substitutions = append(c.Substitutions, s)
	}
	return c
}

// Verify names the task, the field and the index of each altered value.
func TestVerifyNamesWhatWasAltered(t *testing.T) {
	in, rec := verifyFixture(t)
	cases := []struct {
		name  string
		alter func(*assign.Record)
		want  assign.Mismatch
	}{
		{"team member", func(r *assign.Record) { r.Results[0].Team[1] = "zz" },
			assign.Mismatch{Task: "t1", Field: "team", Index: 1, Want: rec.Results[0].Team[1], Got: "zz"}},
		{"status", func(r *assign.Record) { r.Results[1].Status = assign.StatusUnfilled },
			assign.Mismatch{Task: "t2", Field: "status", Index: -1, Want: "ok", Got: "unfilled"}},
		{"pick counter", func(r *assign.Record) { r.Results[0].Picks++ },
			assign.Mismatch{Task: "t1", Field: "picks", Index: -1, Want: fmt.Sprint(rec.Results[0].Picks), Got: fmt.Sprint(rec.Results[0].Picks + 1)}},
		{"substitute", func(r *assign.Record) { r.Substitutions[0].In = "zz" },
			assign.Mismatch{Task: "t2", Field: "substitutions[0].in", Index: -1, Want: rec.Substitutions[0].In, Got: "zz"}},
	}
	for _, c := range cases {
		bad := clone(rec)
		c.alter(&bad)
		ms := assign.Verify(in, bad)
		if len(ms) != 1 || ms[0] != c.want {
			t.Errorf("%s: %+v\nwant [%+v]", c.name, ms, c.want)
		}
	}
	// A skipped candidate dropped from the record.
	bad := clone(rec)
	for i, r := range bad.Results {
		if len(r.Skips) > 0 {
			bad.Results[i].Skips = r.Skips[1:]
			ms := assign.Verify(in, bad)
			if len(ms) == 0 || ms[0].Task != r.Task || ms[0].Field != "skips" || ms[0].Index != 0 {
				t.Errorf("dropped skip: %+v", ms)
			}
			break
		}
	}
	// Altered inputs (an officer now inactive) no longer reproduce the record.
	in2 := in
	in2.Roster = append([]directory.Inspector(nil), in.Roster...)
	for i := range in2.Roster {
		if in2.Roster[i].ID == rec.Results[0].Team[0] {
			in2.Roster[i].Active = false
		}
	}
	if ms := assign.Verify(in2, rec); len(ms) == 0 {
		t.Error("verify ignored a changed roster")
	}
}
