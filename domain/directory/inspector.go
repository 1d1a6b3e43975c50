package directory

import (
	"regexp"
	"slices"
	"strings"
)

// Inspector is one officer of the 执法检查人员名录库. Name and CertNo never reach the public.
type Inspector struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	CertNo         string   `json:"cert_no"` // enforcement certificate number
	Department     string   `json:"department"`
	RegionCode     string   `json:"region_code"`
	Qualifications []string `json:"qualifications"`
	Active         bool     `json:"active"`
	TeamLeader     bool     `json:"team_leader"`
	Expert         bool     `json:"expert"`
	Conflicts      []string `json:"conflicts"` // USCCs this officer must not inspect (回避)
}

var inspectorID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$`)

// NewInspector checks every invariant; qualifications and conflicts come back sorted and unique.
func NewInspector(in Inspector) (Inspector, error) {
	var errs fieldErrors
	if !inspectorID.MatchString(in.ID) {
		errs.add("id", "inspector_id", "")
	}
	requireText(&errs, "name", in.Name, 100)
	requireText(&errs, "cert_no", in.CertNo, 50)
	requireText(&errs, "department", in.Department, 100)
	if !ValidRegionCode(in.RegionCode) {
		errs.add("region_code", "region_code", "")
	}
	in.Qualifications = normalizeSet(in.Qualifications)
	for _, q := range in.Qualifications {
		if len([]rune(q)) > 100 {
			errs.add("qualifications", "max", "100")
			break
		}
	}
	conflicts := make([]string, 0, len(in.Conflicts))
	for _, c := range in.Conflicts {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if ValidateUSCC(c) != nil {
			errs.add("conflicts", "uscc", c)
			continue
		}
		conflicts = append(conflicts, c)
	}
	in.Conflicts = normalizeSet(conflicts)
	return in, errs.err()
}

// Qualified reports whether the inspector holds the qualification ("" needs none).
func (in Inspector) Qualified(q string) bool {
	return q == "" || slices.Contains(in.Qualifications, q)
}

// ConflictsWith reports a declared conflict with the enterprise.
func (in Inspector) ConflictsWith(uscc string) bool {
	_, found := slices.BinarySearch(in.Conflicts, uscc)
	return found
}

// DeclareConflict adds a conflict; false if it was already declared.
func (in *Inspector) DeclareConflict(uscc string) bool {
	i, found := slices.BinarySearch(in.Conflicts, uscc)
	if found {
		return false
	}
	in.Conflicts = slices.Insert(in.Conflicts, i, uscc)
	return true
}

func normalizeSet(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
