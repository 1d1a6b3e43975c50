package directory

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar day, "2006-01-02" on the wire.
const DateLayout = "2006-01-02"

// Enterprise is one entry of the 检查对象名录库. Tier and TierSetOn are confidential.
type Enterprise struct {
	USCC             string `json:"uscc"`
	Name             string `json:"name"`
	LegalRep         string `json:"legal_rep"`
	Address          string `json:"address"`
	RegionCode       string `json:"region_code"`
	Industry         string `json:"industry"`
	EntityType       string `json:"entity_type"`
	RegAuthority     string `json:"reg_authority"`
	FoundedOn        string `json:"founded_on"`
	Status           string `json:"status"`
	Tier             Tier   `json:"credit_tier"`
	TierSetOn        string `json:"tier_set_on"`
	Abnormal         bool   `json:"abnormal"`          // 经营异常名录
	SeriousViolation bool   `json:"serious_violation"` // 严重违法失信名单
	UnderComplaint   bool   `json:"under_complaint"`
}

// NewEnterprise checks every invariant and returns all broken ones at once.
func NewEnterprise(e Enterprise) (Enterprise, error) {
	e.USCC = strings.ToUpper(strings.TrimSpace(e.USCC))
	var errs fieldErrors
	if err := ValidateUSCC(e.USCC); err != nil {
		errs = append(errs, err)
	}
	requireText(&errs, "name", e.Name, 200)
	requireText(&errs, "legal_rep", e.LegalRep, 100)
	requireText(&errs, "address", e.Address, 300)
	if !ValidRegionCode(e.RegionCode) {
		errs.add("region_code", "region_code", "")
	}
	requireText(&errs, "industry", e.Industry, 100)
	oneOf(&errs, "entity_type", e.EntityType, EntityTypes)
	requireText(&errs, "reg_authority", e.RegAuthority, 200)
	validDate(&errs, "founded_on", e.FoundedOn)
	oneOf(&errs, "status", e.Status, Statuses)
	if !e.Tier.Valid() {
		errs.add("credit_tier", "oneof", strings.Join(Tiers, " "))
	}
	validDate(&errs, "tier_set_on", e.TierSetOn)
	return e, errs.err()
}

// Drawable reports whether the enterprise is in business and so may be drawn.
func (e Enterprise) Drawable() bool { return slices.Contains(ActiveStatuses, e.Status) }

func requireText(errs *fieldErrors, field, v string, max int) {
	switch n := len([]rune(strings.TrimSpace(v))); {
	case n == 0:
		errs.add(field, "required", "")
	case n > max:
		errs.add(field, "max", strconv.Itoa(max))
	}
}

func oneOf(errs *fieldErrors, field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		errs.add(field, "oneof", strings.Join(allowed, " "))
	}
}

func validDate(errs *fieldErrors, field, v string) {
	if _, err := time.Parse(DateLayout, v); err != nil {
		errs.add(field, "date", DateLayout)
	}
}
