package plan

import (
	"math/rand/v2"
	"testing"
)

var tmpEntries = func() []poolEntry {
	const n = 9_500_000
	r := rand.New(rand.NewPCG(7, 8))
	const al = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	regions := make([]string, 3000)
	for i := range regions {
		regions[i] = string([]byte{'1' + byte(r.IntN(6)), '0' + byte(r.IntN(6)), '0' + byte(r.IntN(10)), '0' + byte(r.IntN(10)), '0' + byte(r.IntN(10)), '0' + byte(r.IntN(10))})
	}
	out := make([]poolEntry, n)
	for i := range out {
		e := &out[i]
		e.uscc[0] = '9'
		e.uscc[1] = "1112"[r.IntN(4)]
		copy(e.uscc[2:8], regions[r.IntN(len(regions))])
		if r.IntN(3) == 0 {
			for j := 8; j < 16; j++ {
				e.uscc[j] = '0' + byte(r.IntN(10))
			}
		} else {
			e.uscc[8], e.uscc[9] = 'M', 'A'
			for j := 10; j < 18; j++ {
				e.uscc[j] = al[r.IntN(31)]
			}
		}
		e.uscc[16] = al[r.IntN(31)]
		e.uscc[17] = al[r.IntN(31)]
		e.tier = uint8(r.IntN(4))
	}
	return out
}()

func BenchmarkTmpSort(b *testing.B) {
	a := make([]poolEntry, len(tmpEntries))
	for range b.N {
		b.StopTimer()
		copy(a, tmpEntries)
		b.StartTimer()
		sortEntries(a)
	}
}
