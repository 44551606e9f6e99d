package vault

import (
	"context"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// Plaintext layouts, before sealing. Version 1:
//
//	event:      1 | source | source event ID | recorded_at | content
//	content:    type | occurred_at | field count | fields...
//	field:      name | type byte | varint (int, amount, date, bool) or string
//	identities: 1 | count | (scheme byte | value)...
//
// Strings are uvarint-length-prefixed; times are varint Unix nanoseconds.
// Fields carry their names and types, so records stay readable when the
// catalogue later changes.
const codecVersion = 1

var errCorrupt = errors.New("vault: corrupt record")

// EncodeEvent appends the plaintext of ev as posted by source and recorded
// at recordedAt. It returns the buffer and the offset where the content
// (what Digest covers) starts.
func EncodeEvent(dst []byte, source string, recordedAt time.Time, ev *candor.ValidEvent) ([]byte, int) {
	dst = append(dst, codecVersion)
	dst = appendString(dst, source)
	dst = appendString(dst, ev.SourceEventID)
	dst = binary.AppendVarint(dst, recordedAt.UnixNano())
	content := len(dst)
	dst = appendString(dst, ev.Type.Name)
	dst = binary.AppendVarint(dst, ev.OccurredAt.UnixNano())
	dst = binary.AppendUvarint(dst, uint64(len(ev.Fields)))
	for _, f := range ev.Fields {
		dst = appendString(dst, f.Name)
		dst = append(dst, byte(f.Value.Type))
		switch f.Value.Type {
		case candor.FieldCurrency, candor.FieldEnum, candor.FieldString:
			dst = appendString(dst, f.Value.Str)
		default:
			dst = binary.AppendVarint(dst, f.Value.Int)
		}
	}
	return dst, content
}

func (k *SubjectKey) eventAAD(dst []byte, occurredAt time.Time) []byte {
	dst = append(dst, "candor/v1/event/"...)
	dst = append(dst, k.subject[:]...)
	return binary.BigEndian.AppendUint64(dst, uint64(occurredAt.UnixNano()))
}

// OpenEvent decrypts and decodes a stored event. It fails if the record was
// altered, moved, or sealed under another key.
func (k *SubjectKey) OpenEvent(rec *candor.EventRecord) (*candor.Event, error) {
	ev := new(candor.Event)
	if _, err := k.openEvent(k.aead(), rec, ev, nil); err != nil {
		return nil, err
	}
	return ev, nil
}

// OpenEvents opens several of the subject's records, setting AES-GCM up
// once and allocating the events together; it fails on the first that does
// not open.
func (k *SubjectKey) OpenEvents(recs []*candor.EventRecord) ([]*candor.Event, error) {
	aead := k.aead()
	evs := make([]candor.Event, len(recs))
	out := make([]*candor.Event, len(recs))
	var buf []byte
	var err error
	for i, rec := range recs {
		if buf, err = k.openEvent(aead, rec, &evs[i], buf); err != nil {
			return nil, err
		}
		out[i] = &evs[i]
	}
	return out, nil
}

// ReadEvents reads every stored event of the key's subject from store, in
// time order, and opens them with one AES-GCM setup.
func (k *SubjectKey) ReadEvents(ctx context.Context, store candor.EventStore) ([]*candor.Event, error) {
	aead := k.aead()
	var out []*candor.Event
	var buf []byte
	for rec, err := range store.Events(ctx, k.subject, candor.EventFilter{}) {
		if err != nil {
			return nil, err
		}
		ev := new(candor.Event)
		if buf, err = k.openEvent(aead, rec, ev, buf); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// openEvent decrypts rec into ev, using buf (returned for reuse) for the
// plaintext.
func (k *SubjectKey) openEvent(aead cipher.AEAD, rec *candor.EventRecord, ev *candor.Event, buf []byte) ([]byte, error) {
	if rec.Subject != k.subject {
		return buf, fmt.Errorf("vault: event of subject %s opened with the key of %s", rec.Subject, k.subject)
	}
	var aad [40]byte
	plain, err := openInto(aead, buf[:0], rec.Sealed, k.eventAAD(aad[:0], rec.OccurredAt))
	if err != nil {
		return buf, fmt.Errorf("vault: event %d of subject %s does not open: %w", rec.ID, rec.Subject, err)
	}
	if err := decodeEvent(plain, ev); err != nil {
		return plain, fmt.Errorf("vault: event %d of subject %s: %w", rec.ID, rec.Subject, err)
	}
	if !ev.OccurredAt.Equal(rec.OccurredAt) {
		return plain, fmt.Errorf("vault: event %d of subject %s: occurrence time does not match its placement", rec.ID, rec.Subject)
	}
	ev.ID, ev.Subject, ev.State, ev.OccurredAt = rec.ID, rec.Subject, rec.State, rec.OccurredAt
	return plain, nil
}

// decodeEvent decodes a plaintext into ev. Names (source, type, field
// names, enum values, currencies) repeat across events and are interned.
func decodeEvent(b []byte, ev *candor.Event) error {
	d := decoder{b: b}
	if d.byte() != codecVersion {
		return fmt.Errorf("vault: unknown event encoding")
	}
	ev.Source = d.name()
	ev.SourceEventID = d.string()
	ev.RecordedAt = time.Unix(0, d.varint()).UTC()
	ev.Type = d.name()
	ev.OccurredAt = time.Unix(0, d.varint()).UTC()
	n := d.uvarint()
	if n > candor.MaxFields {
		return errCorrupt
	}
	ev.Fields = make([]candor.Field, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		f := candor.Field{Name: d.name()}
		f.Value.Type = candor.FieldType(d.byte())
		switch f.Value.Type {
		case candor.FieldCurrency, candor.FieldEnum:
			f.Value.Str = d.name()
		case candor.FieldString:
			f.Value.Str = d.string()
		default:
			f.Value.Int = d.varint()
		}
		ev.Fields = append(ev.Fields, f)
	}
	if d.err != nil || len(d.b) != 0 {
		return errCorrupt
	}
	return nil
}

// SealIdentifiers seals a subject's external identifiers.
func (k *SubjectKey) SealIdentifiers(ids []candor.Identifier) []byte {
	plain := []byte{codecVersion}
	plain = binary.AppendUvarint(plain, uint64(len(ids)))
	for _, id := range ids {
		plain = append(plain, byte(id.Scheme))
		plain = appendString(plain, id.Value)
	}
	return seal(k.aead(), nil, plain, k.subjectAAD())
}

func (k *SubjectKey) subjectAAD() []byte {
	return append([]byte("candor/v1/subject/"), k.subject[:]...)
}

// OpenSubject decrypts a stored subject record.
func (k *SubjectKey) OpenSubject(rec *candor.SubjectRecord) (*candor.Subject, error) {
	plain, err := open(k.aead(), rec.Sealed, k.subjectAAD())
	if err != nil {
		return nil, fmt.Errorf("vault: subject %s does not open: %w", rec.ID, err)
	}
	d := decoder{b: plain}
	if d.byte() != codecVersion {
		return nil, fmt.Errorf("vault: subject %s: unknown encoding", rec.ID)
	}
	n := d.uvarint()
	if n > 16 {
		return nil, fmt.Errorf("vault: subject %s: %w", rec.ID, errCorrupt)
	}
	s := &candor.Subject{ID: rec.ID, Kind: rec.Kind, CreatedAt: rec.CreatedAt}
	for i := uint64(0); i < n && d.err == nil; i++ {
		scheme := candor.Scheme(d.byte())
		s.Identifiers = append(s.Identifiers, candor.Identifier{Scheme: scheme, Value: d.string()})
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, fmt.Errorf("vault: subject %s: %w", rec.ID, errCorrupt)
	}
	return s, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decoder reads the encodings above, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err, d.b = errCorrupt, nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// name reads a string that is one of few (a type, source or field name)
// through the intern table.
func (d *decoder) name() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := names.intern(d.b[:n])
	d.b = d.b[n:]
	return s
}

// internTable shares the strings that repeat in every event. It stops
// growing at internMax entries; later names are simply copied.
type internTable struct {
	mu sync.RWMutex
	m  map[string]string
}

const internMax = 4096

var names = internTable{m: map[string]string{}}

func (t *internTable) intern(b []byte) string {
	t.mu.RLock()
	s, ok := t.m[string(b)] // no allocation for the lookup
	t.mu.RUnlock()
	if ok {
		return s
	}
	s = string(b)
	t.mu.Lock()
	if len(t.m) < internMax {
		t.m[s] = s
	}
	t.mu.Unlock()
	return s
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
