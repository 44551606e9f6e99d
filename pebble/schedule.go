package pebble

import (
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// openScheduler is Pebble's compaction scheduler for Candor's stores: its
// default one (a concurrency limit, granted on demand and by a 100 ms
// ticker) that grants nothing until Pebble's Open has returned.
//
// Why: Open flushes what it replays from the WAL (always some after a
// crash, often some after a clean stop) and the flush's completion picks
// a compaction; later in Open, Pebble's scan for obsolete files waits for
// every compaction in progress to finish. With a deep L0 after a crash
// during ingest, that compaction is L0 into a 512 MB LBase, so a start
// waited seconds for it, more the larger the store (BENCHMARKS.md,
// "Restart"). Held back, the same compaction runs in the background as
// soon as Open returns.
//
// Register must be called once (Pebble's Open does); release opens the
// gate and may be called any number of times.
type openScheduler struct {
	db pebble.DBForCompaction // set by Register, before any other call

	mu           sync.Mutex
	cond         sync.Cond // on mu: granting turned false
	open         bool      // the gate: nothing is granted while false
	running      int
	granting     bool // serialises granting (Done, the granter)
	unregistered bool

	poke chan struct{}
	stop chan struct{}
	done chan struct{}
}

var (
	_ pebble.CompactionScheduler   = (*openScheduler)(nil)
	_ pebble.CompactionGrantHandle = (*openScheduler)(nil)
)

func newOpenScheduler() *openScheduler {
	s := &openScheduler{
		poke: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	s.cond.L = &s.mu
	return s
}

// Register implements pebble.CompactionScheduler.
func (s *openScheduler) Register(_ int, db pebble.DBForCompaction) {
	s.db = db
	go s.granter()
}

// Unregister implements pebble.CompactionScheduler: it returns once no
// grant is under way, after which none is made.
func (s *openScheduler) Unregister() {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unregistered = true
	for s.granting {
		s.cond.Wait()
	}
}

// release lets compactions run from now on and wakes the granter to start
// any that is waiting.
func (s *openScheduler) release() {
	s.mu.Lock()
	s.open = true
	s.mu.Unlock()
	s.UpdateGetAllowedWithoutPermission()
}

// TrySchedule implements pebble.CompactionScheduler.
func (s *openScheduler) TrySchedule() (bool, pebble.CompactionGrantHandle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unregistered || !s.open {
		return false, nil
	}
	if s.db.GetAllowedWithoutPermission() > s.running {
		s.running++
		return true, s
	}
	return false, nil
}

// UpdateGetAllowedWithoutPermission implements pebble.CompactionScheduler.
func (s *openScheduler) UpdateGetAllowedWithoutPermission() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// Started, MeasureCPU and CumulativeStats implement
// pebble.CompactionGrantHandle; this scheduler does not use what they report.
func (s *openScheduler) Started()                                          {}
func (s *openScheduler) MeasureCPU(pebble.CompactionGoroutineKind)         {}
func (s *openScheduler) CumulativeStats(pebble.CompactionGrantHandleStats) {}

// Done implements pebble.CompactionGrantHandle: a compaction ended, so
// another may start.
func (s *openScheduler) Done() {
	s.mu.Lock()
	s.running--
	s.grantLockedAndUnlock()
}

// granter grants waiting compactions when poked and every 100 ms, since
// the scheduler does not see flushes, which may raise the allowed number.
func (s *openScheduler) granter() {
	defer close(s.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.poke:
		case <-s.stop:
			return
		}
		s.mu.Lock()
		s.grantLockedAndUnlock()
	}
}

// grantLockedAndUnlock starts as many waiting compactions as the DB allows
// beyond those running. It is called with mu held and releases it; the
// DB's GetWaitingCompaction and Schedule are called without it (they take
// the DB's own locks, which Pebble orders before the scheduler's).
func (s *openScheduler) grantLockedAndUnlock() {
	defer s.mu.Unlock()
	for s.granting {
		s.cond.Wait()
	}
	if s.unregistered || !s.open {
		return
	}
	toGrant := s.db.GetAllowedWithoutPermission() - s.running
	if toGrant <= 0 {
		return
	}
	s.granting = true
	s.mu.Unlock()
	for ; toGrant > 0; toGrant-- {
		if waiting, _ := s.db.GetWaitingCompaction(); !waiting {
			break
		}
		if !s.db.Schedule(s) {
			break
		}
		s.mu.Lock()
		s.running++
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.granting = false
	s.cond.Broadcast()
}

// openDB opens the Pebble database in dir with po, holding compactions
// back until Open has returned (openScheduler). If lg is not nil, it logs
// how long Open took.
func openDB(dir string, po *pebble.Options, lg *slog.Logger) (*pebble.DB, error) {
	start := time.Now()
	db, s, err := openHeld(dir, po)
	if err != nil {
		return nil, err
	}
	s.release()
	if lg != nil {
		lg.Info("pebble: open", "dir", dir, "took", time.Since(start).Round(time.Millisecond))
	}
	return db, nil
}

// openHeld opens the Pebble database in dir with po and a scheduler that
// grants no compaction until the caller releases it.
func openHeld(dir string, po *pebble.Options) (*pebble.DB, *openScheduler, error) {
	s := newOpenScheduler()
	po.Experimental.CompactionScheduler = s
	db, err := pebble.Open(dir, po)
	if err != nil {
		if s.db != nil { // registered, but Pebble unregisters only on Close
			s.Unregister()
		}
		return nil, nil, err
	}
	return db, s, nil
}
