package httpapi

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/csvin"
	"github.com/choucha/choucha/infra/metrics"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

func promHandler(m *metrics.Metrics) http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Health is the /healthz answer.
type Health struct {
	Status   string `json:"status"`
	Version  string `json:"version"`
	Position uint64 `json:"position,omitempty"`
}

func (s *Server) table() []route {
	enterpriseFilters := []string{"region_prefix", "industry", "entity_type", "status", "credit_tier", "name", "after", "limit"}
	return []route{
		{method: "GET", path: "/healthz", name: "healthz", summary: "Liveness", public: true, out: Health{},
			h: func(http.ResponseWriter, *http.Request, validation.Lang) (any, int, error) {
				return Health{Status: "ok", Version: s.cfg.Version}, http.StatusOK, nil
			}},
		{method: "GET", path: "/openapi.json", name: "openapi", summary: "This document", public: true,
			h: func(http.ResponseWriter, *http.Request, validation.Lang) (any, int, error) {
				return s.spec, http.StatusOK, nil
			}},
		{method: "GET", path: "/api/v1/directory/counts", name: "directory_counts", roles: regulators, summary: "Sizes of the three directories", out: projections.DirectoryCounts{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				c, err := s.cfg.Directory.Counts(r.Context())
				return c, http.StatusOK, err
			}},

		// Items (抽查事项清单)
		{method: "POST", path: "/api/v1/items", name: "register_item", summary: "Register an inspection item", in: commands.ItemFields{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusCreated, nil, s.cfg.App.RegisterItem.Handle)},
		{method: "GET", path: "/api/v1/items", name: "list_items", roles: regulators, summary: "List inspection items", query: []string{"department", "category", "after", "limit"}, out: projections.Page[projections.ItemView]{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				q := r.URL.Query()
				limit, err := limitParam(q.Get("limit"))
				if err != nil {
					return nil, 0, err
				}
				p, err := s.cfg.Directory.Items(r.Context(), projections.ItemFilter{Department: q.Get("department"), Category: q.Get("category"), After: q.Get("after"), Limit: limit})
				return p, http.StatusOK, err
			}},
		{method: "GET", path: "/api/v1/items/{code}", name: "get_item", roles: regulators, summary: "Get an inspection item", out: projections.ItemView{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				v, err := s.cfg.Directory.Item(r.Context(), r.PathValue("code"))
				return v, http.StatusOK, err
			}},
		{method: "PUT", path: "/api/v1/items/{code}", name: "update_item", summary: "Update an inspection item", in: commands.ItemFields{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.UpdateItem) error {
				return pathKey(r, "code", &c.Code)
			}, s.cfg.App.UpdateItem.Handle)},
		{method: "POST", path: "/api/v1/items/import", name: "import_items", summary: "Import items from CSV (all or nothing)", csv: true, out: commands.ImportOutcome{},
			h: csvImport(s, s.cfg.App.ImportItems.Handle, func(m commands.Meta, rows []commands.Row[commands.ItemFields]) commands.ImportItems {
				return commands.ImportItems{Meta: m, Rows: rows}
			})},

		// Enterprises (检查对象名录库)
		{method: "POST", path: "/api/v1/enterprises", name: "register_enterprise", summary: "Register an enterprise", in: commands.EnterpriseFields{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusCreated, nil, s.cfg.App.RegisterEnterprise.Handle)},
		{method: "GET", path: "/api/v1/enterprises", name: "list_enterprises", roles: regulators, summary: "List enterprises (regulators only: includes credit tiers)", query: enterpriseFilters, out: projections.Page[projections.EnterpriseView]{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				q := r.URL.Query()
				limit, err := limitParam(q.Get("limit"))
				if err != nil {
					return nil, 0, err
				}
				p, err := s.cfg.Directory.Enterprises(r.Context(), projections.EnterpriseFilter{
					RegionPrefix: q.Get("region_prefix"), Industry: q.Get("industry"), EntityType: q.Get("entity_type"),
					Status: q.Get("status"), Tier: q.Get("credit_tier"), Name: q.Get("name"), After: q.Get("after"), Limit: limit,
				})
				return p, http.StatusOK, err
			}},
		{method: "GET", path: "/api/v1/enterprises/{uscc}", name: "get_enterprise", roles: regulators, summary: "Get an enterprise", out: projections.EnterpriseView{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				v, err := s.cfg.Directory.Enterprise(r.Context(), strings.ToUpper(r.PathValue("uscc")))
				return v, http.StatusOK, err
			}},
		{method: "PUT", path: "/api/v1/enterprises/{uscc}", name: "update_enterprise", summary: "Update an enterprise (a tier change is its own event)", in: commands.EnterpriseFields{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.UpdateEnterprise) error {
				return pathKey(r, "uscc", &c.USCC)
			}, s.cfg.App.UpdateEnterprise.Handle)},
		{method: "PUT", path: "/api/v1/enterprises/{uscc}/tier", name: "change_enterprise_tier", summary: "Set an enterprise's credit-risk tier and its date", in: commands.ChangeEnterpriseTier{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.ChangeEnterpriseTier) error {
				c.USCC = strings.ToUpper(r.PathValue("uscc"))
				return nil
			}, s.cfg.App.ChangeEnterpriseTier.Handle)},
		{method: "POST", path: "/api/v1/enterprises/import", name: "import_enterprises", summary: "Import enterprises from CSV (all or nothing)", csv: true, out: commands.ImportOutcome{},
			h: csvImport(s, s.cfg.App.ImportEnterprises.Handle, func(m commands.Meta, rows []commands.Row[commands.EnterpriseFields]) commands.ImportEnterprises {
				return commands.ImportEnterprises{Meta: m, Rows: rows}
			})},

		// Inspectors (执法检查人员名录库)
		{method: "POST", path: "/api/v1/inspectors", name: "register_inspector", summary: "Register an inspector", in: commands.InspectorFields{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusCreated, nil, s.cfg.App.RegisterInspector.Handle)},
		{method: "GET", path: "/api/v1/inspectors", name: "list_inspectors", roles: regulators, summary: "List inspectors (regulators only)", query: []string{"department", "qualification", "active", "after", "limit"}, out: projections.Page[projections.InspectorView]{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				q := r.URL.Query()
				limit, err := limitParam(q.Get("limit"))
				if err != nil {
					return nil, 0, err
				}
				f := projections.InspectorFilter{Department: q.Get("department"), Qualification: q.Get("qualification"), After: q.Get("after"), Limit: limit}
				if a := q.Get("active"); a != "" {
					b, err := strconv.ParseBool(a)
					if err != nil {
						return nil, 0, commands.Invalid(commands.Issue{Field: "active", Code: "bool"})
					}
					f.Active = &b
				}
				p, err := s.cfg.Directory.Inspectors(r.Context(), f)
				return p, http.StatusOK, err
			}},
		{method: "GET", path: "/api/v1/inspectors/{id}", name: "get_inspector", roles: regulators, summary: "Get an inspector", out: projections.InspectorView{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				v, err := s.cfg.Directory.Inspector(r.Context(), r.PathValue("id"))
				return v, http.StatusOK, err
			}},
		{method: "PUT", path: "/api/v1/inspectors/{id}", name: "update_inspector", summary: "Update an inspector (not active flag or conflicts)", in: commands.InspectorFields{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.UpdateInspector) error {
				return pathKey(r, "id", &c.ID)
			}, s.cfg.App.UpdateInspector.Handle)},
		{method: "POST", path: "/api/v1/inspectors/{id}/deactivate", name: "deactivate_inspector", summary: "Deactivate an inspector", in: commands.DeactivateInspector{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.DeactivateInspector) error {
				c.ID = r.PathValue("id")
				return nil
			}, s.cfg.App.DeactivateInspector.Handle)},
		{method: "POST", path: "/api/v1/inspectors/{id}/conflicts", name: "declare_conflict", summary: "Declare an inspector's conflict with an enterprise (回避)", in: commands.DeclareConflict{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.DeclareConflict) error {
				c.ID = r.PathValue("id")
				return nil
			}, s.cfg.App.DeclareConflict.Handle)},
		{method: "POST", path: "/api/v1/inspectors/import", name: "import_inspectors", summary: "Import inspectors from CSV (all or nothing)", csv: true, out: commands.ImportOutcome{},
			h: csvImport(s, s.cfg.App.ImportInspectors.Handle, func(m commands.Meta, rows []commands.Row[commands.InspectorFields]) commands.ImportInspectors {
				return commands.ImportInspectors{Meta: m, Rows: rows}
			})},
	}
}

// planRoutes: regulators run the draw; auditors export it; anyone reads the public view.
func (s *Server) planRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/plans", name: "create_plan", roles: regulators, summary: "Create a random inspection plan (draft)", in: commands.CreatePlan{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusCreated, nil, s.cfg.App.CreatePlan.Handle)},
		{method: "GET", path: "/api/v1/plans", name: "list_plans", roles: regulators, summary: "List plans", query: []string{"after", "limit"}, out: projections.Page[projections.PlanSummary]{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				limit, err := limitParam(r.URL.Query().Get("limit"))
				if err != nil {
					return nil, 0, err
				}
				p, err := s.cfg.Plans.Plans(r.Context(), r.URL.Query().Get("after"), limit)
				return p, http.StatusOK, err
			}},
		{method: "GET", path: "/api/v1/plans/{id}", name: "get_plan", roles: regulators, summary: "Get a plan (regulator view)", out: projections.PlanView{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				v, err := s.cfg.Plans.Plan(r.Context(), r.PathValue("id"))
				return v, http.StatusOK, err
			}},
		{method: "POST", path: "/api/v1/plans/{id}/announce", name: "announce_plan", roles: regulators, summary: "Freeze the pools and publish their commitments", in: commands.AnnouncePlan{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.AnnouncePlan) error { c.ID = r.PathValue("id"); return nil }, s.cfg.App.AnnouncePlan.Handle)},
		{method: "POST", path: "/api/v1/plans/{id}/seed", name: "reveal_seed", roles: regulators, summary: "Reveal the public random values", in: commands.RevealSeed{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.RevealSeed) error { c.ID = r.PathValue("id"); return nil }, s.cfg.App.RevealSeed.Handle)},
		{method: "POST", path: "/api/v1/plans/{id}/draw", name: "draw_enterprises", roles: regulators, summary: "Draw the enterprises (once; never redrawn)", in: commands.DrawEnterprises{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.DrawEnterprises) error { c.ID = r.PathValue("id"); return nil }, s.cfg.App.DrawEnterprises.Handle)},
		{method: "POST", path: "/api/v1/plans/{id}/assign", name: "assign_inspectors", roles: regulators, summary: "Draw the inspector teams", in: commands.AssignInspectors{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.AssignInspectors) error { c.ID = r.PathValue("id"); return nil }, s.cfg.App.AssignInspectors.Handle)},
		{method: "POST", path: "/api/v1/plans/{id}/substitutions", name: "substitute_inspector", roles: regulators, summary: "Record an approved recusal; the pick stream continues", in: commands.SubstituteInspector{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.SubstituteInspector) error { c.ID = r.PathValue("id"); return nil }, s.cfg.App.SubstituteInspector.Handle)},
		{method: "POST", path: "/api/v1/plans/{id}/recusals", name: "request_recusal", roles: regulators, summary: "Request a recusal (回避) for an inspector on a task, by the inspector or the enterprise", in: commands.RequestRecusal{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusCreated, func(r *http.Request, c *commands.RequestRecusal) error { c.ID = r.PathValue("id"); return nil }, s.cfg.App.RequestRecusal.Handle)},
		{method: "POST", path: "/api/v1/plans/{id}/recusals/{recusal}/decision", name: "decide_recusal", roles: regulators, summary: "Approve (substitute, continuing the pick stream) or reject a recusal request", in: commands.DecideRecusal{}, out: commands.Outcome{},
			h: jsonCommand(s, http.StatusOK, func(r *http.Request, c *commands.DecideRecusal) error {
				c.ID, c.Recusal = r.PathValue("id"), r.PathValue("recusal")
				return nil
			}, s.cfg.App.DecideRecusal.Handle)},
		{method: "GET", path: "/api/v1/plans/{id}/audit", name: "plan_audit", roles: regulators, summary: "Auditor export: pools, tiers, draw, teams and skips (confidential)", out: plan.AuditData{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				a, err := s.cfg.Plans.Audit(r.Context(), r.PathValue("id"))
				return a, http.StatusOK, err
			}},
		{method: "GET", path: "/public/v1/plans/{id}", name: "public_plan", summary: "A plan's public draw data: strata commitments, seed, drawn list (no tiers, no inspectors)", public: true, out: plan.PublicView{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				v, err := cmp.Or(s.cfg.PublicPlans, s.cfg.Plans).Public(r.Context(), r.PathValue("id"))
				return v, http.StatusOK, err
			}},
	}
}

// metaSetter is any command embedding commands.Meta.
type metaSetter[C any] interface {
	*C
	SetMeta(commands.Meta)
}

// jsonCommand decodes C, fills path values and Meta, validates at the edge, runs it, and
// brings the read models up to date.
func jsonCommand[C any, P metaSetter[C], O any](s *Server, okStatus int, fill func(*http.Request, *C) error, run func(context.Context, C) (O, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, lang validation.Lang) (any, int, error) {
		var c C
		if err := decodeJSON(w, r, &c); err != nil {
			return nil, 0, err
		}
		if fill != nil {
			if err := fill(r, &c); err != nil {
				return nil, 0, err
			}
		}
		m, err := meta(r)
		if err != nil {
			return nil, 0, err
		}
		P(&c).SetMeta(m)
		if issues := s.cfg.Validator.Check(lang, c, 0); len(issues) > 0 {
			return nil, 0, commands.Invalid(issues...)
		}
		out, err := run(r.Context(), c)
		if err != nil {
			return nil, 0, err
		}
		s.sync(r.Context())
		return out, okStatus, nil
	}
}

// csvImport reads a text/csv body, checks every row, and runs the all-or-nothing import.
func csvImport[F any, C any](s *Server, run func(context.Context, C) (commands.ImportOutcome, error), build func(commands.Meta, []commands.Row[F]) C) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, lang validation.Lang) (any, int, error) {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			return nil, 0, &httpError{status: http.StatusUnsupportedMediaType, code: "content_type", param: "text/csv; charset=utf-8"}
		}
		m, err := meta(r)
		if err != nil {
			return nil, 0, err
		}
		rows, issues, err := csvin.Decode[F](http.MaxBytesReader(w, r.Body, maxCSVBody), 0)
		if err != nil {
			return nil, 0, jsonError(err) // only a size limit or a broken connection lands here
		}
		if len(issues) == 0 {
			issues = validation.CheckRows(s.cfg.Validator, lang, rows)
		}
		if len(issues) > 0 {
			return nil, 0, commands.Invalid(issues...)
		}
		out, err := run(r.Context(), build(m, rows))
		if err != nil {
			return nil, 0, err
		}
		s.sync(r.Context())
		return out, http.StatusOK, nil
	}
}

// pathKey sets the body's key from the path, refusing a body that names another record.
func pathKey(r *http.Request, field string, dst *string) error {
	p := r.PathValue(field)
	if field == "uscc" {
		p = strings.ToUpper(p)
	}
	if *dst != "" && *dst != p {
		return commands.Invalid(commands.Issue{Field: field, Code: "path_mismatch"})
	}
	*dst = p
	return nil
}

func limitParam(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > projections.MaxLimit {
		return 0, commands.Invalid(commands.Issue{Field: "limit", Code: "limit", Param: strconv.Itoa(projections.MaxLimit)})
	}
	return n, nil
}
