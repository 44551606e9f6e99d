package audit

import (
	"context"
	"sync"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// AccessLog records access records (who read what about a subject, when
// and why) durably, each sealed with its subject's data key and committed
// with its access commitment, many to one store commit (group commit):
// readers arriving while a commit syncs share the next one.
//
// Contract for callers: a read MUST be served only after Record returns
// nil for its access record; on an error the read MUST be refused.
type AccessLog struct {
	store candor.Store
	vault *vault.Vault

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan *accessReq
	done   chan struct{}

	onCommit func(records int, err error)
}

type accessReq struct {
	rec   *candor.AccessRecord
	c     candor.Commitment
	reply chan error
}

// maxAccessGroup bounds the access records of one commit.
const maxAccessGroup = 4096

// NewAccessLog returns an AccessLog over store, sealing with v's subject
// keys. onCommit, if not nil, is called after each group commit with its
// size (for metrics, and to Kick the Appender). Close stops it.
func NewAccessLog(store candor.Store, v *vault.Vault, onCommit func(records int, err error)) *AccessLog {
	l := &AccessLog{store: store, vault: v, onCommit: onCommit,
		reqs: make(chan *accessReq, maxAccessGroup), done: make(chan struct{})}
	go l.run()
	return l
}

// Record seals a, stores it and its commitment durably, and returns then.
// Errors: ENOTFOUND if the subject does not exist, EINVALID for a record
// that cannot be encoded, EUNAVAILABLE after Close, or the store's error.
func (l *AccessLog) Record(ctx context.Context, a *candor.Access) error {
	sub, err := l.store.Subject(ctx, a.Subject)
	if err != nil {
		return err
	}
	key, err := l.vault.OpenSubjectKey(sub.ID, sub.WrappedKey)
	if err != nil {
		return err
	}
	rec, c, err := key.SealAccess(a)
	if err != nil {
		return err
	}
	req := &accessReq{rec: rec, c: c, reply: make(chan error, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return candor.Errorf(candor.EUNAVAILABLE, "the access log is closed")
	}
	select {
	case l.reqs <- req:
	case <-ctx.Done():
		l.mu.RUnlock()
		return ctx.Err()
	}
	l.mu.RUnlock()
	// Once queued, the record is committed whatever happens to ctx: the
	// caller learns the outcome or gives up on the read.
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits what is queued and stops the log.
func (l *AccessLog) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.reqs)
	}
	l.mu.Unlock()
	<-l.done
	return nil
}

func (l *AccessLog) run() {
	defer close(l.done)
	var group []*accessReq
	for req := range l.reqs {
		group = append(group[:0], req)
	fill:
		for len(group) < maxAccessGroup {
			select {
			case r, ok := <-l.reqs:
				if !ok {
					break fill
				}
				group = append(group, r)
			default:
				break fill
			}
		}
		l.commit(group)
	}
}

func (l *AccessLog) commit(group []*accessReq) {
	recs := make([]*candor.AccessRecord, len(group))
	cs := make([]candor.Commitment, len(group))
	for i, r := range group {
		recs[i], cs[i] = r.rec, r.c
	}
	_, err := l.store.Commit(context.Background(), &candor.WriteBatch{Access: recs,
		Commitments: func(*candor.WriteBatch, uint64) (write, access []candor.Commitment) { return nil, cs }})
	if err != nil {
		err = candor.Errorf(candor.EUNAVAILABLE, "the access record could not be stored; nothing was served")
	}
	for _, r := range group {
		r.reply <- err
	}
	if l.onCommit != nil {
		l.onCommit(len(group), err)
	}
}
