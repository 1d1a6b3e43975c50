package inspection

import (
	"strings"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

const maxReason = 500 // characters

// Return sends a recorded result back (审核退回) with a reason; the team records it again.
// The reviewer's department must be one of the task's.
func (t *Task) Return(f Facts, department, by, reason string) ([]directory.Change, error) {
	if err := t.review(f, department, "return the result of"); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n == 0 || n > maxReason {
		var errs fieldErrors
		errs.add("reason", "required", "500")
		return nil, errs.err()
	}
	return t.emit(directory.Change{Type: ResultReturned, Payload: ResultReturnedV1{Reason: reason, By: by, Department: department}}), nil
}

// Approve passes the review (通过). Publication is a separate step.
func (t *Task) Approve(f Facts, department, by string) ([]directory.Change, error) {
	if err := t.review(f, department, "approve the result of"); err != nil {
		return nil, err
	}
	return t.emit(directory.Change{Type: ResultApproved, Payload: ResultApprovedV1{By: by, Department: department}}), nil
}

func (t *Task) review(f Facts, department, op string) error {
	if err := f.checkDepartment(department); err != nil {
		return err
	}
	if s := t.State(); s != StateRecorded {
		return stateErr(op, s)
	}
	return nil
}

// Enterprise is what the disclosure says about the enterprise, read from the directory when
// the result is published.
type Enterprise struct {
	Name       string
	RegionCode string
}

// Publish discloses an approved result (rule 10) on now's date (China time): enterprise name,
// USCC, region, authority (the task's departments), item names, inspection date and results.
// Nothing else: no tier, no inspector, no findings text.
func (t *Task) Publish(f Facts, department, by string, ent Enterprise, now time.Time) ([]directory.Change, error) {
	if err := f.checkDepartment(department); err != nil {
		return nil, err
	}
	if s := t.State(); s != StateApproved {
		return nil, stateErr("publish the result of", s)
	}
	if strings.TrimSpace(ent.Name) == "" {
		var errs fieldErrors
		errs.add("enterprise", "required", "")
		return nil, errs.err()
	}
	r := t.result
	pub := ResultPublishedV1{
		PublishedOn: now.In(chinaTime).Format(directory.DateLayout),
		Public: Public{USCC: f.USCC, Enterprise: strings.TrimSpace(ent.Name), RegionCode: ent.RegionCode, Authority: f.Authority(),
			Items: f.ItemNames(), InspectedOn: r.InspectedOn, Results: append([]string(nil), r.Results...)},
		By: by, Department: department,
	}
	return t.emit(directory.Change{Type: ResultPublished, Payload: pub}), nil
}
