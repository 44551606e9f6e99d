package candor

import (
	"encoding/binary"
	"errors"
	"time"
)

// ErasureIntent is what the erasure of a whole subject will commit,
// recorded (as a Record of kind RecordErasing, about the subject)
// before the subject's data key is shredded, so that an erasure cut short
// between the shredding and its commit can be finished without the key
// (erasure.Service.Resume). It holds nothing the store and the log do not
// hold already: the subject's ID, its blind indexes, the commitments its
// stored records were logged under, and the idempotency keys the erasure
// keeps (ErasedRecord). The commit that erases the subject removes it with
// the subject's other records.
type ErasureIntent struct {
	Erasure Erasure
	Unindex []BlindIndex
	Retire  []Commitment
	Keep    []*Record // records of no subject the erasure adds (RecordErased)
	At      time.Time // when the erasure began
}

// ForLedger returns a copy of x without its blind indexes, as a keyring's
// erasure ledger keeps it: the ledger outlives the erasure, and a blind
// index would tell whoever holds the master key that the person an
// identifier names was erased.
func (x *ErasureIntent) ForLedger() *ErasureIntent {
	y := *x
	y.Unindex = nil
	return &y
}

// erasureIntentV1 is the first byte of an ErasureIntent's encoding.
const erasureIntentV1 = 1

// Record returns the intent as the store keeps it: of kind
// RecordErasing, its ID the subject's, about the subject. The data
// is a version byte, then as unsigned varints the time (Unix nanoseconds),
// the erasure's counts of events and of access records, the numbers of
// blind indexes, of commitments and of kept records, then the indexes
// and commitments (32 bytes each), then each kept record as its kind (one
// byte) and its ID and data, each a varint length and the bytes.
func (x *ErasureIntent) Record() *Record {
	b := []byte{erasureIntentV1}
	for _, n := range []int{int(x.At.UnixNano()), x.Erasure.Events, x.Erasure.Access, len(x.Unindex), len(x.Retire), len(x.Keep)} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	for _, bi := range x.Unindex {
		b = append(b, bi[:]...)
	}
	for _, c := range x.Retire {
		b = append(b, c[:]...)
	}
	for _, r := range x.Keep {
		b = append(b, byte(r.Kind))
		b = binary.AppendUvarint(b, uint64(len(r.ID)))
		b = append(b, r.ID...)
		b = binary.AppendUvarint(b, uint64(len(r.Data)))
		b = append(b, r.Data...)
	}
	return &Record{Kind: RecordErasing, ID: x.Erasure.Subject.String(), Subject: x.Erasure.Subject, Data: b}
}

// ParseErasureIntent returns the intent r keeps. Errors: EINVALID naming
// the problem for a record that is not a well-formed intent (nothing is
// returned half read).
func ParseErasureIntent(r *Record) (*ErasureIntent, error) {
	if r.Kind != RecordErasing || r.Subject.IsZero() || r.ID != r.Subject.String() {
		return nil, Errorf(EINVALID, "erasure intent %q: not an intent about the subject it names", Clip(r.ID, 40))
	}
	x, err := parseIntent(r.Data)
	if err != nil {
		return nil, Errorf(EINVALID, "erasure intent of %s: %v", r.Subject, err)
	}
	x.Erasure.Subject = r.Subject
	return x, nil
}

func parseIntent(b []byte) (*ErasureIntent, error) {
	if len(b) == 0 || b[0] != erasureIntentV1 {
		return nil, errors.New("unknown version")
	}
	d := intentReader{b: b[1:]}
	var n [6]uint64
	for i := range n {
		n[i] = d.uvarint()
	}
	// Every index and commitment takes 32 bytes and every kept record at
	// least 3: counts beyond what is left are refused before allocating.
	if d.err != nil || n[3] > uint64(len(d.b))/32 || n[4] > uint64(len(d.b))/32 || n[5] > uint64(len(d.b))/3 || n[0] > 1<<62 || n[1] > 1<<31 || n[2] > 1<<31 {
		return nil, errors.New("counts beyond its length")
	}
	x := &ErasureIntent{At: time.Unix(0, int64(n[0])).UTC(), Erasure: Erasure{Events: int(n[1]), Access: int(n[2])},
		Unindex: make([]BlindIndex, n[3]), Retire: make([]Commitment, n[4])}
	for i := range x.Unindex {
		copy(x.Unindex[i][:], d.take(32))
	}
	for i := range x.Retire {
		copy(x.Retire[i][:], d.take(32))
	}
	for range n[5] {
		kind := RecordKind(d.byte())
		id := string(d.take(int(min(d.uvarint(), uint64(len(d.b)+1)))))
		data := d.take(int(min(d.uvarint(), uint64(len(d.b)+1))))
		if d.err == nil && CheckRecordID(kind, id) != nil {
			return nil, errors.New("a kept record of a bad kind or ID")
		}
		x.Keep = append(x.Keep, &Record{Kind: kind, ID: id, Data: data})
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) > 0 {
		return nil, errors.New("bytes after its end")
	}
	return x, nil
}

// intentReader reads an intent's encoding; its first error sticks.
type intentReader struct {
	b   []byte
	err error
}

var errIntentShort = errors.New("cut short")

func (d *intentReader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errIntentShort
		return 0
	}
	if n != len(binary.AppendUvarint(nil, v)) {
		d.err = errors.New("a number not in its shortest form")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *intentReader) take(n int) []byte {
	if d.err != nil || n > len(d.b) {
		d.err = errIntentShort
		return nil
	}
	out := append([]byte(nil), d.b[:n]...)
	d.b = d.b[n:]
	return out
}

func (d *intentReader) byte() byte {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}
