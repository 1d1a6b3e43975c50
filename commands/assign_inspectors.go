package commands

import "context"

// AssignInspectors draws a team for every drawn enterprise from the same verifiable stream.
type AssignInspectors struct {
	Meta
	ID       string `json:"-"`
	TeamSize int    `json:"team_size" validate:"required,min=2,max=10"`
	// WorkloadCap is the most tasks one inspector gets in this batch (rule 6).
	WorkloadCap int `json:"workload_cap" validate:"required,min=1,max=100000"`
}

type AssignInspectorsHandler struct {
	d       Deps
	dir     DirectorySnapshot
	history InspectionHistory
}

func NewAssignInspectorsHandler(d Deps, dir DirectorySnapshot, history InspectionHistory) AssignInspectorsHandler {
	d.validate()
	if dir == nil || history == nil {
		panic("commands: assignment needs the roster and the inspection history")
	}
	return AssignInspectorsHandler{d, dir, history}
}

func (h AssignInspectorsHandler) Handle(ctx context.Context, c AssignInspectors) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	roster, err := h.dir.Roster(ctx)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.AssignInspectors(roster, h.history.LastInspectors, c.TeamSize, c.WorkloadCap)
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
