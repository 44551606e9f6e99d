package audit

import (
	"bytes"
	"context"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
)

// CatchUp makes a log restored from a copy agree with a store restored
// from a backup taken after the copy (on PostgreSQL: candor backup, then
// the database's backup), before any node starts on them: it appends
// again, in the same order, the bundles the store records as logged at
// the indexes the copy lacks — the store keeps every recorded entry and
// the log index of each of its bundles, and a bundle's bytes depend only
// on its entry (Bundles) — so that the log is the same tree the original
// log was at that size. If the store kept a checkpoint larger than what
// it marks as logged (the checkpoint was kept between an append and its
// mark), it appends the bundles of the entries after the mark, in order,
// up to that size. Then it checks the rebuilt log's root at the size of
// the store's kept checkpoint against that signed checkpoint: the log is
// the one that was published, or CatchUp fails saying so. It returns how
// many bundles it appended; entries recorded but not logged are left to
// the node's appender.
//
// A store older than the copy (the copy holds bundles of entries the
// store lacks) is refused with an ECONFLICT error naming the problem: its
// records are lost, and a log cannot be rolled back. Nothing is appended
// then.
func CatchUp(ctx context.Context, st candor.Store, l *tlog.Log) (int, error) {
	if _, err := l.WaitPublished(ctx); err != nil {
		return 0, err
	}
	_, size, _, err := l.Checkpoint(ctx)
	if err != nil {
		return 0, err
	}
	mark, err := st.AuditMark(ctx)
	if err != nil {
		return 0, err
	}
	kept, err := KeptCheckpoint(ctx, st)
	if err != nil {
		return 0, err
	}
	var keptSize uint64
	var keptRoot []byte
	if kept != nil {
		cp, err := openCheckpoint(kept, l.VerifierKey())
		if err != nil {
			return 0, fmt.Errorf("audit: the store's last checkpoint is not signed by the log's key (another installation's log?): %w", err)
		}
		keptSize, keptRoot = cp.Size, cp.Hash
	}
	if mark.Size < size {
		if err := storeBehind(ctx, st, l, mark, size); err != nil {
			return 0, err
		}
	}
	c := catchUp{st: st, log: l, next: size}
	if mark.Size > size {
		if err := c.logged(ctx, mark); err != nil {
			return c.appended, err
		}
	}
	if keptSize > c.next {
		if err := c.unmarked(ctx, mark, keptSize); err != nil {
			return c.appended, err
		}
	}
	if keptRoot == nil {
		return c.appended, nil
	}
	if _, err := l.WaitCheckpoint(ctx, c.next); err != nil {
		return c.appended, err
	}
	root, err := l.RootAt(ctx, keptSize)
	if err != nil {
		return c.appended, err
	}
	if !bytes.Equal(root, keptRoot) {
		return c.appended, fmt.Errorf("audit: the log rebuilt from the copy and the store has another root at size %d than the checkpoint the log published (kept in the store): the copy and the store are not of the same log", keptSize)
	}
	return c.appended, nil
}

// storeBehind checks the log's entries from mark.Size to size, which the
// store does not mark as logged, against the store's entries after the
// mark (appended but not marked when the store was copied). It returns
// an ECONFLICT error if any is not in the store.
func storeBehind(ctx context.Context, st candor.AuditStore, l *tlog.Log, mark candor.AuditMark, size uint64) error {
	recorded := map[candor.BundleRef][]byte{}
	for e, err := range st.AuditEntries(ctx, mark.Seq) {
		if err != nil {
			return err
		}
		for _, b := range Bundles(e) {
			data, err := b.MarshalBinary()
			if err != nil {
				return err
			}
			recorded[refOf(&b)] = data
		}
	}
	var missing int
	var first uint64
	var firstSeq uint64
	err := l.Scan(ctx, mark.Size, func(index uint64, b *tlog.Bundle) error {
		if index >= size {
			return nil
		}
		data, err := b.MarshalBinary()
		if err != nil {
			return err
		}
		if !bytes.Equal(recorded[refOf(b)], data) {
			if missing == 0 {
				first, firstSeq = index, b.Seq
			}
			missing++
		}
		return nil
	})
	if err != nil || missing == 0 {
		return err
	}
	return candor.Errorf(candor.ECONFLICT, "the database is older than the log's copy: the log holds %d entries, the database recorded %d of them as logged, and %d of the others (the first at index %d, of commit %d) are not in it: what they recorded is lost, and a log cannot be rolled back; restore a backup of the database taken after the log's copy (candor backup first, then the database's backup)",
		size, mark.Size, missing, first, firstSeq)
}

// catchUp appends bundles to a log at the indexes they must have.
type catchUp struct {
	st       candor.AuditStore
	log      *tlog.Log
	next     uint64                 // the index the next bundle appended gets
	pending  map[uint64]tlog.Bundle // found, waiting for the indexes before them
	buf      []tlog.Bundle          // to append, at next-len(buf)...
	appended int
}

// logged appends the bundles the store records as logged at the indexes
// from c.next to mark.Size. The store's entries are read from the commit
// of the log's last bundle on (bundles are appended in commit order), and
// once more from the first if some index is still missing.
func (c *catchUp) logged(ctx context.Context, mark candor.AuditMark) error {
	c.pending = map[uint64]tlog.Bundle{}
	var after uint64
	if c.next > 0 {
		err := c.log.Scan(ctx, c.next-1, func(_ uint64, b *tlog.Bundle) error {
			if after == 0 {
				after = b.Seq - 1
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for {
		if err := c.pass(ctx, after, mark); err != nil {
			return err
		}
		if c.next >= mark.Size {
			return nil
		}
		if after == 0 {
			return fmt.Errorf("audit: the store recorded bundles as logged up to log size %d, but none at index %d (a bundle logged twice?): the log cannot be rebuilt as it was published; replace it with candor audit recover", mark.Size, c.next)
		}
		after = 0
	}
}

// pass reads the entries after after, through mark.Seq, and appends the
// bundles logged at c.next and on.
func (c *catchUp) pass(ctx context.Context, after uint64, mark candor.AuditMark) error {
	for e, err := range c.st.AuditEntries(ctx, after) {
		if err != nil {
			return err
		}
		if e.Seq > mark.Seq {
			break
		}
		idx, err := c.st.LogIndexes(ctx, e.Seq)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		for i, b := range Bundles(e) {
			if i < len(idx) && idx[i] >= c.next && idx[i] < mark.Size {
				c.pending[idx[i]] = b
			}
		}
		for {
			b, ok := c.pending[c.next]
			if !ok {
				break
			}
			delete(c.pending, c.next)
			if err := c.add(ctx, b); err != nil {
				return err
			}
		}
	}
	return c.flush(ctx)
}

// unmarked appends the bundles of the entries after mark, in order, until
// the log holds size entries.
func (c *catchUp) unmarked(ctx context.Context, mark candor.AuditMark, size uint64) error {
	for e, err := range c.st.AuditEntries(ctx, mark.Seq) {
		if err != nil {
			return err
		}
		for _, b := range Bundles(e) {
			if c.next >= size {
				return c.flush(ctx)
			}
			if err := c.add(ctx, b); err != nil {
				return err
			}
		}
	}
	if err := c.flush(ctx); err != nil {
		return err
	}
	if c.next < size {
		return fmt.Errorf("audit: the store kept a checkpoint of the log of size %d, but its entries rebuild only %d: the log cannot be rebuilt as it was published", size, c.next)
	}
	return nil
}

// add queues b for index c.next.
func (c *catchUp) add(ctx context.Context, b tlog.Bundle) error {
	c.buf = append(c.buf, b)
	c.next++
	if len(c.buf) >= maxRound {
		return c.flush(ctx)
	}
	return nil
}

// flush appends the queued bundles and checks they got their indexes.
func (c *catchUp) flush(ctx context.Context) error {
	if len(c.buf) == 0 {
		return nil
	}
	want := c.next - uint64(len(c.buf))
	got, err := c.log.AppendAll(ctx, c.buf)
	if err != nil {
		return fmt.Errorf("audit: appending %d bundles again: %w", len(c.buf), err)
	}
	for j, at := range got {
		if at != want+uint64(j) {
			return fmt.Errorf("audit: a bundle appended again got index %d, not %d: does another process append to the log?", at, want+uint64(j))
		}
	}
	c.appended += len(c.buf)
	c.buf = c.buf[:0]
	return nil
}
