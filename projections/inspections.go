package projections

import "context"

// Inspection read models (issue 4). The memory implementation lives in infra/memory; a
// ClickHouse one will implement the same interfaces.

// TaskView is one inspection task as regulators and its own inspectors see it (team included).
type TaskView struct {
	ID          string   `json:"id"`
	Plan        string   `json:"plan"`
	USCC        string   `json:"uscc"`
	Enterprise  string   `json:"enterprise"`
	RegionCode  string   `json:"region_code"`
	Departments []string `json:"departments"`
	Items       []string `json:"items"` // item codes
	Team        []string `json:"team"`  // inspector ids (confidential)
	// Status: assigned, recorded (待审核), returned (审核退回), approved (通过), published.
	Status       string   `json:"status"`
	CheckMethods []string `json:"check_methods,omitempty"`
	Results      []string `json:"results,omitempty"` // vocabulary (DOMAIN "Result vocabulary")
	Findings     string   `json:"findings,omitempty"`
	FollowUp     string   `json:"follow_up,omitempty"`
	InspectedOn  string   `json:"inspected_on,omitempty"` // YYYY-MM-DD
	ReturnReason string   `json:"return_reason,omitempty"`
	PublishDue   string   `json:"publish_due,omitempty"` // 20 working days after InspectedOn
	PublishedOn  string   `json:"published_on,omitempty"`
	Overdue      bool     `json:"overdue"`
	FollowUpOpen bool     `json:"follow_up_open"` // 责令改正 awaiting its re-check
	Version      uint64   `json:"version"`
	// PublishDueEstimated: the working-day calendar lacks a year PublishDue counts over, so
	// that year's holidays and 调休 were not known (weekends only).
	PublishDueEstimated bool     `json:"publish_due_estimated,omitempty"`
	RecordedBy          string   `json:"recorded_by,omitempty"` // inspector id (confidential)
	Evidence            []string `json:"evidence,omitempty"`    // hex SHA-256 per file
	RecheckedOn         string   `json:"rechecked_on,omitempty"`
	RecheckOutcome      string   `json:"recheck_outcome,omitempty"`
}

type TaskFilter struct {
	Plan       string
	Department string
	Inspector  string
	Status     string
	Overdue    bool
	After      string
	Limit      int
}

// InspectionQueries serves the regulators' and inspectors' pages.
type InspectionQueries interface {
	Task(ctx context.Context, id string) (TaskView, error)
	Tasks(ctx context.Context, f TaskFilter) (Page[TaskView], error)
}

// DisclosureRecord is one published result: only the public fields of DOMAIN rule 10
// (no tier, no inspector identity).
type DisclosureRecord struct {
	Task        string   `json:"task"`
	Plan        string   `json:"plan"`
	USCC        string   `json:"uscc"`
	Enterprise  string   `json:"enterprise"`
	RegionCode  string   `json:"region_code"`
	Authority   string   `json:"authority"` // the inspecting department(s)
	Items       []string `json:"items"`     // item names
	InspectedOn string   `json:"inspected_on"`
	Results     []string `json:"results"`
	PublishedOn string   `json:"published_on"`
}

type DisclosureFilter struct {
	Query     string // enterprise name substring or USCC
	Authority string
	Item      string
	Result    string
	From, To  string // inspected_on range, YYYY-MM-DD, inclusive
	After     string
	Limit     int
}

// DisclosureQueries serves the public disclosure pages and reports.
type DisclosureQueries interface {
	Disclosures(ctx context.Context, f DisclosureFilter) (Page[DisclosureRecord], error)
	EnterpriseHistory(ctx context.Context, uscc string) ([]DisclosureRecord, error)
}

// StatRow is one group of the statistics page: completion rate = published / drawn (rule 12).
type StatRow struct {
	Group         string `json:"group"` // a region, department or item
	GroupName     string `json:"group_name,omitempty"`
	Period        string `json:"period"` // 2026-11, 2026-Q4 or 2026
	Drawn         int    `json:"drawn"`
	Inspected     int    `json:"inspected"`
	Published     int    `json:"published"`
	OnTime        int    `json:"on_time"`
	ProblemsFound int    `json:"problems_found"`
	Overdue       int    `json:"overdue"`
}

type StatsFilter struct {
	GroupBy  string // region, department, item
	Period   string // month, quarter, year
	From, To string
}

type StatsQueries interface {
	Stats(ctx context.Context, f StatsFilter) ([]StatRow, error)
}
