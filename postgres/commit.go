package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
	"github.com/jackc/pgx/v5"
)

// Commit applies wb in one transaction and returns once it is committed
// (PostgreSQL flushes its WAL before it acknowledges a commit). It assigns
// event IDs from a sequence, ascending in batch order; the returned commit
// sequence grows with every commit across every node sharing the database.
// A failed commit may leave gaps in both.
//
// Commit returns EINVALID for a nil event, an event or match without a
// subject, an occurrence time outside 1678–2262 (times are stored as Unix
// nanoseconds), an unknown record kind or a bad record ID, and a state
// change to a state that is not stored; ECONFLICT if a subject, blind
// index, dedupe key or record of the batch is already stored (another node
// committed it first: nothing of the batch is stored), or if a change,
// deletion or erasure does not find what its caller saw.
func (s *Store) Commit(ctx context.Context, wb *candor.WriteBatch) (uint64, error) {
	wait, err := s.CommitAsync(ctx, wb)
	if err != nil {
		return 0, err
	}
	return wait()
}

// CommitAsync implements candor.PipelinedCommitter: it writes the batch
// and takes its commit sequence, so that its IDs are assigned and it is
// entered in the commit order, and leaves the transaction's commit (the
// WAL flush) to the returned wait. The next batch's writes run while this
// one commits; its sequence is taken only after this one is committed.
// The wait may be called any number of times; until it has returned,
// Close waits for the commit.
func (s *Store) CommitAsync(ctx context.Context, wb *candor.WriteBatch) (wait func() (uint64, error), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	nanos, err := checkBatch(wb)
	if err != nil {
		return nil, err
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.wrap(err, "commit")
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, s.wrap(err, "commit")
	}
	seq, err := s.write(ctx, tx, wb, nanos)
	if err != nil {
		tx.Rollback(context.Background())
		conn.Release()
		unassign(wb)
		return nil, s.wrap(err, "commit")
	}
	stripes := touched(wb)
	done := make(chan struct{})
	var commitErr error
	go func() {
		defer close(done)
		// The commit is not abandoned with the caller's context: once the
		// batch is entered in the commit order, it completes or fails.
		commitErr = tx.Commit(context.Background())
		conn.Release()
		if commitErr == nil {
			s.versions.bump(stripes)
		}
	}()
	return func() (uint64, error) {
		<-done
		if commitErr != nil {
			return 0, s.wrap(commitErr, "commit")
		}
		return seq, nil
	}, nil
}

// unassign undoes what a failed commit assigned.
func unassign(wb *candor.WriteBatch) {
	for _, e := range wb.Events {
		e.ID = 0
		for _, m := range e.Matches {
			m.Event = 0
		}
	}
	for _, a := range wb.Access {
		a.N, a.Commit, a.Pos = 0, 0, 0
	}
}

// write does everything of a commit but the commit itself, and returns the
// commit sequence. The rows that do not depend on the sequence are written
// first; then the counter row is locked, which serialises commits from
// there to their end, and the rest (checked changes, access records,
// records, the audit entry) follows.
func (s *Store) write(ctx context.Context, tx pgx.Tx, wb *candor.WriteBatch, nanos []int64) (uint64, error) {
	if err := assignIDs(ctx, tx, wb); err != nil {
		return 0, err
	}
	for _, m := range wb.Matches {
		m.Alone = true
	}
	if err := copyRows(ctx, tx, "candor_subjects", []string{"id", "kind", "created_s", "created_ns", "sealed"}, len(wb.Subjects), func(i int) []any {
		r := &wb.Subjects[i]
		return []any{r.ID[:], int16(r.Kind), r.CreatedAt.Unix(), int32(r.CreatedAt.Nanosecond()), r.Sealed}
	}); err != nil {
		return 0, err
	}
	if err := copyRows(ctx, tx, "candor_blind_index", []string{"bi", "subject"}, len(wb.Indexes), func(i int) []any {
		x := &wb.Indexes[i]
		return []any{x.Index[:], x.Subject[:]}
	}); err != nil {
		return 0, err
	}
	if err := copyRows(ctx, tx, "candor_dedupe", []string{"key", "digest", "subject", "event"}, len(wb.Events), func(i int) []any {
		e := wb.Events[i]
		return []any{e.Dedupe[:], e.Digest[:], e.Subject[:], int64(e.ID)}
	}); err != nil {
		return 0, err
	}
	// Each event's matches go in its own row (embedded.go).
	if err := copyRows(ctx, tx, "candor_events", []string{"subject", "occurred", "id", "state", "dedupe", "digest", "sealed", "matches"}, len(wb.Events), func(i int) []any {
		e := wb.Events[i]
		return []any{e.Subject[:], nanos[i], int64(e.ID), int16(e.State), e.Dedupe[:], e.Digest[:], e.Sealed, encodeMatches(e.Matches)}
	}); err != nil {
		return 0, err
	}

	if err := checkFence(ctx, tx, wb.Fence); err != nil {
		return 0, err
	}
	var seq, fence uint64
	if err := tx.QueryRow(ctx, `UPDATE candor_counters SET last_commit = last_commit + 1 RETURNING last_commit, match_gen`).Scan(&seq, &fence); err != nil {
		return 0, err
	}
	if len(wb.Events) > 0 && wb.Generation != fence {
		return 0, candor.ErrStaleMatches
	}
	if err := applyChanges(ctx, tx, wb); err != nil {
		return 0, err
	}
	if err := numberAccess(ctx, tx, wb.Access, seq); err != nil {
		return 0, err
	}
	var write, access []candor.Commitment
	if wb.Commitments != nil {
		write, access = wb.Commitments(wb, seq)
	}
	if len(wb.Retire) > 0 {
		write = append(write, candor.RetireCommitment(wb.Retire))
	}
	if err := copyRows(ctx, tx, "candor_access", []string{"subject", "n", "commit", "pos", "sealed"}, len(wb.Access), func(i int) []any {
		a := wb.Access[i]
		return []any{a.Subject[:], int64(a.N), int64(a.Commit), int32(a.Pos), a.Sealed}
	}); err != nil {
		return 0, err
	}
	if err := copyRows(ctx, tx, "candor_records", []string{"kind", "id", "subject", "data"}, len(wb.Records), func(i int) []any {
		r := wb.Records[i]
		return []any{int16(r.Kind), []byte(r.ID), r.Subject[:], r.Data}
	}); err != nil {
		return 0, err
	}
	var b pgx.Batch
	for _, m := range wb.Matches {
		b.Queue(upsertMatch, matchRow(m)...)
	}
	if len(write) > 0 || len(access) > 0 {
		b.Queue(`INSERT INTO candor_audit (seq, write, access, retired) VALUES ($1, $2, $3, $4)`,
			int64(seq), joinCommitments(write), joinCommitments(access), joinCommitments(wb.Retire))
	}
	s.queueNotify(&b, touched(wb))
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

// assignIDs takes the batch's event IDs from the sequence and gives the
// matches stored with each event its placement and ID.
func assignIDs(ctx context.Context, tx pgx.Tx, wb *candor.WriteBatch) error {
	if len(wb.Events) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT nextval('candor_event_ids') FROM generate_series(1, $1)`, len(wb.Events))
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	if len(ids) != len(wb.Events) {
		return fmt.Errorf("the sequence gave %d IDs for %d events", len(ids), len(wb.Events))
	}
	slices.Sort(ids)
	for i, e := range wb.Events {
		e.ID = candor.EventID(ids[i])
		for _, m := range e.Matches {
			m.Subject, m.OccurredAt, m.State, m.Event, m.Alone = e.Subject, e.OccurredAt, e.State, e.ID, false
		}
	}
	return nil
}

// numberAccess numbers access records per subject, after the last stored
// number of each: it runs under the counter row's lock, so no other commit
// numbers the same subject's records at the same time.
func numberAccess(ctx context.Context, tx pgx.Tx, access []*candor.AccessRecord, seq uint64) error {
	if len(access) == 0 {
		return nil
	}
	subs := make([][]byte, 0, len(access))
	for _, a := range access {
		subs = append(subs, a.Subject[:])
	}
	rows, err := tx.Query(ctx, `SELECT subject, max(n) FROM candor_access WHERE subject = ANY($1) GROUP BY subject`, subs)
	if err != nil {
		return err
	}
	last := map[candor.SubjectID]uint64{}
	var (
		sub []byte
		n   int64
	)
	_, err = pgx.ForEachRow(rows, []any{&sub, &n}, func() error {
		last[candor.SubjectID(sub)] = uint64(n)
		return nil
	})
	if err != nil {
		return err
	}
	for i, a := range access {
		last[a.Subject]++
		a.N, a.Commit, a.Pos = last[a.Subject], seq, uint32(i)
	}
	return nil
}

const upsertMatch = `INSERT INTO candor_matches (subject, scorecard, occurred, event, state, alone, sealed)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
	ON CONFLICT (subject, scorecard, occurred, event) DO UPDATE
	SET state = excluded.state, alone = excluded.alone, sealed = excluded.sealed`

func matchRow(m *candor.MatchRecord) []any {
	return []any{m.Subject[:], int64(m.Scorecard), m.OccurredAt.UnixNano(), int64(m.Event), int16(m.State), m.Alone, m.Sealed}
}

func joinCommitments(cs []candor.Commitment) []byte {
	b := make([]byte, 0, 32*len(cs))
	for i := range cs {
		b = append(b, cs[i][:]...)
	}
	return b
}

func splitCommitments(b []byte) ([]candor.Commitment, error) {
	if len(b)%32 != 0 {
		return nil, fmt.Errorf("commitments of %d bytes, not a multiple of 32", len(b))
	}
	if len(b) == 0 {
		return nil, nil
	}
	out := make([]candor.Commitment, len(b)/32)
	for i := range out {
		copy(out[i][:], b[32*i:])
	}
	return out, nil
}

// copyRows writes n rows into table with COPY.
func copyRows(ctx context.Context, tx pgx.Tx, table string, columns []string, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
	return err
}

// applyChanges applies wb's state changes, deletions, erasures and
// removed indexes, checking each against what is stored.
func applyChanges(ctx context.Context, tx pgx.Tx, wb *candor.WriteBatch) error {
	for _, c := range wb.Changes {
		if err := seen(ctx, tx, c.Event, c.Seen); err != nil {
			return err
		}
		ref := c.Event
		if _, err := tx.Exec(ctx, `UPDATE candor_events SET state = $4 WHERE subject = $1 AND occurred = $2 AND id = $3`,
			ref.Subject[:], ref.OccurredAt.UnixNano(), int64(ref.ID), int16(c.State)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE candor_matches SET state = $4, alone = false WHERE subject = $1 AND occurred = $2 AND event = $3`,
			ref.Subject[:], ref.OccurredAt.UnixNano(), int64(ref.ID), int16(c.State)); err != nil {
			return err
		}
	}
	for _, d := range wb.Deletes {
		if err := seen(ctx, tx, d.Event, d.Seen); err != nil {
			return err
		}
		ref := d.Event
		args := []any{ref.Subject[:], ref.OccurredAt.UnixNano(), int64(ref.ID)}
		if _, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM candor_events WHERE subject = $1 AND occurred = $2 AND id = $3 RETURNING dedupe)
			DELETE FROM candor_dedupe WHERE key IN (SELECT dedupe FROM gone)`, args...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM candor_matches WHERE subject = $1 AND occurred = $2 AND event = $3`, args...); err != nil {
			return err
		}
	}
	for _, er := range wb.Erase {
		if err := erase(ctx, tx, er); err != nil {
			return fmt.Errorf("erasing subject %s: %w", er.Subject, err)
		}
	}
	if len(wb.Unindex) > 0 {
		bis := make([][]byte, len(wb.Unindex))
		for i := range wb.Unindex {
			bis[i] = wb.Unindex[i][:]
		}
		if _, err := tx.Exec(ctx, `DELETE FROM candor_blind_index WHERE bi = ANY($1)`, bis); err != nil {
			return err
		}
	}
	return nil
}

// seen locks a stored event and returns ECONFLICT unless it and its
// matches are as the caller saw them.
func seen(ctx context.Context, tx pgx.Tx, ref candor.EventRef, want candor.Seen) error {
	nanos, ok := unixNanos(ref.OccurredAt)
	if !ok {
		return candor.Errorf(candor.ECONFLICT, "event %d is no longer stored", ref.ID)
	}
	var (
		state  int16
		column []byte
		alone  []int64
	)
	err := tx.QueryRow(ctx, `SELECT e.state, e.matches, ARRAY(SELECT m.scorecard FROM candor_matches m WHERE m.subject = e.subject AND m.occurred = e.occurred AND m.event = e.id)
		FROM candor_events e WHERE e.subject = $1 AND e.occurred = $2 AND e.id = $3 FOR UPDATE`,
		ref.Subject[:], nanos, int64(ref.ID)).Scan(&state, &column, &alone)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var matches int
	if err == nil {
		recs := make([]*candor.MatchRecord, len(alone))
		for i, card := range alone {
			recs[i] = &candor.MatchRecord{Scorecard: candor.ScorecardKey(card)}
		}
		ms, merr := mergeMatches(ref, candor.EventState(state), column, recs)
		if merr != nil {
			return fmt.Errorf("event %d: %w", ref.ID, merr)
		}
		matches = len(ms)
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return candor.Errorf(candor.ECONFLICT, "event %d is no longer stored", ref.ID)
	case candor.EventState(state) != want.State || matches != want.Matches:
		return candor.Errorf(candor.ECONFLICT, "event %d changed since it was read (%v with %d matches, not %v with %d)",
			ref.ID, candor.EventState(state), matches, want.State, want.Matches)
	}
	return nil
}

// erase removes everything stored about a subject, after checking that
// the store holds as many events and access records as the caller read.
func erase(ctx context.Context, tx pgx.Tx, er candor.Erasure) error {
	sub := er.Subject[:]
	var events, access int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM candor_events WHERE subject = $1), (SELECT count(*) FROM candor_access WHERE subject = $1)`,
		sub).Scan(&events, &access); err != nil {
		return err
	}
	if events != er.Events || access != er.Access {
		return candor.Errorf(candor.ECONFLICT, "the subject has %d events and %d access records, not the %d and %d read", events, access, er.Events, er.Access)
	}
	for _, q := range []string{
		`DELETE FROM candor_dedupe WHERE key IN (SELECT dedupe FROM candor_events WHERE subject = $1)`,
		`DELETE FROM candor_events WHERE subject = $1`,
		`DELETE FROM candor_matches WHERE subject = $1`,
		`DELETE FROM candor_access WHERE subject = $1`,
		`DELETE FROM candor_records WHERE subject = $1`,
		`DELETE FROM candor_subjects WHERE id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, sub); err != nil {
			return err
		}
	}
	return nil
}

// checkBatch rejects what the store cannot hold and returns the events'
// occurrence times in Unix nanoseconds.
func checkBatch(wb *candor.WriteBatch) ([]int64, error) {
	for i := range wb.Subjects {
		if wb.Subjects[i].ID.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "subject %d: zero ID", i)
		}
	}
	for i := range wb.Erase {
		if wb.Erase[i].Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "erasure %d: zero subject ID", i)
		}
	}
	for i := range wb.Indexes {
		if wb.Indexes[i].Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "index %d: zero subject ID", i)
		}
	}
	nanos := make([]int64, len(wb.Events))
	for i, e := range wb.Events {
		if e == nil {
			return nil, candor.Errorf(candor.EINVALID, "event %d: nil", i)
		}
		if e.Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "event %d: zero subject ID", i)
		}
		n, ok := unixNanos(e.OccurredAt)
		if !ok {
			return nil, candor.Errorf(candor.EINVALID, "event %d: occurred_at %s is outside the years 1678 to 2262", i, e.OccurredAt.Format("2006-01-02"))
		}
		if err := matchlist.Check(e.Matches); err != nil {
			return nil, candor.Errorf(candor.EINVALID, "event %d: %v", i, err)
		}
		nanos[i] = n
	}
	if err := checkMatches(wb.Matches); err != nil {
		return nil, err
	}
	for i, a := range wb.Access {
		if a == nil || a.Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "access record %d: a subject is required", i)
		}
	}
	for i, r := range wb.Records {
		if r == nil {
			return nil, candor.Errorf(candor.EINVALID, "record %d: nil", i)
		}
		if err := candor.CheckRecordID(r.Kind, r.ID); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	for _, c := range wb.Changes {
		switch c.State {
		case candor.StateActive, candor.StateDisputed, candor.StateCorrected, candor.StateRemoved:
		default:
			return nil, candor.Errorf(candor.EINVALID, "event %d: a stored state must be active, disputed, corrected or removed, not %v", c.Event.ID, c.State)
		}
	}
	return nanos, nil
}

// checkMatches rejects matches stored on their own that lack a subject or
// an event, or whose time the store cannot hold.
func checkMatches(ms []*candor.MatchRecord) error {
	for i, m := range ms {
		if m == nil {
			return candor.Errorf(candor.EINVALID, "match %d: nil", i)
		}
		_, ok := unixNanos(m.OccurredAt)
		switch {
		case m.Subject.IsZero() || m.Event == 0:
			return candor.Errorf(candor.EINVALID, "match %d: a subject and an event are required", i)
		case m.Shared:
			return candor.Errorf(candor.EINVALID, "match %d: a match stored on its own is sealed on its own, not Shared", i)
		case !ok:
			return candor.Errorf(candor.EINVALID, "match %d: occurred_at %s is outside the years 1678 to 2262", i, m.OccurredAt.Format("2006-01-02"))
		}
	}
	return nil
}

// Event times are stored as Unix nanoseconds, which cover 1677 to 2262.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// unixNanos returns t in Unix nanoseconds, or false if t is outside the
// range an int64 of nanoseconds can hold.
func unixNanos(t time.Time) (int64, bool) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

func timeOfNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
