package plan_test

import (
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/plan"
)

// Over 10,000 plans with varying seeds, each stratum's inclusion frequencies fit the declared
// ratio: every pool member is drawn count/size of the time (= the ratio, pools chosen so that
// ratio × size is whole), tested by χ² on per-enterprise inclusion counts against p = 0.01 with
// size − 1 degrees of freedom. The seeds are fixed, so the test is deterministic.
func TestStrataInclusionFitsTheRatio(t *testing.T) {
	const draws = 10_000
	ents := directoryOf(50, 40, 30, 20)
	s := validSpec()
	s.Ratios = plan.Ratios{A: plan.MustRatio("0.02"), B: plan.MustRatio("0.05"), C: plan.MustRatio("0.1"), D: plan.MustRatio("0.3")}
	inclusion := map[string]int{}
	var strata []plan.Stratum
	for d := range draws {
		p, _, err := plan.Create(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Announce(announceAt, slices.Values(ents), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := p.RevealSeed([][]uint64{{uint64(d)}, {7, 21, 33, 4, 15, 26}}, revealAt); err != nil {
			t.Fatal(err)
		}
		if _, err := p.DrawEnterprises(); err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Drawn() {
			inclusion[u]++
		}
		strata = p.Strata()
	}
	for _, st := range strata {
		ratio := float64(s.Ratios.Of(st.Tier)) / float64(plan.RatioOne)
		if float64(st.Count) != ratio*float64(st.PoolSize) {
			t.Fatalf("%s: count %d is not %v × %d", st.Label, st.Count, ratio, st.PoolSize)
		}
		expected := float64(draws) * ratio
		var x2 float64
		for _, u := range st.Pool {
			d := float64(inclusion[u]) - expected
			x2 += d * d / expected
		}
		crit := chiSquareCritical(st.PoolSize-1, z01)
		t.Logf("%s (tier %s, ratio %v, pool %d): χ² = %.1f, critical %.1f", st.Label, st.Tier, ratio, st.PoolSize, x2, crit)
		if x2 > crit {
			t.Errorf("%s: χ² = %.1f > %.1f", st.Label, x2, crit)
		}
	}
}
