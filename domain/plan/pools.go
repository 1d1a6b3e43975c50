package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/choucha/choucha/domain/directory"
)

// How Announce builds the pools of a large directory (10M enterprises, ≈9.5M eligible): every
// eligible USCC is copied into a fixed-size array beside its tier (poolEntry), so that sorting
// reads and moves one contiguous slice instead of chasing each string into its own CSV row
// somewhere in a multi-GB heap. One MSD radix sort orders all tiers at once; a duplicate, even
// across tiers, is then two adjacent equal keys; a pass in that order writes each tier's pool
// file ("USCC\n" lines) into one string per tier, hashing it on the way, and each pool's USCCs
// are slices of that string, ascending because the pass is.

// usccLen is the length of every USCC (GB 32100-2015; directory.ValidateUSCC).
const usccLen = 18

// poolLine is the length of one line of a pool file: a USCC and its "\n".
const poolLine = usccLen + 1

// poolEntry is one eligible enterprise: its USCC's bytes and its tier (index in directory.Tiers).
type poolEntry struct {
	uscc [usccLen]byte
	tier uint8
}

// usccRank[c] is c's place in the USCC character set (0…30, in byte order), or -1 outside it,
// as directory.USCCCheckDigit (which checks only the set) defines the set: built from it once,
// so that the two cannot drift apart.
var usccRank = func() (t [256]int8) {
	r := int8(0)
	for c := range t {
		t[c] = -1
		if _, err := directory.USCCCheckDigit(strings.Repeat(string([]byte{byte(c)}), usccLen-1)); err == nil {
			t[c], r = r, r+1
		}
	}
	return t
}()

// usccDigits is the radix of the sort: the 31 characters of the USCC set, rounded up to a
// power of two. Every entry passed usccShaped, so its ranks are 0…30; masking a rank with
// usccDigits-1 only spares the bounds checks.
const usccDigits = 32

// usccShaped is the check Announce makes of each eligible USCC: 18 characters of the USCC set.
// That is all the pools need (fixed-size keys; no "\n" or other stray byte that could make
// the canonical pool file ambiguous). The rest of directory.ValidateUSCC (authority/type pair,
// the two check characters) costs ≈57 ns a code (≈5 ns for this), about two scans of the
// whole directory at 10M enterprises; and every enterprise of the directory passed it on the
// way in (directory.NewEnterprise, on import, registration and update).
func usccShaped(s string) bool {
	if len(s) != usccLen {
		return false
	}
	var m int8
	for i := range usccLen {
		m |= usccRank[s[i]] // -1 (sign bit) for a byte outside the set
	}
	return m >= 0
}

// tierIndex is the index of t in directory.Tiers, or -1.
func tierIndex(t directory.Tier) int {
	if len(t) == 1 { // the tiers are single letters "A"…"D": try t's own slot first
		if i := int(t[0]) - 'A'; i >= 0 && i < len(directory.Tiers) && directory.Tiers[i] == string(t) {
			return i
		}
	}
	for i, s := range directory.Tiers {
		if s == string(t) {
			return i
		}
	}
	return -1
}

// smallSort is the size under which the radix sort hands a bucket to insertion sort.
const smallSort = 32

// entryChunks collects the eligible entries in chunks, which spares the copies and fresh
// memory of a growing slice (Announce cannot know the directory's size in advance).
type entryChunks struct {
	full [][]poolEntry
	cur  []poolEntry
	n    int
}

func (c *entryChunks) add(uscc string, tier int) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]poolEntry, 0, 1<<10<<min(len(c.full), 6)) // 1Ki, 2Ki, … 64Ki entries
	}
	c.cur = append(c.cur, poolEntry{tier: uint8(tier)})
	copy(c.cur[len(c.cur)-1].uscc[:], uscc)
	c.n++
}

// sorted returns the entries sorted by USCC, ascending byte order (the order of equal USCCs,
// which Announce refuses anyway, is left unspecified). The first radix pass that splits the
// entries moves them from the chunks into one slice.
func (c *entryChunks) sorted() []poolEntry {
	chunks := append(c.full, c.cur)
	a := make([]poolEntry, c.n)
	d := 0
	var count [usccDigits]int
	for ; d < usccLen && c.n > smallSort; d++ {
		count = [usccDigits]int{}
		for _, ch := range chunks {
			for i := range ch {
				count[usccRank[ch[i].uscc[d]]&(usccDigits-1)]++
			}
		}
		if count[usccRank[chunks[0][0].uscc[d]]&(usccDigits-1)] != c.n {
			break
		}
	}
	if d == usccLen || c.n <= smallSort {
		a = a[:0]
		for _, ch := range chunks {
			a = append(a, ch...)
		}
		insertionSort(a, 0)
		return a
	}
	var next [usccDigits]int
	sum := 0
	for b, n := range count {
		next[b] = sum
		sum += n
	}
	for _, ch := range chunks {
		for i := range ch {
			b := usccRank[ch[i].uscc[d]] & (usccDigits - 1)
			a[next[b]] = ch[i]
			next[b]++
		}
	}
	buf := make([]poolEntry, c.n)
	lo := 0
	for _, n := range count {
		if n > 0 {
			radixSort(a[lo:lo+n], buf[lo:lo+n], d+1, false)
		}
		lo += n
	}
	return a
}

// radixSort sorts src by the USCC bytes from d on, most significant first, one character
// (usccRank) a digit. dst is scratch of the same length; the sorted elements end up in dst if
// toDst, else in src. A character all elements share (the "91" of most enterprises, a common
// region) costs one counting pass.
func radixSort(src, dst []poolEntry, d int, toDst bool) {
	for ; d < usccLen && len(src) > smallSort; d++ {
		var count [usccDigits]int
		for i := range src {
			count[usccRank[src[i].uscc[d]]&(usccDigits-1)]++
		}
		if count[usccRank[src[0].uscc[d]]&(usccDigits-1)] == len(src) {
			continue
		}
		var next [usccDigits]int
		sum := 0
		for b, c := range count {
			next[b] = sum
			sum += c
		}
		for i := range src {
			b := usccRank[src[i].uscc[d]] & (usccDigits - 1)
			dst[next[b]] = src[i]
			next[b]++
		}
		lo := 0
		for _, c := range count {
			if c > 0 {
				radixSort(dst[lo:lo+c], src[lo:lo+c], d+1, !toDst)
			}
			lo += c
		}
		return
	}
	if toDst {
		copy(dst, src)
		src = dst
	}
	insertionSort(src, d)
}

// insertionSort sorts a by the USCC bytes from d on (the bytes before d are equal).
func insertionSort(a []poolEntry, d int) {
	for i := 1; i < len(a); i++ {
		x := a[i]
		j := i
		for ; j > 0 && string(x.uscc[d:]) < string(a[j-1].uscc[d:]); j-- {
			a[j] = a[j-1]
		}
		a[j] = x
	}
}

// duplicateEntry finds a USCC that occurs twice in the sorted entries and reports the one the
// per-tier check of earlier versions reported: they checked each tier in order A…D, first
// within the tier, then against each later tier, and each check stopped at its smallest hit.
func duplicateEntry(a []poolEntry) (string, bool) {
	best, bestRank := "", -1
	for i := 0; i+1 < len(a); {
		j := i + 1
		for j < len(a) && a[j].uscc == a[i].uscc {
			j++
		}
		if j-i > 1 {
			var n [4]int
			for _, e := range a[i:j] {
				n[e.tier]++
			}
			if r := duplicateRank(n); bestRank < 0 || r < bestRank {
				best, bestRank = string(a[i].uscc[:]), r
			}
		}
		i = j
	}
	return best, bestRank >= 0
}

// duplicateRank is the position of the first check of that order that finds a USCC held n[t]
// times by tier t.
func duplicateRank(n [4]int) int {
	r := 0
	for a := range n {
		if n[a] > 1 {
			return r
		}
		r++
		for b := a + 1; b < len(n); b++ {
			if n[a] > 0 && n[b] > 0 {
				return r
			}
			r++
		}
	}
	return r
}

// committedPool is a pool file the plan wrote and hashed itself: lines is "USCC\n" per pool
// member, in pool order; sha is its hex SHA-256.
type committedPool struct {
	lines string
	sha   string
}

// buildPools splits the sorted entries into the pool of each tier (ascending, since the
// entries are) and writes and hashes each pool's file in the same pass. Each pool's USCCs are
// slices of its file, one string per tier.
func buildPools(sorted []poolEntry) (pools [4][]string, files [4]committedPool) {
	var (
		n     [4]int
		sb    [4]strings.Builder
		h     [4]hash.Hash
		chunk [4][]byte
	)
	for i := range sorted {
		n[sorted[i].tier]++
	}
	for t := range n {
		if n[t] > 0 {
			sb[t].Grow(n[t] * poolLine)
			h[t] = sha256.New()
			chunk[t] = make([]byte, 0, 256*poolLine)
		}
	}
	flush := func(t int) {
		sb[t].Write(chunk[t])
		h[t].Write(chunk[t])
		chunk[t] = chunk[t][:0]
	}
	for i := range sorted {
		e := &sorted[i]
		t := e.tier
		if len(chunk[t]) == cap(chunk[t]) {
			flush(int(t))
		}
		chunk[t] = append(append(chunk[t], e.uscc[:]...), '\n')
	}
	for t := range n {
		if n[t] == 0 {
			continue
		}
		flush(t)
		lines := sb[t].String()
		files[t] = committedPool{lines: lines, sha: hex.EncodeToString(h[t].Sum(nil))}
		pool := make([]string, n[t])
		for j := range pool {
			pool[j] = lines[j*poolLine : j*poolLine+usccLen]
		}
		pools[t] = pool
	}
	return pools, files
}

// holds reports whether pool is, member for member, the pool file the plan committed to:
// then its SHA-256 is f.sha without hashing it again. A member that is still the slice of
// f.lines the plan made compares by pointer; any other is compared byte by byte.
func (f committedPool) holds(pool []string) bool {
	if f.lines == "" || len(f.lines) != len(pool)*poolLine {
		return false
	}
	for j, s := range pool {
		if s != f.lines[j*poolLine:j*poolLine+usccLen] {
			return false
		}
	}
	return true
}
