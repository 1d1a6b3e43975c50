package inspection

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

// RecordRecheck records the re-check of an ordered correction (复查), by an inspector of the
// task's current team, once the result is approved (before or after publication) and while
// the follow-up is open. A re-check whose follow-up is again 责令改正并跟踪 keeps it open;
// any other closes it.
func (t *Task) RecordRecheck(f Facts, inspector string, rc Recheck, now time.Time) ([]directory.Change, error) {
	if err := f.checkInspector(inspector); err != nil {
		return nil, err
	}
	if s := t.State(); (s != StateApproved && s != StatePublished) || !t.followUpOpen {
		return nil, stateErr("record a re-check of", s)
	}
	rc.CheckedOn, rc.Outcome = strings.TrimSpace(rc.CheckedOn), strings.TrimSpace(rc.Outcome)
	rc.Findings, rc.FollowUp = strings.TrimSpace(rc.Findings), strings.TrimSpace(rc.FollowUp)
	rc.Evidence = lowerAll(rc.Evidence)

	var errs fieldErrors
	checkDate(&errs, "checked_on", rc.CheckedOn, t.result.InspectedOn, "before_inspection", now)
	if !slices.Contains(RecheckOutcomes, rc.Outcome) {
		errs.add("outcome", "oneof", strings.Join(RecheckOutcomes, " "))
	}
	switch n := len([]rune(rc.Findings)); {
	case rc.Outcome == NotCorrected && n == 0:
		errs.add("findings", "needs_finding", "")
	case n > maxFindings:
		errs.add("findings", "max", strconv.Itoa(maxFindings))
	}
	switch {
	case !slices.Contains(FollowUps, rc.FollowUp):
		errs.add("follow_up", "oneof", strings.Join(FollowUps, " "))
	case rc.Outcome == NotCorrected && rc.FollowUp == FollowNone:
		errs.add("follow_up", "needs_follow_up", "")
	case rc.Outcome == Corrected && rc.FollowUp == FollowCorrect:
		errs.add("follow_up", "nothing_to_correct", "")
	}
	checkEvidence(&errs, "evidence", rc.Evidence)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return t.emit(directory.Change{Type: RecheckRecorded, Payload: RecheckRecordedV1{Recheck: rc, RecordedBy: inspector}}), nil
}
