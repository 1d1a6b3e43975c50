// Package auth is who may do what: roles, principals, bearer tokens issued as events and
// kept only as SHA-256 hashes, the in-memory token read model, and a per-client rate limiter
// for the public routes.
package auth

import (
	"context"
	"slices"

	"github.com/choucha/choucha/domain/event"
)

// Role is what a principal may do. The public has no role: it never logs in.
type Role string

const (
	// RoleAdmin holds DATA/admin.token: full access, including token management.
	RoleAdmin Role = "admin"
	// RoleRegulator works for one department: directory reads, plans, reviews of its tasks.
	RoleRegulator Role = "regulator"
	// RoleInspector is bound to one roster entry and records only the tasks it is assigned to.
	RoleInspector Role = "inspector"
)

// Principal is the authenticated caller.
type Principal struct {
	ID          string `json:"id"` // token id; "admin" for the admin token
	Role        Role   `json:"role"`
	Department  string `json:"department,omitempty"`   // regulators
	InspectorID string `json:"inspector_id,omitempty"` // inspectors
	Name        string `json:"name,omitempty"`
}

// Admin is the principal of DATA/admin.token.
var Admin = Principal{ID: "admin", Role: RoleAdmin}

// Actor is how the principal is recorded on the events it causes.
func (p Principal) Actor() event.Actor { return event.Actor{ID: p.ID, Role: string(p.Role)} }

// Allowed reports whether p may use a route open to roles; admin may use every route.
func (p Principal) Allowed(roles []Role) bool {
	return p.Role == RoleAdmin || slices.Contains(roles, p.Role)
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p; the HTTP layer sets it after authentication.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext is the authenticated principal (false on public routes).
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// MayReadTask: a task's team reads it, so do its departments' regulators; the admin reads all.
// Task views hold the team, so nobody else may.
func (p Principal) MayReadTask(team, departments []string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleInspector:
		return slices.Contains(team, p.InspectorID)
	case RoleRegulator:
		return slices.Contains(departments, p.Department)
	}
	return false
}
