package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
)

// MetaVerified holds the store's Verified mark: how much of the log was
// last checked whole, signed with the log's key.
const MetaVerified = "tlog/verified"

// verifiedHeader is the first line of a Verified mark's signed text. It is
// not an origin, so a mark is never taken for a checkpoint.
const verifiedHeader = "candor transparency log checked"

// Verified says that the log's first Size entries, with root hash Root,
// were checked whole from its files (tlog.Check or, after an earlier
// mark, tlog.Log.CheckTail), and every entry the store recorded, up to
// sequence Through, was found in the log where the store says it was
// logged, in the log of the store's epoch Epoch.
//
// The store keeps it signed with the log's key (KeepVerified), so that
// editing or forging it needs the key that signs the checkpoints: a mark
// that does not verify is ignored and the log is checked whole again.
type Verified struct {
	Epoch   uint64
	Size    uint64
	Root    []byte
	Through uint64
}

// text is the mark's signed text.
func (v Verified) text(origin string) string {
	return fmt.Sprintf("%s\n%s\nepoch %d\nsize %d\nroot %s\nthrough %d\n", verifiedHeader, origin,
		v.Epoch, v.Size, base64.StdEncoding.EncodeToString(v.Root), v.Through)
}

// ErrBadMark is returned by KeptVerified for a mark that is not one the
// log's key signed for this store's log: it is ignored.
var ErrBadMark = errors.New("audit: the store's verified mark is not signed by the log's key for this log")

// KeptVerified returns the store's Verified mark for l, or nil if it
// kept none (never checked whole, or a new log since). Errors: ErrBadMark
// (wrapped) for a mark that does not verify with l's key, is for another
// log or epoch, or is garbled.
func KeptVerified(ctx context.Context, st MetaStore, l *tlog.Log) (*Verified, error) {
	raw, err := st.GetMeta(ctx, MetaVerified)
	if candor.ErrorCode(err) == candor.ENOTFOUND || err == nil && len(raw) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	text, err := tlog.OpenSigned(raw, l.VerifierKey())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMark, err)
	}
	var v Verified
	var root, origin string
	_, err = fmt.Sscanf(strings.TrimPrefix(text, verifiedHeader+"\n"), "%s\nepoch %d\nsize %d\nroot %s\nthrough %d\n",
		&origin, &v.Epoch, &v.Size, &root, &v.Through)
	if err == nil {
		v.Root, err = base64.StdEncoding.DecodeString(root)
	}
	if err != nil || v.text(origin) != text || origin != l.Origin() || len(v.Root) != 32 {
		return nil, fmt.Errorf("%w: garbled or for another log", ErrBadMark)
	}
	e, err := epoch(ctx, st)
	if err != nil {
		return nil, err
	}
	if v.Epoch != e {
		return nil, fmt.Errorf("%w: it is for the store's log %d, not %d", ErrBadMark, v.Epoch, e)
	}
	return &v, nil
}

// KeepVerified signs v with l's key and keeps it as the store's mark.
func KeepVerified(ctx context.Context, st MetaStore, l *tlog.Log, v Verified) error {
	raw, err := l.Sign(v.text(l.Origin()))
	if err != nil {
		return err
	}
	return st.PutMeta(ctx, MetaVerified, raw)
}

// CheckWhole checks all of l from its files (tlog.Check) and against the
// store (CheckStore), and returns what is wrong and, if nothing is, the
// mark to keep. published is CheckStore's; live says the log is appended
// to while it is checked (by a running node), so that what it appends
// after the checkpoint it reads is left to the next check.
func CheckWhole(ctx context.Context, st candor.Store, l *tlog.Log, published, live bool) ([]string, Verified, error) {
	s, err := tlog.Check(ctx, l, l.VerifierKey(), nil)
	if err != nil {
		return nil, Verified{}, err
	}
	problems := append([]string(nil), s.Problems...)
	against, through, err := checkStore(ctx, st, s, l.VerifierKey(), storeCheck{published: published, live: live})
	if err != nil {
		return nil, Verified{}, err
	}
	e, err := epoch(ctx, st)
	if err != nil {
		return nil, Verified{}, err
	}
	return append(problems, against...), Verified{Epoch: e, Size: s.Size, Root: s.Root, Through: through}, nil
}

// CheckSince checks what l appended since the mark v (tlog.Log.CheckTail),
// the store's entries recorded since v.Through against it, and the
// store's kept checkpoint against the log, reading O(log n) tiles and the
// entries since v; it returns what is wrong and, if nothing is, the next
// mark. What the log held at v is not read again: CheckWhole reads it.
func CheckSince(ctx context.Context, st candor.Store, l *tlog.Log, v Verified, published, live bool) ([]string, Verified, error) {
	t, err := l.CheckTail(ctx, v.Size, v.Root)
	if err != nil {
		return nil, Verified{}, err
	}
	if !t.OK() {
		return t.Problems, Verified{}, nil
	}
	problems, through, err := checkStore(ctx, st, t, l.VerifierKey(), storeCheck{published: published, live: live, after: v.Through})
	if err != nil {
		return nil, Verified{}, err
	}
	next := Verified{Epoch: v.Epoch, Size: t.Size, Root: t.Root, Through: max(through, v.Through)}
	if next.Size == v.Size && !bytes.Equal(next.Root, v.Root) {
		problems = append(problems, "the log's root changed at the same size: its history was rewritten")
	}
	return problems, next, nil
}
