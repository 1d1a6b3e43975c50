package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Ratio is a sampling ratio held exactly, in millionths: "0.07" is 70000. Counts are computed in
// integers, so 0.07 × 100 is 7, never ⌈7.000000000000001⌉ = 8 as with float64.
type Ratio uint32

// RatioOne is 100 %.
const RatioOne Ratio = 1_000_000

const ratioDigits = 6

// ParseRatio reads a decimal fraction in [0, 1] with at most six decimals ("0.07", "1", "0.3").
// More decimals are refused rather than rounded: a published ratio must mean what it says.
func ParseRatio(s string) (Ratio, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if !digits(intPart) || (hasDot && !digits(frac)) || len(frac) > ratioDigits || len(intPart) > 1 {
		return 0, fmt.Errorf("ratio %q: want a decimal in [0, 1] with at most %d decimals", s, ratioDigits)
	}
	v, _ := strconv.ParseUint(intPart+frac+strings.Repeat("0", ratioDigits-len(frac)), 10, 32)
	if v > uint64(RatioOne) {
		return 0, fmt.Errorf("ratio %q: above 1", s)
	}
	return Ratio(v), nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MustRatio is ParseRatio for constants; it panics on a malformed ratio.
func MustRatio(s string) Ratio {
	r, err := ParseRatio(s)
	if err != nil {
		panic(err)
	}
	return r
}

// String is the shortest decimal: "0.07", "1", "0".
func (r Ratio) String() string {
	s := fmt.Sprintf("%d.%06d", r/RatioOne, r%RatioOne)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// Count is ⌈r × n⌉: at least one enterprise of every nonempty stratum is drawn when r > 0.
func (r Ratio) Count(n int) int {
	return int((uint64(r)*uint64(n) + uint64(RatioOne) - 1) / uint64(RatioOne))
}

// MarshalJSON writes a string ("0.07") so that no reader parses it as a float.
func (r Ratio) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON accepts a string or a bare number, read from its decimal text, never via float.
func (r *Ratio) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseRatio(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}
