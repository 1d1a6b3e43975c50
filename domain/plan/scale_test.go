package plan_test

import (
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

// Announce allocates per stratum, not per enterprise: quadrupling the directory adds only the
// few allocations of growing four pool slices.
func TestAnnounceDoesNotAllocatePerEnterprise(t *testing.T) {
	allocs := func(n int) float64 {
		ents := directoryOf(n*70/100, n*20/100, n*7/100, n*3/100)
		return testing.AllocsPerRun(3, func() {
			p, _, _ := plan.Create(validSpec())
			if _, err := p.Announce(announceAt, slices.Values(ents), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(5_000), allocs(20_000)
	t.Logf("allocations: %.0f for 5,000 enterprises, %.0f for 20,000", small, large)
	if large-small > 40 {
		t.Fatalf("allocations grow with the directory: %.0f → %.0f", small, large)
	}
}

// go test -run '^$' -bench Announce -benchtime 1x ./domain/plan/  (10M enterprises, ~2.5 GB)
func BenchmarkAnnounce10M(b *testing.B) {
	const n = 10_000_000
	shares := []int{n * 70 / 100, n * 20 / 100, n * 7 / 100, n * 3 / 100}
	ents := func(yield func(directory.Enterprise) bool) {
		e := ent(0, "A")
		i := 0
		for t, k := range shares {
			e.Tier = directory.Tier(directory.Tiers[t])
			for range k {
				e.USCC = usccs[i]
				i++
				if !yield(e) {
					return
				}
			}
		}
	}
	if usccs == nil {
		usccs = make([]string, n)
		for i := range usccs {
			usccs[i] = uscc(i)
		}
	}
	b.ResetTimer()
	for range b.N {
		p, _, _ := plan.Create(validSpec())
		if _, err := p.Announce(announceAt, ents, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := p.RevealSeed(seeds, revealAt); err != nil {
			b.Fatal(err)
		}
		if _, err := p.DrawEnterprises(); err != nil {
			b.Fatal(err)
		}
	}
}

var usccs []string
