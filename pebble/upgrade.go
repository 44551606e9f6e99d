package pebble

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// UpgradeKeys upgrades the store in dir from format version 1, 2 or 3 to
// FormatVersion: it moves every subject's wrapped data key out of the
// store into kr, then rewrites the subject records without it and
// compacts the store, so that no file of the data dir holds a key
// afterwards. It returns how many keys it moved. The keys are durable in
// kr before any subject record loses its own, so an upgrade cut short
// leaves no subject without a key, and running it again finishes it. A
// store of format version 4 or later holds no key and is left as it is
// (0, nil): Open reads it. The caller
// should have backed up the data dir first: the upgrade rewrites it.
func UpgradeKeys(ctx context.Context, dir string, opts Options, kr candor.Keyring) (int, error) {
	opts.MustExist = true
	po := opts.pebbleOptions()
	po.ErrorIfNotExists = true
	db, err := openDB(dir, po, opts.Logger)
	if err != nil {
		return 0, fmt.Errorf("pebble: open %s: %w", dir, err)
	}
	defer db.Close()
	v, closer, err := db.Get(keyFormat)
	if err != nil {
		return 0, fmt.Errorf("pebble: %s: read format version: %w", dir, err)
	}
	found := uint32(0)
	if len(v) == 4 {
		found = binary.BigEndian.Uint32(v)
	}
	closer.Close()
	switch {
	case found >= formatReadAsIs && found <= FormatVersion:
		return 0, nil // no key in it; Open reads format 4 as it is
	case found < formatUpgradable || found > FormatVersion:
		return 0, fmt.Errorf("pebble: %s holds store format version %x; this build upgrades versions %d to %d", dir, v, formatUpgradable, FormatVersion-1)
	}
	moved := 0
	for {
		n, more, err := upgradeChunk(ctx, db, kr)
		moved += n
		if err != nil {
			return moved, fmt.Errorf("pebble: upgrade %s: %w", dir, err)
		}
		if !more {
			break
		}
	}
	if err := db.Set(keyFormat, binary.BigEndian.AppendUint32(nil, FormatVersion), pebble.Sync); err != nil {
		return moved, fmt.Errorf("pebble: upgrade %s: %w", dir, err)
	}
	if err := db.Flush(); err != nil {
		return moved, fmt.Errorf("pebble: upgrade %s: flush: %w", dir, err)
	}
	if err := db.Compact(ctx, []byte{0x00}, []byte{0xff}, true); err != nil {
		return moved, fmt.Errorf("pebble: upgrade %s: compact: %w", dir, err)
	}
	return moved, nil
}

// upgradeChunk moves the keys of up to 10,000 subjects still in the old
// encoding: into kr first (durably), then the records rewritten in one
// synced batch. It reports whether any may be left.
func upgradeChunk(ctx context.Context, db *pebble.DB, kr candor.Keyring) (int, bool, error) {
	const chunk = 10000
	it, err := db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: []byte{tableSubject}, UpperBound: []byte{tableSubject + 1}})
	if err != nil {
		return 0, false, err
	}
	var keys []candor.WrappedKey
	var recs []*candor.SubjectRecord
	for ok := it.First(); ok && len(keys) < chunk; ok = it.Next() {
		if len(it.Key()) != subjectKeyLen {
			it.Close()
			return 0, false, errCorrupt
		}
		if v := it.Value(); len(v) > 0 && v[0] == subjectV2 {
			continue
		}
		id := candor.SubjectID(it.Key()[1:])
		r, wrapped, err := decodeSubjectV1(id, it.Value())
		if err != nil {
			it.Close()
			return 0, false, fmt.Errorf("subject %s: %w", id, err)
		}
		keys = append(keys, candor.WrappedKey{Subject: id, Wrapped: wrapped})
		recs = append(recs, r)
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return 0, false, err
	}
	if len(keys) == 0 {
		return 0, false, nil
	}
	if err := kr.PutSubjectKeys(ctx, keys); err != nil {
		return 0, false, fmt.Errorf("keeping the keys in the keyring: %w", err)
	}
	b := db.NewBatch()
	defer b.Close()
	for _, r := range recs {
		v := make([]byte, subjectValueLen(r))
		putSubject(v, r)
		b.Set(subjectKey(nil, r.ID), v, nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, false, err
	}
	return len(keys), len(keys) == chunk, nil
}
