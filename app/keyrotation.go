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

// keyRotation rotates a running node's wrapping key (rotate) in the
// background while the node serves: reads, decisions and ingest go on,
// new data keys are wrapped with the next key from the start, and keys
// open under either until every key is rewrapped. A node stopped or
// killed mid-way goes on at its next start, from the progress kept
// beside the key files. It is the operator API's httpapi.KeyRotator.
type keyRotation struct {
	vault   *vault.Vault
	keyFile string
	refuse  string // why this node cannot rotate online; "" if it can
	log     *slog.Logger

	mu      sync.Mutex
	st      httpapi.KeyRotation
	cancel  context.CancelFunc
	stopped bool // the node is shutting down: no rotation starts
	wg      sync.WaitGroup
}

// refuseShared is why nodes on PostgreSQL do not rotate online.
const refuseShared = "online rotation is for the embedded store: nodes sharing a PostgreSQL keyring each read the wrapping key from their own file, and no node can hand the others a new one safely. " +
	"Stop every node, run candor keys rotate --store ... (without --server) on one, copy <master key file>.wrap beside the master key of every node, then start them (docs/operations.md)"

func newKeyRotation(inst *Installation, cfg StoreConfig, log *slog.Logger, metrics *httpapi.Metrics) *keyRotation {
	r := &keyRotation{vault: inst.Vault, keyFile: masterKeyFile(cfg), log: log, st: httpapi.KeyRotation{State: httpapi.RotationIdle}}
	if cfg.Store != "" {
		r.refuse = refuseShared
	}
	if metrics != nil {
		metrics.WatchKeyRotation(r.Rotation)
	}
	return r
}

// StartRotation is httpapi.KeyRotator's.
func (r *keyRotation) StartRotation(ctx context.Context, keysPerSecond int) (httpapi.KeyRotation, error) {
	if r.refuse != "" {
		return r.Rotation(), candor.Errorf(candor.EINVALID, "%s", r.refuse)
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
	_, done, err := readProgress(progFile)
	if err != nil {
		return r.st, err
	}
	ctx, cancel := context.WithCancel(ctx)
	now := time.Now().UTC()
	r.st, r.cancel = httpapi.KeyRotation{State: httpapi.RotationRunning, Done: done, StartedAt: &now}, cancel
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
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// resume goes on with a rotation an earlier run of the node left
// unfinished (it was stopped or killed), if this node can rotate online.
func (r *keyRotation) resume() {
	if r.refuse != "" || !rotationUnderway(r.keyFile) {
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
