package ui

import (
	"net"
	"net/http"
	"sync"

	"golang.org/x/time/rate"
)

// addressLimits rate-limits requests per client address, as the JSON
// API's public register does, so that the portal is no way around it.
// Safe for concurrent use.
type addressLimits struct {
	every rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

// maxAddresses bounds the addresses remembered; past it, every bucket
// starts afresh, which only ever lets a client through sooner.
const maxAddresses = 100_000

func newAddressLimits(perSecond float64, burst int) *addressLimits {
	return &addressLimits{every: rate.Limit(perSecond), burst: burst, m: map[string]*rate.Limiter{}}
}

// allow reports whether r's client address may be served now.
func (a *addressLimits) allow(r *http.Request) bool {
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
	return l.Allow()
}
