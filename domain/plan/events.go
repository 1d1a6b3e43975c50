package plan

import (
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
)

// Stable event type names (never derived from Go type names). Payloads below.
const (
	Created              = "plan.created.v1"
	Announced            = "plan.announced.v1"
	SeedRevealed         = "plan.seed_revealed.v1"
	EnterprisesDrawn     = "plan.enterprises_drawn.v1"
	InspectorsAssigned   = "plan.inspectors_assigned.v1"
	SubstitutionRecorded = "plan.substitution_recorded.v1"
	RecusalRequested     = "plan.recusal_requested.v1"
	RecusalDecided       = "plan.recusal_decided.v1"
)

// EventTypes lists every plan event type, in lifecycle order.
var EventTypes = []string{Created, Announced, SeedRevealed, EnterprisesDrawn, InspectorsAssigned, SubstitutionRecorded, RecusalRequested, RecusalDecided}

// Stream is the event stream id of a plan.
func Stream(id string) string { return "plan-" + id }

type CreatedV1 struct {
	Plan Spec `json:"plan"`
}

// StratumV1 is one stratum's commitment and its pool. Tier and Pool are for auditors only;
// the public view drops them.
type StratumV1 struct {
	Label      string         `json:"label"`
	Tier       directory.Tier `json:"tier"`
	PoolSize   int            `json:"pool_size"`
	PoolSHA256 string         `json:"pool_sha256"`
	Ratio      Ratio          `json:"ratio"`
	Count      int            `json:"count"`
	Pool       []string       `json:"pool"`
}

// AnnouncedV1 freezes the pools (and so every eligible enterprise's tier) and commits to them.
// Ineligible counts enterprises left out, per reason (see Announce).
type AnnouncedV1 struct {
	AnnouncedAt time.Time      `json:"announced_at"`
	Strata      []StratumV1    `json:"strata"`
	Ineligible  map[string]int `json:"ineligible,omitempty"`
}

type SeedRevealedV1 struct {
	Sources    [][]uint64 `json:"sources"`
	RevealedAt time.Time  `json:"revealed_at"`
}

type DrawnStratumV1 struct {
	Label string   `json:"label"`
	Drawn []string `json:"drawn"` // pick order
}

type EnterprisesDrawnV1 struct {
	Algorithm string           `json:"algorithm"`
	Strata    []DrawnStratumV1 `json:"strata"`
}

// InspectorsAssignedV1 holds every input of the assignment but the key (the plan's seed gives
// it) and its results, so that it can be recomputed.
type InspectorsAssignedV1 struct {
	TeamSize int                   `json:"team_size"`
	Cap      int                   `json:"cap"`
	Roster   []directory.Inspector `json:"roster"`
	Tasks    []assign.Task         `json:"tasks"`
	Results  []assign.Result       `json:"results"`
}

type SubstitutionRecordedV1 struct {
	Substitution assign.Substitution `json:"substitution"`
}
