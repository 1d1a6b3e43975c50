package commands

import "context"

// DecideRecusal approves or rejects a recusal request. An approval appends, with the decision,
// the substitution that continues the task's pick stream; a rejection stays on record.
type DecideRecusal struct {
	Meta
	ID      string `json:"-"`
	Recusal string `json:"-"`
	Approve *bool  `json:"approve" validate:"required"`
	Note    string `json:"note" validate:"required,max=500"`
}

type DecideRecusalHandler struct{ d Deps }

func NewDecideRecusalHandler(d Deps) DecideRecusalHandler {
	d.validate()
	return DecideRecusalHandler{d}
}

func (h DecideRecusalHandler) Handle(ctx context.Context, c DecideRecusal) (Outcome, error) {
	p, v, err := existingPlan(ctx, h.d.Store, c.Meta, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	changes, err := p.DecideRecusal(c.Recusal, *c.Approve, c.Note, h.d.Now())
	return h.d.appendPlan(ctx, c.Meta, c.ID, v, changes, err)
}
