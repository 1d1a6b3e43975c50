package commands

import "context"

// RequestRecusal records a recusal request (回避) by the officer or by the enterprise; a
// regulator decides it with DecideRecusal.
type RequestRecusal struct {
	Meta
	ID        string `json:"-"`
	Task      string `json:"task" validate:"required,max=100"`
	Inspector string `json:"inspector" validate:"required,max=40"`
	By        string `json:"by" validate:"required,oneof=inspector enterprise"`
	Reason    string `json:"reason" validate:"required,max=500"`
}

type RequestRecusalHandler struct{ d Deps }

func NewRequestRecusalHandler(d Deps) RequestRecusalHandler {
	d.validate()
	return RequestRecusalHandler{d}
}

func (h RequestRecusalHandler) Handle(ctx context.Context, c RequestRecusal) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.RequestRecusal(c.Task, c.Inspector, c.By, c.Reason, h.d.Now())
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
