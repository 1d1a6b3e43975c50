package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/projections"
)

// --- the task list ---

type deskTasksData struct {
	Flash     string
	Inspector bool
	Filter    projections.TaskFilter
	Statuses  []string
	Page      projections.Page[projections.TaskView]
	Action    string
	Next      string
	First     string
	Clear     string
}

func (s *Site) deskTasks(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
	p := newParams(r.URL.Query())
	f := scopeFilter(ss.p)
	f.Status = p.oneOf("status", "", taskStatuses...)
	f.Plan = p.text("plan", 100)
	f.Overdue = p.oneOf("overdue", "", "1", "on", "true") != ""
	f.After = p.text("after", 200)
	f.Limit = p.limit(pageSize, maxPageSize)
	if err := p.err(); err != nil {
		return err
	}
	page, err := s.cfg.Desk.Tasks.Tasks(r.Context(), f)
	if err != nil {
		return err
	}
	d := deskTasksData{Flash: flash(rq), Inspector: ss.p.Role == auth.RoleInspector, Filter: f, Statuses: taskStatuses, Page: page,
		Action: "/desk/tasks", Clear: rq.link("/desk/tasks")}
	kv := func(after string) []string {
		overdue := ""
		if f.Overdue {
			overdue = "1"
		}
		return []string{"status", f.Status, "plan", f.Plan, "overdue", overdue, "after", after}
	}
	if page.Next != "" {
		d.Next = rq.link("/desk/tasks", kv(page.Next)...)
	}
	if f.After != "" {
		d.First = rq.link("/desk/tasks", kv("")...)
	}
	title := tr(rq.lang, "tasks.title")
	if d.Inspector {
		title = tr(rq.lang, "tasks.mine")
	}
	return s.render(w, rq, http.StatusOK, "desk_tasks", title, "desk", d)
}

// --- one task ---

type deskTaskData struct {
	Flash      string
	Task       projections.TaskView
	Items      []codeName
	Team       []codeName
	PlanLink   string // the plan's desk page (regulators)
	PublicLink string // the disclosure, once published
	Base       string
	Forms      map[string]*form
	Failed     string
	Record     bool // the user may record the result now
	Recheck    bool
	Review     bool
	Publish    bool
	Methods    []string
	Results    []string
	FollowUps  []string
	Outcomes   []string
	NoProblem  string
}

type codeName struct{ Code, Name string }

func (s *Site) deskTaskView(r *http.Request, ss *session) (projections.TaskView, error) {
	id := r.PathValue("id")
	t, err := s.cfg.Desk.Tasks.Task(r.Context(), id)
	if errors.Is(err, projections.ErrNotFound) {
		return t, notFound("err.task_not_found")
	}
	if err != nil {
		return t, err
	}
	if !ss.p.MayReadTask(t.Team, t.Departments) {
		return t, &httpError{status: http.StatusForbidden, key: "err.forbidden"}
	}
	return t, nil
}

func (s *Site) deskTask(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
	t, err := s.deskTaskView(r, ss)
	if err != nil {
		return err
	}
	return s.renderTask(w, r, rq, ss, t, "", nil, http.StatusOK)
}

func (s *Site) renderTask(w http.ResponseWriter, r *http.Request, rq *request, ss *session, t projections.TaskView, name string, f *form, status int) error {
	ctx := r.Context()
	today := s.cfg.Now().In(chinaTime).Format("2006-01-02")
	rq.back = "/desk/tasks/" + url.PathEscape(t.ID)
	d := deskTaskData{Flash: flash(rq), Task: t, Base: "/desk/tasks/" + url.PathEscape(t.ID), Failed: name,
		Methods: inspection.CheckMethods, Results: inspection.Results, FollowUps: inspection.FollowUps,
		Outcomes: inspection.RecheckOutcomes, NoProblem: inspection.NoProblem}
	st := inspection.State(t.Status)
	onTeam := ss.p.Role == auth.RoleInspector && slices.Contains(t.Team, ss.p.InspectorID)
	reviewer := ss.p.Role == auth.RoleRegulator && slices.Contains(t.Departments, ss.p.Department)
	d.Record = onTeam && (st == inspection.StateAssigned || st == inspection.StateReturned)
	d.Recheck = onTeam && t.FollowUpOpen && (st == inspection.StateApproved || st == inspection.StatePublished)
	d.Review = reviewer && st == inspection.StateRecorded
	d.Publish = reviewer && st == inspection.StateApproved
	if ss.p.Role != auth.RoleInspector {
		d.PlanLink = rq.link("/desk/plans/" + url.PathEscape(t.Plan))
	}
	if st == inspection.StatePublished {
		d.PublicLink = rq.link("/disclosures", "q", t.USCC)
	}

	names := map[string]string{}
	if v, err := s.cfg.Desk.Plans.Plan(ctx, t.Plan); err == nil {
		for _, it := range v.Spec.Items {
			names[it.Code] = it.Name
		}
	} else if !errors.Is(err, projections.ErrNotFound) {
		return err
	}
	for _, c := range t.Items {
		d.Items = append(d.Items, codeName{Code: c, Name: names[c]})
	}
	for _, id := range t.Team {
		m := codeName{Code: id}
		if in, err := s.cfg.Desk.Directory.Inspector(ctx, id); err == nil {
			m.Name = in.Name
		} else if !errors.Is(err, projections.ErrNotFound) {
			return err
		}
		d.Team = append(d.Team, m)
	}

	// Fresh forms: a returned result comes back as it was recorded, to be fixed.
	result := url.Values{"inspected_on": {today}, "follow_up": {inspection.FollowNone}}
	if st == inspection.StateReturned {
		result = url.Values{"check_methods": t.CheckMethods, "results": t.Results, "findings": {t.Findings},
			"follow_up": {t.FollowUp}, "inspected_on": {t.InspectedOn}, "evidence": {strings.Join(t.Evidence, "\n")}}
	}
	d.Forms = map[string]*form{
		"result":  freshForm(result),
		"recheck": freshForm(url.Values{"checked_on": {today}, "outcome": {inspection.Corrected}, "follow_up": {inspection.FollowNone}}),
		"return":  freshForm(nil), "approve": freshForm(nil), "publish": freshForm(nil),
	}
	if f != nil {
		d.Forms[name] = f
	}
	title := t.Enterprise
	if title == "" {
		title = t.ID
	}
	return s.render(w, rq, status, "desk_task", title, "desk", d)
}

// taskStep runs one of the task's commands from its form on the task page.
func (s *Site) taskStep(step string) deskHandler {
	return func(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
		t, err := s.deskTaskView(r, ss)
		if err != nil {
			return err
		}
		app, pf := s.cfg.Desk.App, r.PostForm
		var fail *failure
		switch step {
		case "result":
			c := commands.RecordResult{Task: t.ID, Inspector: ss.p.InspectorID, CheckMethods: nonEmpty(pf["check_methods"]),
				Results: nonEmpty(pf["results"]), Findings: strings.TrimSpace(pf.Get("findings")), FollowUp: pf.Get("follow_up"),
				InspectedOn: strings.TrimSpace(pf.Get("inspected_on")), Evidence: strings.Fields(pf.Get("evidence"))}
			fail, err = exec(s, r, rq, ss, nil, c, app.RecordResult.Handle)
		case "recheck":
			c := commands.RecordRecheck{Task: t.ID, Inspector: ss.p.InspectorID, CheckedOn: strings.TrimSpace(pf.Get("checked_on")),
				Outcome: pf.Get("outcome"), Findings: strings.TrimSpace(pf.Get("findings")), FollowUp: pf.Get("follow_up"),
				Evidence: strings.Fields(pf.Get("evidence"))}
			fail, err = exec(s, r, rq, ss, nil, c, app.RecordRecheck.Handle)
		case "return":
			c := commands.ReturnResult{Task: t.ID, Department: ss.p.Department, Reason: strings.TrimSpace(pf.Get("reason"))}
			fail, err = exec(s, r, rq, ss, nil, c, app.ReturnResult.Handle)
		case "approve":
			fail, err = exec(s, r, rq, ss, nil, commands.ApproveResult{Task: t.ID, Department: ss.p.Department}, app.ApproveResult.Handle)
		case "publish":
			fail, err = exec(s, r, rq, ss, nil, commands.PublishResult{Task: t.ID, Department: ss.p.Department}, app.PublishResult.Handle)
		}
		if err != nil {
			return err
		}
		if fail != nil {
			return s.renderTask(w, r, rq, ss, t, step, failedForm(r, fail.issues), fail.status)
		}
		return done(w, r, rq, "/desk/tasks/"+url.PathEscape(t.ID), "task_"+step)
	}
}
