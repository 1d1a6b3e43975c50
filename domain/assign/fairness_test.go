package assign_test

import (
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/draw"
)

func TestChiSquareCriticalApproximation(t *testing.T) {
	// Exact upper 1 % points (standard tables).
	for df, exact := range map[int]float64{10: 23.209, 30: 50.892, 44: 68.710, 49: 74.919, 100: 135.807} {
		if got := chiSquareCritical(df, z01); got < exact*0.998 || got > exact*1.002 {
			t.Errorf("df %d: %.3f, exact %.3f", df, got, exact)
		}
	}
}

// Eligible inspectors are chosen uniformly: over 10,000 draws with varying seeds, each of 45
// eligible officers of a pool of 50 is on the team as often as chance says (χ² against the
// expected count, p > 0.01 with 44 degrees of freedom), and the 5 ineligible never.
func TestInspectorsAreChosenUniformly(t *testing.T) {
	const draws, teamSize = 10_000, 2
	pool := staff("a", "X", 50)
	for i := range 3 {
		pool[i*7].Active = false
	}
	pool[10].Conflicts = []string{enterprise}
	pool[20].Conflicts = []string{enterprise}
	index := make(map[string]int)
	var eligible []string
	for i, p := range pool {
		index[p.ID] = i
		if p.Active && !p.ConflictsWith(enterprise) {
			eligible = append(eligible, p.ID)
		}
	}
	counts := make([]int, len(pool))
	in := assign.Inputs{TeamSize: teamSize, Cap: 1, Roster: pool, Tasks: []assign.Task{task("t", "X")}}
	for d := range draws {
		in.Key = draw.Key([][]uint64{{uint64(d)}, {3, 14, 15, 92, 65}})
		rs, err := assign.Assign(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range rs[0].Team {
			counts[index[id]]++
		}
	}
	var obs []int
	for _, p := range pool {
		n := counts[index[p.ID]]
		if p.Active && !p.ConflictsWith(enterprise) {
			obs = append(obs, n)
		} else if n != 0 {
			t.Fatalf("ineligible %s chosen %d times", p.ID, n)
		}
	}
	expected := float64(draws*teamSize) / float64(len(eligible))
	x2, crit := chiSquare(obs, expected), chiSquareCritical(len(obs)-1, z01)
	t.Logf("χ² = %.1f, critical (p = 0.01, df = %d) = %.1f", x2, len(obs)-1, crit)
	if x2 > crit {
		t.Fatalf("χ² = %.1f > %.1f: inclusion counts %v, expected %.1f each", x2, crit, obs, expected)
	}
}
