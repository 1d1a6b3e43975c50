package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/projections"
)

var (
	// ErrNoToken: the request carries no bearer token.
	ErrNoToken = errors.New("no bearer token")
	// ErrInvalidToken: unknown, revoked or expired.
	ErrInvalidToken = errors.New("invalid bearer token")
)

// TokenInfo is a token as listed: never the secret, not even its hash.
type TokenInfo struct {
	ID          string     `json:"id"`
	Role        Role       `json:"role"`
	Department  string     `json:"department,omitempty"`
	InspectorID string     `json:"inspector_id,omitempty"`
	Name        string     `json:"name,omitempty"`
	IssuedAt    time.Time  `json:"issued_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	Version     uint64     `json:"version"`
}

// Status is "active", "revoked" or "expired" at now.
func (t TokenInfo) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	}
	return "active"
}

func (t TokenInfo) principal() Principal {
	return Principal{ID: t.ID, Role: t.Role, Department: t.Department, InspectorID: t.InspectorID, Name: t.Name}
}

// Tokens is the token read model: hash → principal, rebuilt from the log like every
// projection and kept current by the projections.Runner.
type Tokens struct {
	mu     sync.RWMutex
	guard  projections.Guard
	byID   map[string]*TokenInfo
	byHash map[string]string // hex SHA-256 → token id
	order  []string          // ids in log order
}

var _ projections.Projector = (*Tokens)(nil)

func NewTokens() *Tokens {
	return &Tokens{byID: map[string]*TokenInfo{}, byHash: map[string]string{}}
}

// Name is the projector's name; it is pinned (a rename would re-read the log under a new name).
func (t *Tokens) Name() string { return "auth_tokens" }

// Apply folds one token event in, skipping redeliveries (version ≤ stored).
func (t *Tokens) Apply(e event.Envelope) error {
	if e.Type != TokenIssued && e.Type != TokenRevoked {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	id := strings.TrimPrefix(e.Stream, "token-")
	row := t.byID[id]
	var stored uint64
	if row != nil {
		stored = row.Version
	}
	if !t.guard.Admit(e.Stream, stored, e.Version) {
		return nil
	}
	switch e.Type {
	case TokenIssued:
		var p TokenIssuedV1
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		t.byID[id] = &TokenInfo{ID: id, Role: p.Role, Department: p.Department, InspectorID: p.InspectorID,
			Name: p.Name, IssuedAt: p.IssuedAt, ExpiresAt: p.ExpiresAt, Version: e.Version}
		t.byHash[strings.ToLower(p.SHA256)] = id
		if row == nil {
			t.order = append(t.order, id)
		}
	case TokenRevoked:
		var p TokenRevokedV1
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return fmt.Errorf("%s: %w", e.Type, err)
		}
		if row == nil {
			return fmt.Errorf("%s: token %s was never issued", e.Type, id)
		}
		next := *row // rows handed out earlier must not change
		at := p.RevokedAt
		next.RevokedAt, next.Version = &at, e.Version
		t.byID[id] = &next
	}
	return nil
}

// Guard reports how many redeliveries were skipped and gaps flagged.
func (t *Tokens) Guard() projections.Guard {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.guard
}

// Lookup resolves a plaintext token at now. The map is keyed by the hash, so a lookup's
// timing tells nothing about the secret.
func (t *Tokens) Lookup(token string, now time.Time) (Principal, error) {
	sum := sha256.Sum256([]byte(token))
	t.mu.RLock()
	defer t.mu.RUnlock()
	id, ok := t.byHash[hex.EncodeToString(sum[:])]
	if !ok {
		return Principal{}, ErrInvalidToken
	}
	row := t.byID[id]
	if row.Status(now) != "active" {
		return Principal{}, ErrInvalidToken
	}
	return row.principal(), nil
}

// Token is one token's listing.
func (t *Tokens) Token(id string) (TokenInfo, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if r, ok := t.byID[id]; ok {
		return *r, true
	}
	return TokenInfo{}, false
}

// List is every token in the order they were issued.
func (t *Tokens) List() []TokenInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]TokenInfo, 0, len(t.order))
	for _, id := range t.order {
		out = append(out, *t.byID[id])
	}
	return out
}

// Authenticator resolves a bearer token: the admin token first, then issued tokens.
type Authenticator struct {
	adminHash [32]byte
	tokens    *Tokens // nil: only the admin token
	now       func() time.Time
}

// NewAuthenticator: adminHash is SHA-256 of DATA/admin.token; tokens may be nil.
func NewAuthenticator(adminHash [32]byte, tokens *Tokens, now func() time.Time) *Authenticator {
	if adminHash == [32]byte{} {
		panic("auth: empty admin token hash")
	}
	if now == nil {
		now = time.Now
	}
	return &Authenticator{adminHash: adminHash, tokens: tokens, now: now}
}

// Authenticate resolves one plaintext token.
func (a *Authenticator) Authenticate(token string) (Principal, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return Principal{}, ErrNoToken
	}
	h := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(h[:], a.adminHash[:]) == 1 {
		return Admin, nil
	}
	if a.tokens == nil {
		return Principal{}, ErrInvalidToken
	}
	return a.tokens.Lookup(token, a.now())
}

// FromRequest authenticates the request's "Authorization: Bearer …" header.
func (a *Authenticator) FromRequest(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Principal{}, ErrNoToken
	}
	return a.Authenticate(tok)
}
