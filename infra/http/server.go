// Package httpapi is choucha's JSON API: routes, authentication, decoding, validation and the
// one mapping from errors to HTTP statuses. The OpenAPI document is built from the same routes.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/metrics"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/projections"
)

// Config is what the API needs; Validate lists every missing piece at once.
type Config struct {
	App       commands.Application
	Directory projections.DirectoryQueries
	Plans     projections.PlanQueries
	// PublicPlans serves /public/v1/plans (nil: Plans); distributed mode reads it from ClickHouse.
	PublicPlans projections.PlanQueries
	// Inspections, Disclosures and Stats serve the task and public routes (nil: none).
	Inspections projections.InspectionQueries
	Disclosures projections.DisclosureQueries
	Stats       projections.StatsQueries
	// Sync brings the read models up to the log after a command, so a client reads its writes.
	Sync      func(ctx context.Context) error
	Validator *validation.Validator
	Metrics   *metrics.Metrics
	// AdminTokenHash is SHA-256 of DATA/admin.token, the admin principal (full access;
	// directory data holds confidential tiers and inspector identities).
	AdminTokenHash [32]byte
	// Tokens resolves issued tokens (regulators, inspectors); nil: only the admin token.
	// It must be a projector of the runner Sync drives, so a new token works at once.
	Tokens *auth.Tokens
	// TokenIssuer serves POST/DELETE /api/v1/tokens; nil: no token routes.
	TokenIssuer *auth.Issuer
	// PublicRate and PublicBurst limit public routes per client IP
	// (0: 20 requests/s, bursts of 40; PublicRate < 0: no limit).
	PublicRate  float64
	PublicBurst int
	Version     string
}

func (c Config) Validate() error {
	var errs []error
	if c.Directory == nil {
		errs = append(errs, errors.New("httpapi: Directory is nil"))
	}
	if c.Plans == nil {
		errs = append(errs, errors.New("httpapi: Plans is nil"))
	}
	if c.Sync == nil {
		errs = append(errs, errors.New("httpapi: Sync is nil"))
	}
	if c.Validator == nil {
		errs = append(errs, errors.New("httpapi: Validator is nil"))
	}
	if c.Metrics == nil {
		errs = append(errs, errors.New("httpapi: Metrics is nil"))
	}
	if c.AdminTokenHash == [32]byte{} {
		errs = append(errs, errors.New("httpapi: AdminTokenHash is empty"))
	}
	if c.TokenIssuer != nil && c.Tokens == nil {
		errs = append(errs, errors.New("httpapi: TokenIssuer without Tokens: issued tokens would never authenticate"))
	}
	return errors.Join(errs...)
}

// Server serves the API.
type Server struct {
	cfg     Config
	routes  []route
	spec    []byte
	authn   *auth.Authenticator
	limiter *auth.Limiter
}

// Role sets of the route table; admin may call every route.
var (
	regulators = []auth.Role{auth.RoleRegulator}
	inspectors = []auth.Role{auth.RoleInspector}
	staff      = []auth.Role{auth.RoleRegulator, auth.RoleInspector}
)

// handlerFunc returns the body and status to send, or an error to map.
type handlerFunc func(w http.ResponseWriter, r *http.Request, lang validation.Lang) (any, int, error)

type route struct {
	method, path, name, summary string
	public                      bool
	in                          any      // JSON request body type, for the spec
	csv                         bool     // the body is text/csv
	out                         any      // response body type, for the spec
	query                       []string // query parameters
	h                           handlerFunc

	// roles may call the route besides admin (none: admin only); public routes take no token.
	roles []auth.Role
}

func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg}
	s.routes = append(s.table(), s.planRoutes()...)
	s.routes = append(s.routes, s.tokenRoutes()...)
	s.routes = append(s.routes, s.taskRoutes()...)
	s.authn = auth.NewAuthenticator(cfg.AdminTokenHash, cfg.Tokens, time.Now)
	rps, burst := cfg.PublicRate, cfg.PublicBurst
	if rps == 0 {
		rps = 20
	}
	if burst <= 0 {
		burst = 40
	}
	s.limiter = auth.NewLimiter(rps, burst, time.Now)
	spec, err := json.MarshalIndent(openAPI(s.routes, cfg.Version), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	s.spec = spec
	return s, nil
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	mux.Handle("GET /metrics", promHandler(s.cfg.Metrics))
	mux.Handle("/", s.wrap(route{name: "not_found", public: true, h: func(http.ResponseWriter, *http.Request, validation.Lang) (any, int, error) {
		return nil, 0, &httpError{status: http.StatusNotFound, code: "not_found"}
	}}))
	return mux
}

// wrap adds language choice, rate limiting or authentication and authorization, metrics,
// logging and panic safety. Every refusal happens before the handler: it appends nothing.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lang := validation.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		w.Header().Set("Content-Language", string(lang))
		status := http.StatusOK
		defer func() {
			if p := recover(); p != nil {
				slog.ErrorContext(r.Context(), "panic in handler", "route", rt.name, "panic", p)
				status = writeError(w, r, lang, fmt.Errorf("panic: %v", p))
			}
			s.cfg.Metrics.HTTPRequests.WithLabelValues(rt.name, strconv.Itoa(status)).Inc()
			if r.Method != http.MethodGet {
				s.cfg.Metrics.CommandDuration.WithLabelValues(rt.name).Observe(time.Since(start).Seconds())
			}
		}()
		if rt.public {
			if ok, wait := s.limiter.Allow(auth.ClientKey(r)); !ok {
				secs := strconv.Itoa(int(max(1, (wait+time.Second-1)/time.Second)))
				w.Header().Set("Retry-After", secs)
				status = writeError(w, r, lang, &httpError{status: http.StatusTooManyRequests, code: "rate_limited", param: secs})
				return
			}
		} else {
			p, err := s.authn.FromRequest(r)
			if err != nil {
				challenge := `Bearer realm="choucha"`
				if errors.Is(err, auth.ErrInvalidToken) {
					challenge += `, error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
				status = writeError(w, r, lang, &commands.Error{Kind: commands.KindUnauthorized, Code: "unauthorized"})
				return
			}
			if !p.Allowed(rt.roles) {
				status = writeError(w, r, lang, &commands.Error{Kind: commands.KindForbidden, Code: "forbidden"})
				return
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		body, st, err := rt.h(w, r, lang)
		if err != nil {
			status = writeError(w, r, lang, err)
			kind := "internal"
			if ce, ok := commands.AsError(err); ok {
				kind = string(ce.Kind)
			} else if he := (*httpError)(nil); errors.As(err, &he) {
				kind = he.code
			}
			if r.Method != http.MethodGet {
				s.cfg.Metrics.CommandErrors.WithLabelValues(rt.name, kind).Inc()
			}
			return
		}
		status = st
		if raw, ok := body.([]byte); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(st)
			_, _ = w.Write(raw)
			return
		}
		writeJSON(w, st, body)
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

// meta is the command id (Idempotency-Key, or a fresh UUIDv7) and the actor: the
// authenticated principal.
func meta(r *http.Request) (commands.Meta, error) {
	id := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(id) > 100 {
		return commands.Meta{}, &httpError{status: http.StatusBadRequest, code: "invalid_input",
			issues: []commands.Issue{{Field: "Idempotency-Key", Code: "max", Param: "100"}}}
	}
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return commands.Meta{}, err
		}
		id = u.String()
	}
	m := commands.Meta{CommandID: id, Actor: event.Actor{ID: "anonymous", Role: "public"}}
	if p, ok := auth.FromContext(r.Context()); ok {
		m.Actor = p.Actor()
		if p.Role == auth.RoleRegulator {
			m.Department = p.Department
		}
	}
	return m, nil
}

// sync brings the read models up to date after a command. A failure here is logged: the
// command is already durable, and the next sync retries.
func (s *Server) sync(ctx context.Context) {
	if err := s.cfg.Sync(ctx); err != nil {
		slog.ErrorContext(ctx, "read model sync failed", "err", err)
	}
}

// WithSite serves the web pages beside the API: the API keeps its paths, everything else goes
// to site, under the same per-client public rate limit.
func (s *Server) WithSite(site http.Handler) http.Handler {
	api := s.Handler()
	root := http.NewServeMux()
	for _, p := range []string{"/api/", "/public/", "/healthz", "/openapi.json", "/metrics"} {
		root.Handle(p, api)
	}
	root.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limiter.Allow(auth.ClientKey(r)); !ok {
			secs := strconv.Itoa(int(max(1, (wait+time.Second-1)/time.Second)))
			w.Header().Set("Retry-After", secs)
			lang := validation.FromAcceptLanguage(r.Header.Get("Accept-Language"))
			http.Error(w, validation.Message(lang, "rate_limited", "", secs), http.StatusTooManyRequests)
			return
		}
		site.ServeHTTP(w, r)
	}))
	return root
}
