package draw

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRemainingMatchesSlice drives Remaining and a plain sorted slice with the same random mix
// of At, Take and Remove (the inspector-assignment pattern: look, then select or skip).
func TestRemainingMatchesSlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 3, 7, 63, 64, 65, 100, 511, 512, 513, 1025, 4173} {
		r, err := NewRemaining(n)
		if err != nil {
			t.Fatal(err)
		}
		ref := make([]int, n)
		for i := range ref {
			ref[i] = i
		}
		for len(ref) > 0 {
			if r.Len() != len(ref) || r.Size() != n {
				t.Fatalf("n=%d: Len %d Size %d, want %d %d", n, r.Len(), r.Size(), len(ref), n)
			}
			k := rng.IntN(len(ref))
			if got := r.At(k); got != ref[k] {
				t.Fatalf("n=%d: At(%d) = %d, want %d", n, k, got, ref[k])
			}
			switch rng.IntN(3) {
			case 0:
				if got := r.Take(k); got != ref[k] {
					t.Fatalf("n=%d: Take(%d) = %d, want %d", n, k, got, ref[k])
				}
			case 1:
				if !r.Remove(ref[k]) {
					t.Fatalf("n=%d: Remove(%d) = false", n, ref[k])
				}
			case 2:
				gone := rng.IntN(n)
				_, present := slices.BinarySearch(ref, gone)
				if r.Remove(gone) != present {
					t.Fatalf("n=%d: Remove(%d) disagrees with presence %v", n, gone, present)
				}
				if !present {
					continue
				}
				k, _ = slices.BinarySearch(ref, gone)
			}
			ref = slices.Delete(ref, k, k+1)
			for i := range n {
				_, present := slices.BinarySearch(ref, i)
				if r.Has(i) != present {
					t.Fatalf("n=%d: Has(%d) = %v, want %v", n, i, !present, present)
				}
			}
		}
		if r.Len() != 0 || r.Has(-1) || r.Has(n) || r.Remove(n) {
			t.Fatalf("n=%d: not empty at the end", n)
		}
	}
}

func TestRemainingBounds(t *testing.T) {
	if _, err := NewRemaining(-1); err == nil {
		t.Error("NewRemaining(-1): no error")
	}
	r, _ := NewRemaining(3)
	mustPanic(t, "At(-1)", func() { r.At(-1) })
	mustPanic(t, "At(3)", func() { r.At(3) })
	r.Take(2)
	mustPanic(t, "Take(2) of 2 remaining", func() { r.Take(2) })
}
