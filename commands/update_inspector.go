package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// UpdateInspector replaces an inspector's fields except the active flag and the conflicts,
// which change only through DeactivateInspector and DeclareConflict.
type UpdateInspector struct {
	Meta
	InspectorFields
}

type UpdateInspectorHandler struct{ d Deps }

func NewUpdateInspectorHandler(d Deps) UpdateInspectorHandler {
	d.validate()
	return UpdateInspectorHandler{d}
}

func (h UpdateInspectorHandler) Handle(ctx context.Context, c UpdateInspector) (Outcome, error) {
	next, err := directory.NewInspector(c.entity())
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	cur, v, err := loadInspector(ctx, h.d.Store, next.ID)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 {
		return Outcome{}, notFound("inspector_not_found")
	}
	return h.d.appendOne(ctx, c.Meta, directory.InspectorStream(next.ID), v, directory.UpdateInspector(cur, next))
}
