package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/domain/directory"
)

// Who may ask for a recusal (回避, rule 5): the officer with an interest, or the enterprise.
const (
	RecusalByInspector  = "inspector"
	RecusalByEnterprise = "enterprise"
)

// Recusal request states.
const (
	RecusalPending  = "pending"
	RecusalApproved = "approved"
	RecusalRejected = "rejected"
)

// Recusal is one request and, once decided, its decision. Nothing is removed: an approved
// request is followed by its substitution, a rejected one stays on record with the reason.
type Recusal struct {
	ID        string    `json:"id"` // R1, R2, … per plan
	Task      string    `json:"task"`
	Inspector string    `json:"inspector"`
	By        string    `json:"by"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
	Status    string    `json:"status"`
	Note      string    `json:"note,omitempty"` // the decision's reason
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// RecusalRequestedV1 opens a request.
type RecusalRequestedV1 struct {
	Recusal Recusal `json:"recusal"`
}

// RecusalDecidedV1 closes it; an approval is followed, in the same append, by the
// substitution it causes.
type RecusalDecidedV1 struct {
	ID        string    `json:"id"`
	Approved  bool      `json:"approved"`
	Note      string    `json:"note"`
	DecidedAt time.Time `json:"decided_at"`
}

// Recusals returns every request in the order they were made.
func (p *Plan) Recusals() []Recusal { return slices.Clone(p.recusals) }

// RequestRecusal records a request that inspector not go on task. The inspector must be on
// the task's current team, with no request for the same pair still open.
func (p *Plan) RequestRecusal(task, inspector, by, reason string, at time.Time) ([]directory.Change, error) {
	if p.state != StateAssigned {
		return nil, stateErr("request a recusal in", p.state)
	}
	var errs fieldErrors
	if by != RecusalByInspector && by != RecusalByEnterprise {
		errs.add("by", "oneof", RecusalByInspector+" "+RecusalByEnterprise)
	}
	if n := len([]rune(strings.TrimSpace(reason))); n == 0 || n > 500 {
		errs.add("reason", "required", "500")
	}
	_, rec, _ := p.Assignment()
	if team, ok := rec.Teams()[task]; !ok {
		errs.add("task", "no_team", task)
	} else if !slices.Contains(team, inspector) {
		errs.add("inspector", "not_on_team", inspector)
	}
	for _, r := range p.recusals {
		if r.Task == task && r.Inspector == inspector && r.Status == RecusalPending {
			errs.add("inspector", "recusal_pending", r.ID)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	r := Recusal{ID: "R" + strconv.Itoa(len(p.recusals)+1), Task: task, Inspector: inspector, By: by,
		Reason: strings.TrimSpace(reason), At: at.UTC(), Status: RecusalPending}
	return p.emit(directory.Change{Type: RecusalRequested, Payload: RecusalRequestedV1{Recusal: r}}), nil
}

// DecideRecusal approves or rejects a pending request. An approval substitutes the inspector
// by continuing the task's pick stream (Substitute); both events are returned together.
func (p *Plan) DecideRecusal(id string, approve bool, note string, at time.Time) ([]directory.Change, error) {
	if p.state != StateAssigned {
		return nil, stateErr("decide a recusal in", p.state)
	}
	i := slices.IndexFunc(p.recusals, func(r Recusal) bool { return r.ID == id })
	var errs fieldErrors
	switch {
	case i < 0:
		errs.add("id", "recusal_not_found", id)
	case p.recusals[i].Status != RecusalPending:
		errs.add("id", "recusal_decided", p.recusals[i].Status)
	}
	if n := len([]rune(strings.TrimSpace(note))); n == 0 || n > 500 {
		errs.add("note", "required", "500")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	r := p.recusals[i]
	decided := directory.Change{Type: RecusalDecided, Payload: RecusalDecidedV1{ID: id, Approved: approve, Note: strings.TrimSpace(note), DecidedAt: at.UTC()}}
	if !approve {
		return p.emit(decided), nil
	}
	// Decide first on a copy: if the substitution cannot be made, nothing is emitted.
	trial := *p
	trial.recusals = slices.Clone(p.recusals)
	trial.subs = slices.Clone(p.subs)
	if err := trial.apply(decided.Type, decided.Payload); err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("回避 %s（%s申请）：%s", r.ID, byName(r.By), r.Reason)
	if _, err := trial.Substitute(r.Task, r.Inspector, reason); err != nil {
		return nil, err
	}
	out := p.emit(decided)
	subs, err := p.Substitute(r.Task, r.Inspector, reason)
	if err != nil {
		panic(fmt.Sprintf("plan: substitution succeeded on a copy and failed on the plan: %v", err))
	}
	return append(out, subs...), nil
}

func byName(by string) string {
	if by == RecusalByEnterprise {
		return "企业"
	}
	return "检查人员"
}
