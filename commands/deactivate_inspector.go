package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// DeactivateInspector takes an officer off the roster for future draws; history stays.
type DeactivateInspector struct {
	Meta
	ID     string `json:"-"`
	Reason string `json:"reason" validate:"required,max=500"`
}

type DeactivateInspectorHandler struct{ d Deps }

func NewDeactivateInspectorHandler(d Deps) DeactivateInspectorHandler {
	d.validate()
	return DeactivateInspectorHandler{d}
}

func (h DeactivateInspectorHandler) Handle(ctx context.Context, c DeactivateInspector) (Outcome, error) {
	cur, v, err := loadInspector(ctx, h.d.Store, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 {
		return Outcome{}, notFound("inspector_not_found")
	}
	ch, err := directory.DeactivateInspector(cur, c.Reason)
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	return h.d.appendOne(ctx, c.Meta, directory.InspectorStream(c.ID), v, []directory.Change{ch})
}
