package assign

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// The reference below is the assignment written plainly: every composition test scans the
// whole pool for the candidates left that pass rules 1–4, and each task's stream has its own
// draw.Remaining. Assign and Substitute count candidates per coverage pattern and keep the
// stream's pool as a short list instead; they must produce exactly the same records.

type refCtx struct {
	t     *Task
	pool  []member
	masks []uint32
	size  int
	cap   int
	key   string
	all   uint32
	dept  uint32
}

type refState struct {
	rem     *draw.Remaining
	s       *draw.Stream
	team    []int
	covered uint32
	skips   []Skip
}

func refContext(in Inputs, t *Task) *refCtx {
	tc := &refCtx{t: t, size: max(in.TeamSize, len(t.Departments)), cap: in.Cap,
		key: draw.StratumKey(in.Key, StreamLabel(t.ID)), all: 1<<(len(t.Departments)+len(t.Requirements)) - 1,
		dept: 1<<len(t.Departments) - 1}
	for i := range in.Roster {
		if slices.Contains(t.Departments, in.Roster[i].Department) {
			tc.pool = append(tc.pool, member{Inspector: &in.Roster[i], ri: i})
		}
	}
	slices.SortFunc(tc.pool, byID)
	for _, c := range tc.pool {
		tc.masks = append(tc.masks, coverage(t, c.Inspector))
	}
	return tc
}

func (tc *refCtx) index(id string) (int, bool) {
	return slices.BinarySearchFunc(tc.pool, id, func(c member, id string) int { return strings.Compare(c.ID, id) })
}

func (tc *refCtx) start(used, team []string, picks uint64) (*refState, error) {
	rem, err := draw.NewRemaining(len(tc.pool))
	if err != nil {
		return nil, err
	}
	st := &refState{rem: rem, s: draw.NewStream(tc.key)}
	for _, id := range used {
		i, ok := tc.index(id)
		if !ok || !rem.Remove(i) {
			return nil, fmt.Errorf("%w: task %s: %s was used twice or is not in its pool", ErrRecord, tc.t.ID, id)
		}
	}
	if uint64(len(tc.pool)-rem.Len()) > picks {
		return nil, fmt.Errorf("%w: task %s: %d candidates used but the stream is at pick %d", ErrRecord, tc.t.ID, len(tc.pool)-rem.Len(), picks)
	}
	for range picks {
		st.s.Next(1)
	}
	for _, id := range team {
		i, ok := tc.index(id)
		if !ok {
			return nil, fmt.Errorf("%w: task %s: team member %s is not in its pool", ErrRecord, tc.t.ID, id)
		}
		st.team = append(st.team, i)
		st.covered |= tc.masks[i]
	}
	return st, nil
}

func (tc *refCtx) fill(st *refState, load []int) {
	for len(st.team) < tc.size && st.rem.Len() > 0 {
		pick := st.s.Picks()
		i := st.rem.Take(st.s.Next(st.rem.Len()))
		if reason := tc.check(st, i, load); reason != "" {
			st.skips = append(st.skips, Skip{Inspector: tc.pool[i].ID, Pick: pick, Reason: reason})
			continue
		}
		st.team = append(st.team, i)
		st.covered |= tc.masks[i]
	}
}

func (tc *refCtx) individual(i int, load []int) string {
	c := tc.pool[i]
	switch {
	case !c.Active:
		return ReasonInactive
	case c.ConflictsWith(tc.t.USCC):
		return ReasonConflict
	case slices.Contains(tc.t.LastInspectors, c.ID):
		return ReasonRotation
	case load[c.ri] >= tc.cap:
		return ReasonWorkload
	}
	return ""
}

func (tc *refCtx) check(st *refState, i int, load []int) string {
	if r := tc.individual(i, load); r != "" {
		return r
	}
	need := tc.all &^ (st.covered | tc.masks[i])
	if need == 0 {
		return ""
	}
	slots := tc.size - len(st.team) - 1
	if slots == 0 {
		if need&tc.dept != 0 {
			return ReasonDepartment
		}
		return ReasonQualification
	}
	var masks []uint32
	for j, mj := range tc.masks {
		if m := mj & need; m != 0 && !slices.Contains(masks, m) && st.rem.Has(j) && tc.individual(j, load) == "" {
			masks = append(masks, m)
		}
	}
	if refMinCover(need, masks, slots) <= slots {
		return ""
	}
	if refMinCover(need&tc.dept, masks, slots) > slots {
		return ReasonDepartment
	}
	return ReasonQualification
}

// refMinCover is a breadth-first search over unions, without shortcuts.
func refMinCover(need uint32, masks []uint32, limit int) int {
	if need == 0 {
		return 0
	}
	seen := map[uint32]bool{0: true}
	frontier := []uint32{0}
	for depth := 1; depth <= limit && len(frontier) > 0; depth++ {
		var next []uint32
		for _, s := range frontier {
			for _, m := range masks {
				u := s | m&need
				if u == need {
					return depth
				}
				if !seen[u] {
					seen[u] = true
					next = append(next, u)
				}
			}
		}
		frontier = next
	}
	return limit + 1
}

func (tc *refCtx) ids(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = tc.pool[i].ID
	}
	return out
}

func (tc *refCtx) unfilled(st *refState) string {
	return (&taskCtx{t: tc.t, size: tc.size, all: tc.all}).unfilled(&state{team: st.team, covered: st.covered, skips: st.skips})
}

func refAssign(in Inputs) ([]Result, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	tasks := make([]*Task, len(in.Tasks))
	for i := range in.Tasks {
		tasks[i] = &in.Tasks[i]
	}
	slices.SortFunc(tasks, func(x, y *Task) int { return cmp.Compare(x.ID, y.ID) })
	load := make([]int, len(in.Roster))
	var out []Result
	for _, t := range tasks {
		tc := refContext(in, t)
		st, err := tc.start(nil, nil, 0)
		if err != nil {
			return nil, err
		}
		tc.fill(st, load)
		r := Result{Task: t.ID, Size: tc.size, Picks: st.s.Picks(), Skips: st.skips}
		if len(st.team) == tc.size {
			r.Status, r.Team = StatusOK, tc.ids(st.team)
			for _, i := range st.team {
				load[tc.pool[i].ri]++
			}
		} else {
			r.Status, r.Reason, r.Partial = StatusUnfilled, tc.unfilled(st), tc.ids(st.team)
		}
		out = append(out, r)
	}
	return out, nil
}

func refSubstitute(in Inputs, rec Record, taskID, out, reason string) (Substitution, error) {
	cur, err := replay(rec)
	if err != nil {
		return Substitution{}, err
	}
	i := slices.IndexFunc(in.Tasks, func(t Task) bool { return t.ID == taskID })
	c := cur[taskID]
	if i < 0 || c == nil || c.status != StatusOK || !slices.Contains(c.team, out) {
		return Substitution{}, fmt.Errorf("refSubstitute: no team of %s with %s", taskID, out)
	}
	ri := make(map[string]int)
	for i, r := range in.Roster {
		ri[r.ID] = i
	}
	load := make([]int, len(in.Roster))
	for _, x := range cur {
		if x.status == StatusOK {
			for _, id := range x.team {
				load[ri[id]]++
			}
		}
	}
	load[ri[out]]--
	tc := refContext(in, &in.Tasks[i])
	stay := slices.DeleteFunc(slices.Clone(c.team), func(id string) bool { return id == out })
	st, err := tc.start(c.used, stay, c.picks)
	if err != nil {
		return Substitution{}, err
	}
	tc.fill(st, load)
	s := Substitution{Task: taskID, Out: out, Reason: reason, Skips: st.skips, Picks: st.s.Picks()}
	if len(st.team) == tc.size {
		s.Status, s.Team = StatusOK, tc.ids(st.team)
		s.In = s.Team[len(s.Team)-1]
	} else {
		s.Status, s.Unfilled, s.Partial = StatusUnfilled, tc.unfilled(st), tc.ids(st.team)
	}
	return s, nil
}

// randomInputs: pools from a few to a few hundred, up to four departments and three
// qualifications per task, tight caps, conflicts (some lists unsorted) and rotation lists with
// strangers and repeats, and some requirements nobody holds, which exhaust whole pools.
func randomInputs(rng *rand.Rand, round int) Inputs {
	depts := []string{"A", "B", "C", "D"}
	quals := []string{"q1", "q2", "q3", "q9"}
	usccs := []string{"u0", "u1", "u2", "u3", "u4", "u5"}
	n := 3 + rng.IntN([]int{10, 40, 300}[rng.IntN(3)])
	ros := make([]directory.Inspector, n)
	for i := range ros {
		r := directory.Inspector{ID: fmt.Sprintf("i%03d", rng.IntN(1000)*1000+i), Department: depts[min(rng.IntN(5), 3)], Active: rng.IntN(10) > 0}
		for _, q := range quals[:3] {
			if rng.IntN(3) == 0 {
				r.Qualifications = append(r.Qualifications, q)
			}
		}
		for range rng.IntN(3) * rng.IntN(2) {
			r.Conflicts = append(r.Conflicts, usccs[rng.IntN(len(usccs))]) // maybe unsorted, repeated
		}
		ros[i] = r
	}
	in := Inputs{Key: draw.Key([][]uint64{{uint64(round)}}), TeamSize: 2 + rng.IntN(3)*rng.IntN(2), Cap: 1 + rng.IntN(4), Roster: ros}
	for k := range 1 + rng.IntN(60) {
		var ds []string
		for _, d := range depts {
			if rng.IntN(3) == 0 {
				ds = append(ds, d)
			}
		}
		if len(ds) == 0 {
			ds = []string{depts[rng.IntN(2)]}
		}
		t := Task{ID: fmt.Sprintf("t%03d", rng.IntN(1000)*100+k), USCC: usccs[rng.IntN(len(usccs))], Departments: ds}
		for _, d := range ds {
			for _, q := range quals {
				if rng.IntN([]int{5, 5, 5, 40}[slices.Index(quals, q)]) == 0 {
					t.Requirements = append(t.Requirements, Requirement{d, q})
				}
			}
		}
		for range rng.IntN(4) * rng.IntN(2) {
			id := fmt.Sprintf("x%d", rng.IntN(9))
			if rng.IntN(4) > 0 {
				id = ros[rng.IntN(n)].ID
			}
			t.LastInspectors = append(t.LastInspectors, id)
		}
		in.Tasks = append(in.Tasks, t)
	}
	return in
}

func TestAssignMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var tasks, unfilled, substituted, replaced, skips int
	for round := range 400 {
		in := randomInputs(rng, round)
		want, werr := refAssign(in)
		got, gerr := Assign(in)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || !reflect.DeepEqual(want, got) {
			t.Fatalf("round %d: Assign differs from the reference\ninputs %+v\nwant %+v, %v\ngot  %+v, %v", round, in, want, werr, got, gerr)
		}
		if werr != nil {
			continue
		}
		tasks += len(got)
		for _, r := range got {
			skips += len(r.Skips)
			if r.Status != StatusOK {
				unfilled++
			}
		}
		// A chain of substitutions, each appended to the record before the next.
		rec := Record{Results: got}
		for range 6 {
			teams := rec.Teams()
			if len(teams) == 0 {
				break
			}
			ids := slices.Sorted(func(yield func(string) bool) {
				for id := range teams {
					if !yield(id) {
						return
					}
				}
			})
			task := ids[rng.IntN(len(ids))]
			out := teams[task][rng.IntN(len(teams[task]))]
			want, werr := refSubstitute(in, rec, task, out, "回避")
			got, gerr := Substitute(in, rec, task, out, "回避")
			if fmt.Sprint(werr) != fmt.Sprint(gerr) || !reflect.DeepEqual(want, got) {
				t.Fatalf("round %d: Substitute(%s, %s) differs from the reference\nwant %+v, %v\ngot  %+v, %v", round, task, out, want, werr, got, gerr)
			}
			if gerr != nil {
				break
			}
			substituted++
			if got.Status == StatusOK {
				replaced++
			}
			rec.Substitutions = append(rec.Substitutions, got)
		}
		if ms := Verify(in, rec); len(ms) != 0 {
			t.Fatalf("round %d: %v", round, ms)
		}
	}
	if unfilled < 200 || tasks-unfilled < 2000 || replaced < 200 || substituted-replaced < 50 {
		t.Fatalf("weak sample: %d tasks, %d unfilled, %d substitutions, %d replaced", tasks, unfilled, substituted, replaced)
	}
	t.Logf("%d tasks (%d unfilled, %d skips), %d substitutions (%d replaced)", tasks, unfilled, skips, substituted, replaced)
}

// remaining behaves as draw.Remaining under any mix of Take and Remove, across the switch
// from the list to the bitmap.
func TestRemainingMatchesDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 300 {
		n := rng.IntN([]int{5, 70, 2000}[round%3])
		want, err := draw.NewRemaining(n)
		if err != nil {
			t.Fatal(err)
		}
		got := remaining{n: n}
		for op := 0; want.Len() > 0 && op < 3*fewGone; op++ {
			if rng.IntN(4) == 0 {
				i := rng.IntN(n+2) - 1
				if w, g := want.Remove(i), got.Remove(i); w != g {
					t.Fatalf("round %d: Remove(%d) = %v, want %v", round, i, g, w)
				}
			} else {
				k := rng.IntN(want.Len())
				if w, g := want.Take(k), got.Take(k); w != g {
					t.Fatalf("round %d op %d: Take(%d) = %d, want %d", round, op, k, g, w)
				}
			}
			if want.Len() != got.Len() {
				t.Fatalf("round %d: Len %d, want %d", round, got.Len(), want.Len())
			}
		}
	}
}
