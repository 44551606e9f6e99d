package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// wrapGenerations keeps a vault's wrapping keys in step with the
// generations its keyring keeps (candor.WrapKeyring: PostgreSQL's, which
// several nodes share). Each node loads them at its start and again
// every wrapPoll, and at once when a key does not open or the keyring
// refuses keys wrapped with a retired generation (vault.OnStaleWrap):
// so a rotation begun on any node reaches every node, with no file to
// copy. The keyring, not this polling, keeps a rotation safe: it refuses
// a key wrapped with a generation once that is retired (see
// candor.WrapKeyring).
type wrapGenerations struct {
	kr     candor.WrapKeyring
	vault  *vault.Vault
	master []byte
	log    *slog.Logger

	mu   sync.Mutex
	used string               // the generations the vault uses, as "current/next"
	rot  *candor.WrapRotation // the last rotation read, nil if none
}

// wrapPoll is how often a node reloads the wrapping key's generations.
const wrapPoll = time.Second

// useWrapGenerations sets up the generations of kr if it keeps them and
// has none yet (from the key files beside keyFile: the wrapping key of
// an earlier offline rotation, and one it left unfinished), loads them
// into v and has v reload them when they are stale. It returns nil for a
// keyring that keeps none (the embedded one: its wrapping keys are the
// files, useWrapKeys).
func useWrapGenerations(ctx context.Context, kr candor.Keyring, v *vault.Vault, keyFile string, master []byte, log *slog.Logger) (*wrapGenerations, error) {
	wk, ok := kr.(candor.WrapKeyring)
	if !ok {
		return nil, nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &wrapGenerations{kr: wk, vault: v, master: master, log: log}
	gens, _, err := wk.WrapGenerations(ctx)
	if err != nil {
		return nil, err
	}
	if len(gens) == 0 {
		if err := g.init(ctx, keyFile); err != nil {
			return nil, err
		}
	}
	if err := g.load(ctx); err != nil {
		return nil, err
	}
	v.OnStaleWrap(g.load)
	return g, nil
}

// init records the keyring's first generations from the files beside
// keyFile (as useWrapKeys reads them), after checking that the keys it
// holds open under them: a node started with the wrong key files must
// not set up generations that open nothing.
func (g *wrapGenerations) init(ctx context.Context, keyFile string) error {
	curFile, nextFile, progFile := wrapFiles(keyFile)
	var first, next []byte
	if secret, err := loadOptionalKey(curFile); err != nil {
		return err
	} else if secret != nil {
		first = g.vault.SealWrapSecret(0, secret)
	}
	pace := 0
	if secret, err := loadOptionalKey(nextFile); err != nil {
		return err
	} else if secret != nil {
		next = g.vault.SealWrapSecret(1, secret)
		if _, _, pace, err = readProgress(progFile); err != nil {
			return err
		}
	}
	for w, err := range g.kr.SubjectKeys(ctx, candor.SubjectID{}) {
		if err != nil {
			return err
		}
		if _, err := g.vault.OpenSubjectKey(w.Subject, w.Wrapped); err != nil {
			return fmt.Errorf("the keyring's data keys do not open under this node's wrapping key (%s, or the master key's own): %w", curFile, err)
		}
		break
	}
	if err := g.kr.InitWrapGenerations(ctx, first, next, pace); err != nil {
		return err
	}
	g.log.Info("the wrapping key's generations are kept in the keyring from now on; the .wrap files beside the master key are no longer read", "from", curFile)
	return nil
}

// loadOptionalKey reads a key file, or returns nil if there is none.
func loadOptionalKey(path string) ([]byte, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return vault.LoadKey(path)
}

// load reads the generations and, if they changed, has the vault wrap
// new keys with the next generation (or the current one if there is
// none) and open keys under either.
func (g *wrapGenerations) load(ctx context.Context) error {
	gens, rot, err := g.kr.WrapGenerations(ctx)
	if err != nil {
		return err
	}
	var cur, next *candor.WrapGeneration
	for i := range gens {
		switch gens[i].State {
		case candor.WrapCurrent:
			cur = &gens[i]
		case candor.WrapNext:
			next = &gens[i]
		}
	}
	if cur == nil {
		return errors.New("the keyring has no current wrapping key generation")
	}
	used := fmt.Sprint(cur.Number)
	if next != nil {
		used += fmt.Sprintf("/%d", next.Number)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rot = rot
	if used == g.used {
		return nil
	}
	curKey, err := g.derive(cur)
	if err != nil {
		return err
	}
	if next == nil {
		g.vault.UseWrapKeysAt(cur.Number, curKey)
	} else {
		nextKey, err := g.derive(next)
		if err != nil {
			return err
		}
		g.vault.UseWrapKeysAt(next.Number, nextKey, curKey)
	}
	if g.used != "" {
		if next != nil {
			g.log.Info("wrapping keys reloaded from the keyring: a rotation is under way, new keys are wrapped with the next generation", "current", cur.Number, "next", next.Number)
		} else {
			g.log.Info("wrapping keys reloaded from the keyring", "current", cur.Number)
		}
	}
	g.used = used
	return nil
}

// derive returns the wrapping key of generation gen.
func (g *wrapGenerations) derive(gen *candor.WrapGeneration) ([]byte, error) {
	secret := g.master
	if gen.Sealed != nil {
		var err error
		if secret, err = g.vault.OpenWrapSecret(gen.Number, gen.Sealed); err != nil {
			return nil, err
		}
	}
	return vault.DeriveWrapKey(secret)
}

// rotation returns the last rotation read (nil: none).
func (g *wrapGenerations) rotation() *candor.WrapRotation {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rot
}

// setDone records progress made here before the next load reads it.
func (g *wrapGenerations) setDone(to uint32, done int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.rot != nil && g.rot.To == to && done > g.rot.Done {
		c := *g.rot
		c.Done = done
		g.rot = &c
	}
}

// begin begins a rotation to a new generation (or goes on with the one
// under way, at keysPerSecond if positive) and has the vault wrap new
// keys with it at once.
func (g *wrapGenerations) begin(ctx context.Context, keysPerSecond int) (candor.WrapRotation, error) {
	rot, err := g.kr.BeginWrapRotation(ctx, func(n uint32) []byte {
		secret := make([]byte, vault.KeySize)
		rand.Read(secret)
		return g.vault.SealWrapSecret(n, secret)
	}, keysPerSecond)
	if err != nil {
		return rot, err
	}
	return rot, g.load(ctx)
}

// rotate rewraps every key still wrapped with the generation rot rotates
// from, in batches at rot's pace (opts.Batch if set), each stored with
// its progress in one transaction, then retires that generation. It
// stops, with what it did, when held says this process may no longer
// run it (the jobs' lease passed to another node, which goes on). It
// returns how many keys it rewrapped.
func (g *wrapGenerations) rotate(ctx context.Context, rot candor.WrapRotation, opts RotateOptions, held func() bool) (int, error) {
	if g.vault.WrapGeneration() != rot.To {
		if err := g.load(ctx); err != nil {
			return 0, err
		}
		if g.vault.WrapGeneration() != rot.To {
			return 0, fmt.Errorf("keys rotate: this node wraps with generation %d, not %d, the rotation's", g.vault.WrapGeneration(), rot.To)
		}
	}
	opts.KeysPerSecond = rot.KeysPerSecond
	batch := rotateBatch(opts)
	if opts.Progress != nil {
		opts.Progress(rot.Done, max(rot.Total, rot.Done))
	}
	n, began := 0, time.Now()
	var after candor.SubjectID
	for held() {
		keys, err := g.kr.StaleSubjectKeys(ctx, rot.From, after, batch)
		if err != nil {
			return n, err
		}
		if len(keys) == 0 {
			if !after.IsZero() { // once more from the start: keys kept meanwhile by a node not yet on the next generation
				after = candor.SubjectID{}
				continue
			}
			finished, err := g.kr.FinishWrapRotation(ctx, rot.To)
			if err != nil || finished {
				return n, errors.Join(err, g.load(ctx))
			}
			continue // a key kept under the old generation meanwhile
		}
		again, err := g.vault.WrapAgain(keys)
		if err != nil {
			return n, err
		}
		k, err := g.kr.RewrapSubjectKeys(ctx, keys, again)
		if err != nil {
			return n, err
		}
		n, after = n+k, keys[len(keys)-1].Subject
		g.setDone(rot.To, rot.Done+n)
		if opts.Progress != nil {
			opts.Progress(rot.Done+n, max(rot.Total, rot.Done+n))
		}
		if err := pace(ctx, began, n, rot.KeysPerSecond); err != nil {
			return n, err
		}
	}
	return n, nil
}

// rotateBatch is how many keys a step of a rotation rewraps: opts.Batch,
// or 1000, or a tenth of the pace (about ten steps a second).
func rotateBatch(opts RotateOptions) int {
	if opts.Batch > 0 {
		return opts.Batch
	}
	if opts.KeysPerSecond > 0 {
		return min(max(opts.KeysPerSecond/10, 1), 1000)
	}
	return 1000
}
