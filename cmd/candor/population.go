package main

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// subjectJob is a few subjects copied out of the store's scan.
type subjectJob []*candor.SubjectEvents

// eachSubject scans the whole population once and calls fn for every
// subject with its data key and decrypted events, from workers goroutines
// at once. It
// returns how many subjects and events it handled. fn must be safe for
// concurrent use.
func eachSubject(ctx context.Context, inst *installation, workers int, fn func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error) (subjects, events int64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan subjectJob, 2*workers)
	var (
		wg      sync.WaitGroup
		once    sync.Once
		failure error
		nsub    atomic.Int64
		nev     atomic.Int64
	)
	fail := func(err error) { once.Do(func() { failure = err; cancel() }) }
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				for _, p := range job {
					key, err := inst.vault.OpenSubjectKey(p.Subject.ID, p.Subject.WrappedKey)
					if err != nil {
						fail(err)
						continue
					}
					evs, err := key.OpenEvents(p.Events)
					if err == nil {
						err = fn(p.Subject, key, evs)
					}
					if err != nil {
						fail(err)
						continue
					}
					nsub.Add(1)
					nev.Add(int64(len(evs)))
				}
			}
		}()
	}
	const jobSize = 64
	job := make(subjectJob, 0, jobSize)
	for p, err := range inst.store.Population(ctx) {
		if err != nil {
			fail(err)
			break
		}
		job = append(job, clonePopulation(p))
		if len(job) == jobSize {
			select {
			case jobs <- job:
			case <-ctx.Done():
			}
			job = make(subjectJob, 0, jobSize)
		}
	}
	if len(job) > 0 && ctx.Err() == nil {
		jobs <- job
	}
	close(jobs)
	wg.Wait()
	return nsub.Load(), nev.Load(), failure
}

// clonePopulation copies what Population yields, which it reuses.
func clonePopulation(p *candor.SubjectEvents) *candor.SubjectEvents {
	c := &candor.SubjectEvents{Subject: p.Subject, Events: make([]*candor.EventRecord, len(p.Events))}
	recs := make([]candor.EventRecord, len(p.Events))
	for i, e := range p.Events {
		recs[i] = *e
		recs[i].Sealed = bytes.Clone(e.Sealed)
		c.Events[i] = &recs[i]
	}
	return c
}
