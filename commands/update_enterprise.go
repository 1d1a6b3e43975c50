package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// UpdateEnterprise replaces an enterprise's fields; a tier change is recorded as its own event.
type UpdateEnterprise struct {
	Meta
	EnterpriseFields
}

type UpdateEnterpriseHandler struct{ d Deps }

func NewUpdateEnterpriseHandler(d Deps) UpdateEnterpriseHandler {
	d.validate()
	return UpdateEnterpriseHandler{d}
}

func (h UpdateEnterpriseHandler) Handle(ctx context.Context, c UpdateEnterprise) (Outcome, error) {
	next, err := directory.NewEnterprise(c.entity())
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	cur, v, err := loadEnterprise(ctx, h.d.Store, next.USCC)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 {
		return Outcome{}, notFound("enterprise_not_found")
	}
	return h.d.appendOne(ctx, c.Meta, directory.EnterpriseStream(next.USCC), v, directory.UpdateEnterprise(cur, next))
}
