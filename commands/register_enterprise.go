package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// RegisterEnterprise adds an enterprise to the 检查对象名录库.
type RegisterEnterprise struct {
	Meta
	EnterpriseFields
}

type RegisterEnterpriseHandler struct{ d Deps }

func NewRegisterEnterpriseHandler(d Deps) RegisterEnterpriseHandler {
	d.validate()
	return RegisterEnterpriseHandler{d}
}

func (h RegisterEnterpriseHandler) Handle(ctx context.Context, c RegisterEnterprise) (Outcome, error) {
	e, err := directory.NewEnterprise(c.entity())
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	o, err := h.d.appendOne(ctx, c.Meta, directory.EnterpriseStream(e.USCC), 0, []directory.Change{directory.RegisterEnterprise(e)})
	if ce, ok := AsError(err); ok && ce.Kind == KindConflict {
		ce.Code = "enterprise_exists"
	}
	return o, err
}
