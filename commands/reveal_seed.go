package commands

import "context"

// RevealSeed records the public random values named at announcement, once they exist.
type RevealSeed struct {
	Meta
	ID      string     `json:"-"`
	Sources [][]uint64 `json:"sources" validate:"required,min=1,max=20,dive,min=1,max=100"`
}

type RevealSeedHandler struct{ d Deps }

func NewRevealSeedHandler(d Deps) RevealSeedHandler {
	d.validate()
	return RevealSeedHandler{d}
}

func (h RevealSeedHandler) Handle(ctx context.Context, c RevealSeed) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.RevealSeed(c.Sources, h.d.Now())
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
