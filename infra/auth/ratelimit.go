package auth

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a token bucket per client key for the public routes. Idle buckets are
// dropped, and the map never holds more than max keys, so a flood of addresses cannot
// grow it without bound.
type Limiter struct {
	rate  rate.Limit
	burst int
	idle  time.Duration // a bucket idle this long is full again: dropping it loses nothing
	max   int
	now   func() time.Time

	mu        sync.Mutex
	clients   map[string]*client
	lastSweep time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

// DefaultMaxClients bounds the limiter's memory (about 100 bytes per client).
const DefaultMaxClients = 100_000

// NewLimiter allows perSecond requests per client with bursts of burst; perSecond ≤ 0
// disables it (Allow always says yes). now may be nil.
func NewLimiter(perSecond float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if burst < 1 {
		burst = 1
	}
	l := &Limiter{rate: rate.Limit(perSecond), burst: burst, max: DefaultMaxClients, now: now, clients: map[string]*client{}}
	l.idle = time.Minute
	if perSecond > 0 {
		if refill := time.Duration(float64(burst) / perSecond * float64(time.Second)); refill > l.idle {
			l.idle = refill
		}
	}
	return l
}

// Allow takes one request from key's bucket, or says how long to wait for one.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	c := l.clients[key]
	if c == nil {
		if len(l.clients) >= l.max {
			l.sweep(now)
			for k := range l.clients { // still full: drop an arbitrary bucket (map order)
				if len(l.clients) < l.max {
					break
				}
				delete(l.clients, k)
			}
		}
		c = &client{lim: rate.NewLimiter(l.rate, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	r := c.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused request must not use up the client's future tokens
		return false, d
	}
	return true, 0
}

func (l *Limiter) sweep(now time.Time) {
	for k, c := range l.clients {
		if now.Sub(c.seen) >= l.idle {
			delete(l.clients, k)
		}
	}
	l.lastSweep = now
}

// SetMaxClients changes the bound on tracked clients (DefaultMaxClients).
func (l *Limiter) SetMaxClients(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.max = max(n, 1)
}

// Len is how many clients are tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// ClientKey is the limiter key of a request: its remote IP, IPv6 by /64 (one subscriber
// usually holds a whole /64). X-Forwarded-For is not trusted.
func ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
