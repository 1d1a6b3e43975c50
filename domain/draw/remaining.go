package draw

import (
	"fmt"
	"math/bits"
)

// MaxPool is the largest pool Remaining (and so Select) accepts: counts are held in uint32.
const MaxPool uint64 = 1<<32 - 1

// A block is one cache line of the bitmap. The Fenwick tree counts per block, not per slot:
// for 10^7 candidates it is 78 KB instead of 40 MB, so the descent stays in cache and a pick
// touches about one uncached line.
const (
	blockWords = 8
	blockBits  = blockWords * 64
)

// Remaining is the set of not-yet-removed candidates of a pool of n, indexed 0…n-1 in pool
// order: a bitmap plus a Fenwick (binary indexed) tree of per-block counts. It finds and
// removes the k-th remaining candidate in O(log n), so a draw never copies or shifts the pool.
// Inspector assignment uses At then Take or Remove to select or skip a candidate.
type Remaining struct {
	bits []uint64 // bit i set ⇔ pool index i remains
	t    []uint32 // 1-based Fenwick tree over blocks: t[x] counts blocks (x-lowbit(x), x]
	n    int
	len  int
	nb   int // number of blocks
	top  int // highest power of two ≤ nb (0 if nb == 0)
}

// NewRemaining returns the set {0, …, n-1}, built in O(n/64).
func NewRemaining(n int) (*Remaining, error) {
	if n < 0 || uint64(n) > MaxPool {
		return nil, fmt.Errorf("draw: pool size %d out of range [0, %d]", n, MaxPool)
	}
	words := (n + 63) / 64
	b := make([]uint64, words)
	for w := range b {
		b[w] = ^uint64(0)
	}
	if r := n % 64; r != 0 {
		b[words-1] = 1<<r - 1
	}
	nb := (n + blockBits - 1) / blockBits
	t := make([]uint32, nb+1)
	for x := 1; x <= nb; x++ {
		t[x] += uint32(min(blockBits, n-(x-1)*blockBits))
		if p := x + x&-x; p <= nb {
			t[p] += t[x]
		}
	}
	r := &Remaining{bits: b, t: t, n: n, len: n, nb: nb}
	if nb > 0 {
		r.top = 1 << (bits.Len(uint(nb)) - 1)
	}
	return r, nil
}

// Size returns the original pool size n.
func (r *Remaining) Size() int { return r.n }

// Len returns how many candidates remain.
func (r *Remaining) Len() int { return r.len }

// At returns the pool index of the k-th (0-based) remaining candidate.
// It panics unless 0 ≤ k < Len().
func (r *Remaining) At(k int) int {
	r.checkK(k)
	blk, rem := 0, uint32(k)
	for step := r.top; step > 0; step >>= 1 {
		if next := blk + step; next <= r.nb && r.t[next] <= rem {
			blk = next
			rem -= r.t[next]
		}
	}
	return r.inBlock(blk, int(rem))
}

// Take removes the k-th (0-based) remaining candidate and returns its pool index. One descent
// finds and updates: the nodes it does not step past are exactly those covering the block.
// It panics unless 0 ≤ k < Len().
func (r *Remaining) Take(k int) int {
	r.checkK(k)
	blk, rem := 0, uint32(k)
	for step := r.top; step > 0; step >>= 1 {
		next := blk + step
		if next > r.nb {
			continue
		}
		if r.t[next] <= rem {
			blk = next
			rem -= r.t[next]
		} else {
			r.t[next]--
		}
	}
	i := r.inBlock(blk, int(rem))
	r.bits[i/64] &^= 1 << (i % 64)
	r.len--
	return i
}

// inBlock returns the pool index of the rem-th (0-based) set bit of block blk.
func (r *Remaining) inBlock(blk, rem int) int {
	for w := blk * blockWords; ; w++ {
		x := r.bits[w]
		if c := bits.OnesCount64(x); rem >= c {
			rem -= c
			continue
		}
		base := w * 64
		for byte8 := uint8(x); rem >= bits.OnesCount8(byte8); byte8 = uint8(x) {
			rem -= bits.OnesCount8(byte8)
			x >>= 8
			base += 8
		}
		for ; rem > 0; rem-- {
			x &= x - 1
		}
		return base + bits.TrailingZeros64(x)
	}
}

// Has reports whether pool index i is still in the set.
func (r *Remaining) Has(i int) bool {
	return i >= 0 && i < r.n && r.bits[i/64]&(1<<(i%64)) != 0
}

// Remove removes pool index i and reports whether it was present.
func (r *Remaining) Remove(i int) bool {
	if !r.Has(i) {
		return false
	}
	r.bits[i/64] &^= 1 << (i % 64)
	for x := i/blockBits + 1; x <= r.nb; x += x & -x {
		r.t[x]--
	}
	r.len--
	return true
}

func (r *Remaining) checkK(k int) {
	if k < 0 || k >= r.len {
		panic(fmt.Sprintf("draw: k = %d out of range [0, %d)", k, r.len))
	}
}
