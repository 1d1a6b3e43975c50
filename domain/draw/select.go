package draw

import "fmt"

// Select draws k of a pool of n with the pick stream of key and returns the drawn pool indices
// (0-based, into the original pool) in pick order. Select(key, n, k)[:j] == Select(key, n, j).
func Select(key string, n, k int) ([]int, error) {
	if k < 0 || k > n {
		return nil, fmt.Errorf("draw: cannot select %d of a pool of %d", k, n)
	}
	r, err := NewRemaining(n)
	if err != nil {
		return nil, err
	}
	s := NewStream(key)
	out := make([]int, k)
	for j := range out {
		out[j] = r.Take(s.Next(r.Len()))
	}
	return out, nil
}
