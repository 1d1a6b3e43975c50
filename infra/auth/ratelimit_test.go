package auth_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/choucha/choucha/infra/auth"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestRateLimiterBurstThenWait(t *testing.T) {
	c := &clock{t0}
	l := auth.NewLimiter(2, 3, c.now)
	for i := range 3 {
		if ok, _ := l.Allow("1.2.3.4"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.Allow("1.2.3.4")
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("over the burst: %v %v", ok, wait)
	}
	// Refused requests do not use up tokens: waiting what was said is enough.
	for range 5 {
		l.Allow("1.2.3.4")
	}
	if ok, _ := l.Allow("5.6.7.8"); !ok {
		t.Fatal("another client is limited too")
	}
	c.t = c.t.Add(wait)
	if ok, _ := l.Allow("1.2.3.4"); !ok {
		t.Fatal("refused after the wait it asked for")
	}
	if ok, _ := auth.NewLimiter(-1, 0, c.now).Allow("x"); !ok {
		t.Fatal("a disabled limiter refuses")
	}
}

func TestRateLimiterForgetsIdleAndStaysBounded(t *testing.T) {
	c := &clock{t0}
	l := auth.NewLimiter(20, 40, c.now)
	for i := range 1000 {
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("tracked %d", n)
	}
	c.t = c.t.Add(2 * time.Minute)
	l.Allow("10.9.9.9")
	if n := l.Len(); n != 1 {
		t.Fatalf("after idling: tracked %d, want 1", n)
	}
	l.SetMaxClients(50)
	for i := range 10_000 {
		l.Allow(fmt.Sprintf("11.0.%d.%d", i/256, i%256))
		if n := l.Len(); n > 50 {
			t.Fatalf("tracked %d > 50", n)
		}
	}
}

func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:5555":             "192.0.2.7",
		"[::ffff:192.0.2.7]:1":       "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1]:443":   "2001:db8:1:2::/64",
		"not an address":             "not an address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := auth.ClientKey(r); got != want {
			t.Errorf("%s → %s, want %s", addr, got, want)
		}
	}
}
