// Package web is choucha's public website: disclosures, enterprise histories, plan pages and
// their verification, statistics and disclosure reports (公示报告). Server-rendered with
// html/template, usable without JavaScript, Chinese by default and English on request.
//
// It reads only public data: projections.PlanQueries.Public plus the announcement and reveal
// times and the public parts of a plan's spec, and the disclosure and statistics read models,
// which carry no tier and no inspector identity. An uploaded auditor export is only compared
// with the published data; its pools and teams are never shown back.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

//go:embed templates/*.html static/*
var assets embed.FS

// MaxUpload bounds an uploaded auditor export (plus its multipart envelope).
const MaxUpload = 64 << 20

// Config is what the site needs; Validate lists every missing piece at once.
type Config struct {
	Plans       projections.PlanQueries
	Disclosures projections.DisclosureQueries
	Stats       projections.StatsQueries
	Now         func() time.Time // default time.Now
	Authority   string           // issuing authority named on reports
	Desk        *DeskConfig      // nil: no regulator and inspector pages (desk.go)
}

func (c *Config) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Authority = strings.TrimSpace(c.Authority)
}

func (c Config) Validate() error {
	var errs []error
	if c.Plans == nil {
		errs = append(errs, errors.New("web: Plans is nil"))
	}
	if c.Disclosures == nil {
		errs = append(errs, errors.New("web: Disclosures is nil"))
	}
	if c.Stats == nil {
		errs = append(errs, errors.New("web: Stats is nil"))
	}
	if strings.TrimSpace(c.Authority) == "" {
		errs = append(errs, errors.New("web: Authority is empty"))
	}
	if c.Desk != nil {
		errs = append(errs, c.Desk.validate())
	}
	return errors.Join(errs...)
}

// Site serves the public pages.
type Site struct {
	cfg   Config
	pages map[validation.Lang]map[string]*template.Template
	// verifying bounds concurrent export recomputations (CPU and memory heavy).
	verifying chan struct{}
}

var pageNames = append([]string{"home", "disclosures", "enterprise", "plans", "plan", "verify", "stats", "reports", "report", "error"}, deskPages...)

// New checks the configuration and parses every template (in both languages) once.
func New(cfg Config) (*Site, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Site{cfg: cfg, pages: map[validation.Lang]map[string]*template.Template{}, verifying: make(chan struct{}, 2)}
	for _, lang := range []validation.Lang{validation.ZH, validation.EN} {
		s.pages[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			files := []string{"templates/base.html", "templates/" + name + ".html"}
			if slices.Contains(deskPages, name) {
				files = append(files, "templates/desk_parts.html")
			}
			t, err := template.New("base.html").Funcs(funcs(lang)).Funcs(deskFuncs(lang)).ParseFS(assets, files...)
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", name, err)
			}
			s.pages[lang][name] = t
		}
	}
	return s, nil
}

// Handler serves every page and the static assets. Mount it at "/" beside the API.
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.HandleFunc("GET /static/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if st, err := fs.Stat(static, name); err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeFileFS(w, r, static, name)
	})
	for pattern, h := range map[string]handler{
		"GET /{$}":                s.home,
		"GET /disclosures":        s.disclosures,
		"GET /enterprises/{uscc}": s.enterprise,
		"GET /plans":              s.plans,
		"GET /plans/{id}":         s.plan,
		"GET /plans/{id}/verify":  s.verifyForm,
		"POST /plans/{id}/verify": s.verifyUpload,
		"GET /stats":              s.stats,
		"GET /reports":            s.reports,
		"/":                       s.notFound,
	} {
		mux.Handle(pattern, s.wrap(h))
	}
	if s.cfg.Desk != nil {
		for pattern, h := range s.deskRoutes() {
			mux.Handle(pattern, s.wrap(h))
		}
	}
	return mux
}

// handler renders a page or returns an error for wrap to show.
type handler func(w http.ResponseWriter, r *http.Request, rq *request) error

// request is the per-request state every page shares.
type request struct {
	lang     validation.Lang
	explicit bool // ?lang= was given: links keep it
	r        *http.Request
	session  *session // desk pages: the signed-in user
	back     string   // desk forms shown again after a POST: the page's own path
}

// wrap picks the language, sets the headers and turns errors (and panics) into error pages.
func (s *Site) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{r: r, lang: validation.FromAcceptLanguage(r.Header.Get("Accept-Language"))}
		var langIssue *commands.Issue
		if v := r.URL.Query().Get("lang"); v != "" {
			if l, ok := parseLang(v); ok {
				rq.lang, rq.explicit = l, true
			} else {
				langIssue = &commands.Issue{Field: "lang", Code: "oneof", Param: "zh en"}
			}
		}
		hd := w.Header()
		hd.Set("Content-Language", string(rq.lang))
		hd.Set("Vary", "Accept-Language")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		defer func() {
			if p := recover(); p != nil {
				slog.ErrorContext(r.Context(), "panic in page", "path", r.URL.Path, "panic", p)
				s.renderError(w, rq, fmt.Errorf("panic: %v", p))
			}
		}()
		var err error
		if langIssue != nil {
			err = invalid(*langIssue)
		} else {
			err = h(w, r, rq)
		}
		if err != nil {
			s.renderError(w, rq, err)
		}
	})
}

func parseLang(v string) (validation.Lang, bool) {
	v = strings.ToLower(v)
	switch {
	case v == "zh" || strings.HasPrefix(v, "zh-"):
		return validation.ZH, true
	case v == "en" || strings.HasPrefix(v, "en-"):
		return validation.EN, true
	}
	return "", false
}

// link is path with the query kv (pairs; empty values left out), keeping ?lang= if it was given.
func (rq *request) link(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if rq.explicit {
		q.Set("lang", string(rq.lang))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// switchLink is the current page in the other language.
func (rq *request) switchLink() (string, validation.Lang) {
	other := validation.EN
	if rq.lang == validation.EN {
		other = validation.ZH
	}
	if rq.r.Method != http.MethodGet {
		return rq.r.URL.Path + "?lang=" + string(other), other
	}
	q := rq.r.URL.Query()
	q.Set("lang", string(other))
	return rq.r.URL.Path + "?" + q.Encode(), other
}

// page is what every template gets: the layout's fields and the page's own data.
type page struct {
	Lang       validation.Lang
	Title      string
	Nav        string // the active section
	Switch     string
	SwitchLang validation.Lang
	Home       string
	Links      map[string]string // the layout's navigation
	LangParam  string            // the ?lang= to keep in forms ("" if not given)
	DeskNav    bool              // a desk is configured: the layout links to it
	User       string            // desk pages: who is signed in
	CSRF       string            // desk pages: the session's form token
	Data       any
	rq         *request
}

// Link is path with query pairs, keeping ?lang=.
func (p page) Link(path string, kv ...string) string { return p.rq.link(path, kv...) }

// Path is a link to path segments (the first as is, the others escaped), keeping ?lang=.
func (p page) Path(first string, more ...string) string {
	for _, m := range more {
		first += "/" + url.PathEscape(m)
	}
	return p.rq.link(first)
}

func (s *Site) render(w http.ResponseWriter, rq *request, status int, name, title, nav string, data any) error {
	t := s.pages[rq.lang][name]
	sw, other := rq.switchLink()
	p := page{Lang: rq.lang, Title: title, Nav: nav, Switch: sw, SwitchLang: other, Data: data, rq: rq,
		Links: map[string]string{
			"home": rq.link("/"), "disclosures": rq.link("/disclosures"), "plans": rq.link("/plans"),
			"stats": rq.link("/stats"), "reports": rq.link("/reports"),
		}}
	if rq.explicit {
		p.LangParam = string(rq.lang)
	}
	s.deskLayout(rq, &p)
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
	return nil
}

// httpError is a page-level error: a status, a message key and field issues.
type httpError struct {
	status int
	key    string // message key (i18n)
	issues []commands.Issue
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s %v", e.status, e.key, e.issues) }

func invalid(issues ...commands.Issue) error {
	return &httpError{status: http.StatusBadRequest, key: "err.bad_request", issues: issues}
}

func notFound(key string) error { return &httpError{status: http.StatusNotFound, key: key} }

func (s *Site) notFound(http.ResponseWriter, *http.Request, *request) error {
	return notFound("err.page_not_found")
}

type errorData struct {
	Status  int
	Message string
	Issues  []commands.Issue
	Back    string
}

func (s *Site) renderError(w http.ResponseWriter, rq *request, err error) {
	d := errorData{Status: http.StatusInternalServerError, Message: tr(rq.lang, "err.internal"), Back: rq.link("/")}
	var he *httpError
	ce, isCmd := commands.AsError(err)
	switch {
	case errors.As(err, &he):
		d.Status, d.Message = he.status, tr(rq.lang, he.key)
		d.Issues = wordIssues(rq.lang, he.issues)
	case isCmd && ce.Kind == commands.KindInvalid:
		d.Status, d.Message = http.StatusBadRequest, tr(rq.lang, "err.bad_request")
		d.Issues = wordIssues(rq.lang, ce.Issues)
	case errors.Is(err, projections.ErrNotFound), isCmd && ce.Kind == commands.KindNotFound:
		d.Status, d.Message = http.StatusNotFound, tr(rq.lang, "err.page_not_found")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, projections.ErrUnavailable):
		if errors.Is(err, projections.ErrUnavailable) {
			slog.WarnContext(rq.r.Context(), "read model unavailable", "path", rq.r.URL.Path, "err", err)
		}
		d.Status, d.Message = http.StatusServiceUnavailable, tr(rq.lang, "err.unavailable")
	default:
		slog.ErrorContext(rq.r.Context(), "page failed", "method", rq.r.Method, "path", rq.r.URL.Path, "err", err)
	}
	if d.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "10")
	}
	if rerr := s.render(w, rq, d.Status, "error", fmt.Sprintf("%d", d.Status), "", d); rerr != nil {
		slog.ErrorContext(rq.r.Context(), "error page failed", "err", rerr)
		http.Error(w, d.Message, d.Status)
	}
}
