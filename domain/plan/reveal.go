package plan

import (
	"fmt"
	"slices"
	"time"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// Algorithm names the draw for auditors and independent implementations.
const Algorithm = "RFC3797-MD5 (key per RFC 3797 §4; stratum key = key ‖ \"<label>/\"; " +
	"pick i = MD5(be16(i) ‖ key ‖ be16(i)) mod remaining, be32 counter from pick 65536; " +
	"pool = USCCs ascending, each followed by \"\\n\")"

// RevealSeed records the seed values once they are public. They are only accepted after the
// announcement and no earlier than the seed can exist: on or after the named lottery day
// (China time) or the drand round's time. Checking the values against the lottery's or the
// beacon's publication is the caller's job; anyone can, since both are public.
func (p *Plan) RevealSeed(sources [][]uint64, at time.Time) ([]directory.Change, error) {
	if p.state != StateAnnounced {
		return nil, stateErr("reveal the seed of", p.state)
	}
	var errs fieldErrors
	if len(sources) == 0 {
		errs.add("sources", "required", "")
	}
	for i, s := range sources {
		if len(s) == 0 {
			errs.add(fmt.Sprintf("sources[%d]", i), "required", "")
		}
	}
	switch from := p.spec.Seed.availableFrom(); {
	case at.Before(p.announcedAt):
		errs.add("revealed_at", "before_announcement", p.announcedAt.Format(time.RFC3339))
	case at.Before(from):
		errs.add("revealed_at", "before_seed", from.In(chinaTime).Format(time.RFC3339))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	cp := make([][]uint64, len(sources))
	for i, s := range sources {
		cp[i] = slices.Clone(s)
	}
	return p.emit(directory.Change{Type: SeedRevealed, Payload: SeedRevealedV1{Sources: cp, RevealedAt: at}}), nil
}

// DrawEnterprises draws every stratum: draw.Select(draw.StratumKey(key, label), pool size,
// count) over the canonical pool, the drawn USCCs in pick order. Each pool is first checked
// against its commitment (poolCommitted). A plan draws once: a second call returns ErrRedraw.
func (p *Plan) DrawEnterprises() ([]directory.Change, error) {
	switch p.state {
	case StateSeedRevealed:
	case StateDrawn, StateAssigned:
		return nil, fmt.Errorf("%w (plan %s)", ErrRedraw, p.spec.ID)
	default:
		return nil, stateErr("draw enterprises for", p.state)
	}
	key := draw.Key(p.sources)
	ev := EnterprisesDrawnV1{Algorithm: Algorithm, Strata: make([]DrawnStratumV1, len(p.strata))}
	for i, s := range p.strata {
		if !p.poolCommitted(i) {
			return nil, fmt.Errorf("%w: stratum %s", ErrCommitment, s.Label)
		}
		picks, err := draw.Select(draw.StratumKey(key, s.Label), len(s.Pool), s.Count)
		if err != nil {
			return nil, fmt.Errorf("stratum %s: %w", s.Label, err)
		}
		drawn := make([]string, len(picks))
		for j, k := range picks {
			drawn[j] = s.Pool[k]
		}
		ev.Strata[i] = DrawnStratumV1{Label: s.Label, Drawn: drawn}
	}
	return p.emit(directory.Change{Type: EnterprisesDrawn, Payload: ev}), nil
}

// poolCommitted checks stratum i's pool against its commitment. A pool that came with an
// event (Apply) is untrusted until hashed. A pool this plan announced itself was hashed as its
// file was written (buildPools); that file is an immutable string only the plan holds, so
// comparing the pool with its lines (pointer-equal slices of it, unless someone replaced a
// member of the shared slice) proves the same hash without computing it again.
func (p *Plan) poolCommitted(i int) bool {
	s := p.strata[i]
	if len(s.Pool) != s.PoolSize {
		return false
	}
	if i < len(p.committed) && p.committed[i].sha == s.PoolSHA256 && p.committed[i].holds(s.Pool) {
		return true
	}
	return PoolSHA256(s.Pool) == s.PoolSHA256
}

// Drawn returns every drawn USCC, stratum by stratum in pick order.
func (p *Plan) Drawn() []string {
	var out []string
	for _, s := range p.strata {
		out = append(out, s.Drawn...)
	}
	return out
}
