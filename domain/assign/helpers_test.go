package assign_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

const enterprise = "91110101100000010X" // any string works here; conflicts compare it exactly

var key = draw.Key([][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}})

// officer is an active inspector; options change it.
func officer(id, dept string, opts ...func(*directory.Inspector)) directory.Inspector {
	in := directory.Inspector{ID: id, Name: "n" + id, CertNo: "c" + id, Department: dept, RegionCode: "110101", Active: true}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func inactive(in *directory.Inspector) { in.Active = false }
func conflicted(in *directory.Inspector) {
	in.Conflicts = []string{enterprise}
}
func qualified(q ...string) func(*directory.Inspector) {
	return func(in *directory.Inspector) { in.Qualifications = slices.Sorted(slices.Values(q)) }
}

// staff returns n active inspectors of dept with ids <prefix>00 … .
func staff(prefix, dept string, n int) []directory.Inspector {
	out := make([]directory.Inspector, n)
	for i := range out {
		out[i] = officer(fmt.Sprintf("%s%02d", prefix, i), dept)
	}
	return out
}

func task(id string, depts ...string) assign.Task {
	return assign.Task{ID: id, USCC: enterprise, Plans: []string{"p"}, Items: []string{"i"}, Departments: depts}
}

func mustAssign(t *testing.T, in assign.Inputs) []assign.Result {
	t.Helper()
	rs, err := assign.Assign(in)
	if err != nil {
		t.Fatal(err)
	}
	if ms := assign.Verify(in, assign.Record{Results: rs}); len(ms) != 0 {
		t.Fatalf("fresh results do not verify: %v", ms)
	}
	return rs
}

func roster(rs ...[]directory.Inspector) []directory.Inspector { return slices.Concat(rs...) }

func byID(rs []directory.Inspector) map[string]directory.Inspector {
	m := make(map[string]directory.Inspector)
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

// chiSquareCritical is the upper p-quantile of χ² with df degrees of freedom by the
// Wilson–Hilferty approximation: df·(1 − 2/(9df) + z·√(2/(9df)))³, z the standard normal
// upper p-quantile. Within 0.2 % of the exact value for df ≥ 10 at p = 0.01.
func chiSquareCritical(df int, z float64) float64 {
	h := 2 / (9 * float64(df))
	return float64(df) * math.Pow(1-h+z*math.Sqrt(h), 3)
}

// z01 is the standard normal quantile for an upper tail of 0.01.
const z01 = 2.3263478740408408

func chiSquare(observed []int, expected float64) float64 {
	var x float64
	for _, o := range observed {
		d := float64(o) - expected
		x += d * d / expected
	}
	return x
}
