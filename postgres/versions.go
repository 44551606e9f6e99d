package postgres

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
)

// Per-subject versions, for the caches callers keep of what they derive
// from a subject's data (opened keys, consents, decrypted matches). As in
// the Pebble store, subjects share 2^14 version counters by hash; a write
// bumps the counters of what it touched, which makes a cache miss now and
// then and never serves a stale entry.
//
// Across nodes, every transaction that writes a subject's data sends the
// numbers of the counters it touched with pg_notify, delivered to every
// listening node when the transaction commits; each node's listener bumps
// its own counters. A node bumps its own counters itself, after its commit
// and before returning, so that on the writing node the contract holds as
// on Pebble; on the other nodes a write is seen once its notification
// arrives (milliseconds on one database). A listener that loses its
// connection bumps every counter once it is back, since it may have missed
// notifications.

const subjectStripes = 1 << 14

// kindStripes are the counters of records about no subject, one per kind
// after the subjects' (so that writes of subjects' data never bump them).
const kindStripes = 64

type subjectVersions [subjectStripes + kindStripes]atomic.Uint64

func stripe(id candor.SubjectID, kind candor.RecordKind) uint16 {
	if id == (candor.SubjectID{}) && kind < kindStripes {
		return subjectStripes + uint16(kind)
	}
	h := binary.BigEndian.Uint64(id[:8]) + uint64(kind)*0x9e3779b97f4a7c15
	return uint16(h % subjectStripes)
}

// SubjectVersion returns the version of subject id's subject record (and
// so its wrapped data key), events and matches. Every write of those by
// this Store changes it after the write is committed and before the write
// returns; a write by another node sharing the database changes it when
// that node's notification arrives. Versions only grow; versions of
// different subjects may change together.
func (s *Store) SubjectVersion(id candor.SubjectID) uint64 {
	return s.versions[stripe(id, 0)].Load()
}

// RecordsVersion is SubjectVersion for subject id's records of kind: it
// changes with every PutRecord, DeleteRecord or Commit of one of them, and
// with the subject's erasure.
func (s *Store) RecordsVersion(kind candor.RecordKind, id candor.SubjectID) uint64 {
	return s.versions[stripe(id, kind)].Load()
}

func (v *subjectVersions) bump(stripes []uint16) {
	for _, i := range stripes {
		v[i].Add(1)
	}
}

func (v *subjectVersions) bumpAll() {
	for i := range v {
		v[i].Add(1)
	}
}

// touched returns the stripes of what wb writes, without repeats.
func touched(wb *candor.WriteBatch) []uint16 {
	var t stripeSet
	for i := range wb.Subjects {
		t.add(wb.Subjects[i].ID, 0)
	}
	for _, e := range wb.Events {
		t.add(e.Subject, 0)
	}
	for _, m := range wb.Matches {
		t.add(m.Subject, 0)
	}
	for _, r := range wb.Records {
		t.add(r.Subject, r.Kind)
	}
	for _, c := range wb.Changes {
		t.add(c.Event.Subject, 0)
	}
	for _, d := range wb.Deletes {
		t.add(d.Event.Subject, 0)
	}
	for _, e := range wb.Erase {
		for kind := candor.RecordKind(0); kind == 0 || kind.Valid(); kind++ {
			t.add(e.Subject, kind)
		}
		t.add(candor.SubjectID{}, candor.RecordErased) // candor.Versioned: every erasure
	}
	return t.list
}

type stripeSet struct {
	seen map[uint16]struct{}
	list []uint16
}

func (t *stripeSet) add(id candor.SubjectID, kind candor.RecordKind) {
	i := stripe(id, kind)
	if _, ok := t.seen[i]; ok {
		return
	}
	if t.seen == nil {
		t.seen = map[uint16]struct{}{}
	}
	t.seen[i] = struct{}{}
	t.list = append(t.list, i)
}

// notifier builds the notifications of this node's writes: its channel
// (one per schema) and a nonce, so that the listener ignores its own.
type notifier struct {
	channel string
	nonce   string
}

// maxNotified is how many stripes one notification names; a write that
// touches more notifies "all" (a NOTIFY payload is under 8000 bytes).
const maxNotified = 2048

// payload returns the notification of a write that touched stripes.
func (n *notifier) payload(stripes []uint16) string {
	if len(stripes) > maxNotified {
		return n.nonce + ":*"
	}
	b := make([]byte, 2*len(stripes))
	for i, st := range stripes {
		binary.BigEndian.PutUint16(b[2*i:], st)
	}
	return n.nonce + ":" + base64.RawStdEncoding.EncodeToString(b)
}

// queueNotify adds the notification of a write to a transaction's batch.
func (s *Store) queueNotify(b *pgx.Batch, stripes []uint16) {
	if len(stripes) == 0 {
		return
	}
	b.Queue(`SELECT pg_notify($1, $2)`, s.notify.channel, s.notify.payload(stripes))
}

// startListener picks the schema's channel and starts the goroutine that
// listens on it.
func (s *Store) startListener(ctx context.Context, cfg *pgx.ConnConfig) error {
	var schema string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: current schema: %w", err)
	}
	var nonce [8]byte
	rand.Read(nonce[:])
	s.notify = notifier{channel: channelName(schema), nonce: hex.EncodeToString(nonce[:])}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		_, err = conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.notify.channel}.Sanitize())
	}
	if err != nil {
		if conn != nil {
			conn.Close(ctx)
		}
		return fmt.Errorf("postgres: listen: %w", err)
	}
	lctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.listener.Go(func() { s.listen(lctx, cfg, conn) })
	return nil
}

// channelName is the notification channel of a schema: an identifier of
// at most 63 bytes.
func channelName(schema string) string {
	const prefix = "candor_versions_"
	if len(prefix)+len(schema) > 63 {
		var h [8]byte
		for i, c := range []byte(schema) {
			h[i%8] ^= c
		}
		schema = hex.EncodeToString(h[:])
	}
	return prefix + schema
}

// listen applies other nodes' notifications until ctx ends, reconnecting
// (and bumping every version, since notifications may have been missed)
// when the connection fails.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig, conn *pgx.Conn) {
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for ctx.Err() == nil {
		if conn == nil {
			c, err := pgx.ConnectConfig(ctx, cfg)
			if err == nil {
				if _, err = c.Exec(ctx, "LISTEN "+pgx.Identifier{s.notify.channel}.Sanitize()); err != nil {
					c.Close(context.Background())
				}
			}
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("postgres: version listener cannot reconnect", "err", err)
				}
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
				continue
			}
			conn = c
			s.versions.bumpAll()
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("postgres: version listener lost its connection", "err", err)
			}
			conn.Close(context.Background())
			conn = nil
			continue
		}
		s.apply(n.Payload)
	}
}

// apply bumps the versions a notification names, unless it is this
// node's own.
func (s *Store) apply(payload string) {
	nonce, rest, ok := strings.Cut(payload, ":")
	if !ok || nonce == s.notify.nonce {
		return
	}
	if rest == "*" {
		s.versions.bumpAll()
		return
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(b)%2 != 0 {
		s.versions.bumpAll() // not ours to understand: be safe
		return
	}
	for ; len(b) > 0; b = b[2:] {
		s.versions[int(binary.BigEndian.Uint16(b))%len(s.versions)].Add(1)
	}
}
