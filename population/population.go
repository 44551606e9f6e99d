package population

import (
	"context"
	"iter"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Store is what a pass reads: candor.EventStore's Population.
type Store interface {
	Population(ctx context.Context, p candor.Part) iter.Seq2[*candor.SubjectEvents, error]
}

// Each passes over the whole population once and calls fn for every
// subject with its data key and decrypted events, from workers goroutines
// at once, each scanning parts of the store (candor.Part) of its own, so
// that nothing is copied between goroutines. The subject and events are
// valid only during the call. It returns how many subjects and events it
// handled. fn must be safe for concurrent use.
func Each(ctx context.Context, st Store, v *vault.Vault, workers int, fn func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error) (subjects, events int64, err error) {
	return pass(ctx, st, v, workers, true, fn)
}

// Keys is Each without decrypting events: fn gets each subject and its
// data key only.
func Keys(ctx context.Context, st Store, v *vault.Vault, workers int, fn func(sub *candor.SubjectRecord, key *vault.SubjectKey) error) (subjects int64, err error) {
	subjects, _, err = pass(ctx, st, v, workers, false, func(sub *candor.SubjectRecord, key *vault.SubjectKey, _ []*candor.Event) error {
		return fn(sub, key)
	})
	return subjects, err
}

func pass(ctx context.Context, st Store, v *vault.Vault, workers int, decrypt bool, fn func(*candor.SubjectRecord, *vault.SubjectKey, []*candor.Event) error) (subjects, events int64, err error) {
	workers = max(workers, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// More parts than workers, taken in turn, so that a worker that drew
	// a slow part does not hold the others up at the end.
	parts := make(chan candor.Part, 8*workers)
	for i := range cap(parts) {
		parts <- candor.Part{Index: i, Of: cap(parts)}
	}
	close(parts)
	var (
		wg      sync.WaitGroup
		once    sync.Once
		failure error
		nsub    atomic.Int64
		nev     atomic.Int64
	)
	fail := func(err error) { once.Do(func() { failure = err; cancel() }) }
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var opener vault.EventOpener
			for part := range parts {
				keys := newKeyCursor(ctx, v.Keyring(), part)
				for p, err := range st.Population(ctx, part) {
					if err == nil {
						err = each(v, keys, &opener, p, decrypt, fn)
					}
					if err != nil {
						keys.close()
						fail(err)
						return
					}
					nsub.Add(1)
					nev.Add(int64(len(p.Events)))
				}
				keys.close()
			}
		}()
	}
	wg.Wait()
	return nsub.Load(), nev.Load(), failure
}

func each(v *vault.Vault, keys *keyCursor, opener *vault.EventOpener, p *candor.SubjectEvents, decrypt bool, fn func(*candor.SubjectRecord, *vault.SubjectKey, []*candor.Event) error) error {
	wrapped, err := keys.find(p.Subject.ID)
	if err != nil {
		return err
	}
	key, err := v.OpenSubjectKey(p.Subject.ID, wrapped)
	if err != nil {
		return err
	}
	var evs []*candor.Event
	if decrypt {
		if evs, err = opener.Open(key, p.Events); err != nil {
			return err
		}
	}
	return fn(p.Subject, key, evs)
}

// passHeadroom is how much the heap may grow between collections during a
// pass over the population.
const passHeadroom = 256 << 20

// RelaxGC lets the heap grow by passHeadroom between collections, within
// any memory limit already set, and returns the function that restores
// the collector's settings. A pass keeps little alive (a few megabytes),
// so at the default GOGC the collector would run every few megabytes of
// garbage, dozens of times a second, and cost more than the decryption.
// It changes the whole process's collector: for a command that runs a
// pass and little else, never inside a server, and not for overlapping
// passes.
func RelaxGC() (restore func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(sample)
	limit := debug.SetMemoryLimit(-1)
	inUse := int64(sample[0].Value.Uint64())
	prevLimit := debug.SetMemoryLimit(min(limit, inUse+passHeadroom))
	prevPercent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	}
}
