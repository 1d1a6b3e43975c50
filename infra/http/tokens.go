package httpapi

import (
	"net/http"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/validation"
)

// TokenListing is a token as the admin sees it: never the secret.
type TokenListing struct {
	auth.TokenInfo
	Status string `json:"status"` // active, revoked, expired
}

type tokenList struct {
	Items []TokenListing `json:"items"`
}

// tokenRoutes: issuing and revoking bearer tokens while serve runs; admin only.
func (s *Server) tokenRoutes() []route {
	if s.cfg.TokenIssuer == nil {
		return nil
	}
	return []route{
		{method: "GET", path: "/api/v1/me", name: "whoami", summary: "The caller's principal: role, department or inspector", roles: staff, out: auth.Principal{},
			h: func(_ http.ResponseWriter, r *http.Request, _ validation.Lang) (any, int, error) {
				p, _ := auth.FromContext(r.Context())
				return p, http.StatusOK, nil
			}},
		{method: "POST", path: "/api/v1/tokens", name: "issue_token", summary: "Issue a bearer token (regulator: department; inspector: roster id). The plaintext is returned once; only its SHA-256 is stored", in: auth.IssueToken{}, out: auth.IssuedToken{},
			h: jsonCommand(s, http.StatusCreated, nil, s.cfg.TokenIssuer.Issue)},
		{method: "GET", path: "/api/v1/tokens", name: "list_tokens", summary: "List issued tokens (no secrets)", out: tokenList{},
			h: func(http.ResponseWriter, *http.Request, validation.Lang) (any, int, error) {
				now := time.Now()
				out := tokenList{Items: []TokenListing{}}
				for _, t := range s.cfg.Tokens.List() {
					out.Items = append(out.Items, TokenListing{TokenInfo: t, Status: t.Status(now)})
				}
				return out, http.StatusOK, nil
			}},
		{method: "DELETE", path: "/api/v1/tokens/{id}", name: "revoke_token", summary: "Revoke a token (optional body: {\"reason\": …})", in: auth.RevokeToken{}, out: commands.Outcome{},
			h: func(w http.ResponseWriter, r *http.Request, lang validation.Lang) (any, int, error) {
				var c auth.RevokeToken
				if r.ContentLength > 0 || r.Header.Get("Content-Type") != "" {
					if err := decodeJSON(w, r, &c); err != nil {
						return nil, 0, err
					}
				}
				c.ID = r.PathValue("id")
				m, err := meta(r)
				if err != nil {
					return nil, 0, err
				}
				c.SetMeta(m)
				if issues := s.cfg.Validator.Check(lang, c, 0); len(issues) > 0 {
					return nil, 0, commands.Invalid(issues...)
				}
				out, err := s.cfg.TokenIssuer.Revoke(r.Context(), c)
				if err != nil {
					return nil, 0, err
				}
				s.sync(r.Context())
				return out, http.StatusOK, nil
			}},
	}
}
