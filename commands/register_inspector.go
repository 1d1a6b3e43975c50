package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// RegisterInspector adds an officer to the 执法检查人员名录库.
type RegisterInspector struct {
	Meta
	InspectorFields
}

type RegisterInspectorHandler struct{ d Deps }

func NewRegisterInspectorHandler(d Deps) RegisterInspectorHandler {
	d.validate()
	return RegisterInspectorHandler{d}
}

func (h RegisterInspectorHandler) Handle(ctx context.Context, c RegisterInspector) (Outcome, error) {
	in, err := directory.NewInspector(c.entity())
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	o, err := h.d.appendOne(ctx, c.Meta, directory.InspectorStream(in.ID), 0, []directory.Change{directory.RegisterInspector(in)})
	if ce, ok := AsError(err); ok && ce.Kind == KindConflict {
		ce.Code = "inspector_exists"
	}
	return o, err
}
