package ingest

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

// A subject read from the store before an erasure cleared the cache is
// not cached after it: its identifier must resolve afresh.
func TestSubjectCacheClearBeatsALateRead(t *testing.T) {
	p := &Pipeline{subjects: subjectCache{c: newCache2[candor.BlindIndex, cachedSubject](8)}}
	var bi candor.BlindIndex
	bi[0] = 1
	_, ok, gen := p.subjects.get(bi)
	if ok {
		t.Fatal("an empty cache holds a subject")
	}
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		t.Fatal(err)
	}
	key, _ := v.NewSubjectKey(candor.NewSubjectID())
	r := newResolved(key, candor.Person)
	p.subjects.clear() // an erasure commits while the store is read
	p.subjects.putIf(bi, r, gen)
	if _, ok, _ := p.subjects.get(bi); ok {
		t.Fatal("a subject read before the clear was cached after it")
	}
	_, _, gen = p.subjects.get(bi)
	p.subjects.putIf(bi, r, gen)
	got, ok, _ := p.subjects.get(bi)
	if !ok || got.id() != key.Subject() || got.kind != candor.Person {
		t.Fatal("a subject read after the clear was not cached")
	}
	// The cached copy is the same key: the original opens what it seals.
	id := candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}
	rec := candor.SubjectRecord{ID: key.Subject(), Kind: candor.Person, Sealed: got.key.SealIdentifiers([]candor.Identifier{id})}
	if s, err := key.OpenSubject(&rec); err != nil || len(s.Identifiers) != 1 || s.Identifiers[0] != id {
		t.Fatalf("the original key opens the cached copy's sealing as %+v, %v", s, err)
	}
	if *got.key.Salt() != *key.Salt() {
		t.Fatal("the cached copy derives another commitment salt")
	}
}

// subjectCacheBytes fills a subject cache with n subjects, each with a
// fresh data key, as ingestion does, and returns the live heap it holds
// per subject; pointers, if set, measures instead the layout the cache
// had before (a map of 32-byte entries, in its slots, pointing to the
// 120-byte vault.SubjectKey, which held a pointer and a slice for
// Prepared), as the baseline.
func subjectCacheBytes(tb testing.TB, n int, pointers bool) float64 {
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		tb.Fatal(err)
	}
	// oldKey has the fields vault.SubjectKey had then, in 120 bytes.
	type oldKey struct {
		subject  candor.SubjectID
		key      [vault.KeySize]byte
		salt     candor.Salt
		ready    cipher.AEAD
		accessAD []byte
	}
	type pointerEntry struct {
		id   candor.SubjectID
		kind candor.SubjectKind
		key  *oldKey
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := &subjectCache{c: newCache2[candor.BlindIndex, cachedSubject](n)}
	old := map[candor.BlindIndex]pointerEntry{} // as cache2 held a generation then
	var bi candor.BlindIndex
	for i := range n {
		binary.BigEndian.PutUint64(bi[:], uint64(i))
		id := candor.NewSubjectID()
		key, _ := v.NewSubjectKey(id)
		if pointers {
			old[bi] = pointerEntry{id, candor.Person, &oldKey{subject: id, salt: *key.Salt()}}
		} else {
			c.put(bi, newResolved(key, candor.Person))
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	runtime.KeepAlive(old)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// The subject cache's cost per subject, which --subject-cache's usage
// and docs/operations.md ("Sizing memory") state: 135 to 170 bytes as
// the map's fill varies (its slots run from 7/16 to 7/8 full as it
// grows), and less than the pointer layout it replaced.
func TestSubjectCacheBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills caches of 200,000 subjects")
	}
	const n = 200_000
	got := subjectCacheBytes(t, n, false)
	base := subjectCacheBytes(t, n, true)
	t.Logf("%d subjects: %.0f bytes each, %.0f in the old layout", n, got, base)
	if got > 170 || got < 81 {
		t.Errorf("the subject cache holds %.0f bytes a subject, want 81 (its value) to 170", got)
	}
	if got >= base {
		t.Errorf("the cache takes %.0f bytes a subject, the old layout %.0f", got, base)
	}
}

// BenchmarkSubjectCacheBytes reports the subject cache's live heap per
// subject at several fills, against the pointer layout it replaced in
// the same run:
//
//	go test -run '^$' -bench SubjectCacheBytes -benchtime 1x ./ingest
func BenchmarkSubjectCacheBytes(b *testing.B) {
	for _, n := range []int{100_000, 150_000, 200_000, 300_000, 500_000, 1_073_217, 1_500_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var got, base float64
			for b.Loop() {
				got = subjectCacheBytes(b, n, false)
				base = subjectCacheBytes(b, n, true)
			}
			b.ReportMetric(got, "B/subject")
			b.ReportMetric(base, "B/subject-pointers")
			b.ReportMetric(got/base, "ratio")
		})
	}
}
