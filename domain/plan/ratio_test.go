package plan_test

import (
	"encoding/json"
	"testing"

	"github.com/choucha/choucha/domain/plan"
)

// Counts are ⌈ratio × pool⌉ in exact decimal arithmetic: float64 would make 0.07 × 100 =
// 7.000000000000001 and so 8.
func TestCountIsExactCeiling(t *testing.T) {
	for _, c := range []struct {
		ratio string
		n     int
		want  int
	}{
		{"0.07", 100, 7}, {"0.07", 101, 8}, {"0.01", 100, 1}, {"0.01", 101, 2}, {"0.01", 1, 1},
		{"0.1", 30, 3}, {"0.3", 7, 3}, {"0.3", 10, 3}, {"0.29", 100, 29}, {"0.57", 100, 57},
		{"0.000001", 1_000_000, 1}, {"0.000001", 1_000_001, 2}, {"1", 12345, 12345}, {"1.0", 3, 3},
		{"0.02", 10_000_000, 200_000}, {"0.3", 4_000_000_000, 1_200_000_000}, {"0.5", 0, 0},
	} {
		r, err := plan.ParseRatio(c.ratio)
		if err != nil {
			t.Fatalf("%s: %v", c.ratio, err)
		}
		if got := r.Count(c.n); got != c.want {
			t.Errorf("⌈%s × %d⌉ = %d, want %d", c.ratio, c.n, got, c.want)
		}
	}
	if f := 0.07 * 100.0; f == 7 {
		t.Log("note: this platform computes 0.07*100 exactly")
	}
}

func TestParseRatioRefusesWhatItCannotHoldExactly(t *testing.T) {
	for _, s := range []string{"", ".5", "5.", "0.0000001", "1.000001", "2", "01", "-0.1", "0,1", "1e-2", "0.1 ", "10%"} {
		if r, err := plan.ParseRatio(s); err == nil {
			t.Errorf("ParseRatio(%q) = %v, want an error", s, r)
		}
	}
	for s, want := range map[string]string{"0.070": "0.07", "1.000000": "1", "0": "0", "0.000001": "0.000001", "0.3": "0.3"} {
		if r, err := plan.ParseRatio(s); err != nil || r.String() != want {
			t.Errorf("ParseRatio(%q) = %v, %v; want %s", s, r, err, want)
		}
	}
}

// On the wire a ratio is a decimal string; a bare JSON number is read from its text, never
// through a float.
func TestRatioJSON(t *testing.T) {
	b, err := json.Marshal(plan.Ratios{A: plan.MustRatio("0.01"), B: plan.MustRatio("0.02"), C: plan.MustRatio("0.1"), D: plan.MustRatio("1")})
	if err != nil || string(b) != `{"A":"0.01","B":"0.02","C":"0.1","D":"1"}` {
		t.Fatalf("%s %v", b, err)
	}
	var r plan.Ratios
	if err := json.Unmarshal([]byte(`{"A":0.07,"B":"0.07","C":0.1,"D":1}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.A != plan.MustRatio("0.07") || r.B != r.A || r.A.Count(100) != 7 || r.D != plan.RatioOne {
		t.Fatalf("%+v", r)
	}
	if err := json.Unmarshal([]byte(`{"A":0.07000000001}`), &r); err == nil {
		t.Fatal("accepted a ratio with more than 6 decimals")
	}
}
