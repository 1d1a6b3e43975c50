package draw

import "testing"

// BenchmarkSelect draws k = 500,000 of n = 10,000,000 (tree build included) beside a baseline
// of one sequential pass over n uint32s, the least any O(n) method must spend.
func BenchmarkSelect(b *testing.B) {
	const n, k = 10_000_000, 500_000
	key := StratumKey(rfcKey, "S1")
	b.Run("select_k500000_n10000000", func(b *testing.B) {
		for b.Loop() {
			if _, err := Select(key, n, k); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scan_n10000000", func(b *testing.B) {
		s := make([]uint32, n)
		for i := range s {
			s[i] = uint32(i)
		}
		var sum uint32
		for b.Loop() {
			for _, v := range s {
				sum += v
			}
		}
		benchSink = sum
	})
}

var benchSink uint32
