package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
)

// IssueToken asks for a new bearer token. The HTTP edge checks the tags; Issue checks
// everything again, since the CLI calls it directly.
type IssueToken struct {
	commands.Meta
	Role        Role       `json:"role" validate:"required,oneof=regulator inspector"`
	Department  string     `json:"department,omitempty" validate:"max=100"`
	InspectorID string     `json:"inspector_id,omitempty" validate:"omitempty,inspector_id"`
	Name        string     `json:"name,omitempty" validate:"max=100"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

// IssuedToken is the answer to IssueToken: Token is the plaintext, shown this once.
// A replayed command id returns the first token's listing without the plaintext.
type IssuedToken struct {
	Token string `json:"token,omitempty"`
	TokenInfo
	Replayed bool   `json:"replayed"`
	Position uint64 `json:"position"`
}

// RevokeToken ends a token; the API takes ID from the path.
type RevokeToken struct {
	commands.Meta
	ID     string `json:"-"`
	Reason string `json:"reason,omitempty" validate:"max=200"`
}

// Issuer is the command side of tokens: it decides from the log, never from the read model.
type Issuer struct {
	store event.Store
	now   func() time.Time
}

func NewIssuer(store event.Store, now func() time.Time) *Issuer {
	if store == nil {
		panic("auth: nil event store")
	}
	if now == nil {
		panic("auth: nil clock")
	}
	return &Issuer{store: store, now: now}
}

var tokenID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// Issue validates, draws a 32-byte secret and records only its SHA-256.
func (s *Issuer) Issue(ctx context.Context, c IssueToken) (IssuedToken, error) {
	now := s.now().UTC()
	if err := s.check(ctx, c, now); err != nil {
		return IssuedToken{}, err
	}
	secret, err := randomHex(32)
	if err != nil {
		return IssuedToken{}, err
	}
	id, err := randomHex(8)
	if err != nil {
		return IssuedToken{}, err
	}
	sum := sha256.Sum256([]byte(secret))
	p := TokenIssuedV1{TokenID: id, SHA256: hex.EncodeToString(sum[:]), Role: c.Role, Department: c.Department,
		InspectorID: c.InspectorID, Name: c.Name, IssuedAt: now}
	if c.ExpiresAt != nil {
		at := c.ExpiresAt.UTC()
		p.ExpiresAt = &at
	}
	res, err := s.append(ctx, &c.Meta, TokenStream(id), 0, TokenIssued, p, now)
	if err != nil {
		return IssuedToken{}, err
	}
	first := res.Events[0]
	if res.Replayed {
		// The first outcome's secret is gone for good: only its listing can be returned.
		if err := json.Unmarshal(first.Payload, &p); err != nil {
			return IssuedToken{}, fmt.Errorf("replayed %s: %w", first.Type, err)
		}
		secret = ""
	}
	return IssuedToken{
		Token: secret,
		TokenInfo: TokenInfo{ID: p.TokenID, Role: p.Role, Department: p.Department, InspectorID: p.InspectorID,
			Name: p.Name, IssuedAt: p.IssuedAt, ExpiresAt: p.ExpiresAt, Version: first.Version},
		Replayed: res.Replayed, Position: first.Position,
	}, nil
}

func (s *Issuer) check(ctx context.Context, c IssueToken, now time.Time) error {
	var issues []commands.Issue
	bad := func(field, code, param string) {
		issues = append(issues, commands.Issue{Field: field, Code: code, Param: param})
	}
	switch c.Role {
	case RoleRegulator:
		if c.Department == "" {
			bad("department", "required", "")
		}
		if c.InspectorID != "" {
			bad("inspector_id", "not_for_role", string(c.Role))
		}
	case RoleInspector:
		if c.InspectorID == "" {
			bad("inspector_id", "required", "")
		}
		if c.Department != "" {
			bad("department", "not_for_role", string(c.Role))
		}
	case "":
		bad("role", "required", "")
	default:
		bad("role", "oneof", "regulator inspector")
	}
	if utf8.RuneCountInString(c.Department) > 100 {
		bad("department", "max", "100")
	}
	if utf8.RuneCountInString(c.Name) > 100 {
		bad("name", "max", "100")
	}
	if c.ExpiresAt != nil && !c.ExpiresAt.After(now) {
		bad("expires_at", "future", "")
	}
	if len(issues) > 0 {
		return commands.Invalid(issues...)
	}
	if c.Role == RoleInspector {
		in, v, err := loadInspector(ctx, s.store, c.InspectorID)
		if err != nil {
			return err
		}
		switch {
		case v == 0:
			return commands.Invalid(commands.Issue{Field: "inspector_id", Code: "inspector_not_found", Param: c.InspectorID})
		case !in.Active:
			return commands.Invalid(commands.Issue{Field: "inspector_id", Code: "inspector_inactive", Param: c.InspectorID})
		}
	}
	return nil
}

// Revoke records that a token no longer opens anything.
func (s *Issuer) Revoke(ctx context.Context, c RevokeToken) (commands.Outcome, error) {
	if !tokenID.MatchString(c.ID) {
		return commands.Outcome{}, &commands.Error{Kind: commands.KindNotFound, Code: "token_not_found"}
	}
	if utf8.RuneCountInString(c.Reason) > 200 {
		return commands.Outcome{}, commands.Invalid(commands.Issue{Field: "reason", Code: "max", Param: "200"})
	}
	evs, err := s.store.Load(ctx, TokenStream(c.ID))
	if err != nil {
		return commands.Outcome{}, fmt.Errorf("load token %s: %w", c.ID, err)
	}
	var version uint64
	var revoke *event.Envelope
	for i, e := range evs {
		if e.Version <= version { // the first in the log wins
			continue
		}
		version = e.Version
		if e.Type == TokenRevoked {
			revoke = &evs[i]
		}
	}
	switch {
	case version == 0:
		return commands.Outcome{}, &commands.Error{Kind: commands.KindNotFound, Code: "token_not_found"}
	case revoke != nil && revoke.CommandID == c.CommandID:
		// A retried command gets its first outcome.
		return commands.Outcome{Events: 1, Replayed: true, Head: revoke.Position}, nil
	case revoke != nil:
		return commands.Outcome{}, &commands.Error{Kind: commands.KindConflict, Code: "token_revoked"}
	}
	now := s.now().UTC()
	res, err := s.append(ctx, &c.Meta, TokenStream(c.ID), version, TokenRevoked, TokenRevokedV1{TokenID: c.ID, Reason: c.Reason, RevokedAt: now}, now)
	if err != nil {
		return commands.Outcome{}, err
	}
	return commands.Outcome{Events: len(res.Events), Replayed: res.Replayed, Head: res.Events[len(res.Events)-1].Position}, nil
}

func (s *Issuer) append(ctx context.Context, m *commands.Meta, stream string, expected uint64, typ string, payload any, now time.Time) (event.Result, error) {
	if m.CommandID == "" {
		m.CommandID = "token-" + uuid.Must(uuid.NewV7()).String()
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return event.Result{}, fmt.Errorf("encode %s: %w", typ, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return event.Result{}, fmt.Errorf("event id: %w", err)
	}
	res, err := s.store.Append(ctx, event.Batch{CommandID: m.CommandID, Streams: []event.StreamAppend{{
		Stream: stream, ExpectedVersion: expected, Events: []event.Envelope{{
			ID: id.String(), Stream: stream, Type: typ, OccurredAt: now, Actor: m.Actor, CommandID: m.CommandID, Payload: raw,
		}},
	}}})
	if errors.Is(err, event.ErrConcurrency) {
		return event.Result{}, &commands.Error{Kind: commands.KindConflict, Code: "concurrent_change", Err: err}
	}
	if err != nil {
		return event.Result{}, fmt.Errorf("append: %w", err)
	}
	if len(res.Events) == 0 {
		return event.Result{}, errors.New("append: the store recorded no event")
	}
	return res, nil
}

// loadInspector rehydrates a roster entry; version 0 means it does not exist.
func loadInspector(ctx context.Context, s event.Store, id string) (directory.Inspector, uint64, error) {
	var in directory.Inspector
	evs, err := s.Load(ctx, directory.InspectorStream(id))
	if err != nil {
		return in, 0, fmt.Errorf("load inspector %s: %w", id, err)
	}
	var v uint64
	for _, e := range evs {
		if e.Version <= v {
			continue
		}
		if err := directory.ApplyInspector(&in, e.Type, e.Payload); err != nil {
			return in, 0, fmt.Errorf("rehydrate inspector %s@%d: %w", id, e.Version, err)
		}
		v = e.Version
	}
	return in, v, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
