package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
)

// Link facts (identity.linked, identity.unlinked; candor.LinkOpOf) come
// through every event path, and a request that holds one is committed
// apart from the group commits: whole, in one store commit of its own,
// with every other event of the request, while the links lease is held
// (identity.Service.Begin), so that its link steps are checked against
// the store as it is when they commit. Such a request is checked in
// order: a link fact may name identifiers no profile has yet (their
// subjects are created with it, so later facts posted under them land on
// the linked profile), and a later fact of the request sees the links of
// the earlier ones. Registries post links rarely; serialising them costs
// ordinary events nothing, as they keep to the group commits.

// hasLinks reports whether req holds a link fact.
func (req *request) hasLinks() bool {
	for i := range req.events {
		if req.events[i].ev.Link != 0 {
			return true
		}
	}
	return false
}

// ingestLinks commits req, which holds link facts, as ingestLinks says.
// Errors as Ingest's, and ECONFLICT, ENOTFOUND or EINVALID with a Problem
// for each link fact refused (linkRefused).
func (p *Pipeline) ingestLinks(ctx context.Context, req *request) (candor.IngestResult, error) {
	if p.opts.Links == nil {
		return candor.IngestResult{}, candor.Errorf(candor.EUNAVAILABLE, "this node does not take link facts; nothing was stored")
	}
	for retry := 0; ; retry++ {
		res, err := p.commitLinks(ctx, req)
		switch {
		case errors.Is(err, candor.ErrStaleMatches) && retry < maxRetries:
			if err := p.rematch(ctx, req); err != nil {
				return candor.IngestResult{}, err
			}
			continue
		case (errors.Is(err, errRaced) || errors.Is(err, candor.ErrFenced)) && retry < maxRetries:
			continue // checked again, under the lease taken again
		}
		return res, err
	}
}

// linkStage is what a request with link facts adds.
type linkStage struct {
	b     candor.WriteBatch
	plan  *identity.Plan
	salts []candor.Salt
	keys  []candor.WrappedKey
	newS  map[candor.BlindIndex]resolved
	res   candor.IngestResult
	probs []candor.Problem
	codes []string // of each problem
}

func (st *linkStage) problem(index int, field string, code string, format string, args ...any) {
	st.probs = append(st.probs, candor.Problem{Index: index, Field: field, Reason: fmt.Sprintf(format, args...)})
	st.codes = append(st.codes, code)
}

// commitLinks stages and commits req under the links lease.
func (p *Pipeline) commitLinks(ctx context.Context, req *request) (candor.IngestResult, error) {
	plan, unlock, err := p.opts.Links.Begin(ctx)
	if err != nil {
		return candor.IngestResult{}, err
	}
	defer unlock()
	st := &linkStage{plan: plan, newS: map[candor.BlindIndex]resolved{}}
	st.b.Generation = req.matching.gen
	for i := range req.events {
		if err := p.stageLinkEvent(ctx, st, req, &req.events[i]); err != nil {
			return candor.IngestResult{}, err
		}
	}
	if len(st.probs) > 0 {
		return candor.IngestResult{}, linkRefused(st.probs, st.codes)
	}
	cs, err := plan.Write(&st.b)
	if err != nil {
		return candor.IngestResult{}, err
	}
	if len(st.b.Events) == 0 && len(cs) == 0 {
		return st.res, nil // duplicates only
	}
	st.b.Commitments = func(b *candor.WriteBatch, _ uint64) (write, _ []candor.Commitment) {
		var buf []byte
		for i, e := range b.Events {
			buf = candor.AppendEventAudit(buf[:0], e, e.Matches)
			write = append(write, candor.NewCommitment(candor.AuditWrite, &st.salts[i], buf))
		}
		return append(write, cs...), nil
	}
	if len(st.keys) > 0 {
		if err := p.vault.KeepKeys(ctx, st.keys); err != nil {
			return candor.IngestResult{}, err
		}
	}
	start := time.Now()
	seq, err := p.store.Commit(ctx, &st.b)
	p.linkCommitted(st, seq, start, err)
	switch {
	case errors.Is(err, candor.ErrStaleMatches) || errors.Is(err, candor.ErrFenced):
		return candor.IngestResult{}, err
	case candor.ErrorCode(err) == candor.ECONFLICT:
		p.shared.Store(true)
		return candor.IngestResult{}, errRaced
	case err != nil:
		return candor.IngestResult{}, err
	}
	st.res.Commit = seq
	return st.res, nil
}

// linkCommitted reports a commit of a request with link facts
// (OnCommit) and, once it is durable, caches its new subjects and adds
// its keys to the filters.
func (p *Pipeline) linkCommitted(st *linkStage, seq uint64, start time.Time, err error) {
	if err == nil {
		for bi, r := range st.newS {
			p.indexFilter.add(bi[:])
			p.subjects.put(bi, r)
		}
		for _, e := range st.b.Events {
			p.dedupeFilter.add(e.Dedupe[:])
		}
	}
	if p.opts.OnCommit != nil {
		bytes := 0
		for _, e := range st.b.Events {
			bytes += len(e.Sealed)
		}
		p.opts.OnCommit(CommitStats{Requests: 1, Events: len(st.b.Events), Duplicates: st.res.Duplicates,
			Subjects: len(st.b.Subjects), Bytes: bytes, Duration: time.Since(start), Commit: seq, Err: err})
	}
}

// stageLinkEvent adds one event of a request with link facts to st: its
// subject (created if new), its link step if it is a link fact, and the
// event itself, or the problem that stops the request.
func (p *Pipeline) stageLinkEvent(ctx context.Context, st *linkStage, req *request, pe *prepared) error {
	if pe.dup {
		st.res.Duplicates++
		return nil
	}
	e, err := p.store.Dedupe(ctx, pe.dedupe)
	switch candor.ErrorCode(err) {
	case "":
		if e.Digest != pe.digest {
			st.problem(pe.index, "id", candor.EINVALID, "id %q was stored before with different content; post a correction as an event of its own", truncateID(pe.ev.SourceEventID))
		} else {
			st.res.Duplicates++
		}
		return nil
	case candor.ENOTFOUND:
	default:
		return fmt.Errorf("ingest: dedupe lookup: %w", err)
	}
	op := pe.ev.Link
	r, found, err := p.linkSubject(ctx, st, pe.bi, pe.ev.Identifier, pe.ev.Kind, op != candor.OpUnlinked)
	if err != nil {
		return err
	}
	if !found {
		st.problem(pe.index, "subject.value", candor.ENOTFOUND, "no profile has this %s: there is no link to undo", pe.ev.Identifier.Scheme)
		return nil
	}
	if r.kind != pe.ev.Kind {
		st.problem(pe.index, "subject.kind", candor.EINVALID, "this %s identifies %s, not %s", pe.ev.Identifier.Scheme, r.kind.Noun(), pe.ev.Kind.Noun())
		return nil
	}
	if op != 0 {
		if err := p.stageLinkStep(ctx, st, req, pe, r); err != nil {
			return err
		}
	}
	if len(st.probs) > 0 {
		return nil // the request fails anyway: skip the sealing
	}
	sealed, matches := r.key.SealWithMatches(nil, pe.plaintext, pe.ev.OccurredAt, pe.matches)
	st.b.Events = append(st.b.Events, &candor.EventRecord{Subject: r.id(), OccurredAt: pe.ev.OccurredAt,
		State: candor.StateActive, Dedupe: pe.dedupe, Digest: pe.digest, Sealed: sealed, Matches: matches})
	st.salts = append(st.salts, *r.key.Salt())
	st.res.Accepted++
	return nil
}

// stageLinkStep plans the link step of link fact pe, about subject r.
func (p *Pipeline) stageLinkStep(ctx context.Context, st *linkStage, req *request, pe *prepared, r resolved) error {
	op := pe.ev.Link
	other := pe.ev.Other
	o, found, err := p.linkSubject(ctx, st, p.vault.BlindIndex(other), other, pe.ev.Kind, op == candor.OpLinked)
	if err != nil {
		return err
	}
	if !found {
		st.problem(pe.index, "fields."+candor.LinkFieldValue, candor.ENOTFOUND, "no profile has this %s: there is no link to undo", other.Scheme)
		return nil
	}
	f := identity.Fact{Op: op, Source: req.source, Ref: pe.ev.SourceEventID, First: pe.ev.Identifier, Second: other,
		A: r.id(), B: o.id(), AKind: r.kind, BKind: o.kind}
	l, _, err := st.plan.Add(f)
	switch code := candor.ErrorCode(err); code {
	case "":
		typ := candor.TypeLinked
		if l.Op == candor.OpUnlinked {
			typ = candor.TypeUnlinked
		}
		st.res.Links = append(st.res.Links, candor.IngestedLink{Index: pe.index, Link: l.ID, Type: typ, At: l.At})
	case candor.EINVALID, candor.ECONFLICT, candor.ENOTFOUND:
		st.problem(pe.index, "", code, "%s", candor.ErrorMessage(err))
	default:
		return err
	}
	return nil
}

// linkSubject returns the subject of identifier id (blind index bi) of
// kind: one created earlier in the request, or stored, or, if create, a
// new one. found is false when there is none and create is false.
func (p *Pipeline) linkSubject(ctx context.Context, st *linkStage, bi candor.BlindIndex, id candor.Identifier, kind candor.SubjectKind, create bool) (resolved, bool, error) {
	if r, ok := st.newS[bi]; ok {
		return r, true, nil
	}
	r, found, err := p.storedSubject(ctx, bi, true)
	if err != nil || found || !create {
		return r, found, err
	}
	sid := candor.NewSubjectID()
	key, wrapped := p.vault.NewSubjectKey(sid)
	r = newResolved(key, kind)
	st.newS[bi] = r
	st.keys = append(st.keys, wrapped)
	st.b.Subjects = append(st.b.Subjects, candor.SubjectRecord{ID: sid, Kind: kind, CreatedAt: p.now().UTC(),
		Sealed: key.SealIdentifiers([]candor.Identifier{id})})
	st.b.Indexes = append(st.b.Indexes, candor.IndexEntry{Index: bi, Subject: sid})
	st.plan.Fresh(kind, key)
	return r, true, nil
}

// linkRefused is the error of a request with link facts refused: every
// problem, under the code of the gravest (a malformed fact before a
// conflict, a conflict before a missing profile).
func linkRefused(problems []candor.Problem, codes []string) error {
	code := candor.ENOTFOUND
	for _, c := range codes {
		if c == candor.EINVALID || c == candor.ECONFLICT && code == candor.ENOTFOUND {
			code = c
		}
	}
	if code == candor.EINVALID {
		return invalid(problems)
	}
	msg := fmt.Sprintf("%d of the events are refused; nothing was stored", len(problems))
	if len(problems) == 1 {
		msg = "1 event is refused; nothing was stored"
	}
	return &candor.Error{Code: code, Message: msg, Details: problems}
}
