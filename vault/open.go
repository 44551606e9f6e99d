package vault

import (
	"cmp"
	"context"
	"crypto/cipher"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/candor-project/candor"
)

// OpenEvent decrypts and decodes a stored event. It fails if the record was
// altered, moved, or sealed under another key.
func (k *SubjectKey) OpenEvent(rec *candor.EventRecord) (*candor.Event, error) {
	evs, err := k.OpenEvents([]*candor.EventRecord{rec})
	if err != nil {
		return nil, err
	}
	return evs[0], nil
}

// OpenEvents opens several of the subject's records with one AES-GCM setup
// and a few allocations in all; it fails on the first that does not open.
func (k *SubjectKey) OpenEvents(recs []*candor.EventRecord) ([]*candor.Event, error) {
	var o EventOpener
	return o.Open(k, recs)
}

// ReadEvents reads every stored event of the key's subject from store, in
// time order, and opens them as OpenEvents does.
func (k *SubjectKey) ReadEvents(ctx context.Context, store candor.EventStore) ([]*candor.Event, error) {
	var o EventOpener
	aead := k.aead()
	for rec, err := range store.Events(ctx, k.subject, candor.EventFilter{}) {
		if err != nil {
			return nil, err
		}
		if err := o.add(k, aead, rec); err != nil {
			return nil, err
		}
	}
	return o.decode()
}

// An EventOpener opens one subject's events after another, reusing its
// memory: for passes over the whole population, where allocating every
// event anew would keep the garbage collector busier than the decryption.
// The events one Open returns are valid until the next Open. The zero value
// is ready to use; an EventOpener is not safe for concurrent use.
//
// All of a subject's plaintexts are decrypted into one buffer, allocated
// for that subject, that the events' strings then share (substrings of
// it, without a copy): the buffer is never written again once they are
// decoded, so they are as immutable as any string, and they stay valid
// after the next Open.
type EventOpener struct {
	plain  []byte // this subject's plaintexts; nil once decoded (not reused)
	ends   []int  // where each event's plaintext ends in plain
	evs    []candor.Event
	ptrs   []*candor.Event
	fields []candor.Field
	counts []int    // fields per event
	aad    [40]byte // an event's additional data, here so that it is not allocated per event
}

// Open decrypts and decodes recs, the subject's records, with one AES-GCM
// setup. It fails on the first record that does not open: one altered,
// moved, or sealed under another key.
func (o *EventOpener) Open(k *SubjectKey, recs []*candor.EventRecord) ([]*candor.Event, error) {
	o.reset()
	aead := k.aead()
	size, over := 0, aead.NonceSize()+aead.Overhead()
	for _, rec := range recs {
		size += max(len(rec.Sealed)-over, 0)
	}
	o.plain = make([]byte, 0, size) // exactly the plaintexts: add never grows it
	for _, rec := range recs {
		if err := o.add(k, aead, rec); err != nil {
			return nil, err
		}
	}
	return o.decode()
}

func (o *EventOpener) reset() {
	o.plain, o.ends, o.evs, o.ptrs, o.fields, o.counts = nil, o.ends[:0], o.evs[:0], o.ptrs[:0], o.fields[:0], o.counts[:0]
}

// add decrypts rec onto plain and notes its placement, which the store
// yields in the clear and the plaintext must agree with.
func (o *EventOpener) add(k *SubjectKey, aead cipher.AEAD, rec *candor.EventRecord) error {
	if rec.Subject != k.subject {
		return fmt.Errorf("vault: event of subject %s opened with the key of %s", rec.Subject, k.subject)
	}
	plain, err := openInto(aead, o.plain, rec.Sealed, k.eventAAD(o.aad[:0], rec.OccurredAt))
	if err != nil {
		return fmt.Errorf("vault: event %d of subject %s does not open: %w", rec.ID, rec.Subject, err)
	}
	o.plain = plain
	o.ends = append(o.ends, len(plain))
	o.evs = append(o.evs, candor.Event{ID: rec.ID, Subject: rec.Subject, State: rec.State, OccurredAt: rec.OccurredAt})
	return nil
}

// decode decodes the plaintexts added since the last reset into the
// events, whose strings share o.plain's memory, which it then lets go.
func (o *EventOpener) decode() ([]*candor.Event, error) {
	all := unsafe.String(unsafe.SliceData(o.plain), len(o.plain))
	o.plain = nil // never written again: all is immutable from here on
	start := 0
	for i, end := range o.ends {
		ev := &o.evs[i]
		n := len(o.fields)
		placed := ev.OccurredAt
		var err error
		if o.fields, err = decodeEvent(all[start:end], ev, o.fields); err != nil {
			return nil, fmt.Errorf("vault: event %d of subject %s: %w", ev.ID, ev.Subject, err)
		}
		if !ev.OccurredAt.Equal(placed) {
			return nil, fmt.Errorf("vault: event %d of subject %s: occurrence time does not match its placement", ev.ID, ev.Subject)
		}
		ev.OccurredAt = placed // the store's, with its location
		o.counts = append(o.counts, len(o.fields)-n)
		start = end
	}
	// The field arena has stopped growing: hand each event its part.
	n := 0
	for i := range o.evs {
		c := o.counts[i]
		o.evs[i].Fields = o.fields[n : n+c : n+c]
		n += c
		o.ptrs = append(o.ptrs, &o.evs[i])
	}
	return o.ptrs, nil
}

// decodeEvent decodes one event's plaintext into ev, appending its fields
// to fields.
func decodeEvent(s string, ev *candor.Event, fields []candor.Field) ([]candor.Field, error) {
	d := decoder{s: s}
	if d.byte() != codecVersion {
		return fields, fmt.Errorf("unknown event encoding")
	}
	ev.Source = d.string()
	ev.SourceEventID = d.string()
	ev.RecordedAt = time.Unix(0, d.varint()).UTC()
	ev.Type = d.string()
	ev.OccurredAt = time.Unix(0, d.varint()).UTC()
	n := d.uvarint()
	if n > candor.MaxFields {
		return fields, errCorrupt
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		f := candor.Field{Name: d.string()}
		f.Value.Type = candor.FieldType(d.byte())
		switch f.Value.Type {
		case candor.FieldCurrency, candor.FieldEnum, candor.FieldText, candor.FieldReference:
			f.Value.Str = d.string()
		default:
			f.Value.Int = d.varint()
		}
		fields = append(fields, f)
	}
	if d.err != nil || len(d.s) != 0 {
		return fields, errCorrupt
	}
	return fields, nil
}

// ReadGroupEvents returns the events of every member of key's subject's
// group (members, which may or may not include key's subject), as the
// subject's own (Subject set to it), in time order. Other members' keys
// are opened with StoredKey.
func (v *Vault) ReadGroupEvents(ctx context.Context, store candor.EventStore, key *SubjectKey, members []candor.SubjectID) ([]*candor.Event, error) {
	var all []*candor.Event
	for _, m := range members {
		k := key
		if m != key.Subject() {
			var err error
			if k, err = v.StoredKey(ctx, store, m); err != nil {
				return nil, err
			}
		}
		evs, err := k.ReadEvents(ctx, store)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			e.Subject = key.Subject()
		}
		all = append(all, evs...)
	}
	if len(members) > 1 {
		slices.SortStableFunc(all, func(a, b *candor.Event) int {
			if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	return all, nil
}
