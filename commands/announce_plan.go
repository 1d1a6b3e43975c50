package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/plan"
)

// AnnouncePlan freezes each eligible enterprise's tier into per-stratum pools and publishes
// their commitments, before the seed exists.
type AnnouncePlan struct {
	Meta
	ID string `json:"-"`
	// YearlyCaps limits proactive inspections per enterprise and year by tier (rule 8);
	// absent: A at most once a year (无事不扰).
	YearlyCaps map[string]int `json:"yearly_caps" validate:"omitempty,dive,keys,oneof=A B C D,endkeys,min=1,max=100"`
}

type AnnouncePlanHandler struct {
	d       Deps
	dir     DirectorySnapshot
	history InspectionHistory
}

func NewAnnouncePlanHandler(d Deps, dir DirectorySnapshot, history InspectionHistory) AnnouncePlanHandler {
	d.validate()
	if dir == nil || history == nil {
		panic("commands: announce needs the directory snapshot and the inspection history")
	}
	return AnnouncePlanHandler{d, dir, history}
}

func (h AnnouncePlanHandler) Handle(ctx context.Context, c AnnouncePlan) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	limits := map[directory.Tier]int{"A": 1}
	if c.YearlyCaps != nil {
		limits = map[directory.Tier]int{}
		for t, n := range c.YearlyCaps {
			limits[directory.Tier(t)] = n
		}
	}
	year := p.Spec().Year
	capCheck := plan.YearlyCap(func(uscc string) int { return h.history.ProactiveCount(uscc, year) }, limits)
	changes, err := p.Announce(h.d.Now(), h.dir.AllEnterprises(ctx), capCheck)
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
