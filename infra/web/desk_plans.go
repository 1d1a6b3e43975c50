package web

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/inspection"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/projections"
)

// Defaults of the plan wizard: the Henan 2021 tier ratios (DOMAIN rule 2).
var defaultRatios = map[string]string{"ratio_a": "0.01", "ratio_b": "0.03", "ratio_c": "0.1", "ratio_d": "0.3"}

// failure is a submitted form's problems and the status to show them with.
type failure struct {
	status int
	issues []commands.Issue
}

var conflictCodes = []string{"plan_state", "plan_redraw", "plan_exists", "task_state", "concurrent_change", "recusal_decided"}

func failed(issues []commands.Issue) *failure {
	st := http.StatusBadRequest
	if slices.ContainsFunc(issues, func(is commands.Issue) bool { return slices.Contains(conflictCodes, is.Code) }) {
		st = http.StatusConflict
	}
	return &failure{status: st, issues: issues}
}

// exec runs a command; parse holds problems found while reading the form, shown together
// with the edge checks (the command does not run then).
func exec[C any, P metaCommand[C], O any](s *Site, r *http.Request, rq *request, ss *session, parse []commands.Issue, c C, run func(context.Context, C) (O, error)) (*failure, error) {
	if len(parse) > 0 {
		P(&c).SetMeta(ss.meta(r))
		issues := append(wordDesk(rq.lang, parse), s.check(rq, c)...)
		return failed(issues), nil
	}
	issues, err := runCommand[C, P](s, r, rq, ss, c, run)
	if err != nil || issues == nil {
		return nil, err
	}
	return failed(issues), nil
}

// --- dashboard ---

type dashboardData struct {
	Flash     string
	Inspector bool
	Plans     []projections.PlanSummary
	NewPlan   string
	Counts    []taskCount
	AllTasks  string
}

type taskCount struct {
	ID, Label, Link string
	N               int
}

func (s *Site) dashboard(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
	ctx := r.Context()
	d := dashboardData{Flash: flash(rq), Inspector: ss.p.Role == auth.RoleInspector, NewPlan: rq.link("/desk/plans/new"), AllTasks: rq.link("/desk/tasks")}
	base := scopeFilter(ss.p)
	count := func(id, label string, f projections.TaskFilter, kv ...string) error {
		f.Limit = 1
		p, err := s.cfg.Desk.Tasks.Tasks(ctx, f)
		if err != nil {
			return err
		}
		d.Counts = append(d.Counts, taskCount{ID: id, Label: tr(rq.lang, label), N: p.Total, Link: rq.link("/desk/tasks", kv...)})
		return nil
	}
	with := func(st string, overdue bool) projections.TaskFilter {
		f := base
		f.Status, f.Overdue = st, overdue
		return f
	}
	var counts []func() error
	if d.Inspector {
		counts = []func() error{
			func() error {
				return count("to-inspect", "dash.to_inspect", with("assigned", false), "status", "assigned")
			},
			func() error { return count("returned", "dash.returned", with("returned", false), "status", "returned") },
			func() error {
				return count("in-review", "dash.in_review", with("recorded", false), "status", "recorded")
			},
		}
	} else {
		counts = []func() error{
			func() error { return count("review", "dash.review", with("recorded", false), "status", "recorded") },
			func() error {
				return count("to-publish", "dash.to_publish", with("approved", false), "status", "approved")
			},
			func() error { return count("overdue", "dash.overdue", with("", true), "overdue", "1") },
		}
	}
	for _, c := range counts {
		if err := c(); err != nil {
			return err
		}
	}
	if !d.Inspector {
		plans, err := s.myPlans(ctx, ss.p)
		if err != nil {
			return err
		}
		d.Plans = plans
	}
	return s.render(w, rq, http.StatusOK, "desk", tr(rq.lang, "desk.title"), "desk", d)
}

// scopeFilter is what a user may list: an inspector their tasks, a regulator their
// department's, the admin everything.
func scopeFilter(p auth.Principal) projections.TaskFilter {
	switch p.Role {
	case auth.RoleInspector:
		return projections.TaskFilter{Inspector: p.InspectorID}
	case auth.RoleRegulator:
		return projections.TaskFilter{Department: p.Department}
	}
	return projections.TaskFilter{}
}

// mayActOnPlan: the admin, or a regulator of one of the plan's departments.
func mayActOnPlan(p auth.Principal, v projections.PlanView) bool {
	return p.Role == auth.RoleAdmin || slices.Contains(v.Spec.Departments(), p.Department)
}

// myPlans is every plan of the user's department, newest first.
func (s *Site) myPlans(ctx context.Context, p auth.Principal) ([]projections.PlanSummary, error) {
	var out []projections.PlanSummary
	after := ""
	for {
		pg, err := s.cfg.Desk.Plans.Plans(ctx, after, projections.MaxLimit)
		if err != nil {
			return nil, err
		}
		for _, it := range pg.Items {
			v, err := s.cfg.Desk.Plans.Plan(ctx, it.ID)
			if errors.Is(err, projections.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if mayActOnPlan(p, v) {
				out = append(out, it)
			}
		}
		if pg.Next == "" || pg.Next == after {
			break
		}
		after = pg.Next
	}
	slices.SortStableFunc(out, func(a, b projections.PlanSummary) int {
		return cmp.Or(cmp.Compare(b.Year, a.Year), cmp.Compare(b.Batch, a.Batch), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// --- the plan wizard ---

type planFormData struct {
	Form        *form
	Action      string
	Lead        string // a regulator's own department (fixed); "" for the admin (an input)
	Groups      []itemGroup
	Joint       []string // departments that may join
	EntityTypes []string
	Targeted    string
	Untargeted  string
	GeneralCap  string
	DrandRound  uint64
	DrandAt     time.Time
	Lottery     string
	Drand       string
}

type itemGroup struct {
	Department string
	Items      []projections.ItemView
}

func (s *Site) newPlanForm(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
	now := s.cfg.Now().In(chinaTime)
	tomorrow := now.AddDate(0, 0, 1).Format(directory.DateLayout)
	v := url.Values{
		"year": {strconv.Itoa(now.Year())}, "batch": {"1"}, "mode": {plan.ModeUntargeted}, "seed_type": {plan.SeedLottery},
		"seed_date": {tomorrow}, "draw_date": {tomorrow},
	}
	for k, r := range defaultRatios {
		v.Set(k, r)
	}
	return s.renderPlanForm(w, r, rq, ss, freshForm(v), http.StatusOK)
}

func (s *Site) renderPlanForm(w http.ResponseWriter, r *http.Request, rq *request, ss *session, f *form, status int) error {
	ctx := r.Context()
	rq.back = "/desk/plans/new"
	var items []projections.ItemView
	after := ""
	for {
		pg, err := s.cfg.Desk.Directory.Items(ctx, projections.ItemFilter{After: after, Limit: projections.MaxLimit})
		if err != nil {
			return err
		}
		items = append(items, pg.Items...)
		if pg.Next == "" || pg.Next == after {
			break
		}
		after = pg.Next
	}
	lead := ""
	if ss.p.Role == auth.RoleRegulator {
		lead = ss.p.Department
	}
	d := planFormData{Form: f, Action: rq.link("/desk/plans"), Lead: lead, EntityTypes: directory.EntityTypes,
		Targeted: plan.ModeTargeted, Untargeted: plan.ModeUntargeted, GeneralCap: plan.GeneralRatioCap.String(),
		Lottery: plan.SeedLottery, Drand: plan.SeedDrand}
	// Own department first, then the others: each group offers its items.
	other := func(dept string) int {
		if dept == lead {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(items, func(a, b projections.ItemView) int {
		return cmp.Or(cmp.Compare(other(a.Department), other(b.Department)), cmp.Compare(a.Department, b.Department), cmp.Compare(a.Code, b.Code))
	})
	for _, it := range items {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Department != it.Department {
			d.Groups = append(d.Groups, itemGroup{Department: it.Department})
			if it.Department != lead {
				d.Joint = append(d.Joint, it.Department)
			}
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Items = append(g.Items, it)
	}
	// A drand round about a minute ahead: announce now, and it is still in the future.
	at := s.cfg.Now().Add(time.Minute).Unix()
	d.DrandRound = uint64((at-plan.DrandQuicknetGenesis)/plan.DrandQuicknetPeriod) + 1
	d.DrandAt = plan.DrandRoundTime(d.DrandRound)
	return s.render(w, rq, status, "desk_plan_new", tr(rq.lang, "wizard.title"), "desk", d)
}

// splitList reads a list typed one per line or separated by commas or 、.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == '，' || r == '、' || r == ';' || r == '；'
	}) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (s *Site) createPlan(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
	f := r.PostForm
	var parse []commands.Issue
	num := func(field string) int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return 0 // "required" from the edge check
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			parse = append(parse, commands.Issue{Field: field, Code: "number"})
		}
		return n
	}
	c := commands.CreatePlan{
		ID: strings.TrimSpace(f.Get("id")), Year: num("year"), Batch: num("batch"), Title: strings.TrimSpace(f.Get("title")),
		LeadDepartment: strings.TrimSpace(f.Get("lead_department")), JointDepartments: nonEmpty(f["joint_departments"]),
		Items: nonEmpty(f["items"]), DrawDate: strings.TrimSpace(f.Get("draw_date")),
		Scope: plan.Scope{RegionPrefix: strings.TrimSpace(f.Get("region_prefix")), Mode: f.Get("mode"),
			Industries: splitList(f.Get("industries")), EntityTypes: nonEmpty(f["entity_types"])},
	}
	if ss.p.Role == auth.RoleRegulator {
		c.LeadDepartment = ss.p.Department
	}
	for _, t := range directory.Tiers {
		key := "ratio_" + strings.ToLower(t)
		v := strings.TrimSpace(f.Get(key))
		rt, err := plan.ParseRatio(v)
		if err != nil && v != "" {
			parse = append(parse, commands.Issue{Field: "ratios." + t, Code: "ratio"})
		}
		switch t {
		case "A":
			c.Ratios.A = rt
		case "B":
			c.Ratios.B = rt
		case "C":
			c.Ratios.C = rt
		case "D":
			c.Ratios.D = rt
		}
	}
	c.Seed.Type = f.Get("seed_type")
	switch c.Seed.Type {
	case plan.SeedLottery:
		c.Seed.Date, c.Seed.Description = strings.TrimSpace(f.Get("seed_date")), strings.TrimSpace(f.Get("seed_description"))
	case plan.SeedDrand:
		if v := strings.TrimSpace(f.Get("seed_round")); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				parse = append(parse, commands.Issue{Field: "seed.round", Code: "number"})
			}
			c.Seed.Round = n
		}
	}
	fail, err := exec(s, r, rq, ss, parse, c, s.cfg.Desk.App.CreatePlan.Handle)
	if err != nil {
		return err
	}
	if fail != nil {
		return s.renderPlanForm(w, r, rq, ss, failedForm(r, fail.issues), fail.status)
	}
	return done(w, r, rq, "/desk/plans/"+url.PathEscape(c.ID), "plan_created")
}

// --- one plan: its state, commitments, and the next step ---

type deskPlanData struct {
	Flash     string
	Plan      projections.PlanView
	Public    string
	Tasks     string
	Base      string // the plan's desk path, for form actions
	SeedFrom  time.Time
	SeedReady bool // the seed can exist by now
	Forms     map[string]*form
	Failed    string // the form shown again with problems
	Step      string // the next step: announce, seed, draw, assign, done
	Pending   []plan.Recusal
	Decided   []plan.Recusal
	Planned   int
}

func (s *Site) deskPlanView(r *http.Request, ss *session) (projections.PlanView, error) {
	id := r.PathValue("id")
	v, err := s.cfg.Desk.Plans.Plan(r.Context(), id)
	if errors.Is(err, projections.ErrNotFound) || id == "" {
		return v, notFound("err.plan_not_found")
	}
	if err != nil {
		return v, err
	}
	if !mayActOnPlan(ss.p, v) {
		return v, &httpError{status: http.StatusForbidden, key: "err.forbidden"}
	}
	return v, nil
}

func (s *Site) deskPlan(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
	v, err := s.deskPlanView(r, ss)
	if err != nil {
		return err
	}
	return s.renderPlan(w, rq, v, "", nil, http.StatusOK)
}

func (s *Site) renderPlan(w http.ResponseWriter, rq *request, v projections.PlanView, name string, f *form, status int) error {
	rq.back = "/desk/plans/" + url.PathEscape(v.ID)
	d := deskPlanData{Flash: flash(rq), Plan: v, Public: rq.link("/plans/" + url.PathEscape(v.ID)),
		Tasks: rq.link("/desk/tasks", "plan", v.ID), Base: "/desk/plans/" + url.PathEscape(v.ID), Failed: name,
		SeedFrom: seedFrom(v.Spec.Seed)}
	d.SeedReady = !d.SeedFrom.IsZero() && !s.cfg.Now().Before(d.SeedFrom)
	d.Step = map[plan.State]string{plan.StateDraft: "announce", plan.StateAnnounced: "seed", plan.StateSeedRevealed: "draw", plan.StateDrawn: "assign"}[v.State]
	if d.Step == "" {
		d.Step = "done"
	}
	d.Forms = map[string]*form{
		"announce": freshForm(nil), "seed": freshForm(nil), "draw": freshForm(nil),
		"assign":  freshForm(url.Values{"team_size": {"2"}, "workload_cap": {"20"}}),
		"recusal": freshForm(url.Values{"by": {plan.RecusalByInspector}}),
	}
	for _, rc := range v.Recusals {
		if rc.Status == plan.RecusalPending {
			d.Pending = append(d.Pending, rc)
			d.Forms["decide-"+rc.ID] = freshForm(nil)
		} else {
			d.Decided = append(d.Decided, rc)
		}
	}
	if f != nil {
		d.Forms[name] = f
	}
	for _, st := range v.Draw.Strata {
		d.Planned += st.Count
	}
	return s.render(w, rq, status, "desk_plan", v.Title, "desk", d)
}

func seedFrom(sd plan.SeedSource) time.Time {
	switch sd.Type {
	case plan.SeedLottery:
		t, _ := time.ParseInLocation(directory.DateLayout, sd.Date, chinaTime)
		return t
	case plan.SeedDrand:
		if sd.Round > 0 {
			return plan.DrandRoundTime(sd.Round)
		}
	}
	return time.Time{}
}

// planStep runs one of the plan's commands from its form on the plan page.
func (s *Site) planStep(step string) deskHandler {
	return func(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error {
		v, err := s.deskPlanView(r, ss)
		if err != nil {
			return err
		}
		app, id, pf := s.cfg.Desk.App, v.ID, r.PostForm
		name := step
		var fail *failure
		switch step {
		case "announce":
			fail, err = exec(s, r, rq, ss, nil, commands.AnnouncePlan{ID: id}, app.AnnouncePlan.Handle)
		case "seed":
			sources, parse := parseSources(pf.Get("sources"), pf.Get("randomness"), v.Spec.Seed)
			fail, err = exec(s, r, rq, ss, parse, commands.RevealSeed{ID: id, Sources: sources}, app.RevealSeed.Handle)
		case "draw":
			fail, err = exec(s, r, rq, ss, nil, commands.DrawEnterprises{ID: id}, app.DrawEnterprises.Handle)
		case "assign":
			var parse []commands.Issue
			c := commands.AssignInspectors{ID: id}
			for field, dst := range map[string]*int{"team_size": &c.TeamSize, "workload_cap": &c.WorkloadCap} {
				n, err := strconv.Atoi(strings.TrimSpace(pf.Get(field)))
				if err != nil {
					parse = append(parse, commands.Issue{Field: field, Code: "number"})
				}
				*dst = n
			}
			fail, err = exec(s, r, rq, ss, parse, c, app.AssignInspectors.Handle)
		case "recusal":
			c := commands.RequestRecusal{ID: id, Task: strings.TrimSpace(pf.Get("task")), Inspector: strings.TrimSpace(pf.Get("inspector")),
				By: pf.Get("by"), Reason: strings.TrimSpace(pf.Get("reason"))}
			fail, err = exec(s, r, rq, ss, nil, c, app.RequestRecusal.Handle)
		case "decide":
			rid := r.PathValue("recusal")
			name = "decide-" + rid
			c := commands.DecideRecusal{ID: id, Recusal: rid, Note: strings.TrimSpace(pf.Get("note"))}
			switch pf.Get("decision") {
			case "approve":
				c.Approve = new(true)
			case "reject":
				c.Approve = new(false)
			}
			fail, err = exec(s, r, rq, ss, nil, c, app.DecideRecusal.Handle)
		}
		if err != nil {
			return err
		}
		if fail != nil {
			return s.renderPlan(w, rq, v, name, failedForm(r, fail.issues), fail.status)
		}
		return done(w, r, rq, "/desk/plans/"+url.PathEscape(id), "plan_"+step)
	}
}

// parseSources reads the seed values: one source a line, numbers separated by spaces (or
// commas); for a drand seed, the round's randomness in hex may be given instead.
func parseSources(text, randomness string, seed plan.SeedSource) ([][]uint64, []commands.Issue) {
	if rnd := strings.TrimSpace(randomness); rnd != "" && seed.Type == plan.SeedDrand {
		b, err := hex.DecodeString(strings.ToLower(rnd))
		if err != nil || len(b) != 32 {
			return nil, []commands.Issue{{Field: "randomness", Code: "randomness"}}
		}
		return plan.DrandSources(seed.Round, [32]byte(b)), nil
	}
	var out [][]uint64
	var issues []commands.Issue
	for i, line := range strings.Split(text, "\n") {
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == ',' || r == '，' || r == '、' })
		if len(fields) == 0 {
			continue
		}
		var src []uint64
		for _, x := range fields {
			n, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				issues = append(issues, commands.Issue{Field: "sources", Code: "sources_format", Param: strconv.Itoa(i + 1)})
				break
			}
			src = append(src, n)
		}
		out = append(out, src)
	}
	return out, issues
}

// taskStatuses in lifecycle order.
var taskStatuses = []string{string(inspection.StateAssigned), string(inspection.StateRecorded), string(inspection.StateReturned),
	string(inspection.StateApproved), string(inspection.StatePublished)}
