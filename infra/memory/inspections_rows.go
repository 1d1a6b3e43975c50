package memory

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/projections"
)

// What a store that copies Inspections row by row (infra/clickhouse) needs: which rows an
// event may have changed (Touches) and each row's current state (TaskRow, Drawn, ItemName).

// DrawnKey names one enterprise drawn by one plan.
type DrawnKey struct{ Plan, USCC string }

// Touches lists the rows an event may have changed, once applied: task rows, drawn facts and
// item names.
type Touches struct {
	Tasks []string // task ids
	Drawn []DrawnKey
	Items []string // item codes
}

// Touches says which rows e may have changed; call it after Apply(e). It never decodes a
// plan's announcement (its pools). A redelivered event lists the same rows again: rendering
// them again is harmless.
func (s *Inspections) Touches(e event.Envelope) Touches {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var t Touches
	switch {
	case strings.HasPrefix(e.Type, "inspection."):
		t.Tasks = []string{strings.TrimPrefix(e.Stream, "task-")}
	case strings.HasPrefix(e.Type, "plan."):
		id := strings.TrimPrefix(e.Stream, "plan-")
		p := s.plans[id]
		if p == nil {
			return t
		}
		switch e.Type {
		case plan.Created, plan.EnterprisesDrawn:
			// Created names the items and dates the draw (drawn normally follows it).
			for _, it := range p.items {
				t.Items = append(t.Items, it.Code)
			}
			for _, u := range p.drawn {
				t.Drawn = append(t.Drawn, DrawnKey{id, u})
			}
		case plan.InspectorsAssigned:
			t.Tasks = slices.Clone(p.tasks)
		case plan.SubstitutionRecorded:
			var sub struct {
				Substitution struct {
					Task string `json:"task"`
				} `json:"substitution"`
			}
			if json.Unmarshal(e.Payload, &sub) == nil && sub.Substitution.Task != "" {
				t.Tasks = []string{sub.Substitution.Task}
			}
		}
	case e.Type == directory.EnterpriseRegistered || e.Type == directory.EnterpriseUpdated:
		// The name and region every task of the enterprise shows, the province its drawn
		// facts and tasks count under.
		uscc := strings.TrimPrefix(e.Stream, "enterprise-")
		t.Tasks = slices.Clone(s.tasksOf[uscc])
		for _, p := range s.drawnBy[uscc] {
			t.Drawn = append(t.Drawn, DrawnKey{p, uscc})
		}
	}
	return t
}

// TaskRow is a task's current row as Task would read it, but for Overdue, which depends on
// the day it is read (left false), and the province the statistics group it under (see
// Stats); ok is false for an unknown task.
func (s *Inspections) TaskRow(id string) (v projections.TaskView, province string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.tasks.rows[id]
	if !ok {
		return projections.TaskView{}, "", false
	}
	v = r.view
	if e := s.ents[v.USCC]; e != nil {
		v.Enterprise, v.RegionCode = e.name, e.regionCode
	}
	return v, s.province(v.USCC), true
}

// DrawnFact is one drawn enterprise as Stats counts it: on the plan's draw date, in the
// enterprise's province and in each of the plan's departments and items.
type DrawnFact struct {
	Plan, USCC  string
	DrawnOn     string // YYYY-MM-DD
	Province    string
	Departments []string // sorted, unique
	Items       []string // item codes
}

// Drawn is the fact of one drawn enterprise; ok is false when the plan did not draw it.
func (s *Inspections) Drawn(k DrawnKey) (DrawnFact, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.plans[k.Plan]
	if p == nil || !slices.Contains(s.drawnBy[k.USCC], k.Plan) {
		return DrawnFact{}, false
	}
	f := DrawnFact{Plan: k.Plan, USCC: k.USCC, DrawnOn: p.drawDate, Province: s.province(k.USCC),
		Departments: make([]string, len(p.items)), Items: make([]string, len(p.items))}
	for i, it := range p.items {
		f.Items[i], f.Departments[i] = it.Code, it.Department
	}
	slices.Sort(f.Departments)
	f.Departments = slices.Compact(f.Departments)
	return f, true
}

// ItemName is the name the plan created last gave an item code (Stats' group name).
func (s *Inspections) ItemName(code string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.itemNames[code]
	return n, ok
}
