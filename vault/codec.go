package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
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
		case candor.FieldCurrency, candor.FieldEnum, candor.FieldText, candor.FieldReference:
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
	d := decoder{s: string(plain)}
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
	if d.err != nil || len(d.s) != 0 {
		return nil, fmt.Errorf("vault: subject %s: %w", rec.ID, errCorrupt)
	}
	return s, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decoder reads the encodings above from a string, so that the strings it
// returns are substrings of it and cost no allocation. It remembers the
// first error.
type decoder struct {
	s   string
	err error
}

func (d *decoder) fail() { d.err, d.s = errCorrupt, "" }

func (d *decoder) byte() byte {
	if len(d.s) == 0 {
		d.fail()
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

// uvarint reads an unsigned varint as encoding/binary writes it.
func (d *decoder) uvarint() uint64 {
	if len(d.s) > 0 && d.s[0] < 0x80 {
		x := uint64(d.s[0])
		d.s = d.s[1:]
		return x
	}
	var x uint64
	for i, shift := 0, uint(0); i < len(d.s) && i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflow
			}
			d.s = d.s[i+1:]
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
	}
	d.fail()
	return 0
}

// varint reads a signed (zig-zag) varint as encoding/binary writes it.
func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) string() string {
	if len(d.s) > 0 && d.s[0] < 0x80 && int(d.s[0]) < len(d.s) { // a length under 128: one byte
		n := int(d.s[0]) + 1
		v := d.s[1:n]
		d.s = d.s[n:]
		return v
	}
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail()
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}
