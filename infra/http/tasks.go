package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

// taskRoutes: inspectors record results for their own tasks, regulators review their
// department's, the public reads what is published.
func (s *Server) taskRoutes() []route {
	if s.cfg.Inspections == nil {
		return nil
	}
	asInspector := func(r *http.Request, task, inspector *string) error {
		p, _ := auth.FromContext(r.Context())
		*task, *inspector = r.PathValue("id"), p.InspectorID
		return nil
	}
	asRegulator := func(r *http.Request, task, dept *string) error {
		p, _ := auth.FromContext(r.Context())
		*task, *dept = r.PathValue("id"), p.Department
		return nil
	}
	return []route{
		{method: "GET", path: "/api/v1/tasks", name: "list_tasks", summary: "Inspection tasks: an inspector sees their own, a regulator their department's", roles: staff,
			query: []string{"plan", "department", "inspector", "status", "overdue", "after", "limit"}, out: projections.Page[projections.TaskView]{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				q := r.URL.Query()
				limit, err := limitParam(q.Get("limit"))
				if err != nil {
					return nil, 0, err
				}
				f := projections.TaskFilter{Plan: q.Get("plan"), Department: q.Get("department"), Inspector: q.Get("inspector"),
					Status: q.Get("status"), After: q.Get("after"), Limit: limit}
				if o := q.Get("overdue"); o != "" {
					if f.Overdue, err = strconv.ParseBool(o); err != nil {
						return nil, 0, commands.Invalid(commands.Issue{Field: "overdue", Code: "bool"})
					}
				}
				switch p, _ := auth.FromContext(r.Context()); p.Role {
				case auth.RoleInspector:
					f.Inspector = p.InspectorID
				case auth.RoleRegulator:
					f.Department = p.Department
				}
				page, err := s.cfg.Inspections.Tasks(r.Context(), f)
				return page, http.StatusOK, err
			}},
		{method: "GET", path: "/api/v1/tasks/{id}", name: "get_task", summary: "One inspection task (its team's inspectors and its departments' regulators)", roles: staff, out: projections.TaskView{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				t, err := s.cfg.Inspections.Task(r.Context(), r.PathValue("id"))
				if err != nil {
					return nil, 0, err
				}
				if p, _ := auth.FromContext(r.Context()); !p.MayReadTask(t.Team, t.Departments) {
					return nil, 0, &commands.Error{Kind: commands.KindForbidden, Code: "forbidden"}
				}
				return t, http.StatusOK, nil
			}},
		{method: "POST", path: "/api/v1/tasks/{id}/result", name: "record_result", summary: "Record the result (待审核); only an inspector of the task's current team", roles: inspectors, in: commands.RecordResult{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.RecordResult) error { return asInspector(r, &c.Task, &c.Inspector) }, s.cfg.App.RecordResult.Handle)},
		{method: "POST", path: "/api/v1/tasks/{id}/recheck", name: "record_recheck", summary: "Record the re-check of an ordered correction", roles: inspectors, in: commands.RecordRecheck{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.RecordRecheck) error { return asInspector(r, &c.Task, &c.Inspector) }, s.cfg.App.RecordRecheck.Handle)},
		{method: "POST", path: "/api/v1/tasks/{id}/return", name: "return_result", summary: "Return a recorded result with a reason (审核退回); the task's departments only", roles: regulators, in: commands.ReturnResult{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.ReturnResult) error { return asRegulator(r, &c.Task, &c.Department) }, s.cfg.App.ReturnResult.Handle)},
		{method: "POST", path: "/api/v1/tasks/{id}/approve", name: "approve_result", summary: "Approve a recorded result (通过)", roles: regulators, in: commands.ApproveResult{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.ApproveResult) error { return asRegulator(r, &c.Task, &c.Department) }, s.cfg.App.ApproveResult.Handle)},
		{method: "POST", path: "/api/v1/tasks/{id}/publish", name: "publish_result", summary: "Publish an approved result on the public disclosure list", roles: regulators, in: commands.PublishResult{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.PublishResult) error { return asRegulator(r, &c.Task, &c.Department) }, s.cfg.App.PublishResult.Handle)},
		{method: "GET", path: "/public/v1/disclosures", name: "public_disclosures", summary: "Published results: search by enterprise name or USCC, filter by authority, item, result, inspection date", public: true,
			query: []string{"q", "authority", "item", "result", "from", "to", "after", "limit"}, out: projections.Page[projections.DisclosureRecord]{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				q := r.URL.Query()
				limit, err := limitParam(q.Get("limit"))
				if err != nil {
					return nil, 0, err
				}
				page, err := s.cfg.Disclosures.Disclosures(r.Context(), projections.DisclosureFilter{Query: q.Get("q"), Authority: q.Get("authority"),
					Item: q.Get("item"), Result: q.Get("result"), From: q.Get("from"), To: q.Get("to"), After: q.Get("after"), Limit: limit})
				return page, http.StatusOK, err
			}},
		{method: "GET", path: "/public/v1/enterprises/{uscc}/disclosures", name: "public_enterprise_history", summary: "An enterprise's published inspection results", public: true, out: []projections.DisclosureRecord{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				h, err := s.cfg.Disclosures.EnterpriseHistory(r.Context(), strings.ToUpper(r.PathValue("uscc")))
				if h == nil {
					h = []projections.DisclosureRecord{}
				}
				return h, http.StatusOK, err
			}},
		{method: "GET", path: "/public/v1/stats", name: "public_stats", summary: "Completion and problem-found rates by region, department or item per month, quarter or year", public: true,
			query: []string{"group_by", "period", "from", "to"}, out: []projections.StatRow{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				q := r.URL.Query()
				f := projections.StatsFilter{GroupBy: q.Get("group_by"), Period: q.Get("period"), From: q.Get("from"), To: q.Get("to")}
				var issues []commands.Issue
				if !slices.Contains([]string{"region", "department", "item"}, f.GroupBy) {
					issues = append(issues, commands.Issue{Field: "group_by", Code: "oneof", Param: "region department item"})
				}
				if !slices.Contains([]string{"month", "quarter", "year"}, f.Period) {
					issues = append(issues, commands.Issue{Field: "period", Code: "oneof", Param: "month quarter year"})
				}
				if len(issues) > 0 {
					return nil, 0, commands.Invalid(issues...)
				}
				rows, err := s.cfg.Stats.Stats(r.Context(), f)
				if errors.Is(err, memory.ErrStatsFilter) {
					return nil, 0, commands.Invalid(commands.Issue{Field: "from", Code: "date", Param: "2006, 2006-01 or 2006-01-02"})
				}
				if rows == nil {
					rows = []projections.StatRow{}
				}
				return rows, http.StatusOK, err
			}},
	}
}
