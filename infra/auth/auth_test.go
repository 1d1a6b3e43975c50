package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/eventlog"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	path  string
	log   *eventlog.Bolt
	iss   *auth.Issuer
	now   time.Time
	admin event.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{path: filepath.Join(t.TempDir(), "events.db"), now: t0, admin: auth.Admin.Actor()}
	log, err := eventlog.OpenBolt(e.path, eventlog.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	e.log = log
	e.iss = auth.NewIssuer(log, func() time.Time { return e.now })
	return e
}

func (e *env) meta(id string) commands.Meta { return commands.Meta{CommandID: id, Actor: e.admin} }

func (e *env) head(t *testing.T) uint64 {
	t.Helper()
	h, err := e.log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// registerInspector puts a roster entry in the log, as the directory commands do.
func (e *env) registerInspector(t *testing.T, id string, active bool) {
	t.Helper()
	d := commands.Deps{Store: e.log, Now: func() time.Time { return e.now }}
	_, err := commands.NewRegisterInspectorHandler(d).Handle(context.Background(), commands.RegisterInspector{
		Meta: e.meta("reg-" + id),
		InspectorFields: commands.InspectorFields{ID: id, Name: "李四", CertNo: "11010012345", Department: "市场监管局",
			RegionCode: "110101", Qualifications: []string{"食品安全"}, Active: &active},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// project rebuilds the token read model from the whole log.
func (e *env) project(t *testing.T) *auth.Tokens {
	t.Helper()
	tk := auth.NewTokens()
	if err := e.log.ReadFrom(context.Background(), 1, tk.Apply); err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTokenIssueStoresOnlyTheHash(t *testing.T) {
	e := newEnv(t)
	out, err := e.iss.Issue(context.Background(), auth.IssueToken{Meta: e.meta("c1"), Role: auth.RoleRegulator, Department: "市场监管局", Name: "张三"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Token) != 64 || out.ID == "" || out.Replayed || out.Position != 1 {
		t.Fatalf("issued %+v", out)
	}
	if _, err := hex.DecodeString(out.Token); err != nil {
		t.Fatalf("token is not hex: %v", err)
	}
	evs, _ := e.log.Load(context.Background(), auth.TokenStream(out.ID))
	if len(evs) != 1 || evs[0].Type != auth.TokenIssued || evs[0].Actor != e.admin {
		t.Fatalf("events %+v", evs)
	}
	sum := sha256.Sum256([]byte(out.Token))
	hash := hex.EncodeToString(sum[:])

	p, err := e.project(t).Lookup(out.Token, e.now)
	if err != nil || p != (auth.Principal{ID: out.ID, Role: auth.RoleRegulator, Department: "市场监管局", Name: "张三"}) {
		t.Fatalf("lookup: %+v %v", p, err)
	}
	if err := e.log.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(hash)) {
		t.Fatal("the hash is not in the log file: the check below would prove nothing")
	}
	if bytes.Contains(raw, []byte(out.Token)) {
		t.Fatal("the plaintext token is in the log file")
	}
}

func TestTokenIssueRefusalsAppendNothing(t *testing.T) {
	e := newEnv(t)
	e.registerInspector(t, "INS000001", true)
	e.registerInspector(t, "INS000002", false)
	head := e.head(t)
	past := t0.Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		c     auth.IssueToken
		field string
		code  string
	}{
		{"no role", auth.IssueToken{Department: "d"}, "role", "required"},
		{"admin role", auth.IssueToken{Role: auth.RoleAdmin}, "role", "oneof"},
		{"regulator without department", auth.IssueToken{Role: auth.RoleRegulator}, "department", "required"},
		{"regulator with inspector", auth.IssueToken{Role: auth.RoleRegulator, Department: "d", InspectorID: "INS000001"}, "inspector_id", "not_for_role"},
		{"inspector without id", auth.IssueToken{Role: auth.RoleInspector}, "inspector_id", "required"},
		{"inspector not on the roster", auth.IssueToken{Role: auth.RoleInspector, InspectorID: "NOPE"}, "inspector_id", "inspector_not_found"},
		{"inactive inspector", auth.IssueToken{Role: auth.RoleInspector, InspectorID: "INS000002"}, "inspector_id", "inspector_inactive"},
		{"expired", auth.IssueToken{Role: auth.RoleRegulator, Department: "d", ExpiresAt: &past}, "expires_at", "future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Meta = e.meta("bad-" + tc.name)
			_, err := e.iss.Issue(context.Background(), tc.c)
			ce, ok := commands.AsError(err)
			if !ok || ce.Kind != commands.KindInvalid || len(ce.Issues) == 0 ||
				ce.Issues[0].Field != tc.field || ce.Issues[0].Code != tc.code {
				t.Fatalf("err = %v, want %s %s", err, tc.field, tc.code)
			}
		})
	}
	if h := e.head(t); h != head {
		t.Fatalf("head %d → %d after refusals", head, h)
	}
	out, err := e.iss.Issue(context.Background(), auth.IssueToken{Meta: e.meta("ok"), Role: auth.RoleInspector, InspectorID: "INS000001"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.project(t).Lookup(out.Token, t0)
	if err != nil || p.Role != auth.RoleInspector || p.InspectorID != "INS000001" || p.Department != "" {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestTokenIssueReplayShowsNoSecret(t *testing.T) {
	e := newEnv(t)
	c := auth.IssueToken{Meta: e.meta("same"), Role: auth.RoleRegulator, Department: "市场监管局"}
	a, err := e.iss.Issue(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.iss.Issue(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Replayed || b.Token != "" || b.ID != a.ID || b.Position != a.Position || !b.IssuedAt.Equal(a.IssuedAt) {
		t.Fatalf("first %+v, replay %+v", a, b)
	}
	if h := e.head(t); h != 1 {
		t.Fatalf("head = %d", h)
	}
}

func TestTokenRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out, err := e.iss.Issue(ctx, auth.IssueToken{Meta: e.meta("i"), Role: auth.RoleRegulator, Department: "d"})
	if err != nil {
		t.Fatal(err)
	}
	tk := e.project(t)
	if _, err := tk.Lookup(out.Token, t0); err != nil {
		t.Fatal(err)
	}
	o, err := e.iss.Revoke(ctx, auth.RevokeToken{Meta: e.meta("r"), ID: out.ID, Reason: "调岗"})
	if err != nil || o.Events != 1 || o.Head != 2 {
		t.Fatalf("revoke: %+v %v", o, err)
	}
	// The runner delivers only what is new; here a fresh projection reads it all.
	tk = e.project(t)
	if _, err := tk.Lookup(out.Token, t0); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("revoked token: %v", err)
	}
	if info, ok := tk.Token(out.ID); !ok || info.RevokedAt == nil || info.Status(t0) != "revoked" {
		t.Fatalf("listing %+v", info)
	}
	// The same command again is its first outcome; another is a conflict; both append nothing.
	if o, err := e.iss.Revoke(ctx, auth.RevokeToken{Meta: e.meta("r"), ID: out.ID}); err != nil || !o.Replayed || o.Head != 2 {
		t.Fatalf("retry: %+v %v", o, err)
	}
	_, err = e.iss.Revoke(ctx, auth.RevokeToken{Meta: e.meta("r2"), ID: out.ID})
	if ce, ok := commands.AsError(err); !ok || ce.Kind != commands.KindConflict || ce.Code != "token_revoked" {
		t.Fatalf("second revoke: %v", err)
	}
	for _, id := range []string{"0123456789abcdef", "../../etc", ""} {
		_, err = e.iss.Revoke(ctx, auth.RevokeToken{Meta: e.meta("r3"), ID: id})
		if ce, ok := commands.AsError(err); !ok || ce.Kind != commands.KindNotFound || ce.Code != "token_not_found" {
			t.Fatalf("revoke %q: %v", id, err)
		}
	}
	if h := e.head(t); h != 2 {
		t.Fatalf("head = %d", h)
	}
}

// TestTokenProjectorRedelivery: at-least-once delivery changes nothing; a redelivered
// issue does not bring a revoked token back.
func TestTokenProjectorRedelivery(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, _ := e.iss.Issue(ctx, auth.IssueToken{Meta: e.meta("a"), Role: auth.RoleRegulator, Department: "d"})
	b, _ := e.iss.Issue(ctx, auth.IssueToken{Meta: e.meta("b"), Role: auth.RoleRegulator, Department: "d"})
	if _, err := e.iss.Revoke(ctx, auth.RevokeToken{Meta: e.meta("ra"), ID: a.ID}); err != nil {
		t.Fatal(err)
	}
	var evs []event.Envelope
	e.log.ReadFrom(ctx, 1, func(x event.Envelope) error { evs = append(evs, x); return nil })
	tk := auth.NewTokens()
	for _, x := range append(append(slices.Clone(evs), evs...), evs[0]) {
		if err := tk.Apply(x); err != nil {
			t.Fatal(err)
		}
	}
	if g := tk.Guard(); g.Skipped != 4 || g.Gaps != 0 {
		t.Fatalf("guard %+v", g)
	}
	if _, err := tk.Lookup(a.Token, t0); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("revoked token back after redelivery: %v", err)
	}
	if _, err := tk.Lookup(b.Token, t0); err != nil {
		t.Fatal(err)
	}
	if got := tk.List(); len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("list %+v", got)
	}
	// Other streams' events are none of its business.
	if err := tk.Apply(event.Envelope{Stream: "inspector-X", Type: "directory.inspector_registered.v1", Version: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t)
	at := t0.Add(time.Hour)
	out, err := e.iss.Issue(context.Background(), auth.IssueToken{Meta: e.meta("x"), Role: auth.RoleRegulator, Department: "d", ExpiresAt: &at})
	if err != nil {
		t.Fatal(err)
	}
	tk := e.project(t)
	if _, err := tk.Lookup(out.Token, at.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Lookup(out.Token, at); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("expired: %v", err)
	}
}

func TestAuthenticator(t *testing.T) {
	e := newEnv(t)
	out, _ := e.iss.Issue(context.Background(), auth.IssueToken{Meta: e.meta("x"), Role: auth.RoleRegulator, Department: "d"})
	const admin = "admin-token-0123456789abcdef0123456789"
	a := auth.NewAuthenticator(sha256.Sum256([]byte(admin)), e.project(t), func() time.Time { return t0 })
	for _, tc := range []struct {
		header string
		want   auth.Role
		err    error
	}{
		{"Bearer " + admin, auth.RoleAdmin, nil},
		{"bearer  " + out.Token + " ", auth.RoleRegulator, nil},
		{"Bearer " + out.Token[:63], "", auth.ErrInvalidToken},
		{"Bearer ", "", auth.ErrNoToken},
		{"Basic " + admin, "", auth.ErrNoToken},
		{"", "", auth.ErrNoToken},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tc.header)
		p, err := a.FromRequest(r)
		if !errors.Is(err, tc.err) || p.Role != tc.want {
			t.Errorf("%q: %+v %v", tc.header, p, err)
		}
	}
	if !auth.Admin.Allowed(nil) || (auth.Principal{Role: auth.RoleInspector}).Allowed([]auth.Role{auth.RoleRegulator}) {
		t.Fatal("Allowed")
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Admin)
	if p, ok := auth.FromContext(ctx); !ok || p != auth.Admin {
		t.Fatal("context")
	}
	if _, ok := auth.FromContext(context.Background()); ok {
		t.Fatal("principal in an empty context")
	}
}
