package assign

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// StreamLabel is the sub-draw label of a task's pick stream: its key is
// draw.StratumKey(key, StreamLabel(task id)).
func StreamLabel(taskID string) string { return "inspectors/" + taskID }

// taskCtx is one task with its pool and requirement bits: bit i < len(Departments) stands for
// "department i is represented", bit len(Departments)+j for "requirement j is covered".
type taskCtx struct {
	t     *Task
	pool  []member // sorted by id
	masks []uint32 // requirement bits each pool member covers
	size  int
	cap   int
	key   string
	all   uint32 // every requirement bit
	dept  uint32 // the department bits
}

// shape is what tasks with the same departments and requirements share: pool and masks, built
// once per batch and read-only.
type shape struct {
	pool  []member
	masks []uint32
}

func (b *batch) ctx(t *Task) *taskCtx {
	k := shapeKey(t)
	sh, ok := b.shapes[k]
	if !ok {
		for _, d := range t.Departments {
			sh.pool = append(sh.pool, b.byDept[d]...)
		}
		slices.SortFunc(sh.pool, byID)
		sh.masks = make([]uint32, len(sh.pool))
		for i, c := range sh.pool {
			sh.masks[i] = coverage(t, c.Inspector)
		}
		b.shapes[k] = sh
	}
	nd, nr := len(t.Departments), len(t.Requirements)
	return &taskCtx{
		t: t, pool: sh.pool, masks: sh.masks, size: max(b.in.TeamSize, nd), cap: b.in.Cap,
		key:  draw.StratumKey(b.in.Key, StreamLabel(t.ID)),
		all:  1<<(nd+nr) - 1,
		dept: 1<<nd - 1,
	}
}

// shapeKey names a task's departments and requirements unambiguously (length-prefixed).
func shapeKey(t *Task) string {
	var b strings.Builder
	put := func(s string) { fmt.Fprintf(&b, "%d:%s", len(s), s) }
	for _, d := range t.Departments {
		put(d)
	}
	b.WriteByte('|')
	for _, q := range t.Requirements {
		put(q.Department)
		put(q.Qualification)
	}
	return b.String()
}

// coverage is the set of t's requirements that inspector c covers.
func coverage(t *Task, c *directory.Inspector) uint32 {
	var m uint32
	for j, d := range t.Departments {
		if c.Department == d {
			m |= 1 << j
		}
	}
	for j, q := range t.Requirements {
		if c.Department == q.Department && c.Qualified(q.Qualification) {
			m |= 1 << (len(t.Departments) + j)
		}
	}
	return m
}

// mask is the set of requirements pool member i covers.
func (tc *taskCtx) mask(i int) uint32 { return tc.masks[i] }

type state struct {
	rem     *draw.Remaining
	s       *draw.Stream
	team    []int // pool indices, pick order
	covered uint32
	skips   []Skip
}

// start returns the stream state at pick counter picks with the candidates used out of the
// pool and team (a subset of used) accepted. A fresh task is start(nil, nil, 0).
func (tc *taskCtx) start(used, team []string, picks uint64) (*state, error) {
	rem, err := draw.NewRemaining(len(tc.pool))
	if err != nil {
		return nil, err
	}
	st := &state{rem: rem, s: draw.NewStream(tc.key)}
	for _, id := range used {
		i, ok := tc.index(id)
		if !ok || !rem.Remove(i) {
			return nil, fmt.Errorf("%w: task %s: %s was used twice or is not in its pool", ErrRecord, tc.t.ID, id)
		}
	}
	if uint64(len(tc.pool)-rem.Len()) > picks {
		return nil, fmt.Errorf("%w: task %s: %d candidates used but the stream is at pick %d", ErrRecord, tc.t.ID, len(tc.pool)-rem.Len(), picks)
	}
	// Each earlier pick only advanced the counter; its result is the recorded candidate.
	for range picks {
		st.s.Next(1)
	}
	for _, id := range team {
		i, ok := tc.index(id)
		if !ok {
			return nil, fmt.Errorf("%w: task %s: team member %s is not in its pool", ErrRecord, tc.t.ID, id)
		}
		st.team = append(st.team, i)
		st.covered |= tc.mask(i)
	}
	return st, nil
}

func (tc *taskCtx) index(id string) (int, bool) {
	return slices.BinarySearchFunc(tc.pool, id, func(c member, id string) int { return strings.Compare(c.ID, id) })
}

// fill picks until the team is full or the pool is exhausted.
func (tc *taskCtx) fill(st *state, load []int) {
	for len(st.team) < tc.size && st.rem.Len() > 0 {
		pick := st.s.Picks()
		i := st.rem.Take(st.s.Next(st.rem.Len()))
		if reason := tc.check(st, i, load); reason != "" {
			st.skips = append(st.skips, Skip{Inspector: tc.pool[i].ID, Pick: pick, Reason: reason})
			continue
		}
		st.team = append(st.team, i)
		st.covered |= tc.mask(i)
	}
}

// individual applies rules 1–4, which concern the candidate alone.
func (tc *taskCtx) individual(i int, load []int) string {
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

// check returns why candidate i (already taken from the pool) is skipped, or "".
func (tc *taskCtx) check(st *state, i int, load []int) string {
	if r := tc.individual(i, load); r != "" {
		return r
	}
	need := tc.all &^ (st.covered | tc.mask(i))
	if need == 0 {
		return ""
	}
	slots := tc.size - len(st.team) - 1
	if slots == 0 { // the last slot: nobody is left to cover what this candidate does not
		if need&tc.dept != 0 {
			return ReasonDepartment
		}
		return ReasonQualification
	}
	// Collect the distinct coverage of the candidates left; stop as soon as they suffice (more
	// candidates can only lower the cover), so a feasible team rarely scans the whole pool.
	var masks []uint32
	for j, mj := range tc.masks {
		m := mj & need
		if m == 0 || slices.Contains(masks, m) || !st.rem.Has(j) || tc.individual(j, load) != "" {
			continue
		}
		masks = append(masks, m)
		if minCover(need, masks, slots) <= slots {
			return ""
		}
	}
	if minCover(need&tc.dept, masks, slots) > slots {
		return ReasonDepartment
	}
	return ReasonQualification
}

// minCover returns the fewest masks whose union contains need, or limit+1 if more than limit
// are needed (or none suffice). Masks are distinct, and a smallest cover never uses one twice,
// so each mask stands for at least one distinct candidate.
func minCover(need uint32, masks []uint32, limit int) int {
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

func (tc *taskCtx) ids(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = tc.pool[i].ID
	}
	return out
}

// unfilled explains an exhausted pool: what was needed, why candidates were skipped, and which
// requirements stayed uncovered.
func (tc *taskCtx) unfilled(st *state) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pool_exhausted: need %d, found %d", tc.size, len(st.team))
	counts := make(map[string]int)
	for _, s := range st.skips {
		counts[s.Reason]++
	}
	sep := "; skipped: "
	for _, r := range reasons {
		if n := counts[r]; n > 0 {
			fmt.Fprintf(&b, "%s%d %s", sep, n, r)
			sep = ", "
		}
	}
	sep = "; uncovered: "
	for missing := tc.all &^ st.covered; missing != 0; missing &= missing - 1 {
		j := bits.TrailingZeros32(missing)
		if j < len(tc.t.Departments) {
			fmt.Fprintf(&b, "%sdepartment %s", sep, tc.t.Departments[j])
		} else {
			q := tc.t.Requirements[j-len(tc.t.Departments)]
			fmt.Fprintf(&b, "%squalification %s/%s", sep, q.Department, q.Qualification)
		}
		sep = ", "
	}
	return b.String()
}
