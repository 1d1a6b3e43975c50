package assign

import (
	"slices"

	"github.com/choucha/choucha/domain/draw"
)

// fewGone is how many removals remaining keeps as a list before it builds a draw.Remaining.
const fewGone = 64

// remaining is the stream's pool of candidates left, with the semantics of draw.Remaining (Take
// removes the k-th remaining candidate in pool order). A task usually removes a handful of a
// pool of thousands, so the removed ones are kept as a sorted list, which costs nothing to set
// up; only a task that removes more than fewGone builds the pool-sized draw.Remaining.
type remaining struct {
	n    int
	gone []int // removed pool indices, ascending; unused once big is set
	big  *draw.Remaining
}

// Len returns how many candidates remain.
func (r *remaining) Len() int {
	if r.big != nil {
		return r.big.Len()
	}
	return r.n - len(r.gone)
}

// Take removes the k-th (0-based) remaining candidate and returns its pool index.
// It panics unless 0 ≤ k < Len().
func (r *remaining) Take(k int) int {
	if r.big != nil {
		return r.big.Take(k)
	}
	if k < 0 || k >= r.Len() {
		panic("assign: remaining.Take out of range")
	}
	i, at := k, 0
	for ; at < len(r.gone) && r.gone[at] <= i; at++ {
		i++ // every removed index at or below the candidate shifts it by one
	}
	r.insert(at, i)
	return i
}

// Remove removes pool index i and reports whether it was present.
func (r *remaining) Remove(i int) bool {
	if r.big != nil {
		return r.big.Remove(i)
	}
	at, found := slices.BinarySearch(r.gone, i)
	if found || i < 0 || i >= r.n {
		return false
	}
	r.insert(at, i)
	return true
}

func (r *remaining) insert(at, i int) {
	r.gone = slices.Insert(r.gone, at, i)
	if len(r.gone) <= fewGone {
		return
	}
	big, err := draw.NewRemaining(r.n)
	if err != nil {
		panic(err) // start checked the pool size
	}
	for _, g := range r.gone {
		big.Remove(g)
	}
	r.big, r.gone = big, nil
}
