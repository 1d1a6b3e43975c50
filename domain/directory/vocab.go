package directory

import "slices"

// Category of an inspection item.
const (
	CategoryKey     = "重点" // key items: no ratio cap
	CategoryGeneral = "一般" // general items: ratio strictly limited
)

// Categories, entity types, statuses and tiers as the directory accepts them.
var (
	Categories  = []string{CategoryKey, CategoryGeneral}
	EntityTypes = []string{"企业", "个体工商户", "农民专业合作社", "外国企业常驻代表机构", "其他"}
	Statuses    = []string{"存续", "在业", "注销", "吊销", "撤销", "迁出"}
	Tiers       = []string{"A", "B", "C", "D"}
	// ActiveStatuses are the statuses of an enterprise that can be drawn.
	ActiveStatuses = []string{"存续", "在业"}
)

// Tier is a credit-risk tier (国市监信发〔2022〕6号): A low risk … D high risk. Confidential.
type Tier string

func (t Tier) Valid() bool { return slices.Contains(Tiers, string(t)) }
