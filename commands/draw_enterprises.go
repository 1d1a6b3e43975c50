package commands

import (
	"context"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

// DrawEnterprises draws each stratum by RFC 3797 from the revealed seed, on or after the
// plan's draw date. Once only: a second draw is refused, never performed.
type DrawEnterprises struct {
	Meta
	ID string `json:"-"`
}

type DrawEnterprisesHandler struct{ d Deps }

func NewDrawEnterprisesHandler(d Deps) DrawEnterprisesHandler {
	d.validate()
	return DrawEnterprisesHandler{d}
}

// chinaTime reads calendar days the way the plan names them (UTC+8, no daylight saving).
var chinaTime = time.FixedZone("CST", 8*3600)

func (h DrawEnterprisesHandler) Handle(ctx context.Context, c DrawEnterprises) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.DrawEnterprises()
	// Inspections may not precede the draw date, so the draw may not either (checked after
	// the state, so that a plan not yet seeded says so first).
	if today := h.d.Now().In(chinaTime).Format(directory.DateLayout); err == nil && today < p.Spec().DrawDate {
		return Outcome{}, Invalid(Issue{Field: "draw_date", Code: "before_draw_date", Param: p.Spec().DrawDate})
	}
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
