package plan

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

// testUSCC is a valid USCC for a number and a region (both varied, so that the radix sort
// meets shared prefixes of every length).
func testUSCC(tb testing.TB, region, i int) string {
	body := fmt.Sprintf("%08d", i)
	c, err := directory.OrgCodeCheckDigit(body)
	if err != nil {
		tb.Fatal(err)
	}
	first := fmt.Sprintf("9%d%06d", 1+region%3, 440000+region) + body + string(c)
	d, err := directory.USCCCheckDigit(first)
	if err != nil {
		tb.Fatal(err)
	}
	return first + string(d)
}

// sortEntries sorts a through entryChunks, as Announce does.
func sortEntries(a []poolEntry) {
	var c entryChunks
	for _, e := range a {
		c.add(string(e.uscc[:]), int(e.tier))
	}
	copy(a, c.sorted())
}

func entryOf(s string, tier int) poolEntry {
	e := poolEntry{tier: uint8(tier)}
	copy(e.uscc[:], s)
	return e
}

// The radix sort orders like sorting the strings, for sizes around the insertion-sort cutoff
// and for inputs with many shared prefixes and equal keys.
func TestSortEntriesMatchesStringSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, smallSort - 1, smallSort, smallSort + 1, 100, 1000, 1025, 50_000} {
		for _, regions := range []int{1, 7, 300} {
			var a []poolEntry
			var want []string
			for range n {
				s := testUSCC(t, r.IntN(regions), r.IntN(max(n/2, 1)))
				if regions == 1 && n < 1000 {
					s = testUSCC(t, 0, 1) // all equal
				}
				a = append(a, entryOf(s, r.IntN(4)))
				want = append(want, s)
			}
			sortEntries(a)
			slices.Sort(want)
			for i := range a {
				if string(a[i].uscc[:]) != want[i] {
					t.Fatalf("n=%d regions=%d: [%d] = %s, want %s", n, regions, i, a[i].uscc[:], want[i])
				}
			}
		}
	}
}

// duplicateBefore is the duplicate check of earlier versions, over sorted per-tier pools.
func duplicateBefore(pools [][]string) (string, bool) {
	for a, pa := range pools {
		for i := 1; i < len(pa); i++ {
			if pa[i] == pa[i-1] {
				return pa[i], true
			}
		}
		for _, pb := range pools[a+1:] {
			for i, j := 0, 0; i < len(pa) && j < len(pb); {
				switch c := strings.Compare(pa[i], pb[j]); {
				case c == 0:
					return pa[i], true
				case c < 0:
					i++
				default:
					j++
				}
			}
		}
	}
	return "", false
}

// The duplicate reported is the one earlier versions reported, whichever tiers hold it.
func TestDuplicateEntryReportsAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 2 + r.IntN(40)
		var a []poolEntry
		pools := make([][]string, 4)
		for range n {
			s, tier := testUSCC(t, 0, r.IntN(2*n)), r.IntN(4)
			a = append(a, entryOf(s, tier))
			pools[tier] = append(pools[tier], s)
		}
		for _, p := range pools {
			slices.Sort(p)
		}
		sortEntries(a)
		got, ok := duplicateEntry(a)
		want, wantOK := duplicateBefore(pools)
		if got != want || ok != wantOK {
			t.Fatalf("trial %d: %q %v, want %q %v (pools %v)", trial, got, ok, want, wantOK, pools)
		}
	}
}

// Announce over a shuffled directory with several regions gives the pools and commitments of
// sorting each tier's USCCs and hashing them with PoolSHA256.
func TestAnnouncePoolsMatchSortedStrings(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var ents []directory.Enterprise
	var want [4][]string
	for i := range 20_000 {
		tier := r.IntN(4)
		if tier == 1 && i%2 == 0 {
			tier = 0
		}
		u := testUSCC(t, r.IntN(50), i)
		ents = append(ents, directory.Enterprise{USCC: u, RegionCode: "440103", Industry: "零售业", EntityType: "企业",
			Status: directory.ActiveStatuses[i%2], Tier: directory.Tier(directory.Tiers[tier])})
		want[tier] = append(want[tier], u)
	}
	p := &Plan{state: StateDraft, spec: Spec{Seed: SeedSource{Type: SeedLottery, Date: "2026-12-05"}}}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, chinaTime)
	ev, err := p.Announce(at, slices.Values(ents), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := ev[0].Payload.(AnnouncedV1).Strata
	if len(st) != 4 {
		t.Fatalf("%d strata", len(st))
	}
	for i, s := range st {
		slices.Sort(want[i])
		if !slices.Equal(s.Pool, want[i]) || s.PoolSize != len(want[i]) || s.PoolSHA256 != PoolSHA256(want[i]) {
			t.Fatalf("stratum %s differs", s.Label)
		}
		if !p.poolCommitted(i) {
			t.Fatalf("stratum %s: own pool not accepted", s.Label)
		}
	}
	// The plan's own pools skip the second hash only while they hold what was committed: a
	// member replaced in the shared slice is caught as before.
	saved := st[2].Pool[7]
	st[2].Pool[7] = testUSCC(t, 0, 99_999_999)
	if p.poolCommitted(2) {
		t.Fatal("replaced member accepted")
	}
	st[2].Pool[7] = strings.Clone(saved) // equal bytes, another string: still the committed pool
	if !p.poolCommitted(2) {
		t.Fatal("equal member refused")
	}
}

// Only the USCC's shape is checked at announcement; a misshapen one is refused with
// directory.ValidateUSCC's error.
func TestUSCCShape(t *testing.T) {
	valid := testUSCC(t, 0, 1)
	for s, want := range map[string]bool{
		valid: true, valid[:17]: false, valid + "\n": false, valid[:17] + "\n": false, valid[:17] + "I": false,
		valid[:17] + "a": false, " " + valid[1:]: false, "": false, valid[:17] + "Y": true, // wrong check character: shape only
	} {
		if usccShaped(s) != want {
			t.Errorf("usccShaped(%q) = %v", s, !want)
		}
		if !want && directory.ValidateUSCC(s) == nil {
			t.Errorf("ValidateUSCC accepts misshapen %q", s)
		}
	}
	for c := range 256 {
		if rank := strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", byte(c)); int(usccRank[c]) != rank {
			t.Errorf("usccRank[%#x] = %d, want %d", c, usccRank[c], rank)
		}
	}
	p := &Plan{state: StateDraft, spec: Spec{Seed: SeedSource{Type: SeedLottery, Date: "2026-12-05"}}}
	bad := directory.Enterprise{USCC: valid + "\n", Status: directory.ActiveStatuses[0], Tier: "A"}
	_, err := p.Announce(time.Date(2026, 12, 1, 0, 0, 0, 0, chinaTime), slices.Values([]directory.Enterprise{bad}), nil)
	if want := fmt.Sprintf("%v: enterprise %q: %v", ErrDirectory, bad.USCC, directory.ValidateUSCC(bad.USCC)); !errors.Is(err, ErrDirectory) || err.Error() != want {
		t.Fatalf("%v, want %s", err, want)
	}
}

func TestTierIndex(t *testing.T) {
	for _, c := range []struct {
		t    directory.Tier
		want int
	}{{"A", 0}, {"B", 1}, {"C", 2}, {"D", 3}, {"E", -1}, {"", -1}, {"a", -1}, {"AA", -1}, {"@", -1}} {
		if got := tierIndex(c.t); got != c.want || got != slices.Index(directory.Tiers, string(c.t)) {
			t.Errorf("tierIndex(%q) = %d", c.t, got)
		}
	}
}

// Chunks grow to 64Ki entries and stay there, however many entries come.
func TestEntryChunksGrowth(t *testing.T) {
	var c entryChunks
	u := testUSCC(t, 0, 1)
	const n = 5_000_000
	for i := range n {
		c.add(u, i%4)
	}
	total := len(c.cur)
	for i, ch := range c.full {
		if want := 1 << 10 << min(i, 6); len(ch) != want || cap(ch) != want {
			t.Fatalf("chunk %d: %d of %d entries, want %d", i, len(ch), cap(ch), want)
		}
		total += len(ch)
	}
	if total != n || c.n != n {
		t.Fatalf("%d entries in chunks, counted %d, want %d", total, c.n, n)
	}
}
