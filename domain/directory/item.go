package directory

import "regexp"

// Item is one entry of the 抽查事项清单: only listed items may be inspected.
type Item struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	LegalBasis    string `json:"legal_basis"`
	Department    string `json:"department"`
	Category      string `json:"category"` // 重点 or 一般
	ObjectType    string `json:"object_type"`
	Content       string `json:"content"`
	Method        string `json:"method"`
	Qualification string `json:"qualification"` // what an inspector must hold; "" for none
}

var itemCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// NewItem checks every invariant.
func NewItem(it Item) (Item, error) {
	var errs fieldErrors
	if !itemCode.MatchString(it.Code) {
		errs.add("code", "item_code", "")
	}
	requireText(&errs, "name", it.Name, 200)
	requireText(&errs, "legal_basis", it.LegalBasis, 500)
	requireText(&errs, "department", it.Department, 100)
	oneOf(&errs, "category", it.Category, Categories)
	requireText(&errs, "object_type", it.ObjectType, 100)
	requireText(&errs, "content", it.Content, 2000)
	requireText(&errs, "method", it.Method, 500)
	if len([]rune(it.Qualification)) > 100 {
		errs.add("qualification", "max", "100")
	}
	return it, errs.err()
}
