package postgres

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
	"github.com/jackc/pgx/v5"
)

// SubjectByIndex returns the subject a blind index maps to, or ENOTFOUND.
func (s *Store) SubjectByIndex(ctx context.Context, bi candor.BlindIndex) (candor.SubjectID, error) {
	if err := s.enter(); err != nil {
		return candor.SubjectID{}, err
	}
	var id []byte
	err := s.pool.QueryRow(ctx, `SELECT subject FROM candor_blind_index WHERE bi = $1`, bi[:]).Scan(&id)
	if err != nil {
		return candor.SubjectID{}, s.notFound(err, "blind index not found")
	}
	return candor.SubjectID(id), nil
}

// IndexesOf reads the index rows of subjects.
func (s *Store) IndexesOf(ctx context.Context, subjects []candor.SubjectID) (map[candor.SubjectID][]candor.BlindIndex, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	ids := make([][]byte, len(subjects))
	for i := range subjects {
		ids[i] = subjects[i][:]
	}
	rows, err := s.pool.Query(ctx, `SELECT bi, subject FROM candor_blind_index WHERE subject = ANY($1)`, ids)
	if err != nil {
		return nil, s.wrap(err, "read the index")
	}
	defer rows.Close()
	out := map[candor.SubjectID][]candor.BlindIndex{}
	for rows.Next() {
		var bi, id []byte
		if err := rows.Scan(&bi, &id); err != nil {
			return nil, s.wrap(err, "read the index")
		}
		if len(bi) != len(candor.BlindIndex{}) || len(id) != len(candor.SubjectID{}) {
			return nil, fmt.Errorf("postgres: malformed index row %x → %x", bi, id)
		}
		sub := candor.SubjectID(id)
		out[sub] = append(out[sub], candor.BlindIndex(bi))
	}
	return out, s.wrap(rows.Err(), "read the index")
}

// Subject returns a subject record, or ENOTFOUND.
func (s *Store) Subject(ctx context.Context, id candor.SubjectID) (*candor.SubjectRecord, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	r := &candor.SubjectRecord{ID: id}
	var (
		kind int16
		sec  int64
		ns   int32
	)
	err := s.pool.QueryRow(ctx, `SELECT kind, created_s, created_ns, sealed FROM candor_subjects WHERE id = $1`, id[:]).
		Scan(&kind, &sec, &ns, &r.Sealed)
	if err != nil {
		return nil, s.notFound(err, "subject %s not found", id)
	}
	r.Kind, r.CreatedAt = candor.SubjectKind(kind), time.Unix(sec, int64(ns)).UTC()
	return r, nil
}

// Dedupe returns what is stored under an idempotency key, or ENOTFOUND.
func (s *Store) Dedupe(ctx context.Context, k candor.DedupeKey) (candor.DedupeEntry, error) {
	if err := s.enter(); err != nil {
		return candor.DedupeEntry{}, err
	}
	var (
		digest, sub []byte
		ev          int64
	)
	err := s.pool.QueryRow(ctx, `SELECT digest, subject, event FROM candor_dedupe WHERE key = $1`, k[:]).Scan(&digest, &sub, &ev)
	if err != nil {
		return candor.DedupeEntry{}, s.notFound(err, "dedupe key not found")
	}
	return candor.DedupeEntry{Digest: candor.Digest(digest), Subject: candor.SubjectID(sub), Event: candor.EventID(ev)}, nil
}

// ctxCheckEvery is how many rows an iteration yields between checks of its
// context.
const ctxCheckEvery = 256

// query yields what scan makes of every row the query returns. An error,
// the context's included, is yielded once as the last item; stopping early
// closes the rows.
func query[T any](s *Store, ctx context.Context, what, sql string, args []any, scan func(pgx.Rows) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := s.enter(); err != nil {
			yield(zero, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		rows, err := s.pool.Query(ctx, sql, args...)
		if err != nil {
			yield(zero, s.wrap(err, what))
			return
		}
		defer rows.Close()
		for n := 1; rows.Next(); n++ {
			if n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					yield(zero, err)
					return
				}
			}
			r, err := scan(rows)
			if err != nil {
				yield(zero, s.wrap(err, what))
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, s.wrap(err, what))
		}
	}
}

// Events yields a subject's events in order of occurrence, ties in ID
// order: one range of the subject's partition's primary key. The yielded
// record is reused between iterations.
func (s *Store) Events(ctx context.Context, id candor.SubjectID, f candor.EventFilter) iter.Seq2[*candor.EventRecord, error] {
	since := int64(math.MinInt64)
	if !f.Since.IsZero() {
		n, ok := unixNanos(f.Since)
		switch {
		case ok:
			since = n
		case f.Since.After(maxTime):
			return func(func(*candor.EventRecord, error) bool) {}
		}
	}
	var r candor.EventRecord
	return query(s, ctx, "events of "+id.String(),
		`SELECT occurred, id, state, dedupe, digest, sealed FROM candor_events WHERE subject = $1 AND occurred >= $2 ORDER BY occurred, id`,
		[]any{id[:], since}, func(rows pgx.Rows) (*candor.EventRecord, error) {
			r.Subject = id
			return &r, scanEvent(rows, &r)
		})
}

// scanner is a row or rows to scan.
type scanner interface{ Scan(dest ...any) error }

// scanEvent scans an event's columns into r, then any extra ones.
func scanEvent(rows scanner, r *candor.EventRecord, extra ...any) error {
	var (
		occurred, id   int64
		state          int16
		dedupe, digest []byte
	)
	if err := rows.Scan(append([]any{&occurred, &id, &state, &dedupe, &digest, &r.Sealed}, extra...)...); err != nil {
		return err
	}
	r.OccurredAt, r.ID, r.State = timeOfNanos(occurred), candor.EventID(id), candor.EventState(state)
	r.Dedupe, r.Digest = candor.DedupeKey(dedupe), candor.Digest(digest)
	return nil
}

// Event implements candor.EventStore: a point read of the event and one
// of its matches.
func (s *Store) Event(ctx context.Context, ref candor.EventRef) (*candor.EventRecord, []*candor.MatchRecord, error) {
	if err := s.enter(); err != nil {
		return nil, nil, err
	}
	nanos, ok := unixNanos(ref.OccurredAt)
	if !ok {
		return nil, nil, candor.Errorf(candor.ENOTFOUND, "event %d not found", ref.ID)
	}
	e := &candor.EventRecord{Subject: ref.Subject}
	var column []byte
	err := scanEvent(s.pool.QueryRow(ctx, `SELECT occurred, id, state, dedupe, digest, sealed, matches FROM candor_events WHERE subject = $1 AND occurred = $2 AND id = $3`,
		ref.Subject[:], nanos, int64(ref.ID)), e, &column)
	if err != nil {
		return nil, nil, s.notFound(err, "event %d not found", ref.ID)
	}
	var ms []*candor.MatchRecord
	for m, err := range query(s, ctx, "matches of an event",
		`SELECT scorecard, occurred, event, state, alone, sealed FROM candor_matches WHERE subject = $1 AND occurred = $2 AND event = $3`,
		[]any{ref.Subject[:], nanos, int64(ref.ID)}, func(rows pgx.Rows) (*candor.MatchRecord, error) {
			m := &candor.MatchRecord{Subject: ref.Subject}
			return m, scanMatch(rows, m)
		}) {
		if err != nil {
			return nil, nil, err
		}
		ms = append(ms, m)
	}
	if ms, err = mergeMatches(e.Ref(), e.State, column, ms); err != nil {
		return nil, nil, fmt.Errorf("postgres: event %d: %w", ref.ID, err)
	}
	return e, ms, nil
}

func scanMatch(rows scanner, m *candor.MatchRecord) error {
	var card, occurred, event int64
	var state int16
	if err := rows.Scan(&card, &occurred, &event, &state, &m.Alone, &m.Sealed); err != nil {
		return err
	}
	m.Scorecard, m.OccurredAt, m.Event, m.State = candor.ScorecardKey(card), timeOfNanos(occurred), candor.EventID(event), candor.EventState(state)
	return nil
}

// matchesOf reads a subject's matches with one scorecard ($2): those
// stored on their own (src 1) and the rows of its events that keep
// matches (src 0), in order of occurrence and event, a match stored on its
// own before the event's row.
const matchesOf = `SELECT 1, occurred, event, state, alone, sealed FROM candor_matches WHERE subject = $1 AND scorecard = $2
	UNION ALL
	SELECT 0, occurred, id, state, false, matches FROM candor_events WHERE subject = $1 AND matches IS NOT NULL
	ORDER BY 2, 3, 1 DESC`

// Matches yields a subject's matches with one scorecard version in order
// of occurrence, ties in event ID order: a range of the matches' primary
// key and one of the events' (embedded.go). The yielded record is reused
// between iterations.
func (s *Store) Matches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) iter.Seq2[*candor.MatchRecord, error] {
	type row struct {
		own, alone      bool // own: a row of candor_matches
		occurred, event int64
		state           int16
		blob            []byte
	}
	rows := query(s, ctx, "matches of "+id.String(), matchesOf, []any{id[:], int64(card)}, func(rows pgx.Rows) (row, error) {
		var r row
		var src int32
		err := rows.Scan(&src, &r.occurred, &r.event, &r.state, &r.alone, &r.blob)
		r.own = src == 1
		return r, err
	})
	return func(yield func(*candor.MatchRecord, error) bool) {
		var m candor.MatchRecord
		var lastAlone struct{ occurred, event int64 } // of the last row of candor_matches
		for r, err := range rows {
			if err != nil {
				yield(nil, err)
				return
			}
			sealed, shared := r.blob, false
			if r.own {
				lastAlone.occurred, lastAlone.event = r.occurred, r.event
			} else {
				found, ok, err := matchlist.Find(r.blob, card)
				if err != nil {
					yield(nil, fmt.Errorf("postgres: event %d of %s: %w", r.event, id, err))
					return
				}
				if !ok || lastAlone.occurred == r.occurred && lastAlone.event == r.event {
					continue // none with card, or replaced by a row of its own
				}
				sealed, shared = found, matchlist.Marked(r.blob)
			}
			m = candor.MatchRecord{Subject: id, Scorecard: card, OccurredAt: timeOfNanos(r.occurred), Event: candor.EventID(r.event),
				State: candor.EventState(r.state), Alone: r.alone, Shared: shared, Sealed: sealed}
			if !yield(&m, nil) {
				return
			}
		}
	}
}

// PutMatches stores recs in one transaction, as matches stored on their
// own (it sets their Alone), replacing any stored under the same key. It
// returns EINVALID for a record without a subject or event, or with a
// time the store cannot hold.
func (s *Store) PutMatches(ctx context.Context, recs []*candor.MatchRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkMatches(recs); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, m := range recs {
		m.Alone = true
		b.Queue(upsertMatch, matchRow(m)...)
	}
	stripes := touched(&candor.WriteBatch{Matches: recs})
	s.queueNotify(&b, stripes)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, &b).Close() })
	if err != nil {
		return s.wrap(err, "put matches")
	}
	s.versions.bump(stripes)
	return nil
}

// Population implements candor.EventStore with one query: the part's
// subjects joined with their events, in subject ID order. The yielded
// value and its records are reused between iterations.
func (s *Store) Population(ctx context.Context, part candor.Part) iter.Seq2[*candor.SubjectEvents, error] {
	return func(yield func(*candor.SubjectEvents, error) bool) {
		if !part.Valid() {
			yield(nil, candor.Errorf(candor.EINVALID, "population part %d of %d does not exist", part.Index, part.Of))
			return
		}
		lo, hi, last := part.Bounds()
		lower := be64(lo)
		upper := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		if !last {
			upper = be64(hi)
		}
		var (
			out  candor.SubjectEvents
			sub  candor.SubjectRecord
			recs []candor.EventRecord
		)
		type row struct {
			sub candor.SubjectRecord
			ev  *candor.EventRecord // nil: a subject without events
		}
		var ev candor.EventRecord
		rows := query(s, ctx, "population",
			`SELECT s.id, s.kind, s.created_s, s.created_ns, s.sealed,
				e.occurred, e.id, e.state, e.dedupe, e.digest, e.sealed
			FROM candor_subjects s LEFT JOIN candor_events e ON e.subject = s.id
			WHERE s.id >= $1 AND s.id < $2
			ORDER BY s.id, e.occurred, e.id`,
			[]any{lower, upper}, func(rows pgx.Rows) (*row, error) {
				var (
					id, dedupe, digest, sealed []byte
					kind                       int16
					sec                        int64
					ns                         int32
					occurred, eid              *int64
					state                      *int16
					r                          row
				)
				if err := rows.Scan(&id, &kind, &sec, &ns, &r.sub.Sealed, &occurred, &eid, &state, &dedupe, &digest, &sealed); err != nil {
					return nil, err
				}
				r.sub.ID, r.sub.Kind, r.sub.CreatedAt = candor.SubjectID(id), candor.SubjectKind(kind), time.Unix(sec, int64(ns)).UTC()
				if eid != nil {
					ev = candor.EventRecord{Subject: r.sub.ID, OccurredAt: timeOfNanos(*occurred), ID: candor.EventID(*eid),
						State: candor.EventState(*state), Dedupe: candor.DedupeKey(dedupe), Digest: candor.Digest(digest), Sealed: sealed}
					r.ev = &ev
				}
				return &r, nil
			})
		have := false
		flush := func() bool {
			out.Subject = &sub
			out.Events = out.Events[:0]
			for i := range recs {
				out.Events = append(out.Events, &recs[i])
			}
			return yield(&out, nil)
		}
		for r, err := range rows {
			if err != nil {
				yield(nil, err)
				return
			}
			if have && r.sub.ID != sub.ID {
				if !flush() {
					return
				}
				have = false
			}
			if !have {
				sub, recs, have = r.sub, recs[:0], true
			}
			if r.ev != nil {
				recs = append(recs, *r.ev)
			}
		}
		if have {
			flush()
		}
	}
}

func be64(v uint64) []byte {
	return []byte{byte(v >> 56), byte(v >> 48), byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// ListKeys implements candor.KeyLister: it reads the dedupe keys and blind
// indexes in one repeatable-read transaction, so from one snapshot.
func (s *Store) ListKeys(ctx context.Context, dedupe func(candor.DedupeKey), index func(candor.BlindIndex)) error {
	if err := s.enter(); err != nil {
		return err
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var k []byte
		rows, err := tx.Query(ctx, `SELECT key FROM candor_dedupe`)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&k}, func() error {
			if len(k) == len(candor.DedupeKey{}) {
				dedupe(candor.DedupeKey(k))
			}
			return nil
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT bi FROM candor_blind_index`)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&k}, func() error {
			if len(k) == len(candor.BlindIndex{}) {
				index(candor.BlindIndex(k))
			}
			return nil
		})
		return err
	})
	return s.wrap(err, "list keys")
}
