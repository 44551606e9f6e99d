package candor

import (
	"context"
	"time"
)

// A Lease gives one holder a named singleton job (the transparency-log
// appender, the retention purge, dispute deadlines) until it expires, so
// that among several nodes sharing a store exactly one runs it at a time,
// and another takes over when the holder dies and stops renewing.
type Lease struct {
	Name   string
	Holder string
	// Expires is when the lease ends unless renewed, by the store's clock
	// (the database's, for a shared store): holders compare it with
	// nothing of their own, they renew well before a TTL has passed.
	Expires time.Time
	// Token grows every time the lease passes to another holder, never
	// when its holder renews it: a fencing token, so that what a former
	// holder does after losing the lease can be told from the new one's.
	Token uint64
}

// Leaser is a store capability: named leases held in the store, so that
// every node sharing the store sees the same holder. Holders are names
// unique to one process (a host name and process ID, say).
type Leaser interface {
	// AcquireLease takes the named lease for holder for ttl if it is
	// free, expired, or already holder's (then it is renewed: its expiry
	// moves, its token stays). It returns the lease as stored afterwards
	// and whether holder holds it; if another holds it, the lease is
	// that holder's, unchanged. EINVALID for an empty name or holder or
	// a TTL that is not positive.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, bool, error)
	// ReleaseLease ends holder's lease at once, so that another can take
	// it without waiting for it to expire; it does nothing if holder does
	// not hold it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// CheckLease returns EINVALID unless the arguments of AcquireLease are
// usable: for stores to share one check.
func CheckLease(name, holder string, ttl time.Duration) error {
	switch {
	case name == "" || holder == "":
		return Errorf(EINVALID, "a lease needs a name and a holder")
	case ttl <= 0:
		return Errorf(EINVALID, "lease %s: a TTL of %s is not positive", name, ttl)
	}
	return nil
}
