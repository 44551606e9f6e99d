package ratelimit

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The public register's limit per client address.
const (
	PublicRate  = 5  // requests a second, steadily
	PublicBurst = 20 // requests at once
)

// maxAddresses bounds the addresses remembered; past it, every bucket
// starts afresh, which only ever lets a client through sooner.
const maxAddresses = 100_000

// PerAddress is a token bucket per client address (the request's remote
// address, without its port). Safe for concurrent use.
type PerAddress struct {
	every rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

// New returns a limiter of perSecond requests a second, with bursts of
// burst, for each address.
func New(perSecond float64, burst int) *PerAddress {
	return &PerAddress{every: rate.Limit(perSecond), burst: burst, m: map[string]*rate.Limiter{}}
}

// Allow takes a token from the bucket of r's client address at instant
// now, or reports that it is empty.
func (a *PerAddress) Allow(r *http.Request, now time.Time) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a.mu.Lock()
	l := a.m[host]
	if l == nil {
		if len(a.m) >= maxAddresses {
			clear(a.m)
		}
		l = rate.NewLimiter(a.every, a.burst)
		a.m[host] = l
	}
	a.mu.Unlock()
	return l.AllowN(now, 1)
}
