package commands

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// ChangeEnterpriseTier records a credit-risk tier refresh (tiers refresh monthly).
type ChangeEnterpriseTier struct {
	Meta
	USCC       string `json:"-"`
	CreditTier string `json:"credit_tier" validate:"required,oneof=A B C D"`
	TierSetOn  string `json:"tier_set_on" validate:"required,datetime=2006-01-02"`
}

type ChangeEnterpriseTierHandler struct{ d Deps }

func NewChangeEnterpriseTierHandler(d Deps) ChangeEnterpriseTierHandler {
	d.validate()
	return ChangeEnterpriseTierHandler{d}
}

func (h ChangeEnterpriseTierHandler) Handle(ctx context.Context, c ChangeEnterpriseTier) (Outcome, error) {
	cur, v, err := loadEnterprise(ctx, h.d.Store, c.USCC)
	if err != nil {
		return Outcome{}, err
	}
	if v == 0 {
		return Outcome{}, notFound("enterprise_not_found")
	}
	ch, err := directory.ChangeTier(cur, directory.Tier(c.CreditTier), c.TierSetOn)
	if err != nil {
		return Outcome{}, Invalid(domainIssues(0, err)...)
	}
	return h.d.appendOne(ctx, c.Meta, directory.EnterpriseStream(cur.USCC), v, []directory.Change{ch})
}
