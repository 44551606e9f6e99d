package ingest

import (
	"testing"

	"github.com/candor-project/candor"
)

// A subject read from the store before an erasure cleared the cache is
// not cached after it: its identifier must resolve afresh.
func TestSubjectCacheClearBeatsALateRead(t *testing.T) {
	p := &Pipeline{subjects: subjectCache{c: newCache2[candor.BlindIndex, resolved](8)}}
	var bi candor.BlindIndex
	bi[0] = 1
	_, ok, gen := p.subjects.get(bi)
	if ok {
		t.Fatal("an empty cache holds a subject")
	}
	r := resolved{ref: subjectRef{id: candor.NewSubjectID(), kind: candor.Person}}
	p.subjects.clear() // an erasure commits while the store is read
	p.subjects.putIf(bi, r, gen)
	if _, ok, _ := p.subjects.get(bi); ok {
		t.Fatal("a subject read before the clear was cached after it")
	}
	_, _, gen = p.subjects.get(bi)
	p.subjects.putIf(bi, r, gen)
	if got, ok, _ := p.subjects.get(bi); !ok || got.ref != r.ref {
		t.Fatal("a subject read after the clear was not cached")
	}
}
