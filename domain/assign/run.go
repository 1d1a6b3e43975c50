package assign

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
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
	t *Task
	*shape
	load []int // teams per inspector, by roster index; constant while the task is filled
	size int
	cap  int
	key  string
	all  uint32 // every requirement bit
	dept uint32 // the department bits
	// conflicted and rotation are the pool indices of the members rules 2 and 3 exclude,
	// sorted and unique.
	conflicted, rotation []int
	// left counts, per pattern, the candidates still in the stream's pool that pass rules 1–4:
	// the composition test needs only which patterns are left, not who.
	left []int
	buf  []uint32 // scratch for compose
}

// shape is what tasks with the same departments and requirements share: pool and masks, built
// once per batch, and the pool's distinct masks (patterns) with how many of their members the
// batch's loads still allow (kept up to date by batch.charge).
type shape struct {
	pool     []member
	masks    []uint32
	pat      []int32  // pattern of each pool member: masks[i] == patterns[pat[i]]
	patterns []uint32 // distinct masks, in order of first appearance in the pool
	avail    []int    // per pattern: active members below the workload cap
	scratch  []int    // reused as taskCtx.left: a batch fills one task at a time
}

func (b *batch) ctx(t *Task) *taskCtx {
	sh := b.last
	if sh == nil || !slices.Equal(t.Departments, b.lastTask.Departments) || !slices.Equal(t.Requirements, b.lastTask.Requirements) {
		b.key = appendShapeKey(b.key[:0], t)
		if sh = b.shapes[string(b.key)]; sh == nil {
			sh = b.newShape(t)
			b.shapes[string(b.key)] = sh
		}
		b.last, b.lastTask = sh, t
	}
	nd, nr := len(t.Departments), len(t.Requirements)
	tc := &taskCtx{
		t: t, shape: sh, load: b.load, size: max(b.in.TeamSize, nd), cap: b.in.Cap,
		key:  draw.StratumKey(b.in.Key, StreamLabel(t.ID)),
		all:  1<<(nd+nr) - 1,
		dept: 1<<nd - 1,
	}
	for _, ri := range b.conflicts[t.USCC] { // a superset: ConflictsWith decides
		if c := &b.in.Roster[ri]; c.ConflictsWith(t.USCC) {
			if j, ok := tc.index(c.ID); ok {
				tc.conflicted = append(tc.conflicted, j)
			}
		}
	}
	for _, id := range t.LastInspectors {
		if j, ok := tc.index(id); ok {
			tc.rotation = append(tc.rotation, j)
		}
	}
	slices.Sort(tc.conflicted)
	slices.Sort(tc.rotation)
	tc.conflicted, tc.rotation = slices.Compact(tc.conflicted), slices.Compact(tc.rotation)
	// Rules 1–4 for the task's whole pool: avail less the members who conflict with the
	// enterprise or were on its last inspection. Removals from the stream's pool are counted
	// as they happen.
	tc.left = append(sh.scratch[:0], sh.avail...)
	sh.scratch = tc.left
	for _, j := range tc.conflicted {
		if b.available(tc.pool[j]) {
			tc.left[tc.pat[j]]--
		}
	}
	for _, j := range tc.rotation {
		if b.available(tc.pool[j]) && !has(tc.conflicted, j) {
			tc.left[tc.pat[j]]--
		}
	}
	return tc
}

func (b *batch) newShape(t *Task) *shape {
	sh := &shape{}
	for _, d := range t.Departments {
		sh.pool = append(sh.pool, b.byDept[d]...)
		b.deptShapes[d] = append(b.deptShapes[d], sh)
	}
	slices.SortFunc(sh.pool, byID)
	sh.masks = make([]uint32, len(sh.pool))
	sh.pat = make([]int32, len(sh.pool))
	index := make(map[uint32]int32)
	for i, c := range sh.pool {
		m := coverage(t, c.Inspector)
		p, ok := index[m]
		if !ok {
			p = int32(len(sh.patterns))
			index[m] = p
			sh.patterns = append(sh.patterns, m)
			sh.avail = append(sh.avail, 0)
		}
		sh.masks[i], sh.pat[i] = m, p
		if b.available(c) {
			sh.avail[p]++
		}
	}
	return sh
}

// available: rules 1 and 4, the ones that do not depend on the task.
func (b *batch) available(c member) bool { return c.active && b.load[c.ri] < b.in.Cap }

// charge counts one more team for roster index ri. When that takes the inspector to the cap,
// every shape whose pool holds them has one member fewer available.
func (b *batch) charge(ri int) {
	b.load[ri]++
	c := &b.in.Roster[ri]
	if b.load[ri] != b.in.Cap || !c.Active {
		return
	}
	for _, sh := range b.deptShapes[c.Department] {
		if j, ok := sh.index(c.ID); ok {
			sh.avail[sh.pat[j]]--
		}
	}
}

// appendShapeKey appends a name of t's departments and requirements to buf, unambiguous
// (length-prefixed).
func appendShapeKey(buf []byte, t *Task) []byte {
	for _, d := range t.Departments {
		buf = appendPrefixed(buf, d)
	}
	buf = append(buf, '|')
	for _, q := range t.Requirements {
		buf = appendPrefixed(appendPrefixed(buf, q.Department), q.Qualification)
	}
	return buf
}

func appendPrefixed(buf []byte, s string) []byte {
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	return append(append(buf, ':'), s...)
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
	rem     remaining
	s       *draw.Stream
	team    []int // pool indices, pick order
	covered uint32
	skips   []Skip
}

// start returns the stream state at pick counter picks with the candidates used out of the
// pool and team (a subset of used) accepted. A fresh task is start(nil, nil, 0).
func (tc *taskCtx) start(used, team []string, picks uint64) (*state, error) {
	if uint64(len(tc.pool)) > draw.MaxPool {
		_, err := draw.NewRemaining(len(tc.pool))
		return nil, err
	}
	st := &state{rem: remaining{n: len(tc.pool)}, s: draw.NewStream(tc.key)}
	for _, id := range used {
		i, ok := tc.index(id)
		if !ok || !st.rem.Remove(i) {
			return nil, fmt.Errorf("%w: task %s: %s was used twice or is not in its pool", ErrRecord, tc.t.ID, id)
		}
		tc.removed(i)
	}
	if uint64(len(tc.pool)-st.rem.Len()) > picks {
		return nil, fmt.Errorf("%w: task %s: %d candidates used but the stream is at pick %d", ErrRecord, tc.t.ID, len(tc.pool)-st.rem.Len(), picks)
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

func (sh *shape) index(id string) (int, bool) {
	return slices.BinarySearchFunc(sh.pool, id, func(c member, id string) int { return strings.Compare(c.ID, id) })
}

// removed accounts for pool member i leaving the stream's pool.
func (tc *taskCtx) removed(i int) {
	if tc.individual(i) == "" {
		tc.left[tc.pat[i]]--
	}
}

// fill picks until the team is full or the pool is exhausted.
func (tc *taskCtx) fill(st *state) {
	for len(st.team) < tc.size && st.rem.Len() > 0 {
		pick := st.s.Picks()
		i := st.rem.Take(st.s.Next(st.rem.Len()))
		reason := tc.individual(i)
		if reason == "" {
			tc.left[tc.pat[i]]--
			reason = tc.compose(st, i)
		}
		if reason != "" {
			st.skips = append(st.skips, Skip{Inspector: tc.pool[i].ID, Pick: pick, Reason: reason})
			continue
		}
		st.team = append(st.team, i)
		st.covered |= tc.mask(i)
	}
}

// individual applies rules 1–4, which concern the candidate alone.
func (tc *taskCtx) individual(i int) string {
	c := &tc.pool[i]
	switch {
	case !c.active:
		return ReasonInactive
	case has(tc.conflicted, i): // c.ConflictsWith(tc.t.USCC)
		return ReasonConflict
	case has(tc.rotation, i): // slices.Contains(tc.t.LastInspectors, c.ID)
		return ReasonRotation
	case tc.load[c.ri] >= tc.cap:
		return ReasonWorkload
	}
	return ""
}

// has reports whether sorted holds i.
func has(sorted []int, i int) bool {
	_, found := slices.BinarySearch(sorted, i)
	return found
}

// compose applies rules 5–6 to candidate i, which passed rules 1–4 and is already taken from
// the pool: it returns why i is skipped, or "".
func (tc *taskCtx) compose(st *state, i int) string {
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
	// The distinct coverage of the candidates left (those who pass rules 1–4): one mask per
	// pattern that has any, so the test costs the number of patterns, not the pool size.
	masks := tc.buf[:0]
	for p, n := range tc.left {
		if m := tc.patterns[p] & need; n > 0 && m != 0 && !slices.Contains(masks, m) {
			masks = append(masks, m)
		}
	}
	tc.buf = masks
	if minCover(need, masks, slots) <= slots {
		return ""
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
	if limit < 1 {
		return limit + 1
	}
	// One mask, or none at all: decided without the search (most teams are of two).
	var union uint32
	for _, m := range masks {
		if m&need == need {
			return 1
		}
		union |= m
	}
	if limit == 1 || union&need != need {
		return limit + 1
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
