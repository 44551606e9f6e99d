package decisions

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"strconv"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// IdempotencyRetention is how long a relying party's Idempotency-Key is
// remembered: a retry within it returns the decision first taken; after
// it the key is forgotten (PurgeIdempotencyKeys deletes it) and a request
// with it takes a new decision.
const IdempotencyRetention = 24 * time.Hour

// MaxIdempotencyKey bounds an Idempotency-Key's length.
const MaxIdempotencyKey = 255

// CheckIdempotencyKey returns EINVALID naming the problem for a key that
// is not 1 to MaxIdempotencyKey printable ASCII characters.
func CheckIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKey {
		return candor.Errorf(candor.EINVALID, "Idempotency-Key: 1 to %d printable ASCII characters (a UUID, say), not %d bytes", MaxIdempotencyKey, len(key))
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return candor.Errorf(candor.EINVALID, "Idempotency-Key: byte %d is %s; use printable ASCII characters only", i+1, strconv.QuoteRune(rune(c)))
		}
	}
	return nil
}

// idempotent is what a key remembers, sealed with the decision's
// subject's key.
type idempotent struct {
	Decision string    `json:"decision"`
	Request  string    `json:"request"` // requestDigest of the request
	At       time.Time `json:"at"`
}

// idempotencyID is the record ID of rp's key: a hash, so that the key
// itself is never stored.
func idempotencyID(rp, key string) string {
	h := sha256.Sum256([]byte("candor/v1/idempotency/" + rp + "\x00" + key))
	return hex.EncodeToString(h[:16])
}

// requestDigest identifies a request: the same consent (however typed),
// purpose and benefit is the same request, whatever the body's layout.
func requestDigest(req candor.DecisionRequest) string {
	h := sha256.Sum256([]byte(candor.NormaliseCode(req.Consent) + "\x00" + req.Purpose.String() + "\x00" + req.Benefit))
	return hex.EncodeToString(h[:])
}

// The record's Data is the time it was taken (8 bytes, Unix seconds, big
// endian, for PurgeIdempotencyKeys to read without the subject's key) and
// then the sealed idempotent.
const idemAtLen = 8

// keyLocks serialise the requests of one relying party with one key on
// this node, so that two at once take one decision.
type keyLocks struct {
	seed maphash.Seed
	mu   [64]sync.Mutex
}

func (l *keyLocks) lock(rp, key string) func() {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(rp)
	h.WriteByte(0)
	h.WriteString(key)
	m := &l.mu[h.Sum64()%uint64(len(l.mu))]
	m.Lock()
	return m.Unlock
}

// remembered returns the decision rp's key took, if it is remembered
// (within IdempotencyRetention), or nil; a forgotten key's record is
// deleted. Errors: ECONFLICT if the key took a decision for another
// request; the store's.
func (s *Service) remembered(ctx context.Context, rp *candor.RelyingParty, req candor.DecisionRequest, now time.Time) (*candor.Decision, *vault.SubjectKey, error) {
	id := idempotencyID(rp.ID, req.IdempotencyKey)
	r, err := s.store.Record(ctx, candor.RecordIdempotency, id)
	switch candor.ErrorCode(err) {
	case "":
	case candor.ENOTFOUND:
		return nil, nil, nil
	default:
		return nil, nil, err
	}
	var idem idempotent
	_, key, err := s.subjectKey(ctx, r.Subject)
	if err == nil && len(r.Data) > idemAtLen {
		sealed := *r
		sealed.Data = r.Data[idemAtLen:]
		err = key.OpenJSON(&sealed, &idem)
	}
	if err != nil || !now.Before(idem.At.Add(IdempotencyRetention)) {
		// Forgotten (or its subject erased): the key is free again.
		return nil, nil, s.store.DeleteRecord(ctx, candor.RecordIdempotency, id)
	}
	if idem.Request != requestDigest(req) {
		return nil, nil, &candor.Error{Code: candor.ECONFLICT,
			Message: "this Idempotency-Key was used on " + idem.At.Format(time.RFC3339) +
				" for another request (another consent, purpose or benefit); use a new key for a new request",
			Details: []candor.Problem{{Field: "Idempotency-Key", Reason: "reused_for_another_request"}}}
	}
	d, err := s.Decision(ctx, candor.SubjectID{}, idem.Decision)
	if candor.ErrorCode(err) == candor.ENOTFOUND { // erased since
		return nil, nil, s.store.DeleteRecord(ctx, candor.RecordIdempotency, id)
	}
	return d, key, err
}

// idempotencyRecord is the record of rp's key for decision d.
func idempotencyRecord(key *vault.SubjectKey, rp *candor.RelyingParty, req candor.DecisionRequest, d *candor.Decision) (*candor.Record, error) {
	r, err := key.SealJSON(candor.RecordIdempotency, idempotencyID(rp.ID, req.IdempotencyKey),
		idempotent{Decision: d.ID, Request: requestDigest(req), At: d.At})
	if err != nil {
		return nil, err
	}
	r.Data = append(binary.BigEndian.AppendUint64(make([]byte, 0, idemAtLen+len(r.Data)), uint64(d.At.Unix())), r.Data...)
	return r, nil
}

// PurgeIdempotencyKeys deletes the Idempotency-Keys taken before
// now - IdempotencyRetention, and returns how many. candor serve runs
// it with the retention purge.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context, now time.Time) (int, error) {
	var old []string
	for r, err := range s.store.AllRecords(ctx, candor.RecordIdempotency) {
		if err != nil {
			return 0, err
		}
		if len(r.Data) < idemAtLen || !now.Before(time.Unix(int64(binary.BigEndian.Uint64(r.Data)), 0).Add(IdempotencyRetention)) {
			old = append(old, r.ID)
		}
	}
	for i, id := range old {
		if err := s.store.DeleteRecord(ctx, candor.RecordIdempotency, id); err != nil {
			return i, err
		}
	}
	return len(old), nil
}
