package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// The subjects' data keys are wrapped with a key-encryption key: derived
// from the master key at first, then, after candor keys rotate, from the
// wrapping key file beside it (<master key file>.wrap). A rotation writes
// the next one (.wrap.next) and its progress (.wrap.next.progress); while
// they exist, new data keys are wrapped with the next key and keys open
// under either. The master key still derives the blind index, dedupe,
// digest, reference and act keys, which key what the store holds: they
// are not rotated.
func wrapFiles(masterFile string) (current, next, progress string) {
	current = masterFile + ".wrap"
	return current, current + ".next", current + ".next.progress"
}

// useWrapKeys sets v's wrapping keys from the files beside masterFile.
func useWrapKeys(v *vault.Vault, masterFile string, master []byte) error {
	curFile, nextFile, _ := wrapFiles(masterFile)
	secret := master
	if _, err := os.Stat(curFile); err == nil {
		if secret, err = vault.LoadKey(curFile); err != nil {
			return fmt.Errorf("wrapping key: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	cur, err := vault.DeriveWrapKey(secret)
	if err != nil {
		return err
	}
	if _, err := os.Stat(nextFile); errors.Is(err, fs.ErrNotExist) {
		v.UseWrapKeys(cur)
		return nil
	}
	nextSecret, err := vault.LoadKey(nextFile)
	if err != nil {
		return fmt.Errorf("the next wrapping key (a rotation in progress): %w", err)
	}
	next, err := vault.DeriveWrapKey(nextSecret)
	if err != nil {
		return err
	}
	v.UseWrapKeys(next, cur)
	return nil
}

// RotateOptions tune RotateKeys.
type RotateOptions struct {
	Batch int // keys rewrapped and stored per step (0: 1000)
	// Progress, if set, is called after each step with the keys
	// rewrapped so far (those of earlier, interrupted runs included) and
	// the total.
	Progress func(done, total int)
}

// RotateKeys rewraps every subject's data key under a new wrapping key,
// offline (the server stopped), and retires the old one: from then on no
// key wrapped with it opens. It is resumable: each step's keys are stored
// (durably) before its progress is written beside the key files, and a
// run cut short is continued by the next, from where the progress says.
// It returns how many keys this run rewrapped.
func RotateKeys(ctx context.Context, cfg StoreConfig, opts RotateOptions) (int, error) {
	if opts.Batch <= 0 {
		opts.Batch = 1000
	}
	keyFile := masterKeyFile(cfg)
	curFile, nextFile, progFile := wrapFiles(keyFile)
	if _, err := os.Stat(nextFile); errors.Is(err, fs.ErrNotExist) {
		if _, err := vault.LoadOrCreateKey(nextFile); err != nil {
			return 0, err
		}
	}
	inst, err := OpenExisting(cfg, nil)
	if err != nil {
		return 0, err
	}
	defer inst.Close()
	after, done, err := readProgress(progFile)
	if err != nil {
		return 0, err
	}
	total := done
	for _, err := range inst.Keyring.SubjectKeys(ctx, after) {
		if err != nil {
			return 0, err
		}
		total++
	}
	n := 0
	var batch []candor.WrappedKey
	flush := func() error {
		if err := inst.Keyring.PutSubjectKeys(ctx, batch); err != nil {
			return err
		}
		n += len(batch)
		if err := writeProgress(progFile, batch[len(batch)-1].Subject, done+n); err != nil {
			return err
		}
		batch = batch[:0]
		if opts.Progress != nil {
			opts.Progress(done+n, total)
		}
		return ctx.Err()
	}
	for w, err := range inst.Keyring.SubjectKeys(ctx, after) {
		if err != nil {
			return n, err
		}
		k, err := inst.Vault.OpenSubjectKey(w.Subject, w.Wrapped)
		if err != nil {
			return n, err
		}
		batch = append(batch, candor.WrappedKey{Subject: w.Subject, Wrapped: inst.Vault.WrapKey(k)})
		if len(batch) == opts.Batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return n, err
		}
	}
	// Every key is wrapped with the next key: it becomes the current one,
	// and the old one is no longer accepted.
	if err := os.Rename(nextFile, curFile); err != nil {
		return n, err
	}
	if err := syncDir(filepath.Dir(curFile)); err != nil {
		return n, err
	}
	if err := os.Remove(progFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return n, err
	}
	return n, nil
}

func masterKeyFile(cfg StoreConfig) string {
	if cfg.MasterKeyFile != "" {
		return cfg.MasterKeyFile
	}
	return filepath.Clean(cfg.Data) + ".master.key"
}

// The progress file holds the last subject ID whose key was rewrapped, in
// hex, and how many were, on one line.
func readProgress(path string) (candor.SubjectID, int, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return candor.SubjectID{}, 0, nil
	}
	if err != nil {
		return candor.SubjectID{}, 0, err
	}
	var id candor.SubjectID
	var done int
	var idHex string
	if _, err := fmt.Sscanf(strings.TrimSpace(string(raw)), "%s %d", &idHex, &done); err != nil {
		return id, 0, fmt.Errorf("rotation progress %s: %w", path, err)
	}
	b, err := hex.DecodeString(idHex)
	if err != nil || len(b) != len(id) {
		return id, 0, fmt.Errorf("rotation progress %s: not a subject ID", path)
	}
	copy(id[:], b)
	return id, done, nil
}

func writeProgress(path string, last candor.SubjectID, done int) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s %d\n", last, done)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
