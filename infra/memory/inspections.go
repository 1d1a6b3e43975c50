package memory

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/calendar"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

// PublishWithin is the disclosure deadline in working days after the inspection (rule 10).
const PublishWithin = 20

// ErrStatsFilter: a statistics filter names an unknown grouping or period.
var ErrStatsFilter = errors.New("invalid statistics filter")

var chinaTime = time.FixedZone("CST", 8*3600)

// Inspections is the in-memory inspection read model: one row per task (its current state,
// fed by the plan's assignment and the task's own events), the disclosure list (published
// results only, as frozen at publication), and the statistics. It keeps its own small
// uscc → name and region map from the directory events, never the tier.
type Inspections struct {
	mu    sync.RWMutex
	now   func() time.Time
	guard projections.Guard

	tasks       table[taskRow]
	disclosures table[projections.DisclosureRecord]
	history     map[string][]string // uscc → task ids with a disclosure
	plans       map[string]*inspPlan
	ents        map[string]*entRow
	// itemNames: code → the name the plan created last gave it (statistics group names).
	itemNames map[string]string
	// Indexes for a copy of this model (Touches): uscc → its task ids, uscc → the plans that
	// drew it.
	tasksOf map[string][]string
	drawnBy map[string][]string
}

type taskRow struct {
	view projections.TaskView // Enterprise, RegionCode and Overdue are filled on read
	task inspection.Task
}

// inspPlan is what the statistics need of a plan; its announced pools are never decoded.
type inspPlan struct {
	version  uint64
	drawDate string
	items    []directory.Item
	drawn    []string
	tasks    []string // ids of the tasks its assignment made
}

type entRow struct {
	version    uint64
	name       string
	regionCode string
}

var (
	_ projections.Projector         = (*Inspections)(nil)
	_ projections.InspectionQueries = (*Inspections)(nil)
	_ projections.DisclosureQueries = (*Inspections)(nil)
	_ projections.StatsQueries      = (*Inspections)(nil)
)

// NewInspections needs the clock that decides which unpublished results are overdue.
func NewInspections(now func() time.Time) *Inspections {
	if now == nil {
		panic("memory: inspections need a clock")
	}
	return &Inspections{now: now, tasks: newTable[taskRow](), disclosures: newTable[projections.DisclosureRecord](),
		history: map[string][]string{}, plans: map[string]*inspPlan{}, ents: map[string]*entRow{}, itemNames: map[string]string{},
		tasksOf: map[string][]string{}, drawnBy: map[string][]string{}}
}

func (s *Inspections) Name() string { return "inspections" }

// Guard reports how many redeliveries were skipped and gaps flagged.
func (s *Inspections) Guard() projections.Guard {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.guard
}

// Apply folds one event in, skipping redeliveries (version ≤ stored, per stream).
func (s *Inspections) Apply(e event.Envelope) error {
	switch {
	case strings.HasPrefix(e.Type, "inspection."):
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.applyTask(e)
	case strings.HasPrefix(e.Type, "plan."):
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.applyPlan(e)
	case strings.HasPrefix(e.Type, "directory.enterprise_"):
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.applyEnterprise(e)
	}
	return nil
}

func (s *Inspections) applyEnterprise(e event.Envelope) error {
	uscc := strings.TrimPrefix(e.Stream, "enterprise-")
	row := s.ents[uscc]
	if row == nil {
		row = &entRow{}
		s.ents[uscc] = row
	}
	if !s.guard.Admit(e.Stream, row.version, e.Version) {
		return nil
	}
	row.version = e.Version
	if e.Type == directory.EnterpriseRegistered || e.Type == directory.EnterpriseUpdated {
		var p struct {
			Enterprise struct {
				Name       string `json:"name"`
				RegionCode string `json:"region_code"`
			} `json:"enterprise"`
		}
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		row.name, row.regionCode = p.Enterprise.Name, p.Enterprise.RegionCode
	}
	return nil
}

func (s *Inspections) applyPlan(e event.Envelope) error {
	id := strings.TrimPrefix(e.Stream, "plan-")
	p := s.plans[id]
	if p == nil {
		p = &inspPlan{}
		s.plans[id] = p
	}
	if !s.guard.Admit(e.Stream, p.version, e.Version) {
		return nil
	}
	p.version = e.Version
	switch e.Type {
	case plan.Created:
		var c plan.CreatedV1
		if err := json.Unmarshal(e.Payload, &c); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		p.drawDate, p.items = c.Plan.DrawDate, c.Plan.Items
		for _, it := range c.Plan.Items {
			s.itemNames[it.Code] = it.Name
		}
	case plan.EnterprisesDrawn:
		var d plan.EnterprisesDrawnV1
		if err := json.Unmarshal(e.Payload, &d); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		p.drawn = nil
		for _, st := range d.Strata {
			p.drawn = append(p.drawn, st.Drawn...)
		}
		for _, u := range p.drawn {
			if !slices.Contains(s.drawnBy[u], id) {
				s.drawnBy[u] = append(s.drawnBy[u], id)
			}
		}
	case plan.InspectorsAssigned:
		var a plan.InspectorsAssignedV1
		if err := json.Unmarshal(e.Payload, &a); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		teams := assign.Record{Results: a.Results}.Teams()
		p.tasks = p.tasks[:0]
		for _, t := range a.Tasks {
			row := s.row(t.ID)
			if row.view.USCC != t.USCC {
				s.index(t.USCC, t.ID)
			}
			row.view.Plan, row.view.USCC, row.view.Departments, row.view.Items = id, t.USCC, t.Departments, t.Items
			row.view.Team = teams[t.ID]
			p.tasks = append(p.tasks, t.ID)
		}
	case plan.SubstitutionRecorded:
		var sub plan.SubstitutionRecordedV1
		if err := json.Unmarshal(e.Payload, &sub); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		s.row(sub.Substitution.Task).view.Team = sub.Substitution.Team // nil: unfilled now
	}
	return nil
}

// row returns the task's row, creating it (assigned) on first sight: from the plan's
// assignment, or from the task's own event if that came first (another partition).
func (s *Inspections) row(id string) *taskRow {
	if r, ok := s.tasks.rows[id]; ok {
		return r
	}
	r := &taskRow{view: projections.TaskView{ID: id, Status: string(inspection.StateAssigned)}}
	r.view.Plan, r.view.USCC, _ = inspection.ParseTaskID(id)
	s.tasks.put(id, r)
	s.index(r.view.USCC, id)
	return r
}

// index records that task id is of enterprise uscc (Touches re-renders an enterprise's tasks).
func (s *Inspections) index(uscc, id string) {
	if uscc != "" && !slices.Contains(s.tasksOf[uscc], id) {
		s.tasksOf[uscc] = append(s.tasksOf[uscc], id)
	}
}

func (s *Inspections) applyTask(e event.Envelope) error {
	id := strings.TrimPrefix(e.Stream, "task-")
	row := s.row(id)
	if !s.guard.Admit(e.Stream, row.view.Version, e.Version) {
		return nil
	}
	if err := row.task.Apply(e.Type, e.Payload); err != nil {
		s.guard.Reject(e, err)
		return nil
	}
	v := &row.view
	v.Version, v.Status = e.Version, string(row.task.State())
	if r, by, ok := row.task.Result(); ok {
		v.CheckMethods, v.Results, v.Findings, v.FollowUp = r.CheckMethods, r.Results, r.Findings, r.FollowUp
		v.InspectedOn, v.Evidence, v.RecordedBy = r.InspectedOn, r.Evidence, by
		v.PublishDue, v.PublishDueEstimated = publishDue(r.InspectedOn)
	}
	v.ReturnReason, v.FollowUpOpen = row.task.ReturnReason(), row.task.FollowUpOpen()
	if rcs := row.task.Rechecks(); len(rcs) > 0 {
		last := rcs[len(rcs)-1]
		v.RecheckedOn, v.RecheckOutcome = last.CheckedOn, last.Outcome
	}
	if pub, ok := row.task.Publication(); ok && e.Type == inspection.ResultPublished {
		v.PublishedOn = pub.PublishedOn
		planID, _, _ := inspection.ParseTaskID(id)
		s.disclosures.put(id, &projections.DisclosureRecord{
			Task: id, Plan: planID, USCC: pub.USCC, Enterprise: pub.Enterprise, RegionCode: pub.RegionCode,
			Authority: pub.Authority, Items: pub.Items, InspectedOn: pub.InspectedOn, Results: pub.Results, PublishedOn: pub.PublishedOn,
		})
		s.history[pub.USCC] = append(s.history[pub.USCC], id)
	}
	return nil
}

// publishDue is the 20th working day after the inspection date; estimated when the calendar
// does not cover every day counted.
func publishDue(inspectedOn string) (string, bool) {
	d, err := time.Parse(time.DateOnly, inspectedOn)
	if err != nil {
		return "", false
	}
	due, exact := calendar.AddWorkingDaysChecked(d, PublishWithin)
	return due.Format(time.DateOnly), !exact
}

func (s *Inspections) today() string { return s.now().In(chinaTime).Format(time.DateOnly) }

// overdue: the deadline passed without publication by it (still unpublished, or published late).
func overdue(v *projections.TaskView, today string) bool {
	if v.PublishDue == "" {
		return false
	}
	if v.PublishedOn != "" {
		return v.PublishedOn > v.PublishDue
	}
	return today > v.PublishDue
}

// read fills the fields that depend on the directory and the clock.
func (s *Inspections) read(r *taskRow, today string) projections.TaskView {
	v := r.view
	if e := s.ents[v.USCC]; e != nil {
		v.Enterprise, v.RegionCode = e.name, e.regionCode
	}
	v.Overdue = overdue(&v, today)
	return v
}

func (s *Inspections) Task(_ context.Context, id string) (projections.TaskView, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.tasks.rows[id]
	if !ok {
		return projections.TaskView{}, projections.ErrNotFound
	}
	return s.read(r, s.today()), nil
}

func (s *Inspections) Tasks(_ context.Context, f projections.TaskFilter) (projections.Page[projections.TaskView], error) {
	s.mu.Lock() // page may sort the keys
	defer s.mu.Unlock()
	today := s.today()
	p := s.tasks.page(f.After, f.Limit, func(r *taskRow) bool {
		v := &r.view
		return (f.Plan == "" || v.Plan == f.Plan) &&
			(f.Department == "" || slices.Contains(v.Departments, f.Department)) &&
			(f.Inspector == "" || slices.Contains(v.Team, f.Inspector)) &&
			(f.Status == "" || v.Status == f.Status) &&
			(!f.Overdue || overdue(v, today))
	})
	out := projections.Page[projections.TaskView]{Items: make([]projections.TaskView, len(p.Items)), Total: p.Total, Next: p.Next}
	for i := range p.Items {
		out.Items[i] = s.read(&p.Items[i], today)
	}
	return out, nil
}

// inRange compares a date with bounds that may be a year, a month or a day ("2026",
// "2026-11", "2026-11-05"), inclusive.
func inRange(date, from, to string) bool {
	if date == "" {
		return false
	}
	return (from == "" || date[:min(len(from), len(date))] >= from) && (to == "" || date[:min(len(to), len(date))] <= to)
}

func (s *Inspections) Disclosures(_ context.Context, f projections.DisclosureFilter) (projections.Page[projections.DisclosureRecord], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := strings.TrimSpace(f.Query)
	return s.disclosures.page(f.After, f.Limit, func(d *projections.DisclosureRecord) bool {
		return (q == "" || strings.Contains(d.Enterprise, q) || strings.HasPrefix(d.USCC, strings.ToUpper(q))) &&
			(f.Authority == "" || strings.Contains(d.Authority, f.Authority)) &&
			(f.Item == "" || slices.ContainsFunc(d.Items, func(n string) bool { return strings.Contains(n, f.Item) })) &&
			(f.Result == "" || slices.Contains(d.Results, f.Result)) &&
			((f.From == "" && f.To == "") || inRange(d.InspectedOn, f.From, f.To))
	}), nil
}

// EnterpriseHistory is every disclosure of one enterprise, by inspection date.
func (s *Inspections) EnterpriseHistory(_ context.Context, uscc string) ([]projections.DisclosureRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []projections.DisclosureRecord{}
	for _, id := range s.history[uscc] {
		out = append(out, *s.disclosures.rows[id])
	}
	slices.SortFunc(out, func(a, b projections.DisclosureRecord) int {
		return cmp.Or(cmp.Compare(a.InspectedOn, b.InspectedOn), cmp.Compare(a.Task, b.Task))
	})
	return out, nil
}

// Stats counts, per group and period (rule 12: completion rate = published / drawn):
//
//   - drawn: each drawn enterprise of a plan, in the period of the plan's draw date;
//   - inspected: each task with a recorded result, in the period of its inspection date, and
//     in that same period: published, on time (published on or before PublishDue), overdue
//     (PublishDue passed without publication by it: still unpublished, or published late),
//     problems found (an approved or published result naming a problem, inspection.Problems).
//
// Groups: "region" is the enterprise's province (GB/T 2260 code, e.g. "440000", named in
// GroupName; the USCC's registration region when the directory lacks the enterprise, or
// "unknown"), "department" each department of the task (a joint task counts in each), "item"
// each item code (named as the plan created last in the log names it); "" puts everything in
// one group. Periods: "month" (2026-11), "quarter" (2026-Q4), "year" (2026, the default). From
// and To bound the date counted, inclusive, as a year, a month or a day.
func (s *Inspections) Stats(_ context.Context, f projections.StatsFilter) ([]projections.StatRow, error) {
	if !slices.Contains([]string{"", "region", "department", "item"}, f.GroupBy) {
		return nil, fmt.Errorf("%w: group by %q (region, department or item)", ErrStatsFilter, f.GroupBy)
	}
	if !slices.Contains([]string{"", "month", "quarter", "year"}, f.Period) {
		return nil, fmt.Errorf("%w: period %q (month, quarter or year)", ErrStatsFilter, f.Period)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	type key struct{ group, period string }
	rows := map[key]*projections.StatRow{}
	names := map[string]string{}
	bump := func(groups []string, date string, add func(*projections.StatRow)) {
		if !inRange(date, f.From, f.To) {
			return
		}
		p := period(date, f.Period)
		for _, g := range groups {
			r := rows[key{g, p}]
			if r == nil {
				r = &projections.StatRow{Group: g, GroupName: names[g], Period: p}
				rows[key{g, p}] = r
			}
			add(r)
		}
	}
	maps.Copy(names, s.itemNames)
	for _, p := range s.plans {
		codes, depts := make([]string, len(p.items)), make([]string, len(p.items))
		for i, it := range p.items {
			codes[i], depts[i] = it.Code, it.Department
		}
		slices.Sort(depts)
		depts = slices.Compact(depts)
		for _, u := range p.drawn {
			bump(s.groups(f.GroupBy, u, depts, codes, names), p.drawDate, func(r *projections.StatRow) { r.Drawn++ })
		}
	}
	today := s.today()
	for _, r := range s.tasks.rows {
		v := &r.view
		if v.InspectedOn == "" {
			continue
		}
		st := inspection.State(v.Status)
		problem := (st == inspection.StateApproved || st == inspection.StatePublished) && inspection.HasProblem(v.Results)
		late := overdue(v, today)
		bump(s.groups(f.GroupBy, v.USCC, v.Departments, v.Items, names), v.InspectedOn, func(row *projections.StatRow) {
			row.Inspected++
			if v.PublishedOn != "" {
				row.Published++
				if !late {
					row.OnTime++
				}
			}
			if late {
				row.Overdue++
			}
			if problem {
				row.ProblemsFound++
			}
		})
	}
	out := make([]projections.StatRow, 0, len(rows))
	for _, r := range rows {
		if r.GroupName == "" {
			r.GroupName = names[r.Group]
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b projections.StatRow) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Period, b.Period))
	})
	return out, nil
}

// groups lists the groups one enterprise or task counts in; it names regions in names.
func (s *Inspections) groups(by, uscc string, depts, items []string, names map[string]string) []string {
	switch by {
	case "department":
		return depts
	case "item":
		return items
	case "region":
		prov := s.province(uscc)
		if n, ok := directory.RegionName(prov); ok {
			names[prov] = n
		}
		return []string{prov}
	}
	return []string{""}
}

// province is the region group of an enterprise: the province of its region in the directory,
// of the USCC's registration region when the directory lacks it, or "unknown".
func (s *Inspections) province(uscc string) string {
	code := ""
	if e := s.ents[uscc]; e != nil {
		code = e.regionCode
	} else if len(uscc) == 18 {
		code = uscc[2:8] // the registration authority's region (GB 32100-2015)
	}
	if prov := directory.Province(code); prov != "" {
		return prov
	}
	return "unknown"
}

func period(date, by string) string {
	switch by {
	case "month":
		return date[:7]
	case "quarter":
		m := (int(date[5]-'0')*10 + int(date[6]-'0') + 2) / 3
		return fmt.Sprintf("%s-Q%d", date[:4], m)
	}
	return date[:4]
}
