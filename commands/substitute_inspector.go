package commands

import "context"

// SubstituteInspector records an approved recusal (回避, by the officer or on the enterprise's
// request): the replacement continues the task's pick stream; nothing is deleted.
type SubstituteInspector struct {
	Meta
	ID        string `json:"-"`
	Task      string `json:"task" validate:"required,max=100"`
	Inspector string `json:"inspector" validate:"required,max=40"`
	Reason    string `json:"reason" validate:"required,max=500"`
}

type SubstituteInspectorHandler struct{ d Deps }

func NewSubstituteInspectorHandler(d Deps) SubstituteInspectorHandler {
	d.validate()
	return SubstituteInspectorHandler{d}
}

func (h SubstituteInspectorHandler) Handle(ctx context.Context, c SubstituteInspector) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.Substitute(c.Task, c.Inspector, c.Reason)
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
