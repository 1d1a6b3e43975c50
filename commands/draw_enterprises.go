package commands

import "context"

// DrawEnterprises draws each stratum by RFC 3797 from the revealed seed. Once only: a second
// draw is refused, never performed.
type DrawEnterprises struct {
	Meta
	ID string `json:"-"`
}

type DrawEnterprisesHandler struct{ d Deps }

func NewDrawEnterprisesHandler(d Deps) DrawEnterprisesHandler {
	d.validate()
	return DrawEnterprisesHandler{d}
}

func (h DrawEnterprisesHandler) Handle(ctx context.Context, c DrawEnterprises) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.DrawEnterprises()
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
