package assign_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

func TestTeamOfFewerThanTwoIsRefused(t *testing.T) {
	for _, size := range []int{-1, 0, 1} {
		in := assign.Inputs{Key: key, TeamSize: size, Cap: 5, Roster: staff("a", "X", 5), Tasks: []assign.Task{task("t1", "X")}}
		_, err := assign.Assign(in)
		if !errors.Is(err, assign.ErrTeamSize) || !errors.Is(err, assign.ErrInput) {
			t.Errorf("team size %d: err = %v, want ErrTeamSize", size, err)
		}
		if _, err := assign.Substitute(in, assign.Record{}, "t1", "a00", "回避"); !errors.Is(err, assign.ErrTeamSize) {
			t.Errorf("Substitute with team size %d: err = %v", size, err)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	many := task("t3", "D00", "D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09", "D10", "D11", "D12", "D13", "D14", "D15", "D16")
	in := assign.Inputs{
		TeamSize: 2, Cap: 0,
		Roster: []directory.Inspector{officer("a", "X"), officer("a", "X"), officer("b", "")},
		Tasks: []assign.Task{task("t1", "X"), task("t1", "X"), task("t2", "Y", "X"), many,
			{ID: "t4", USCC: "u", Departments: []string{"X"}, Requirements: []assign.Requirement{{"Y", "q"}}}},
	}
	err := in.Validate()
	for _, want := range []string{"cap 0", "empty key", "duplicate inspector id", "no department", "duplicate task id",
		"not sorted", "at most 16", "department not in the task"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v\nwant a problem mentioning %q", err, want)
		}
	}
}

// The team is the first accepted picks of the documented stream: an independent reader can
// rebuild it from draw.Select alone when every candidate is acceptable.
func TestPicksFollowTheDocumentedStream(t *testing.T) {
	pool := staff("a", "X", 17)
	rs := mustAssign(t, assign.Inputs{Key: key, TeamSize: 3, Cap: 1, Roster: pool, Tasks: []assign.Task{task("p-1", "X")}})
	picks, err := draw.Select(draw.StratumKey(key, "inspectors/p-1"), len(pool), 3)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, i := range picks {
		want = append(want, pool[i].ID)
	}
	if r := rs[0]; !slices.Equal(r.Team, want) || r.Status != assign.StatusOK || r.Picks != 3 || len(r.Skips) != 0 {
		t.Fatalf("result %+v, want team %v after 3 picks", r, want)
	}
	if assign.StreamLabel("p-1") != "inspectors/p-1" {
		t.Fatal("stream label")
	}
}

func TestAssignIsDeterministicAndDependsOnTheKey(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 3, Roster: roster(staff("a", "X", 20), staff("b", "Y", 20))}
	for i := range 10 {
		in.Tasks = append(in.Tasks, task(fmt.Sprintf("t%d", i), "X"), task(fmt.Sprintf("u%d", i), "Y"))
	}
	a, b := mustAssign(t, in), mustAssign(t, in)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same inputs, different results")
	}
	// Results come in task id order whatever the input order.
	if !slices.IsSortedFunc(a, func(x, y assign.Result) int { return strings.Compare(x.Task, y.Task) }) {
		t.Fatal("results not in task id order")
	}
	in.Key = draw.Key([][]uint64{{1}, {2}})
	if fmt.Sprint(mustAssign(t, in)) == fmt.Sprint(a) {
		t.Fatal("another key gave the same teams")
	}
}

// Every rule's skip is recorded with its reason, in the documented order of checks, and a
// skipped candidate never joins the team.
func TestSkipsCarryTheirReason(t *testing.T) {
	pool := []directory.Inspector{
		officer("i1", "X", inactive),
		officer("i2", "X", conflicted),
		officer("i3", "X"), // rotation: on the last inspection
		officer("i4", "X", inactive, conflicted),
		officer("i5", "X", conflicted),
		officer("i6", "X"),
		officer("i7", "X"),
	}
	want := map[string]string{"i1": "inactive", "i2": "conflict", "i3": "rotation", "i4": "inactive", "i5": "conflict"}
	tk := task("t", "X")
	tk.LastInspectors = []string{"i3"}
	seen := map[string]bool{}
	for k := range 40 {
		in := assign.Inputs{Key: draw.Key([][]uint64{{uint64(k)}}), TeamSize: 2, Cap: 1, Roster: pool, Tasks: []assign.Task{tk}}
		r := mustAssign(t, in)[0]
		if r.Status != assign.StatusOK || !slices.Equal(slices.Sorted(slices.Values(r.Team)), []string{"i6", "i7"}) {
			t.Fatalf("key %d: %+v, want team i6, i7", k, r)
		}
		for _, s := range r.Skips {
			if want[s.Inspector] != s.Reason {
				t.Fatalf("key %d: skip %v, want reason %q", k, s, want[s.Inspector])
			}
			seen[s.Reason] = true
		}
		if int(r.Picks) != len(r.Team)+len(r.Skips) {
			t.Fatalf("key %d: %d picks for %d members and %d skips", k, r.Picks, len(r.Team), len(r.Skips))
		}
	}
	for _, reason := range []string{"inactive", "conflict", "rotation"} {
		if !seen[reason] {
			t.Errorf("no %s skip in 40 draws", reason)
		}
	}
}

// Workload counts teams assigned earlier in the batch (task id order): with a cap of 1 the
// second task cannot reuse the first task's officers and, with three officers, stays unfilled
// with an exact reason. Its partial pick does not count as workload.
func TestWorkloadCapAndUnfilledReason(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Roster: staff("a", "X", 3), Tasks: []assign.Task{task("t2", "X"), task("t1", "X")}}
	rs := mustAssign(t, in)
	first, second := rs[0], rs[1]
	if first.Task != "t1" || first.Status != assign.StatusOK {
		t.Fatalf("first %+v", first)
	}
	if second.Status != assign.StatusUnfilled || len(second.Team) != 0 || len(second.Partial) != 1 {
		t.Fatalf("second %+v", second)
	}
	if want := "pool_exhausted: need 2, found 1; skipped: 2 workload"; second.Reason != want {
		t.Fatalf("reason %q, want %q", second.Reason, want)
	}
	for _, s := range second.Skips {
		if s.Reason != assign.ReasonWorkload || !slices.Contains(first.Team, s.Inspector) {
			t.Fatalf("skip %v", s)
		}
	}
	if slices.Contains(first.Team, second.Partial[0]) {
		t.Fatal("partial member over the cap")
	}
}

func TestUnfilledReasonCountsEverySkip(t *testing.T) {
	tk := task("t", "X")
	tk.LastInspectors = []string{"r"}
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Tasks: []assign.Task{tk}, Roster: []directory.Inspector{
		officer("c", "X", conflicted), officer("i", "X", inactive), officer("r", "X"), officer("ok", "X"), officer("other", "Y"),
	}}
	r := mustAssign(t, in)[0]
	if want := "pool_exhausted: need 2, found 1; skipped: 1 inactive, 1 conflict, 1 rotation"; r.Reason != want {
		t.Fatalf("reason %q, want %q", r.Reason, want)
	}
	if r.Status != assign.StatusUnfilled || r.Team != nil || !slices.Equal(r.Partial, []string{"ok"}) || r.Picks != 4 {
		t.Fatalf("%+v", r)
	}
	// An empty pool is exhausted at once.
	in.Tasks = []assign.Task{task("t", "Z")}
	if r := mustAssign(t, in)[0]; r.Reason != "pool_exhausted: need 2, found 0; uncovered: department Z" {
		t.Fatalf("empty pool: %q", r.Reason)
	}
}

// A required qualification is covered by the team; a candidate who adds nothing is skipped
// only when the last slot must go to a qualified one.
func TestQualificationIsCovered(t *testing.T) {
	pool := roster(staff("a", "X", 6), []directory.Inspector{officer("q1", "X", qualified("食品检查"))})
	tk := task("t", "X")
	tk.Requirements = []assign.Requirement{{"X", "食品检查"}}
	skipped := 0
	for k := range 60 {
		r := mustAssign(t, assign.Inputs{Key: draw.Key([][]uint64{{uint64(k)}}), TeamSize: 2, Cap: 1, Roster: pool, Tasks: []assign.Task{tk}})[0]
		if r.Status != assign.StatusOK || !slices.Contains(r.Team, "q1") {
			t.Fatalf("key %d: %+v", k, r)
		}
		for _, s := range r.Skips {
			if s.Reason != assign.ReasonQualification {
				t.Fatalf("key %d: skip %v", k, s)
			}
			skipped++
		}
		// Only the second slot can force a skip: the first unqualified pick is accepted.
		if len(r.Skips) > 0 && (r.Team[1] != "q1" || r.Team[0] == "q1") {
			t.Fatalf("key %d: skipped although a slot was free: %+v", k, r)
		}
	}
	if skipped == 0 {
		t.Fatal("no qualification skip in 60 draws")
	}
	// The only qualified officer has a conflict: no team, and the reason names what is missing.
	pool[len(pool)-1].Conflicts = []string{enterprise}
	r := mustAssign(t, assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Roster: pool, Tasks: []assign.Task{tk}})[0]
	if r.Status != assign.StatusUnfilled || !strings.Contains(r.Reason, "qualification X/食品检查") ||
		!strings.Contains(r.Reason, "1 conflict") || !strings.Contains(r.Reason, "6 qualification") {
		t.Fatalf("%+v", r)
	}
}

// A joint visit (rule 7) has at least one member of each department, and at least as many
// members as departments.
func TestJointTaskCoversEveryDepartment(t *testing.T) {
	pool := roster(staff("x", "X", 12), staff("y", "Y", 3), staff("z", "Z", 2))
	sawDeptSkip := false
	for k := range 60 {
		in := assign.Inputs{Key: draw.Key([][]uint64{{uint64(k)}}), TeamSize: 2, Cap: 2, Roster: pool,
			Tasks: []assign.Task{task("a", "X", "Y"), task("b", "X", "Y", "Z")}}
		rs := mustAssign(t, in)
		for _, r := range rs {
			depts := map[byte]bool{}
			for _, id := range r.Team {
				depts[id[0]] = true
			}
			if r.Status != assign.StatusOK || len(depts) != r.Size || (r.Task == "b" && r.Size != 3) || (r.Task == "a" && r.Size != 2) {
				t.Fatalf("key %d: %+v", k, r)
			}
			for _, s := range r.Skips {
				if s.Reason != assign.ReasonDepartment {
					t.Fatalf("key %d: %v", k, s)
				}
				sawDeptSkip = true
			}
		}
	}
	if !sawDeptSkip {
		t.Fatal("no department skip in 60 draws")
	}
}

// The cap bounds every officer's load in a batch, counting earlier tasks: 60 seats over 10
// officers with a cap of 7 all fill and nobody exceeds it, while the same draw without a cap
// gives someone more. A skip for workload happens exactly at the cap. (A cap of exactly the
// even share, 6, can strand the last task: see TestTightCapCanStrandTheLastTask.)
func TestWorkloadBalancedAcrossBatch(t *testing.T) {
	loads := func(workloadCap int) (map[string]int, int) {
		in := assign.Inputs{Key: key, TeamSize: 2, Cap: workloadCap, Roster: staff("a", "X", 10)}
		for i := range 30 {
			in.Tasks = append(in.Tasks, task(fmt.Sprintf("t%02d", i), "X"))
		}
		load := map[string]int{}
		skips := 0
		for _, r := range mustAssign(t, in) {
			if r.Status != assign.StatusOK {
				t.Fatalf("cap %d: %+v", workloadCap, r)
			}
			for _, s := range r.Skips {
				if s.Reason != assign.ReasonWorkload || load[s.Inspector] != workloadCap {
					t.Fatalf("skip %v at load %d", s, load[s.Inspector])
				}
				skips++
			}
			for _, id := range r.Team {
				load[id]++
			}
		}
		return load, skips
	}
	capped, skips := loads(7)
	free, _ := loads(30)
	if skips == 0 || len(capped) != 10 {
		t.Fatalf("%d workload skips, %d officers used", skips, len(capped))
	}
	if m := slices.Max(slices.Collect(maps.Values(capped))); m > 7 {
		t.Fatalf("capped loads %v", capped)
	}
	if m := slices.Max(slices.Collect(maps.Values(free))); m <= 7 {
		t.Fatalf("without a cap the busiest officer has %d tasks; the test needs a draw that exceeds 7", m)
	}
}

func TestMergeJoinsPlansOfOnePeriod(t *testing.T) {
	food := directory.Item{Code: "F1", Department: "市场监管", Category: "重点", Qualification: "食品检查"}
	fire := directory.Item{Code: "H1", Department: "消防", Category: "一般"}
	ad := directory.Item{Code: "A1", Department: "市场监管", Category: "一般"}
	last := func(uscc string) []string {
		if uscc == "U1" {
			return []string{"b", "a", "b"}
		}
		return nil
	}
	tasks := assign.Merge([]assign.Drawn{
		{Plan: "p2", USCC: "U1", Items: []directory.Item{fire}},
		{Plan: "p1", USCC: "U2", Items: []directory.Item{food, ad}},
		{Plan: "p1", USCC: "U1", Items: []directory.Item{food, ad}},
	}, last)
	want := []assign.Task{
		{ID: "p1-U1", USCC: "U1", Plans: []string{"p1", "p2"}, Items: []string{"A1", "F1", "H1"}, Departments: []string{"市场监管", "消防"},
			Requirements: []assign.Requirement{{"市场监管", "食品检查"}}, LastInspectors: []string{"a", "b"}},
		{ID: "p1-U2", USCC: "U2", Plans: []string{"p1"}, Items: []string{"A1", "F1"}, Departments: []string{"市场监管"},
			Requirements: []assign.Requirement{{"市场监管", "食品检查"}}},
	}
	if fmt.Sprintf("%+v", tasks) != fmt.Sprintf("%+v", want) {
		t.Fatalf("Merge\n got %+v\nwant %+v", tasks, want)
	}
	if err := (assign.Inputs{Key: key, TeamSize: 2, Cap: 1, Tasks: tasks}).Validate(); err != nil {
		t.Fatalf("merged tasks do not validate: %v", err)
	}
}

// A list-order change of the same roster changes nothing: pools are sorted by id.
func TestRosterOrderDoesNotMatter(t *testing.T) {
	pool := roster(staff("x", "X", 9), staff("y", "Y", 9))
	in := assign.Inputs{Key: key, TeamSize: 3, Cap: 2, Roster: pool, Tasks: []assign.Task{task("a", "X", "Y"), task("b", "Y")}}
	a := mustAssign(t, in)
	in.Roster = slices.Clone(pool)
	slices.Reverse(in.Roster)
	if fmt.Sprint(mustAssign(t, in)) != fmt.Sprint(a) {
		t.Fatal("roster order changed the assignment")
	}
}

// The cap is a bound, not a packing: with exactly the even share the last task in id order may
// find a single officer under the cap. It is then unfilled and says so; nothing is relaxed.
func TestTightCapCanStrandTheLastTask(t *testing.T) {
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 6, Roster: staff("a", "X", 10)}
	for i := range 30 {
		in.Tasks = append(in.Tasks, task(fmt.Sprintf("t%02d", i), "X"))
	}
	rs := mustAssign(t, in)
	last := rs[len(rs)-1]
	if last.Status != assign.StatusUnfilled || last.Reason != "pool_exhausted: need 2, found 1; skipped: 9 workload" {
		t.Fatalf("last task %+v", last)
	}
}
