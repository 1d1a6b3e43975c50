package inspection

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

const (
	maxFindings = 2000 // characters
	maxEvidence = 100  // files per result
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Record records a visit's result (→ 待审核). Only an inspector of the task's current team may,
// and only before review or after a return. Lists are put in canonical order (vocabulary
// order; evidence as given, lower-cased) so that equal results record equal events.
func (t *Task) Record(f Facts, inspector string, r Result, now time.Time) ([]directory.Change, error) {
	if err := f.checkInspector(inspector); err != nil {
		return nil, err
	}
	if s := t.State(); s != StateAssigned && s != StateReturned {
		return nil, stateErr("record a result of", s)
	}
	r = r.normalize()
	if err := r.validate(f, now); err != nil {
		return nil, err
	}
	return t.emit(directory.Change{Type: ResultRecorded, Payload: ResultRecordedV1{Result: r, RecordedBy: inspector}}), nil
}

func (r Result) normalize() Result {
	r.CheckMethods = canonical(r.CheckMethods, CheckMethods)
	r.Results = canonical(r.Results, Results)
	r.Findings = strings.TrimSpace(r.Findings)
	r.FollowUp = strings.TrimSpace(r.FollowUp)
	r.InspectedOn = strings.TrimSpace(r.InspectedOn)
	r.Evidence = lowerAll(r.Evidence)
	return r
}

// canonical trims and sorts xs by their place in vocab (unknown values last, as given), so
// that validation still sees and names every value.
func canonical(xs, vocab []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.TrimSpace(x)
	}
	rank := func(x string) int {
		if i := slices.Index(vocab, x); i >= 0 {
			return i
		}
		return len(vocab)
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

func lowerAll(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.ToLower(strings.TrimSpace(x))
	}
	return out
}

// validate returns every broken rule at once (see the package documentation).
func (r Result) validate(f Facts, now time.Time) error {
	var errs fieldErrors
	multiSelect(&errs, "check_methods", r.CheckMethods, CheckMethods)
	multiSelect(&errs, "results", r.Results, Results)

	has := func(x string) bool { return slices.Contains(r.Results, x) }
	if has(NoProblem) {
		var clash []string
		for _, x := range r.Results {
			if slices.Contains(Problems, x) || slices.Contains(Statuses, x) {
				clash = append(clash, x)
			}
		}
		if len(clash) > 0 {
			errs.add("results", "excludes_problems", strings.Join(clash, " "))
		}
	}
	if has(PendingFurther) && !slices.ContainsFunc(r.Results, func(x string) bool { return slices.Contains(SpecificProblems, x) }) {
		errs.add("results", "needs_finding", strings.Join(SpecificProblems, " "))
	}
	problem := HasProblem(r.Results)
	switch n := len([]rune(r.Findings)); {
	case problem && n == 0:
		errs.add("findings", "needs_finding", "")
	case n > maxFindings:
		errs.add("findings", "max", strconv.Itoa(maxFindings))
	}

	switch {
	case !slices.Contains(FollowUps, r.FollowUp):
		errs.add("follow_up", "oneof", strings.Join(FollowUps, " "))
	case has(PendingFurther) && r.FollowUp == FollowNone:
		errs.add("follow_up", "needs_follow_up", "")
	case !problem && (r.FollowUp == FollowCorrect || r.FollowUp == FollowTransfer):
		errs.add("follow_up", "needs_problem", "")
	}

	checkDate(&errs, "inspected_on", r.InspectedOn, f.DrawnOn, "before_draw", now)
	checkEvidence(&errs, "evidence", r.Evidence)
	return errs.err()
}

// multiSelect: at least one value, each from vocab, none twice.
func multiSelect(errs *fieldErrors, field string, xs, vocab []string) {
	if len(xs) == 0 {
		errs.add(field, "required", "")
	}
	for i, x := range xs {
		switch {
		case !slices.Contains(vocab, x):
			errs.add(fmt.Sprintf("%s[%d]", field, i), "vocabulary", strings.Join(vocab, " "))
		case i > 0 && xs[i-1] == x: // canonical order puts repeats side by side
			errs.add(fmt.Sprintf("%s[%d]", field, i), "duplicate", x)
		}
	}
}

// checkDate: a date, not after today (China time), not before earliest (code tooEarly).
func checkDate(errs *fieldErrors, field, v, earliest, tooEarly string, now time.Time) {
	if _, err := time.Parse(directory.DateLayout, v); err != nil {
		errs.add(field, "date", directory.DateLayout)
		return
	}
	if today := now.In(chinaTime).Format(directory.DateLayout); v > today {
		errs.add(field, "future_date", today)
	}
	if earliest != "" && v < earliest {
		errs.add(field, tooEarly, earliest)
	}
}

func checkEvidence(errs *fieldErrors, field string, hashes []string) {
	if len(hashes) > maxEvidence {
		errs.add(field, "max_items", strconv.Itoa(maxEvidence))
	}
	for i, h := range hashes {
		switch {
		case !sha256Hex.MatchString(h):
			errs.add(fmt.Sprintf("%s[%d]", field, i), "sha256", "")
		case slices.Contains(hashes[:i], h):
			errs.add(fmt.Sprintf("%s[%d]", field, i), "duplicate", h)
		}
	}
}
