package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/vault"
)

// keyRotation rotates a running node's wrapping key in the background
// while the node serves: reads, decisions and ingest go on, new data keys
// are wrapped with the next key from the start, and keys open under
// either until every key is rewrapped. It is the operator API's
// httpapi.KeyRotator.
//
// On the embedded store (rotate) the wrapping keys are files beside the
// master key, and a node stopped or killed mid-way goes on at its next
// start, from the progress kept beside them. On a keyring that keeps the
// generations (PostgreSQL, shared by nodes: shared), a rotation asked of
// any node is the cluster's: it is recorded in the keyring, every node
// wraps new keys with the next generation within wrapPoll, and the node
// holding the jobs' lease rewraps (runShared), so that one killed
// mid-way is followed by the next holder, at the recorded pace.
type keyRotation struct {
	vault   *vault.Vault
	keyFile string
	shared  *wrapGenerations // nil: the embedded store's files
	log     *slog.Logger

	mu      sync.Mutex
	st      httpapi.KeyRotation
	cancel  context.CancelFunc
	stopped bool // the node is shutting down: no rotation starts
	wg      sync.WaitGroup
}

func newKeyRotation(inst *Installation, cfg StoreConfig, log *slog.Logger, metrics *httpapi.Metrics) *keyRotation {
	r := &keyRotation{vault: inst.Vault, keyFile: masterKeyFile(cfg), shared: inst.wraps, log: log, st: httpapi.KeyRotation{State: httpapi.RotationIdle}}
	if metrics != nil {
		metrics.WatchKeyRotation(r.Rotation)
	}
	return r
}

// StartRotation is httpapi.KeyRotator's.
func (r *keyRotation) StartRotation(ctx context.Context, keysPerSecond int) (httpapi.KeyRotation, error) {
	if r.shared != nil {
		return r.startShared(ctx, keysPerSecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.State == httpapi.RotationRunning {
		return r.st, nil
	}
	if r.stopped {
		return r.st, candor.Errorf(candor.EUNAVAILABLE, "the node is shutting down")
	}
	if err := beginRotation(r.keyFile); err != nil {
		return r.st, err
	}
	_, _, progFile := wrapFiles(r.keyFile)
	_, done, recorded, err := readProgress(progFile)
	if err != nil {
		return r.st, err
	}
	if keysPerSecond <= 0 {
		keysPerSecond = recorded
	}
	ctx, cancel := context.WithCancel(ctx)
	now := time.Now().UTC()
	r.st, r.cancel = httpapi.KeyRotation{State: httpapi.RotationRunning, Done: done, StartedAt: &now, KeysPerSecond: keysPerSecond}, cancel
	r.wg.Add(1)
	go r.run(ctx, keysPerSecond)
	return r.st, nil
}

func (r *keyRotation) run(ctx context.Context, keysPerSecond int) {
	defer r.wg.Done()
	r.log.Info("key rotation: rewrapping every data key under a new wrapping key", "keys_per_second", keysPerSecond)
	n, err := rotate(ctx, r.vault, r.keyFile, RotateOptions{KeysPerSecond: keysPerSecond, Progress: func(done, total int) {
		r.mu.Lock()
		r.st.Done, r.st.Total = done, total
		r.mu.Unlock()
	}})
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UTC()
	r.st.FinishedAt = &now
	if err != nil {
		r.st.State, r.st.Error = httpapi.RotationFailed, err.Error()
		r.log.Error("key rotation stopped; it goes on from where it stopped when asked again or at the next start", "rewrapped", n, "err", err)
		return
	}
	r.st.State = httpapi.RotationDone
	r.log.Info("key rotation done: the old wrapping key is retired; back up <master key file>.wrap", "rewrapped", n, "file", r.keyFile+".wrap")
}

// Rotation is httpapi.KeyRotator's.
func (r *keyRotation) Rotation() httpapi.KeyRotation {
	if r.shared != nil {
		return sharedState(r.shared.rotation())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// resume goes on with a rotation an earlier run of the node left
// unfinished (it was stopped or killed), on the embedded store; on a
// shared keyring the jobs' lease holder does (runShared).
func (r *keyRotation) resume() {
	if r.shared != nil || !rotationUnderway(r.keyFile) {
		return
	}
	r.log.Info("key rotation: going on with the rotation an earlier run left unfinished")
	if _, err := r.StartRotation(context.Background(), 0); err != nil {
		r.log.Error("key rotation: cannot go on", "err", err)
	}
}

// stop interrupts a rotation running and waits for it: its progress is
// kept, and the next start goes on from there. No rotation starts after.
func (r *keyRotation) stop() {
	r.mu.Lock()
	cancel := r.cancel
	r.stopped = true
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	r.wg.Wait()
}

// startShared begins a rotation of the cluster's wrapping key (or goes
// on with the one under way, clearing its failure, at keysPerSecond if
// positive): this node wraps new keys with the next generation before it
// returns, the others within wrapPoll, and the jobs' lease holder
// rewraps.
func (r *keyRotation) startShared(ctx context.Context, keysPerSecond int) (httpapi.KeyRotation, error) {
	r.mu.Lock()
	stopped := r.stopped
	r.mu.Unlock()
	if stopped {
		return r.Rotation(), candor.Errorf(candor.EUNAVAILABLE, "the node is shutting down")
	}
	rot, err := r.shared.begin(ctx, keysPerSecond)
	if err != nil {
		return r.Rotation(), err
	}
	r.log.Info("key rotation: begun in the keyring; the node holding the jobs' lease rewraps", "to_generation", rot.To, "keys_per_second", rot.KeysPerSecond)
	return sharedState(&rot), nil
}

// runShared goes on with the cluster's rotation under way, if any and
// not failed, until it is done or this node no longer holds the jobs'
// lease (held). A failure is recorded in the keyring: the rotation waits
// until it is asked for again.
func (r *keyRotation) runShared(ctx context.Context, held func() bool) (int, error) {
	if err := r.shared.load(ctx); err != nil {
		return 0, err
	}
	rot := r.shared.rotation()
	if rot == nil || !rot.FinishedAt.IsZero() || rot.Error != "" {
		return 0, nil
	}
	r.log.Info("key rotation: rewrapping the data keys", "from_generation", rot.From, "to_generation", rot.To, "done", rot.Done, "keys_per_second", rot.KeysPerSecond)
	n, err := r.shared.rotate(ctx, *rot, RotateOptions{}, held)
	switch {
	case err != nil && ctx.Err() == nil:
		r.log.Error("key rotation stopped; it goes on from where it stopped when asked again", "rewrapped", n, "err", err)
		if ferr := r.shared.kr.FailWrapRotation(context.WithoutCancel(ctx), rot.To, err.Error()); ferr != nil {
			r.log.Error("key rotation: recording its failure", "err", ferr)
		}
		r.shared.load(context.WithoutCancel(ctx))
		return n, err
	case err == nil && r.Rotation().State == httpapi.RotationDone:
		r.log.Info("key rotation done: the old wrapping key generation is retired and its secret deleted from the keyring", "rewrapped", n, "generation", rot.To)
	}
	return n, err
}

// sharedState is the API's view of a rotation kept in the keyring.
func sharedState(rot *candor.WrapRotation) httpapi.KeyRotation {
	if rot == nil {
		return httpapi.KeyRotation{State: httpapi.RotationIdle}
	}
	started := rot.StartedAt.UTC()
	st := httpapi.KeyRotation{State: httpapi.RotationRunning, Done: rot.Done, Total: max(rot.Total, rot.Done), StartedAt: &started, KeysPerSecond: rot.KeysPerSecond, Error: rot.Error}
	switch {
	case !rot.FinishedAt.IsZero():
		finished := rot.FinishedAt.UTC()
		st.State, st.FinishedAt = httpapi.RotationDone, &finished
	case rot.Error != "":
		st.State = httpapi.RotationFailed
	}
	return st
}
