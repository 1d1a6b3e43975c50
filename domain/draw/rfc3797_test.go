package draw

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The fully worked example of RFC 3797 §6: 25 volunteers, three seed sources.
var (
	rfcSeeds = [][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}}
	rfcKey   = "9319./2.5.8.10.12./9.18.26.34.41.45./"
	rfcNames = []string{
		"John", "Mary", "Bashful", "Dopey", "Sleepy",
		"Grouchy", "Doc", "Sneazy", "Handsome", "Cassandra",
		"Pollyanna", "Pendragon", "Pandora", "Faith", "Hope",
		"Charity", "Lee", "Longsuffering", "Chastity", "Smith",
		"Pride", "Sloth", "Envy", "Anger", "Kasczynski",
	}
	// The RFC's table: MD5 value and selected volunteer number (1-based) of picks 1…16.
	rfcDigests = []string{
		"990DD0A5692A029A98B5E01AA28F3459", "3691E55CB63FCC37914430B2F70B5EC6",
		"FE814EDF564C190AC1D25753979990FA", "1863CCACEB568C31D7DDBDF1D4E91387",
		"F4AB33DF4889F0AF29C513905BE1D758", "13EAEB529F61ACFB9A29D0BA3A60DE4A",
		"992DB77C382CA2BDB9727001F3CDCCD9", "63AB4258ECA922976811C7F55C383CE7",
		"DFBC5AC97CED01B3A6E348E3CC63F40D", "31CB111C4A4EBE9287CEAE16FE51B909",
		"07FA46C122F164C215BBC72793B189A3", "AC52F8D75CCBE2E61AFEB3387637D501",
		"53306F73E14FC0B2FBF434218D25948E", "B5D1403501A81F9A47318BE7893B347C",
		"85B10B356AA06663EF1B1B407765100A", "3269E6CE559ABD57E2BA6AAB495EB9BD",
	}
	rfcPicked = []int{17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4}
	// The RFC names the ten selected plus the next one.
	rfcSelectedNames = []string{
		"Lee", "Doc", "Mary", "Charity", "Kasczynski",
		"Envy", "Sneazy", "Anger", "Chastity", "Pandora", "Sloth",
	}
)

func TestRFC3797Key(t *testing.T) {
	in := [][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}}
	if got := Key(in); got != rfcKey {
		t.Fatalf("Key = %q, want %q", got, rfcKey)
	}
	if !slices.Equal(in[1], []uint64{2, 5, 12, 8, 10}) {
		t.Fatalf("Key modified its input: %v", in[1])
	}
}

func TestRFC3797Digests(t *testing.T) {
	for i, want := range rfcDigests {
		d := Digest(rfcKey, uint64(i))
		if got := strings.ToUpper(hex.EncodeToString(d[:])); got != want {
			t.Errorf("pick %d: MD5 %s, want %s", i+1, got, want)
		}
	}
}

func TestRFC3797Selection(t *testing.T) {
	got, err := Select(Key(rfcSeeds), len(rfcNames), len(rfcPicked))
	if err != nil {
		t.Fatal(err)
	}
	for j, idx := range got {
		if idx+1 != rfcPicked[j] {
			t.Fatalf("pick %d = volunteer %d, want %d (all: %v)", j+1, idx+1, rfcPicked[j], got)
		}
	}
	for j, name := range rfcSelectedNames {
		if rfcNames[got[j]] != name {
			t.Errorf("pick %d = %s, want %s", j+1, rfcNames[got[j]], name)
		}
	}
	// Step by step as in the RFC's table: pick j is taken modulo 25-j (its "div" column).
	s := NewStream(rfcKey)
	r, err := NewRemaining(len(rfcNames))
	if err != nil {
		t.Fatal(err)
	}
	for j, want := range rfcPicked {
		if got := r.Take(s.Next(len(rfcNames) - j)); got+1 != want {
			t.Fatalf("stream pick %d = volunteer %d, want %d", j+1, got+1, want)
		}
	}
}

func TestKeyFormat(t *testing.T) {
	for _, tc := range []struct {
		in   [][]uint64
		want string
	}{
		{nil, ""},
		{[][]uint64{{0}}, "0./"},
		{[][]uint64{{10, 9, 100}}, "9.10.100./"}, // numeric, not lexical, order
		{[][]uint64{{5, 1, 5}}, "1.5.5./"},       // repeated values are kept
		{[][]uint64{{1}, {2}, {3}}, "1./2./3./"},
		{[][]uint64{{3}, {2}, {1}}, "3./2./1./"}, // sources keep their order
		{[][]uint64{{1<<64 - 1}}, "18446744073709551615./"},
		{[][]uint64{{}, {7}}, "/7./"},
	} {
		if got := Key(tc.in); got != tc.want {
			t.Errorf("Key(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := StratumKey(rfcKey, "S1"); got != rfcKey+"S1/" {
		t.Errorf("StratumKey = %q", got)
	}
	if got := StratumKey(rfcKey, "inspectors/T-7"); got != rfcKey+"inspectors/T-7/" {
		t.Errorf("StratumKey = %q", got)
	}
}

// naiveSelect is an independent transcription of the RFC's reference loop: big-integer
// remainder, linear removal from a slice, and the package's be32 extension past 65535.
func naiveSelect(key string, n, k int) []int {
	pool := make([]int, n)
	for i := range pool {
		pool[i] = i
	}
	out := make([]int, 0, k)
	for i := range k {
		h := md5.Sum(naiveInput(key, uint64(i)))
		m := new(big.Int).SetBytes(h[:])
		j := int(m.Mod(m, big.NewInt(int64(len(pool)))).Int64())
		out = append(out, pool[j])
		pool = slices.Delete(pool, j, j+1)
	}
	return out
}

func naiveInput(key string, i uint64) []byte {
	var pre []byte
	if i < 65536 {
		pre = []byte{byte(i >> 8), byte(i)}
	} else {
		pre = []byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
	}
	return slices.Concat(pre, []byte(key), pre)
}

func TestSelectMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := rng.IntN(2000)
		if trial%10 == 0 {
			n = rng.IntN(8)
		}
		k := rng.IntN(n + 1)
		key := StratumKey(Key([][]uint64{{rng.Uint64()}, {rng.Uint64N(50), rng.Uint64N(50)}}),
			fmt.Sprintf("S%d", trial))
		got, err := Select(key, n, k)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveSelect(key, n, k); !slices.Equal(got, want) {
			t.Fatalf("n=%d k=%d key=%q:\n got %v\nwant %v", n, k, key, got, want)
		}
	}
}

func TestSelectPrefixProperty(t *testing.T) {
	key := StratumKey(rfcKey, "S2")
	const n = 500
	all, err := Select(key, n, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 1, 2, 17, 250, 499} {
		got, err := Select(key, n, k)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, all[:k]) {
			t.Fatalf("Select(k=%d) is not a prefix of Select(k=%d)", k, n)
		}
	}
}

func TestSelectPermutationAndDistinct(t *testing.T) {
	for _, n := range []int{1, 2, 3, 25, 1000, 4097} {
		got, err := Select(StratumKey(rfcKey, "S1"), n, n)
		if err != nil {
			t.Fatal(err)
		}
		sorted := slices.Sorted(slices.Values(got))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("n=%d: Select(k=n) is not a permutation of 0..n-1: %v", n, got)
			}
		}
	}
	got, err := Select(rfcKey, 10000, 3000)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[int]bool)
	for _, v := range got {
		if v < 0 || v >= 10000 || seen[v] {
			t.Fatalf("index %d out of range or repeated", v)
		}
		seen[v] = true
	}
}

func TestSelectErrors(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{5, 6}, {0, 1}, {5, -1}, {-1, 0}} {
		if _, err := Select(rfcKey, tc.n, tc.k); err == nil {
			t.Errorf("Select(n=%d, k=%d): no error", tc.n, tc.k)
		}
	}
	if got, err := Select(rfcKey, 0, 0); err != nil || len(got) != 0 {
		t.Errorf("Select(0, 0) = %v, %v", got, err)
	}
}

func TestExtensionBoundary(t *testing.T) {
	key := StratumKey(rfcKey, "S1")
	// Picks 0…65535 are plain RFC 3797: two-byte counter on both sides.
	for i := range uint64(65536) {
		pre := []byte{byte(i >> 8), byte(i)}
		if Digest(key, i) != md5.Sum(slices.Concat(pre, []byte(key), pre)) {
			t.Fatalf("pick %d differs from RFC 3797", i)
		}
	}
	// From 65536 on: four-byte counter on both sides.
	for _, i := range []uint64{65536, 65537, 1 << 24, MaxPicks - 1} {
		pre := []byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		if Digest(key, i) != md5.Sum(slices.Concat(pre, []byte(key), pre)) {
			t.Fatalf("pick %d does not use the be32 extension", i)
		}
	}
	// The stream switches encoding exactly at pick 65536.
	s := NewStream(key)
	for range 65536 {
		s.Next(1)
	}
	const m = 1_000_003
	h := md5.Sum(naiveInput(key, 65536))
	want := new(big.Int).SetBytes(h[:])
	want.Mod(want, big.NewInt(m))
	if got := s.Next(m); int64(got) != want.Int64() {
		t.Fatalf("pick 65536 = %d, want %d", got, want.Int64())
	}
	if s.Picks() != 65537 {
		t.Fatalf("Picks = %d", s.Picks())
	}
}

func TestSelectAcrossExtensionMatchesNaive(t *testing.T) {
	if testing.Short() {
		t.Skip("quadratic naive reference")
	}
	const n, k = 65600, 65560
	key := StratumKey(rfcKey, "S9")
	got, err := Select(key, n, k)
	if err != nil {
		t.Fatal(err)
	}
	if want := naiveSelect(key, n, k); !slices.Equal(got, want) {
		t.Fatal("Select and the naive reference disagree across pick 65536")
	}
}

func TestStreamLimits(t *testing.T) {
	mustPanic(t, "Next(0)", func() { NewStream(rfcKey).Next(0) })
	s := NewStream(rfcKey)
	s.i = MaxPicks - 1
	s.Next(3)
	mustPanic(t, "Next past 2^32", func() { s.Next(3) })
	mustPanic(t, "Digest(2^32)", func() { Digest(rfcKey, MaxPicks) })
}

func TestMod128(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var d [16]byte
		for i := range d {
			d[i] = byte(rng.Uint32())
		}
		m := rng.Uint64()>>rng.UintN(64) | 1
		want := new(big.Int).SetBytes(d[:])
		want.Mod(want, new(big.Int).SetUint64(m))
		if got := mod128(d, m); got != want.Uint64() {
			t.Fatalf("mod128(%x, %d) = %d, want %d", d, m, got, want)
		}
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}
