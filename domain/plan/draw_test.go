package plan_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
	"github.com/choucha/choucha/domain/plan"
)

// Each stratum is exactly draw.Select over its canonical pool with the stratum key, drawn in
// pick order; an independent RFC 3797 implementation fed the published data agrees.
func TestDrawIsRFC3797PerStratum(t *testing.T) {
	p, _ := drawn(t, validSpec(), directoryOf(400, 150, 60, 20), nil)
	key := draw.Key(seeds)
	if p.Key() != "9319./2.5.8.10.12./9.18.26.34.41.45./" {
		t.Fatal(p.Key())
	}
	counts := map[string]int{"S1": 4, "S2": 3, "S3": 6, "S4": 6} // ⌈.01·400⌉ ⌈.02·150⌉ ⌈.1·60⌉ ⌈.3·20⌉
	for _, s := range p.Strata() {
		picks, err := draw.Select(draw.StratumKey(key, s.Label), len(s.Pool), s.Count)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, i := range picks {
			want = append(want, s.Pool[i])
		}
		if !slices.Equal(s.Drawn, want) || s.Count != counts[s.Label] {
			t.Fatalf("%s: drawn %v (count %d), want %v (count %d)", s.Label, s.Drawn, s.Count, want, counts[s.Label])
		}
	}
	if len(p.Drawn()) != 19 {
		t.Fatal(len(p.Drawn()))
	}
}

// The same plan, data and seed draw the same enterprises, whatever the order the directory
// lists them in; another seed draws others.
func TestDrawIsReproducible(t *testing.T) {
	ents := directoryOf(400, 150, 60, 20)
	a, _ := drawn(t, validSpec(), ents, nil)
	shuffled := slices.Clone(ents)
	slices.Reverse(shuffled)
	b, _ := drawn(t, validSpec(), shuffled, nil)
	if !slices.Equal(a.Drawn(), b.Drawn()) {
		t.Fatal("same inputs, different draw")
	}
	c, _ := mustCreate(t, validSpec())
	c.Announce(announceAt, slices.Values(ents), nil)
	c.RevealSeed([][]uint64{{1, 2, 3}}, revealAt)
	c.DrawEnterprises()
	if slices.Equal(a.Drawn(), c.Drawn()) {
		t.Fatal("another seed, same draw")
	}
}

// A pool altered after the commitment (here: in the recorded event) is refused at draw time.
func TestDrawChecksThePoolAgainstItsCommitment(t *testing.T) {
	p, events := mustCreate(t, validSpec())
	ev, err := p.Announce(announceAt, slices.Values(directoryOf(40, 10, 5, 3)), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := ev[0].Payload.(plan.AnnouncedV1)
	a.Strata = slices.Clone(a.Strata)
	a.Strata[1].Pool = slices.Clone(a.Strata[1].Pool)
	a.Strata[1].Pool[3] = uscc(9999)
	q := rehydrate(t, append(events, directory.Change{Type: plan.Announced, Payload: a}))
	if _, err := q.RevealSeed(seeds, revealAt); err != nil {
		t.Fatal(err)
	}
	if _, err := q.DrawEnterprises(); !errors.Is(err, plan.ErrCommitment) || !strings.Contains(err.Error(), "S2") {
		t.Fatalf("draw over an altered pool: %v", err)
	}
}

func auditFixture(t *testing.T) plan.AuditData {
	t.Helper()
	p, _ := drawn(t, validSpec(), directoryOf(400, 150, 60, 20), nil)
	a := p.Audit()
	// Through JSON, as an auditor receives it; deep copies so that tests can alter them.
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var out plan.AuditData
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRecomputeAcceptsTheRecordedDraw(t *testing.T) {
	a := auditFixture(t)
	res, ms := plan.Recompute(a)
	if len(ms) != 0 {
		t.Fatal(ms)
	}
	for i, s := range res.Strata {
		if !slices.Equal(s.Drawn, a.Strata[i].Drawn) || s.PoolSHA256 != a.Strata[i].PoolSHA256 || s.Count != a.Strata[i].Count {
			t.Fatalf("%+v", s)
		}
	}
}

// One changed USCC is found and named: in the pool by the stratum's commitment (and by the
// drawn entry it moves, if drawn), in the drawn list by stratum and index.
func TestRecomputeNamesASingleChange(t *testing.T) {
	// A drawn entry replaced by another enterprise of the pool.
	a := auditFixture(t)
	orig := a.Strata[2].Drawn[4]
	a.Strata[2].Drawn[4] = a.Strata[2].Pool[0]
	_, ms := plan.Recompute(a)
	want := plan.Mismatch{Stratum: "S3", Field: "drawn", Index: 4, Want: orig, Got: a.Strata[2].Pool[0]}
	if len(ms) != 1 || ms[0] != want {
		t.Fatalf("altered drawn: %v\nwant %v", ms, want)
	}

	// A pool entry that was not drawn, changed in place (order kept): only the commitment shows it.
	a = auditFixture(t)
	s := &a.Strata[0]
	j := slices.IndexFunc(s.Pool, func(u string) bool { return !slices.Contains(s.Drawn, u) && u != s.Pool[0] })
	s.Pool[j] = s.Pool[j][:17] + "Y"
	_, ms = plan.Recompute(a)
	if len(ms) != 1 || ms[0].Stratum != "S1" || ms[0].Field != "pool_sha256" || ms[0].Got != s.PoolSHA256 {
		t.Fatalf("altered pool entry: %v", ms)
	}

	// A drawn pool entry changed: the commitment and the drawn entry at its pick index.
	a = auditFixture(t)
	s = &a.Strata[1]
	j = slices.Index(s.Pool, s.Drawn[2])
	s.Pool[j] = s.Pool[j][:17] + "Y"
	_, ms = plan.Recompute(a)
	if len(ms) != 2 || ms[0].Field != "pool_sha256" || ms[1] != (plan.Mismatch{Stratum: "S2", Field: "drawn", Index: 2, Want: s.Pool[j], Got: s.Drawn[2]}) {
		t.Fatalf("altered drawn pool entry: %v", ms)
	}

	// An enterprise slipped into a pool: order, size, commitment and count are checked.
	a = auditFixture(t)
	s = &a.Strata[3]
	s.Pool = append(s.Pool, "000000000000000000")
	_, ms = plan.Recompute(a)
	var fields []string
	for _, m := range ms {
		fields = append(fields, fmt.Sprintf("%s.%s[%d]", m.Stratum, m.Field, m.Index))
	}
	if !slices.Equal(fields[:4], []string{"S4.pool[20]", "S4.pool_size[-1]", "S4.pool_sha256[-1]", "S4.count[-1]"}) {
		t.Fatalf("slipped-in entry: %v", fields)
	}
}

func TestRecomputeChecksCountSeedAndAlgorithm(t *testing.T) {
	a := auditFixture(t)
	a.Strata[0].Count = 3 // published one short, with one drawn enterprise fewer
	a.Strata[0].Drawn = a.Strata[0].Drawn[:3]
	_, ms := plan.Recompute(a)
	if len(ms) != 2 || ms[0] != (plan.Mismatch{Stratum: "S1", Field: "count", Index: -1, Want: "4", Got: "3"}) ||
		ms[1].Field != "drawn" || ms[1].Index != 3 || ms[1].Got != "(none)" {
		t.Fatalf("count: %v", ms)
	}
	a = auditFixture(t)
	a.SeedSources[1][0] = 3
	if _, ms := plan.Recompute(a); len(ms) < 4 {
		t.Fatalf("another seed: only %v", ms)
	}
	a = auditFixture(t)
	a.Algorithm = "python random.sample"
	if _, ms := plan.Recompute(a); len(ms) != 1 || ms[0].Field != "algorithm" {
		t.Fatal(ms)
	}
	a = auditFixture(t)
	a.Strata[0].Label, a.Tiers["S9"] = "S9", "A"
	if _, ms := plan.Recompute(a); len(ms) == 0 || ms[0].Field != "label" {
		t.Fatalf("relabelled stratum: %v", ms)
	}
}

// The audit data has the documented JSON shape; the public view drops pools, tiers, ineligible
// counts and strata membership of the drawn list.
func TestAuditAndPublicJSON(t *testing.T) {
	p, _ := drawn(t, validSpec(), directoryOf(400, 150, 60, 20), nil)
	var audit map[string]any
	b, _ := json.Marshal(p.Audit())
	json.Unmarshal(b, &audit)
	for _, k := range []string{"plan", "algorithm", "seed_sources", "tiers", "strata"} {
		if _, ok := audit[k]; !ok {
			t.Errorf("audit JSON lacks %q: %s", k, b[:200])
		}
	}
	st := audit["strata"].([]any)[0].(map[string]any)
	for _, k := range []string{"label", "pool", "pool_size", "pool_sha256", "ratio", "count", "drawn"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stratum JSON lacks %q", k)
		}
	}
	if st["ratio"] != "0.01" {
		t.Errorf("ratio on the wire: %#v", st["ratio"])
	}

	pub, _ := json.Marshal(p.Public())
	for _, secret := range []string{`"pool"`, `"tier`, `"A"`, `ineligible`, uscc(1399)} {
		if strings.Contains(string(pub), secret) {
			t.Errorf("public view shows %s: %s", secret, pub)
		}
	}
	v := p.Public()
	if len(v.Strata) != 4 || !slices.IsSorted(v.Drawn) || len(v.Drawn) != len(p.Drawn()) || len(v.SeedSources) != 3 {
		t.Fatalf("%+v", v)
	}
}
