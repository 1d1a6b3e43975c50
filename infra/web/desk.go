package web

// The desk: regulators' and inspectors' pages for the daily work. A user signs in by pasting
// the bearer token an admin issued; the token is kept in an HttpOnly, SameSite=Strict cookie
// and resolved on every request. Every POST form carries a token derived from the session
// (csrf) and a per-form command id (a double submit replays the first outcome). Commands run
// in process, checked at the edge like the JSON API, then the read models are brought up to
// date and the browser is redirected (POST-redirect-GET) with a flash message.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

// DeskConfig is what the desk needs: the commands, the token check, the read models, and the
// edge validator. Sync brings the read models up to date after a command.
type DeskConfig struct {
	App       commands.Application
	Auth      *auth.Authenticator
	Sync      func(context.Context) error
	Directory projections.DirectoryQueries
	Plans     projections.PlanQueries
	Tasks     projections.InspectionQueries
	Validator *validation.Validator
}

func (d *DeskConfig) validate() error {
	var errs []error
	for name, missing := range map[string]bool{
		"Auth": d.Auth == nil, "Sync": d.Sync == nil, "Directory": d.Directory == nil,
		"Plans": d.Plans == nil, "Tasks": d.Tasks == nil, "Validator": d.Validator == nil,
	} {
		if missing {
			errs = append(errs, errors.New("web: Desk."+name+" is nil"))
		}
	}
	return errors.Join(errs...)
}

// deskPages are parsed with templates/desk_parts.html.
var deskPages = []string{"login", "desk", "desk_plan_new", "desk_plan", "desk_tasks", "desk_task"}

const (
	sessionCookie = "choucha_session"
	maxForm       = 1 << 20 // bytes of a posted form
)

var (
	regulatorRoles = []auth.Role{auth.RoleRegulator, auth.RoleAdmin}
	staffRoles     = []auth.Role{auth.RoleRegulator, auth.RoleInspector, auth.RoleAdmin}
	inspectorRole  = []auth.Role{auth.RoleInspector}
	reviewerRole   = []auth.Role{auth.RoleRegulator}
)

// session is the signed-in user of a desk request.
type session struct {
	p    auth.Principal
	csrf string
}

// csrfToken is hex(HMAC-SHA256(key = SHA-256(token), "csrf")): tied to the session, never the
// token itself.
func csrfToken(token string) string {
	key := sha256.Sum256([]byte(token))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Site) sessionOf(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, auth.ErrNoToken
	}
	p, err := s.cfg.Desk.Auth.Authenticate(c.Value)
	if err != nil {
		return nil, err
	}
	return &session{p: p, csrf: csrfToken(c.Value)}, nil
}

func setSession(w http.ResponseWriter, r *http.Request, token string) {
	c := &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// meta is what the desk's commands carry: a command id scoped to the user (the form's, so that
// a double submit replays), the actor, and a regulator's department.
func (ss *session) meta(r *http.Request) commands.Meta {
	id := r.PostFormValue("command_id")
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		id = newID()
	}
	m := commands.Meta{CommandID: "web-" + ss.p.ID + "-" + id, Actor: ss.p.Actor()}
	if ss.p.Role == auth.RoleRegulator {
		m.Department = ss.p.Department
	}
	return m
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// deskHandler serves a desk page for a signed-in user.
type deskHandler func(w http.ResponseWriter, r *http.Request, rq *request, ss *session) error

var crossOrigin = http.NewCrossOriginProtection()

// desk signs the user in from the cookie (else to /login), checks the role, and for a POST
// checks the origin and the csrf field.
func (s *Site) desk(roles []auth.Role, h deskHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		w.Header().Set("Cache-Control", "no-store")
		ss, err := s.sessionOf(r)
		if err != nil {
			if !errors.Is(err, auth.ErrNoToken) {
				setSession(w, r, "") // revoked or expired: forget it
			}
			next := r.URL.Path
			if r.Method == http.MethodGet && r.URL.RawQuery != "" {
				next += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, rq.link("/login", "next", next), http.StatusSeeOther)
			return nil
		}
		rq.session = ss
		if !slices.Contains(roles, ss.p.Role) {
			return &httpError{status: http.StatusForbidden, key: "err.forbidden"}
		}
		if r.Method == http.MethodPost {
			if err := crossOrigin.Check(r); err != nil {
				return &httpError{status: http.StatusForbidden, key: "err.csrf"}
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				return invalid(commands.Issue{Field: "form", Code: "form"})
			}
			if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(ss.csrf)) {
				return &httpError{status: http.StatusForbidden, key: "err.csrf"}
			}
		}
		return h(w, r, rq, ss)
	}
}

func (s *Site) deskRoutes() map[string]handler {
	return map[string]handler{
		"GET /login":   s.loginForm,
		"POST /login":  s.login,
		"POST /logout": s.logout,

		"GET /desk":     s.desk(staffRoles, s.dashboard),
		"GET /desk/{$}": s.desk(staffRoles, s.dashboard),

		"GET /desk/plans/new":                      s.desk(regulatorRoles, s.newPlanForm),
		"POST /desk/plans":                         s.desk(regulatorRoles, s.createPlan),
		"GET /desk/plans/{id}":                     s.desk(regulatorRoles, s.deskPlan),
		"POST /desk/plans/{id}/announce":           s.desk(regulatorRoles, s.planStep("announce")),
		"POST /desk/plans/{id}/seed":               s.desk(regulatorRoles, s.planStep("seed")),
		"POST /desk/plans/{id}/draw":               s.desk(regulatorRoles, s.planStep("draw")),
		"POST /desk/plans/{id}/assign":             s.desk(regulatorRoles, s.planStep("assign")),
		"POST /desk/plans/{id}/recusals":           s.desk(regulatorRoles, s.planStep("recusal")),
		"POST /desk/plans/{id}/recusals/{recusal}": s.desk(regulatorRoles, s.planStep("decide")),
		"GET /desk/tasks":                          s.desk(staffRoles, s.deskTasks),
		"GET /desk/tasks/{id}":                     s.desk(staffRoles, s.deskTask),
		"POST /desk/tasks/{id}/result":             s.desk(inspectorRole, s.taskStep("result")),
		"POST /desk/tasks/{id}/recheck":            s.desk(inspectorRole, s.taskStep("recheck")),
		"POST /desk/tasks/{id}/return":             s.desk(reviewerRole, s.taskStep("return")),
		"POST /desk/tasks/{id}/approve":            s.desk(reviewerRole, s.taskStep("approve")),
		"POST /desk/tasks/{id}/publish":            s.desk(reviewerRole, s.taskStep("publish")),
	}
}

// deskLayout fills the layout's desk links; the user and csrf only on desk pages.
func (s *Site) deskLayout(rq *request, p *page) {
	if s.cfg.Desk == nil {
		return
	}
	p.DeskNav = true
	p.Links["desk"], p.Links["login"], p.Links["logout"] = rq.link("/desk"), rq.link("/login"), rq.link("/logout")
	if ss := rq.session; ss != nil {
		p.User, p.CSRF = userLabel(rq.lang, ss.p), ss.csrf
	}
	if rq.back != "" { // a form shown again: switch the language of its page
		p.Switch = rq.back + "?lang=" + string(p.SwitchLang)
	}
}

// userLabel names the signed-in user: name (if the token has one), role, department or id.
func userLabel(l validation.Lang, p auth.Principal) string {
	var who string
	switch p.Role {
	case auth.RoleRegulator:
		who = tr(l, "role.regulator") + " · " + p.Department
	case auth.RoleInspector:
		who = tr(l, "role.inspector") + " " + p.InspectorID
	default:
		who = tr(l, "role.admin")
	}
	if p.Name != "" {
		return p.Name + " · " + who
	}
	return who
}

// --- login and logout ---

type loginData struct {
	Next   string
	Error  string
	Action string
	Flash  string
	User   string // already signed in as
}

// safeNext keeps a post-login target only if it is a desk page of this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") || !(u.Path == "/desk" || strings.HasPrefix(u.Path, "/desk/")) {
		return "/desk"
	}
	return u.RequestURI()
}

func (s *Site) loginForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	w.Header().Set("Cache-Control", "no-store")
	d := loginData{Next: safeNext(r.URL.Query().Get("next")), Action: rq.link("/login"), Flash: flash(rq)}
	if ss, err := s.sessionOf(r); err == nil {
		rq.session = ss
		d.User = userLabel(rq.lang, ss.p)
	}
	return s.render(w, rq, http.StatusOK, "login", tr(rq.lang, "login.title"), "login", d)
}

func (s *Site) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	w.Header().Set("Cache-Control", "no-store")
	if err := crossOrigin.Check(r); err != nil {
		return &httpError{status: http.StatusForbidden, key: "err.csrf"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return invalid(commands.Issue{Field: "form", Code: "form"})
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	next := safeNext(r.PostForm.Get("next"))
	p, err := s.cfg.Desk.Auth.Authenticate(token)
	if err != nil {
		d := loginData{Next: next, Action: rq.link("/login"), Error: tr(rq.lang, "login.invalid")}
		return s.render(w, rq, http.StatusUnauthorized, "login", tr(rq.lang, "login.title"), "login", d)
	}
	setSession(w, r, token)
	slog.InfoContext(r.Context(), "desk sign-in", "principal", p.ID, "role", p.Role)
	if rq.explicit {
		next = withQuery(next, "lang", string(rq.lang))
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Site) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := crossOrigin.Check(r); err != nil {
		return &httpError{status: http.StatusForbidden, key: "err.csrf"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return invalid(commands.Issue{Field: "form", Code: "form"})
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(csrfToken(c.Value))) {
			return &httpError{status: http.StatusForbidden, key: "err.csrf"}
		}
	}
	setSession(w, r, "")
	http.Redirect(w, r, rq.link("/login", "ok", "logged_out"), http.StatusSeeOther)
	return nil
}

func withQuery(path, k, v string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

// --- forms ---

// form is one form's state: the submitted values (nil: a fresh form), its problems by field
// key and in a summary, and the command id it submits with.
type form struct {
	Values    url.Values
	Errors    map[string][]string
	Summary   []string
	CommandID string
}

func freshForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{Values: values, Errors: map[string][]string{}, CommandID: newID()}
}

// failedForm is a submitted form shown again with its problems.
func failedForm(r *http.Request, issues []commands.Issue) *form {
	f := freshForm(r.PostForm)
	if id := r.PostForm.Get("command_id"); id != "" {
		if u, err := uuid.Parse(id); err == nil && u.String() == id {
			f.CommandID = id
		}
	}
	for _, is := range issues {
		k := fieldKey(is.Field)
		f.Errors[k] = append(f.Errors[k], is.Message)
		f.Summary = append(f.Summary, is.Message)
	}
	return f
}

// Get is the submitted value of a field.
func (f *form) Get(k string) string { return f.Values.Get(k) }

// Has reports whether a multi-valued field holds v (a checked box).
func (f *form) Has(k, v string) bool { return slices.Contains(f.Values[k], v) }

var indexRE = regexp.MustCompile(`\[\d+\].*$`)

// fieldKey maps an issue's field path to the form field it belongs to:
// "items[2].department" → "items", "scope.mode" → "mode", "ratios.A" → "ratio_a",
// "seed.round" → "seed_round".
func fieldKey(field string) string {
	k := indexRE.ReplaceAllString(field, "")
	k = strings.TrimPrefix(k, "scope.")
	if t, ok := strings.CutPrefix(k, "ratios."); ok {
		return "ratio_" + strings.ToLower(t)
	}
	switch k {
	case "announced_at":
		return "announce"
	case "revealed_at":
		return "sources"
	}
	return strings.ReplaceAll(k, ".", "_")
}

// wordDesk words issues that have no message yet, with the field's label where known.
func wordDesk(l validation.Lang, issues []commands.Issue) []commands.Issue {
	out := make([]commands.Issue, len(issues))
	for i, is := range issues {
		if is.Message == "" {
			label := is.Field
			if k := "field." + fieldKey(is.Field); hasKey(k) {
				label = tr(l, k)
			}
			if hasKey("issue." + is.Code) {
				is.Message = tr(l, "issue."+is.Code, label, is.Param)
			} else {
				is.Message = validation.Message(l, is.Code, label, is.Param)
			}
		}
		out[i] = is
	}
	return out
}

// metaCommand is any command embedding commands.Meta.
type metaCommand[C any] interface {
	*C
	SetMeta(commands.Meta)
}

// runCommand fills Meta, checks the command at the edge exactly like the JSON API, runs it
// and syncs the read models. It returns the user's mistakes (invalid input, or a step that
// does not fit the current state) as worded issues; a refusal (forbidden, not found) or a
// failure as err.
func runCommand[C any, P metaCommand[C], O any](s *Site, r *http.Request, rq *request, ss *session, c C, run func(context.Context, C) (O, error)) ([]commands.Issue, error) {
	P(&c).SetMeta(ss.meta(r))
	if issues := s.check(rq, c); len(issues) > 0 {
		return issues, nil
	}
	if _, err := run(r.Context(), c); err != nil {
		ce, ok := commands.AsError(err)
		switch {
		case ok && ce.Kind == commands.KindInvalid:
			issues := ce.Issues
			if len(issues) == 0 {
				issues = []commands.Issue{{Code: ce.Code}}
			}
			return wordDesk(rq.lang, issues), nil
		case ok && ce.Kind == commands.KindConflict:
			return []commands.Issue{{Code: ce.Code, Message: validation.Message(rq.lang, ce.Code, "", "")}}, nil
		}
		return nil, deskError(err)
	}
	if err := s.cfg.Desk.Sync(r.Context()); err != nil {
		// The command is durable; the next sync catches up.
		slog.ErrorContext(r.Context(), "read model sync failed", "err", err)
	}
	return nil, nil
}

// check is the edge check of the JSON API; its required and oneof messages name the form's
// labels rather than the JSON fields.
func (s *Site) check(rq *request, c any) []commands.Issue {
	issues := s.cfg.Desk.Validator.Check(rq.lang, c, 0)
	for i, is := range issues {
		if k := "field." + fieldKey(is.Field); hasKey(k) && (is.Code == "required" || is.Code == "oneof") {
			issues[i].Message = validation.Message(rq.lang, is.Code, tr(rq.lang, k), is.Param)
		}
	}
	return issues
}

// deskError turns a command's refusal into an error page.
func deskError(err error) error {
	if ce, ok := commands.AsError(err); ok {
		switch ce.Kind {
		case commands.KindForbidden, commands.KindUnauthorized:
			return &httpError{status: http.StatusForbidden, key: "err.forbidden"}
		case commands.KindNotFound:
			return notFound("err.page_not_found")
		}
	}
	return err
}

// done redirects after a successful command (POST-redirect-GET) with a flash message key.
func done(w http.ResponseWriter, r *http.Request, rq *request, path, flashKey string) error {
	http.Redirect(w, r, rq.link(path, "ok", flashKey), http.StatusSeeOther)
	return nil
}

// flash is the message of ?ok=, if it names one.
func flash(rq *request) string {
	k := "flash." + rq.r.URL.Query().Get("ok")
	if k == "flash." || !hasKey(k) {
		return ""
	}
	return tr(rq.lang, k)
}

func deskFuncs(l validation.Lang) template.FuncMap {
	return template.FuncMap{
		// invalidAttrs marks a field with problems for assistive technology.
		"invalidAttrs": func(f *form, key string) template.HTMLAttr {
			if f == nil || len(f.Errors[key]) == 0 {
				return ""
			}
			return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(key) + `-error"`)
		},
		"fieldErr": func(f *form, key string) fieldErrors {
			if f == nil {
				return fieldErrors{Key: key}
			}
			return fieldErrors{Key: key, Msgs: f.Errors[key]}
		},
		"taskStatus": func(st string) string {
			if hasKey("status." + st) {
				return tr(l, "status."+st)
			}
			return st
		},
		"has": func(xs []string, x string) bool { return slices.Contains(xs, x) },
	}
}

// fieldErrors is what the "fieldErrors" template shows next to a field.
type fieldErrors struct {
	Key  string
	Msgs []string
}
