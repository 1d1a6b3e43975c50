package plan_test

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

// The pool commitment is the SHA-256 of the pool file: USCCs ascending, each followed by "\n".
// Hand-computed: printf '91440103000000019C\n914401030000000277\n914401030000000352\n' | sha256sum
func TestPoolHashMatchesHandComputedSHA256(t *testing.T) {
	const want = "3a3cb56e0521e1b761bcbf8bccc9d3866f291c165929780fad452e4326f46bf1"
	pool := []string{"91440103000000019C", "914401030000000277", "914401030000000352"}
	if got := plan.PoolSHA256(pool); got != want {
		t.Fatalf("PoolSHA256 = %s, want %s", got, want)
	}
	// Announce sorts the pool itself: the same three given in another order commit the same way.
	s := validSpec()
	s.Ratios.A = plan.MustRatio("0.01")
	p, _ := mustCreate(t, s)
	ents := []directory.Enterprise{ent(3, "A"), ent(1, "A"), ent(2, "A")}
	ev, err := p.Announce(announceAt, slices.Values(ents), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := ev[0].Payload.(plan.AnnouncedV1).Strata
	if len(st) != 1 || st[0].PoolSHA256 != want || !slices.Equal(st[0].Pool, pool) || st[0].PoolSize != 3 || st[0].Count != 1 {
		t.Fatalf("strata %+v", st)
	}
	// Hashing over a buffer boundary agrees with hashing one string.
	big := make([]string, 10_000)
	var all []byte
	for i := range big {
		big[i] = uscc(i)
		all = append(append(all, big[i]...), '\n')
	}
	if plan.PoolSHA256(big) != plan.PoolSHA256([]string{string(all[:len(all)-1])}) {
		t.Fatal("buffered hashing differs")
	}
}

// Eligibility: scope, status and cap, each left-out enterprise counted under its reason;
// strata S1… only for tiers with a nonempty pool, in tier order.
func TestAnnounceComputesEligiblePoolsPerTier(t *testing.T) {
	s := validSpec()
	s.Scope = plan.Scope{RegionPrefix: "4401", Industries: []string{"零售业", "餐饮业"}, EntityTypes: []string{"企业", "个体工商户"}, Mode: plan.ModeTargeted}
	p, _ := mustCreate(t, s)
	var ents []directory.Enterprise
	add := func(i int, tier directory.Tier, edit func(*directory.Enterprise)) {
		e := ent(i, tier)
		if edit != nil {
			edit(&e)
		}
		ents = append(ents, e)
	}
	for i := range 5 {
		add(100+i, "A", nil)
		add(300+i, "C", nil)
		add(400+i, "D", func(e *directory.Enterprise) { e.EntityType = "个体工商户"; e.Industry = "餐饮业" })
	}
	add(500, "B", func(e *directory.Enterprise) { e.RegionCode = "440303" }) // 深圳: out of region
	add(501, "B", func(e *directory.Enterprise) { e.Industry = "制造业" })
	add(502, "B", func(e *directory.Enterprise) { e.EntityType = "农民专业合作社" })
	add(503, "B", func(e *directory.Enterprise) { e.Status = "注销" })
	add(504, "B", func(e *directory.Enterprise) { e.Status = "吊销" })
	add(505, "C", nil) // over its cap
	over := func(u string, _ directory.Tier) (bool, string) { return u == uscc(505), "complaint_quota" }
	ev, err := p.Announce(announceAt, slices.Values(ents), over)
	if err != nil {
		t.Fatal(err)
	}
	a := ev[0].Payload.(plan.AnnouncedV1)
	wantInel := map[string]int{"region": 1, "industry": 1, "entity_type": 1, "status": 2, "cap:complaint_quota": 1}
	if !maps.Equal(a.Ineligible, wantInel) {
		t.Fatalf("ineligible %v, want %v", a.Ineligible, wantInel)
	}
	var labels []string
	for _, st := range a.Strata {
		labels = append(labels, st.Label+"="+string(st.Tier))
		if !slices.IsSorted(st.Pool) || st.PoolSize != 5 || st.Count != st.Ratio.Count(5) {
			t.Fatalf("stratum %+v", st)
		}
	}
	// B is empty: S1=A, S2=C, S3=D.
	if !slices.Equal(labels, []string{"S1=A", "S2=C", "S3=D"}) {
		t.Fatal(labels)
	}
	if p.State() != plan.StateAnnounced || !p.AnnouncedAt().Equal(announceAt) {
		t.Fatal(p.State())
	}
	// The tier is frozen: the audit's label→tier map with the pools says each enterprise's tier.
	audit := p.Audit()
	for _, st := range audit.Strata {
		for _, u := range st.Pool {
			var want directory.Tier
			for _, e := range ents {
				if e.USCC == u {
					want = e.Tier
				}
			}
			if audit.Tiers[st.Label] != want {
				t.Fatalf("%s frozen as %s, was %s", u, audit.Tiers[st.Label], want)
			}
		}
	}
}

// Tier A at most once a year (Guangdong): an A enterprise already inspected this year is left
// out and counted; a B enterprise with the same count stays in.
func TestTierAYearlyCapIsReported(t *testing.T) {
	counts := map[string]int{uscc(1000): 1, uscc(1001): 0, uscc(2000): 1}
	check := plan.YearlyCap(func(u string) int { return counts[u] }, map[directory.Tier]int{"A": 1, "B": 3})
	p, _ := mustCreate(t, validSpec())
	if _, err := p.Announce(announceAt, slices.Values(directoryOf(5, 5, 5, 5)), check); err != nil {
		t.Fatal(err)
	}
	if got := p.Ineligible(); !maps.Equal(got, map[string]int{"cap:yearly_cap_A": 1}) {
		t.Fatalf("ineligible %v", got)
	}
	st := p.Strata()
	if slices.Contains(st[0].Pool, uscc(1000)) || !slices.Contains(st[0].Pool, uscc(1001)) || !slices.Contains(st[1].Pool, uscc(2000)) {
		t.Fatalf("pools %v %v", st[0].Pool, st[1].Pool)
	}
	if st[0].PoolSize != 4 || st[1].PoolSize != 5 {
		t.Fatal(st[0].PoolSize, st[1].PoolSize)
	}
}

func TestAnnounceRefusals(t *testing.T) {
	announce := func(at time.Time, s plan.Spec, ents []directory.Enterprise) error {
		p, _ := mustCreate(t, s)
		_, err := p.Announce(at, slices.Values(ents), nil)
		if err != nil && p.State() != plan.StateDraft {
			t.Fatalf("refused announcement changed the state to %s", p.State())
		}
		return err
	}
	ok := directoryOf(3, 3, 3, 3)
	// On the lottery day itself (China time) the seed may already be known.
	lotteryDay := time.Date(2026, 12, 5, 0, 0, 0, 0, cst)
	if got := fieldsOf(announce(lotteryDay, validSpec(), ok)); !slices.Equal(got, []string{"announced_at:before_seed"}) {
		t.Fatalf("announce on the lottery day: %v", got)
	}
	if err := announce(lotteryDay.Add(-time.Second), validSpec(), ok); err != nil {
		t.Fatalf("announce a second before the lottery day: %v", err)
	}
	// drand: before the round's time only.
	s := validSpec()
	s.Seed = plan.SeedSource{Type: plan.SeedDrand, Round: 30_000_000}
	roundAt := plan.DrandRoundTime(30_000_000)
	if fieldsOf(announce(roundAt, s, ok)) == nil || announce(roundAt.Add(-time.Second), s, ok) != nil {
		t.Fatal("drand round time not enforced")
	}
	// Nothing eligible.
	gone := directoryOf(3, 0, 0, 0)
	for i := range gone {
		gone[i].Status = "注销"
	}
	if err := announce(announceAt, validSpec(), gone); !errors.Is(err, plan.ErrNoEligible) {
		t.Fatalf("empty pools: %v", err)
	}
	// The same enterprise twice, even under two tiers, or a malformed USCC or tier.
	dup := append(directoryOf(3, 3, 0, 0), ent(1000, "C"))
	bad := append(directoryOf(1, 0, 0, 0), directory.Enterprise{USCC: "91440103000000019C\n", RegionCode: "440103", Industry: "零售业", EntityType: "企业", Status: "存续", Tier: "A"})
	noTier := append(directoryOf(1, 0, 0, 0), ent(9, "E"))
	for name, ents := range map[string][]directory.Enterprise{"duplicate": dup, "bad uscc": bad, "bad tier": noTier} {
		if err := announce(announceAt, validSpec(), ents); !errors.Is(err, plan.ErrDirectory) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRevealSeedTiming(t *testing.T) {
	p, _ := mustCreate(t, validSpec())
	if _, err := p.Announce(announceAt, slices.Values(directoryOf(3, 3, 3, 3)), nil); err != nil {
		t.Fatal(err)
	}
	// In this order: the last one succeeds.
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{announceAt.Add(-time.Hour), "revealed_at:before_announcement"},
		{time.Date(2026, 12, 4, 23, 59, 0, 0, cst), "revealed_at:before_seed"},
		{time.Date(2026, 12, 4, 16, 30, 0, 0, time.UTC), ""}, // 2026-12-05 00:30 in China
	} {
		_, err := p.RevealSeed(seeds, c.at)
		if got := fieldsOf(err); c.want == "" && err != nil || c.want != "" && !slices.Equal(got, []string{c.want}) {
			t.Fatalf("reveal at %v: %v, want %q", c.at, err, c.want)
		}
	}
	if p.State() != plan.StateSeedRevealed || plan.DrandRoundTime(1).IsZero() {
		t.Fatal(p.State())
	}
	q, _ := mustCreate(t, validSpec())
	q.Announce(announceAt, slices.Values(directoryOf(3, 3, 3, 3)), nil)
	if got := fieldsOf(func() error { _, err := q.RevealSeed([][]uint64{{1}, {}}, revealAt); return err }()); !slices.Equal(got, []string{"sources[1]:required"}) {
		t.Fatal(got)
	}
	// The plan keeps its own copy of the seed values.
	src := [][]uint64{{5, 1}}
	q.RevealSeed(src, revealAt)
	src[0][0] = 99
	if q.SeedSources()[0][0] != 5 || q.Key() != "1.5./" {
		t.Fatal(q.SeedSources(), q.Key())
	}
}
