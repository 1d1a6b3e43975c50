package inspection

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/choucha/choucha/domain/directory"
)

// State of a task. A task exists once its plan assigns it (StateAssigned, no event yet).
type State string

const (
	StateAssigned  State = "assigned"
	StateRecorded  State = "recorded"  // 待审核
	StateReturned  State = "returned"  // 审核退回
	StateApproved  State = "approved"  // 通过
	StatePublished State = "published" // 已公示
)

// Task is the aggregate of one visit's result, review, publication and follow-up. Its zero
// value is an assigned task with nothing recorded; fold its events with Apply.
type Task struct {
	state        State
	result       ResultRecordedV1
	returned     *ResultReturnedV1
	approved     *ResultApprovedV1
	published    *ResultPublishedV1
	followUpOpen bool
	rechecks     []RecheckRecordedV1
}

func (t *Task) State() State {
	if t.state == "" {
		return StateAssigned
	}
	return t.state
}

// Result is the latest recorded result and its inspector; ok is false before the first.
func (t *Task) Result() (r Result, recordedBy string, ok bool) {
	if t.state == "" {
		return Result{}, "", false
	}
	r = t.result.Result
	r.CheckMethods, r.Results, r.Evidence = slices.Clone(r.CheckMethods), slices.Clone(r.Results), slices.Clone(r.Evidence)
	return r, t.result.RecordedBy, true
}

// ReturnReason is the reason of the latest return ("" if never returned).
func (t *Task) ReturnReason() string {
	if t.returned == nil {
		return ""
	}
	return t.returned.Reason
}

// Publication is what was disclosed; ok is false until published.
func (t *Task) Publication() (ResultPublishedV1, bool) {
	if t.published == nil {
		return ResultPublishedV1{}, false
	}
	return *t.published, true
}

// FollowUpOpen: a correction was ordered and its re-check is still due.
func (t *Task) FollowUpOpen() bool { return t.followUpOpen }

// Rechecks in the order recorded.
func (t *Task) Rechecks() []RecheckRecordedV1 { return slices.Clone(t.rechecks) }

// Decode parses the payload of an inspection event into its payload type.
func Decode(typ string, payload []byte) (any, error) {
	var v any
	switch typ {
	case ResultRecorded:
		v = new(ResultRecordedV1)
	case ResultReturned:
		v = new(ResultReturnedV1)
	case ResultApproved:
		v = new(ResultApprovedV1)
	case ResultPublished:
		v = new(ResultPublishedV1)
	case RecheckRecorded:
		v = new(RecheckRecordedV1)
	default:
		return nil, fmt.Errorf("inspection: unknown event type %q", typ)
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return v, nil
}

// Apply folds one recorded event into the task (rehydration).
func (t *Task) Apply(typ string, payload []byte) error {
	v, err := Decode(typ, payload)
	if err != nil {
		return err
	}
	return t.apply(typ, v)
}

// emit applies changes the task just decided and returns them for the caller to append.
func (t *Task) emit(changes ...directory.Change) []directory.Change {
	for _, c := range changes {
		if err := t.apply(c.Type, c.Payload); err != nil {
			panic(fmt.Sprintf("inspection: own event does not apply: %v", err)) // a bug, not an input error
		}
	}
	return changes
}

// allowed is the lifecycle: the states each event may follow.
var allowed = map[string][]State{
	ResultRecorded:  {StateAssigned, StateReturned},
	ResultReturned:  {StateRecorded},
	ResultApproved:  {StateRecorded},
	ResultPublished: {StateApproved},
	RecheckRecorded: {StateApproved, StatePublished},
}

// apply is the only place the task's state changes. Payloads may be values or pointers.
func (t *Task) apply(typ string, v any) error {
	if states, ok := allowed[typ]; ok && !slices.Contains(states, t.State()) {
		return fmt.Errorf("%w: event %s in state %q", ErrState, typ, t.State())
	}
	switch typ {
	case ResultRecorded:
		e := deref[ResultRecordedV1](v)
		t.result, t.approved, t.state = e, nil, StateRecorded
		t.followUpOpen = opensFollowUp(e.Results, e.FollowUp)
	case ResultReturned:
		e := deref[ResultReturnedV1](v)
		t.returned, t.state = &e, StateReturned
	case ResultApproved:
		e := deref[ResultApprovedV1](v)
		t.approved, t.state = &e, StateApproved
	case ResultPublished:
		e := deref[ResultPublishedV1](v)
		t.published, t.state = &e, StatePublished
	case RecheckRecorded:
		e := deref[RecheckRecordedV1](v)
		if !t.followUpOpen {
			return fmt.Errorf("%w: %s without an open follow-up", ErrState, typ)
		}
		t.rechecks = append(t.rechecks, e)
		t.followUpOpen = e.FollowUp == FollowCorrect
	default:
		return fmt.Errorf("inspection: unknown event type %q", typ)
	}
	return nil
}

func deref[T any](v any) T {
	if p, ok := v.(*T); ok {
		return *p
	}
	return v.(T)
}
