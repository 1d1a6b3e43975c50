package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

// Reasons an enterprise is left out of every pool, in the order they are checked. A cap
// exclusion is counted as "cap:" + the CapCheck's reason.
const (
	IneligibleRegion     = "region"
	IneligibleIndustry   = "industry"
	IneligibleEntityType = "entity_type"
	IneligibleStatus     = "status" // not 存续/在业 (directory.Enterprise.Drawable)
	IneligibleCapPrefix  = "cap:"
)

// CapCheck reports whether an enterprise has reached its yearly cap on proactive inspections
// (rule 8) and why, given its tier as frozen by the announcement. The caller counts the
// inspections: every proactive type counts, complaint- or referral-triggered ones do not.
type CapCheck func(uscc string, tier directory.Tier) (over bool, reason string)

// YearlyCap is a CapCheck from inspection counts of the current year and a limit per tier (0 or
// absent: no cap). Limits{"A": 1} is Guangdong's "an A enterprise is not drawn twice a year".
// The reason is "yearly_cap_<tier>".
func YearlyCap(count func(uscc string) int, limits map[directory.Tier]int) CapCheck {
	reasons := make(map[directory.Tier]string, len(limits))
	for t := range limits {
		reasons[t] = "yearly_cap_" + string(t) // built once: Announce runs this per enterprise
	}
	return func(uscc string, tier directory.Tier) (bool, string) {
		if limit := limits[tier]; limit > 0 && count(uscc) >= limit {
			return true, reasons[tier]
		}
		return false, ""
	}
}

// Announce computes the eligible pool of each tier, freezes it, and commits to it:
//
//   - eligible: in scope (region code prefix, industry, entity type), drawable status, and not
//     over the cap (overCap may be nil). Others are counted per reason in Ineligible;
//   - strata: one per tier with a nonempty pool, labelled S1, S2, … in tier order A, B, C, D
//     (so with an empty B pool, S1=A, S2=C, S3=D). The label→tier map is for auditors only;
//   - pool: the eligible USCCs, ascending byte order; commitment: SHA-256 of the pool with
//     each USCC followed by "\n" (PoolSHA256); count: ⌈ratio × pool size⌉ (Ratio.Count).
//
// The tier an enterprise has in enterprises is the tier it is drawn under (rule 3). at is the
// announcement time; it must precede the seed (the lottery day, or the drand round), so that
// nobody can know the seed when the pools are fixed.
//
// Memory and time: each eligible USCC is copied once into a compact key, all keys are sorted
// together by a radix sort, and each pool's USCCs are slices of one string per tier, its pool
// file, hashed as it is written (see pools.go). A USCC is checked for its shape (18
// characters of the USCC set), not for its check characters: the directory validated those.
func (p *Plan) Announce(at time.Time, enterprises iter.Seq[directory.Enterprise], overCap CapCheck) ([]directory.Change, error) {
	if p.state != StateDraft {
		return nil, stateErr("announce", p.state)
	}
	if from := p.spec.Seed.availableFrom(); at.IsZero() || !at.Before(from) {
		var errs fieldErrors
		errs.add("announced_at", "before_seed", from.In(chinaTime).Format(time.RFC3339))
		return nil, errs.err()
	}
	sc := p.spec.Scope
	var entries entryChunks
	ineligible := make(map[string]int)
	capped := make(map[string]int) // keyed by the checker's reason: no string built per enterprise
	var bad error
	for e := range enterprises {
		switch {
		case !strings.HasPrefix(e.RegionCode, sc.RegionPrefix):
			ineligible[IneligibleRegion]++
			continue
		case len(sc.Industries) > 0 && !sortedHas(sc.Industries, e.Industry):
			ineligible[IneligibleIndustry]++
			continue
		case len(sc.EntityTypes) > 0 && !sortedHas(sc.EntityTypes, e.EntityType):
			ineligible[IneligibleEntityType]++
			continue
		case !e.Drawable():
			ineligible[IneligibleStatus]++
			continue
		}
		t := tierIndex(e.Tier)
		if t < 0 {
			bad = fmt.Errorf("%w: enterprise %s has no valid tier (%q)", ErrDirectory, e.USCC, e.Tier)
			break
		}
		// A USCC with a newline or another stray byte would make the canonical pool ambiguous.
		// Only its shape is checked here (usccShaped says why); a misshapen one is refused with
		// directory.ValidateUSCC's error, which it cannot pass.
		if !usccShaped(e.USCC) {
			err := directory.ValidateUSCC(e.USCC)
			if err == nil {
				err = fmt.Errorf("not %d characters of the USCC set", usccLen)
			}
			bad = fmt.Errorf("%w: enterprise %q: %v", ErrDirectory, e.USCC, err)
			break
		}
		if overCap != nil {
			if over, why := overCap(e.USCC, e.Tier); over {
				capped[why]++
				continue
			}
		}
		entries.add(e.USCC, t)
	}
	if bad != nil {
		return nil, bad
	}
	for why, n := range capped {
		ineligible[IneligibleCapPrefix+why] += n
	}
	sorted := entries.sorted()
	if dup, ok := duplicateEntry(sorted); ok {
		return nil, fmt.Errorf("%w: enterprise %s appears more than once", ErrDirectory, dup)
	}
	pools, files := buildPools(sorted)
	ev := AnnouncedV1{AnnouncedAt: at, Ineligible: ineligible}
	if len(ineligible) == 0 {
		ev.Ineligible = nil
	}
	var committed []committedPool
	for t, pool := range pools {
		if len(pool) == 0 {
			continue
		}
		tier := directory.Tier(directory.Tiers[t])
		r := p.spec.Ratios.Of(tier)
		ev.Strata = append(ev.Strata, StratumV1{
			Label: fmt.Sprintf("S%d", len(ev.Strata)+1), Tier: tier,
			PoolSize: len(pool), PoolSHA256: files[t].sha, Ratio: r, Count: r.Count(len(pool)),
			Pool: pool,
		})
		committed = append(committed, files[t])
	}
	if len(ev.Strata) == 0 {
		return nil, fmt.Errorf("%w (left out: %v)", ErrNoEligible, ineligible)
	}
	changes := p.emit(directory.Change{Type: Announced, Payload: ev})
	p.committed = committed // after emit: applying an announcement forgets the files
	return changes, nil
}

func sortedHas(xs []string, x string) bool {
	_, ok := slices.BinarySearch(xs, x)
	return ok
}

// PoolSHA256 is the commitment to a pool: hex SHA-256 of its lines, each followed by "\n"
// (sha256sum of the pool file). The pool must already be in canonical order.
func PoolSHA256(pool []string) string {
	h := sha256.New()
	buf := make([]byte, 0, 64<<10)
	for _, s := range pool {
		if len(buf)+len(s)+1 > cap(buf) {
			h.Write(buf)
			buf = buf[:0]
		}
		buf = append(append(buf, s...), '\n')
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}
