package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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

// RotateOptions tune RotateKeys and Node.RotateKeys.
type RotateOptions struct {
	Batch int // keys rewrapped and stored per step (0: 1000, or a tenth of KeysPerSecond)
	// KeysPerSecond, if positive, bounds the pace of the rotation, so
	// that a running node keeps its disk for serving.
	KeysPerSecond int
	// Progress, if set, is called before the first step and after each
	// with the keys
	// rewrapped so far (those of earlier, interrupted runs included) and
	// the total.
	Progress func(done, total int)
}

// RotateKeys rewraps every subject's data key under a new wrapping key,
// offline (the server stopped), and retires the old one: from then on no
// key wrapped with it opens. It is resumable: each step's keys are stored
// (durably) before its progress is written beside the key files, and a
// run cut short is continued by the next, from where the progress says
// (by this command, or by a node started on the data dir). It returns
// how many keys this run rewrapped.
func RotateKeys(ctx context.Context, cfg StoreConfig, opts RotateOptions) (int, error) {
	keyFile := masterKeyFile(cfg)
	inst, err := OpenExisting(cfg, nil) // a running server holding it: nothing is begun
	if err != nil {
		return 0, err
	}
	defer inst.Close()
	if err := noNodeRunning(ctx, inst.Store, "candor keys rotate", "rotate on the running nodes instead (candor keys rotate --server URL --key-file F)"); err != nil {
		return 0, err
	}
	if inst.wraps != nil { // the keyring keeps the generations
		rot, err := inst.wraps.begin(ctx, opts.KeysPerSecond)
		if err != nil {
			return 0, err
		}
		return inst.wraps.rotate(ctx, rot, opts, func() bool { return true })
	}
	if err := beginRotation(keyFile); err != nil {
		return 0, err
	}
	return rotate(ctx, inst.Vault, keyFile, opts)
}

// noNodeRunning refuses, on a store shared by nodes (one with leases),
// while a node holds the jobs' lease; cmd names the command and why says
// what a running node would do wrong.
func noNodeRunning(ctx context.Context, st candor.Store, cmd, why string) error {
	l, ok := st.(candor.Leaser)
	if !ok {
		return nil
	}
	holder := cmd + "/" + candor.NewSubjectID().String()
	lease, held, err := l.AcquireLease(ctx, jobsLease, holder, time.Second)
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("%s: a node is running on this database (%s holds the jobs' lease): stop every node first, or %s", cmd, lease.Holder, why)
	}
	return l.ReleaseLease(ctx, jobsLease, holder)
}

// beginRotation writes the next wrapping key, unless a rotation begun
// earlier wrote it.
func beginRotation(keyFile string) error {
	_, nextFile, _ := wrapFiles(keyFile)
	if _, err := os.Stat(nextFile); errors.Is(err, fs.ErrNotExist) {
		if _, err := vault.LoadOrCreateKey(nextFile); err != nil {
			return err
		}
	}
	return nil
}

// rotate rewraps every key of v's keyring under the next wrapping key
// (beginRotation wrote it), from where the progress file says, then
// makes it the current one and retires the old. v may be in use (a
// running node): from its start, new keys are wrapped with the next key
// and keys open under either (vault.UseWrapKeys).
func rotate(ctx context.Context, v *vault.Vault, keyFile string, opts RotateOptions) (int, error) {
	curFile, nextFile, progFile := wrapFiles(keyFile)
	master, err := vault.LoadKey(keyFile)
	if err == nil {
		err = useWrapKeys(v, keyFile, master)
	}
	if err != nil {
		return 0, err
	}
	after, done, kps, err := readProgress(progFile)
	if err != nil {
		return 0, err
	}
	if opts.KeysPerSecond <= 0 { // the pace the rotation began at
		opts.KeysPerSecond = kps
	} else if err := writeProgress(progFile, after, done, opts.KeysPerSecond); err != nil {
		return 0, err
	}
	opts.Batch = rotateBatch(opts)
	total := done
	for _, err := range v.Keyring().SubjectKeys(ctx, after) {
		if err != nil {
			return 0, err
		}
		total++
	}
	if opts.Progress != nil {
		opts.Progress(done, total)
	}
	n, began := 0, time.Now()
	for end := false; !end; {
		var k int
		after, k, end, err = v.RewrapKeys(ctx, after, opts.Batch)
		if err != nil {
			return n, err
		}
		n += k
		if err := writeProgress(progFile, after, done+n, opts.KeysPerSecond); err != nil {
			return n, err
		}
		if opts.Progress != nil {
			opts.Progress(done+n, max(total, done+n))
		}
		if err := pace(ctx, began, n, opts.KeysPerSecond); err != nil {
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
	if err := useWrapKeys(v, keyFile, master); err != nil {
		return n, err
	}
	if err := os.Remove(progFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return n, err
	}
	return n, nil
}

// pace waits until n keys rewrapped since began are within perSecond
// (no wait if it is not positive), and returns ctx's error if it is done.
func pace(ctx context.Context, began time.Time, n, perSecond int) error {
	if perSecond > 0 {
		due := began.Add(time.Duration(n) * time.Second / time.Duration(perSecond))
		t := time.NewTimer(time.Until(due))
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return ctx.Err()
}

// rotationUnderway reports whether a rotation was begun and not finished
// (its next wrapping key file exists).
func rotationUnderway(keyFile string) bool {
	_, nextFile, _ := wrapFiles(keyFile)
	_, err := os.Stat(nextFile)
	return err == nil
}

func masterKeyFile(cfg StoreConfig) string {
	if cfg.MasterKeyFile != "" {
		return cfg.MasterKeyFile
	}
	return filepath.Clean(cfg.Data) + ".master.key"
}

// The progress file holds the last subject ID whose key was rewrapped, in
// hex, how many were, and the pace the rotation runs at (keys a second,
// 0: no bound), on one line; files of earlier builds lack the pace.
func readProgress(path string) (candor.SubjectID, int, int, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return candor.SubjectID{}, 0, 0, nil
	}
	if err != nil {
		return candor.SubjectID{}, 0, 0, err
	}
	var id candor.SubjectID
	var done, kps int
	fields := strings.Fields(string(raw))
	if len(fields) != 2 && len(fields) != 3 {
		return id, 0, 0, fmt.Errorf("rotation progress %s: want a subject ID, a count and a pace on one line", path)
	}
	b, err := hex.DecodeString(fields[0])
	if err != nil || len(b) != len(id) {
		return id, 0, 0, fmt.Errorf("rotation progress %s: not a subject ID", path)
	}
	copy(id[:], b)
	if done, err = strconv.Atoi(fields[1]); err != nil || done < 0 {
		return id, 0, 0, fmt.Errorf("rotation progress %s: %q is not a count of keys", path, fields[1])
	}
	if len(fields) == 3 {
		if kps, err = strconv.Atoi(fields[2]); err != nil || kps < 0 {
			return id, 0, 0, fmt.Errorf("rotation progress %s: %q is not a pace in keys a second", path, fields[2])
		}
	}
	return id, done, kps, nil
}

func writeProgress(path string, last candor.SubjectID, done, keysPerSecond int) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s %d %d\n", last, done, keysPerSecond)
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
