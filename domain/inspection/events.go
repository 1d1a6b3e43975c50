package inspection

import (
	"strings"

	"github.com/choucha/choucha/domain/directory"
)

// Stable event type names (never derived from Go type names). Payloads below.
const (
	ResultRecorded  = "inspection.result_recorded.v1"
	ResultReturned  = "inspection.result_returned.v1"
	ResultApproved  = "inspection.result_approved.v1"
	ResultPublished = "inspection.result_published.v1"
	RecheckRecorded = "inspection.recheck_recorded.v1"
)

// EventTypes lists every inspection event type, in lifecycle order.
var EventTypes = []string{ResultRecorded, ResultReturned, ResultApproved, ResultPublished, RecheckRecorded}

// Stream is the event stream id of a task ("task-" + assign.TaskID).
func Stream(taskID string) string { return "task-" + taskID }

// ParseTaskID splits a task id "<plan id>-<USCC>" (assign.TaskID) from the right: a USCC has
// 18 characters, a plan id may contain '-'.
func ParseTaskID(id string) (planID, uscc string, ok bool) {
	const n = 18
	if len(id) < n+2 || id[len(id)-n-1] != '-' {
		return "", "", false
	}
	planID, uscc = id[:len(id)-n-1], id[len(id)-n:]
	if directory.ValidateUSCC(uscc) != nil || strings.TrimSpace(planID) == "" {
		return "", "", false
	}
	return planID, uscc, true
}

// Result is what an inspector records after a visit.
type Result struct {
	CheckMethods []string `json:"check_methods"`
	Results      []string `json:"results"`
	Findings     string   `json:"findings,omitempty"`
	FollowUp     string   `json:"follow_up"`
	InspectedOn  string   `json:"inspected_on"` // YYYY-MM-DD
	// Evidence: the hex SHA-256 of each file (photos, records); the files live elsewhere.
	Evidence []string `json:"evidence,omitempty"`
}

type ResultRecordedV1 struct {
	Result
	RecordedBy string `json:"recorded_by"` // inspector id
}

// ResultReturnedV1: the reviewer sends the result back (审核退回) for a new recording.
type ResultReturnedV1 struct {
	Reason     string `json:"reason"`
	By         string `json:"by"`
	Department string `json:"department"`
}

// ResultApprovedV1: the review passed (通过).
type ResultApprovedV1 struct {
	By         string `json:"by"`
	Department string `json:"department"`
}

// Public is the disclosure (DOMAIN rule 10): only public fields, frozen when published so that
// a later rename in the directory does not rewrite what was disclosed. No tier, no inspector.
type Public struct {
	USCC        string   `json:"uscc"`
	Enterprise  string   `json:"enterprise"`
	RegionCode  string   `json:"region_code"`
	Authority   string   `json:"authority"` // the inspecting departments, joined by "、"
	Items       []string `json:"items"`     // item names
	InspectedOn string   `json:"inspected_on"`
	Results     []string `json:"results"`
}

type ResultPublishedV1 struct {
	PublishedOn string `json:"published_on"` // YYYY-MM-DD, China time
	Public
	By         string `json:"by"`
	Department string `json:"department"`
}

// Recheck is a re-check (复查) of an ordered correction.
type Recheck struct {
	CheckedOn string   `json:"checked_on"` // YYYY-MM-DD
	Outcome   string   `json:"outcome"`    // RecheckOutcomes
	Findings  string   `json:"findings,omitempty"`
	FollowUp  string   `json:"follow_up"` // FollowUps; 责令改正并跟踪 keeps the follow-up open
	Evidence  []string `json:"evidence,omitempty"`
}

type RecheckRecordedV1 struct {
	Recheck
	RecordedBy string `json:"recorded_by"`
}
