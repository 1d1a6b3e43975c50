package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// State of a plan. Each command moves it one step; substitutions keep it assigned.
type State string

const (
	StateNone         State = ""
	StateDraft        State = "draft"
	StateAnnounced    State = "announced"
	StateSeedRevealed State = "seed_revealed"
	StateDrawn        State = "enterprises_drawn"
	StateAssigned     State = "inspectors_assigned"
)

// Stratum is one tier's pool, commitment and draw. Pool and Drawn are shared with the plan:
// read them, never change them.
type Stratum struct {
	Label      string
	Tier       directory.Tier
	PoolSize   int
	PoolSHA256 string
	Ratio      Ratio
	Count      int
	Pool       []string // canonical: ascending, unique
	Drawn      []string // pick order; empty before the draw
}

// Plan is the aggregate. Its zero value is a plan that does not exist yet: fold its events
// with Apply, or start one with Create.
type Plan struct {
	state       State
	spec        Spec
	announcedAt time.Time
	strata      []Stratum
	committed   []committedPool // per stratum, when this plan announced them itself (not Apply)
	ineligible  map[string]int
	sources     [][]uint64
	revealedAt  time.Time
	assignment  *InspectorsAssignedV1
	subs        []assign.Substitution
	recusals    []Recusal
}

func (p *Plan) State() State               { return p.state }
func (p *Plan) ID() string                 { return p.spec.ID }
func (p *Plan) Spec() Spec                 { return p.spec }
func (p *Plan) AnnouncedAt() time.Time     { return p.announcedAt }
func (p *Plan) RevealedAt() time.Time      { return p.revealedAt }
func (p *Plan) Ineligible() map[string]int { return p.ineligible }

// Strata returns the strata in label order (S1, S2, …).
func (p *Plan) Strata() []Stratum { return slices.Clone(p.strata) }

// SeedSources returns the revealed seed values (nil before RevealSeed).
func (p *Plan) SeedSources() [][]uint64 { return p.sources }

// Key is the RFC 3797 key string of the revealed seed ("" before RevealSeed).
func (p *Plan) Key() string {
	if p.sources == nil {
		return ""
	}
	return draw.Key(p.sources)
}

// Assignment returns the assignment inputs and its record (results, then substitutions).
// ok is false before AssignInspectors.
func (p *Plan) Assignment() (in assign.Inputs, rec assign.Record, ok bool) {
	if p.assignment == nil {
		return assign.Inputs{}, assign.Record{}, false
	}
	a := p.assignment
	in = assign.Inputs{Key: p.Key(), TeamSize: a.TeamSize, Cap: a.Cap, Roster: a.Roster, Tasks: a.Tasks}
	return in, assign.Record{Results: a.Results, Substitutions: p.subs}, true
}

// Decode parses the payload of a plan event into its payload type (CreatedV1, AnnouncedV1, …).
func Decode(typ string, payload []byte) (any, error) {
	var v any
	switch typ {
	case Created:
		v = new(CreatedV1)
	case Announced:
		v = new(AnnouncedV1)
	case SeedRevealed:
		v = new(SeedRevealedV1)
	case EnterprisesDrawn:
		v = new(EnterprisesDrawnV1)
	case InspectorsAssigned:
		v = new(InspectorsAssignedV1)
	case SubstitutionRecorded:
		v = new(SubstitutionRecordedV1)
	case RecusalRequested:
		v = new(RecusalRequestedV1)
	case RecusalDecided:
		v = new(RecusalDecidedV1)
	default:
		return nil, fmt.Errorf("plan: unknown event type %q", typ)
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return v, nil
}

// Apply folds one recorded event into the plan (rehydration).
func (p *Plan) Apply(typ string, payload []byte) error {
	v, err := Decode(typ, payload)
	if err != nil {
		return err
	}
	return p.apply(typ, v)
}

// emit applies changes the plan just decided and returns them for the caller to append.
func (p *Plan) emit(changes ...directory.Change) []directory.Change {
	for _, c := range changes {
		if err := p.apply(c.Type, c.Payload); err != nil {
			panic(fmt.Sprintf("plan: own event does not apply: %v", err)) // a bug, not an input error
		}
	}
	return changes
}

// apply is the only place the plan's state changes. Payloads may be values or pointers.
func (p *Plan) apply(typ string, v any) error {
	want := map[string]State{
		Created: StateNone, Announced: StateDraft, SeedRevealed: StateAnnounced,
		EnterprisesDrawn: StateSeedRevealed, InspectorsAssigned: StateDrawn, SubstitutionRecorded: StateAssigned,
		RecusalRequested: StateAssigned, RecusalDecided: StateAssigned,
	}
	if s, ok := want[typ]; ok && p.state != s {
		return fmt.Errorf("%w: event %s in state %q", ErrState, typ, p.state)
	}
	switch typ {
	case Created:
		e := deref[CreatedV1](v)
		p.spec, p.state = e.Plan, StateDraft
	case Announced:
		e := deref[AnnouncedV1](v)
		p.announcedAt, p.ineligible, p.committed = e.AnnouncedAt, e.Ineligible, nil
		p.strata = make([]Stratum, len(e.Strata))
		for i, s := range e.Strata {
			p.strata[i] = Stratum{Label: s.Label, Tier: s.Tier, PoolSize: s.PoolSize, PoolSHA256: s.PoolSHA256, Ratio: s.Ratio, Count: s.Count, Pool: s.Pool}
		}
		p.state = StateAnnounced
	case SeedRevealed:
		e := deref[SeedRevealedV1](v)
		p.sources, p.revealedAt, p.state = e.Sources, e.RevealedAt, StateSeedRevealed
	case EnterprisesDrawn:
		e := deref[EnterprisesDrawnV1](v)
		if len(e.Strata) != len(p.strata) {
			return fmt.Errorf("%s: %d strata drawn, %d announced", typ, len(e.Strata), len(p.strata))
		}
		for i, s := range e.Strata {
			if s.Label != p.strata[i].Label {
				return fmt.Errorf("%s: stratum %d is %q, announced %q", typ, i, s.Label, p.strata[i].Label)
			}
			p.strata[i].Drawn = s.Drawn
		}
		p.state = StateDrawn
	case InspectorsAssigned:
		e := deref[InspectorsAssignedV1](v)
		p.assignment, p.state = &e, StateAssigned
	case SubstitutionRecorded:
		e := deref[SubstitutionRecordedV1](v)
		p.subs = append(p.subs, e.Substitution)
	case RecusalRequested:
		e := deref[RecusalRequestedV1](v)
		p.recusals = append(p.recusals, e.Recusal)
	case RecusalDecided:
		e := deref[RecusalDecidedV1](v)
		i := slices.IndexFunc(p.recusals, func(r Recusal) bool { return r.ID == e.ID })
		if i < 0 || p.recusals[i].Status != RecusalPending {
			return fmt.Errorf("%s: no pending recusal %q", typ, e.ID)
		}
		p.recusals[i].Status, p.recusals[i].Note, p.recusals[i].DecidedAt = RecusalRejected, e.Note, e.DecidedAt
		if e.Approved {
			p.recusals[i].Status = RecusalApproved
		}
	default:
		return fmt.Errorf("plan: unknown event type %q", typ)
	}
	return nil
}

func deref[T any](v any) T {
	if p, ok := v.(*T); ok {
		return *p
	}
	return v.(T)
}

// Create checks the spec and starts a plan in draft. Lists are put in canonical order first
// (joint departments, items by code, scope filters), so equal plans record equal events.
func Create(s Spec) (*Plan, []directory.Change, error) {
	s = s.normalize()
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	p := &Plan{}
	return p, p.emit(directory.Change{Type: Created, Payload: CreatedV1{Plan: s}}), nil
}
