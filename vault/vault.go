package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/keyfile"
)

// KeySize is the size of the master key and of every data key.
const KeySize = 32

// LoadOrCreateKey reads the master key from path, or creates the file with a
// fresh random key and mode 0600 if it does not exist. It refuses a key file
// that others may read, or that does not hold exactly one base64 key.
func LoadOrCreateKey(path string) ([]byte, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	return LoadKey(path)
}

// LoadKey reads the master key at path as LoadOrCreateKey does, but never
// creates one: a missing file is an error naming it. Commands that check
// an installation (candor audit verify) use it, so that a mistyped path
// leaves no new key behind.
func LoadKey(path string) ([]byte, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("master key %s: want %d bytes in base64 on one line", path, KeySize)
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("master key: %w", err)
	}
	return key, nil
}

// Vault derives Candor's working keys from the master key and keeps the
// subjects' data keys, wrapped, in a keyring apart from the data. It is
// safe for concurrent use.
type Vault struct {
	keyring candor.Keyring
	wraps   atomic.Pointer[wrapKeys]
	// keys orders the keyring's writes against a rotation: KeepKeys and
	// ShredKey hold it shared, RewrapKeys and UseWrapKeys alone, so that a
	// rotation neither brings back a key shredded meanwhile nor misses
	// one kept under a wrapping key it is retiring.
	keys   sync.RWMutex
	index  macPool
	dedupe macPool
	digest macPool
	ref    macPool
	acts   macPool
	// secrets seals the wrapping key's generations a WrapKeyring keeps.
	secrets cipher.AEAD
	stale   staleWrap
}

// New derives the vault's keys from a 32-byte master key with HKDF-SHA-256,
// one label per use, so no key ever serves two purposes, and keeps the
// subjects' wrapped data keys in kr.
func New(master []byte, kr candor.Keyring) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("vault: master key must be %d bytes", KeySize)
	}
	if kr == nil {
		return nil, errors.New("vault: no keyring")
	}
	derive := func(label string) []byte {
		k, err := hkdf.Key(sha256.New, master, nil, "candor/v1/"+label, KeySize)
		if err != nil {
			panic(err) // only for lengths HKDF cannot produce
		}
		return k
	}
	v := &Vault{
		keyring: kr,
		index:   newMACPool(derive("blind-index")),
		dedupe:  newMACPool(derive("dedupe")),
		digest:  newMACPool(derive("digest")),
		ref:     newMACPool(derive("reference")),
		acts:    newMACPool(derive("admin-acts")),
		secrets: newGCM(derive("wrap-generation")),
	}
	w := newGCM(derive("wrap"))
	v.wraps.Store(&wrapKeys{wrap: w, opens: []cipher.AEAD{w}})
	return v, nil
}

// wrapKeys are the keys data keys are wrapped with: wrap wraps new ones,
// and a wrapped key opens under any of opens (wrap first; more during a
// rotation).
type wrapKeys struct {
	wrap  cipher.AEAD
	gen   uint32 // wrap's generation (candor.WrappedKey.Generation)
	opens []cipher.AEAD
	// minted are the wrapping keys this vault wrapped new keys with
	// before wrap (the last two), kept in memory for KeepKeys alone: a
	// key made (NewSubjectKey) just before a rotation retired its
	// wrapping key is still kept, wrapped again. Reads never use them.
	minted []cipher.AEAD
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // key length is fixed by this package
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// macPool reuses keyed HMAC states: building one costs two hash blocks.
type macPool struct{ p sync.Pool }

func newMACPool(key []byte) macPool {
	return macPool{p: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

func (m *macPool) sum(dst []byte, parts ...[]byte) {
	h := m.p.Get().(hash.Hash)
	h.Reset()
	for _, p := range parts {
		h.Write(p)
	}
	var out [sha256.Size]byte
	copy(dst, h.Sum(out[:0]))
	m.p.Put(h)
}

// BlindIndex returns the keyed hash of a normalised identifier.
func (v *Vault) BlindIndex(id candor.Identifier) candor.BlindIndex {
	var bi candor.BlindIndex
	buf := make([]byte, 0, 64)
	buf = append(buf, byte(id.Scheme))
	buf = append(buf, id.Value...)
	v.index.sum(bi[:], buf)
	return bi
}

// ActMAC returns the MAC an administrative act's canonical encoding is
// stored with (candor.AdminActRecord): keyed by the master key, so that an
// act written into the store by anyone without it does not verify.
func (v *Vault) ActMAC(encoded []byte) []byte {
	mac := make([]byte, candor.AdminActMAC)
	v.acts.sum(mac, encoded)
	return mac
}

// DedupeKey returns the keyed hash of a source's event ID.
func (v *Vault) DedupeKey(source, eventID string) candor.DedupeKey {
	var k candor.DedupeKey
	buf := make([]byte, 0, 2+len(source)+len(eventID))
	buf = appendString(buf, source)
	buf = appendString(buf, eventID)
	v.dedupe.sum(k[:], buf)
	return k
}

// Digest returns the keyed hash of an event's content: who it is about and
// the content encoding produced by AppendContent.
func (v *Vault) Digest(id candor.Identifier, content []byte) candor.Digest {
	var d candor.Digest
	head := make([]byte, 0, 32)
	head = append(head, byte(id.Scheme))
	head = appendString(head, id.Value)
	v.digest.sum(d[:], head, content)
	return d
}

// Pseudonymise replaces the value of every reference field in fs, as the
// source sent it, with its pseudonym (candor.Reference): a keyed hash,
// equal for equal references whoever they are about, so that later facts
// about the same account or case can be matched, and at most its last four
// digits. The key is derived from the master key for this use alone. The
// ingest pipeline calls it on every event before anything is sealed,
// matched or digested, so no reference is stored readable.
func (v *Vault) Pseudonymise(fs []candor.Field) {
	for i := range fs {
		if fs[i].Value.Type != candor.FieldReference {
			continue
		}
		var sum [sha256.Size]byte
		v.ref.sum(sum[:], []byte(fs[i].Value.Str))
		fs[i].Value = candor.Reference([candor.ReferenceHashLen / 2]byte(sum[:candor.ReferenceHashLen/2]), fs[i].Value.Str)
	}
}

// SubjectKey is one subject's data key. It keeps the 32 key bytes and sets
// up AES-GCM for each operation (a few hundred nanoseconds and ~1 KB of
// garbage), so that caches can hold many keys: a ready AES-GCM state
// takes over a kilobyte. A key from Prepared keeps one instead, for a
// cache of few keys each used many times.
//
// A cache of many keys holds their KeyValue instead: copies are the
// same key.
type SubjectKey struct {
	KeyValue
	warm *warmState // set by Prepared
}

// KeyValue is a subject's data key without what Prepared keeps: 80 bytes
// (ID, key, salt) and no pointer, so that a cache holds it by value and
// the collector need not scan the cache's memory. Key returns the
// SubjectKey it is.
type KeyValue struct {
	subject candor.SubjectID
	key     [KeySize]byte
	salt    candor.Salt
}

// Key returns the subject key v holds (unprepared).
func (v *KeyValue) Key() SubjectKey { return SubjectKey{KeyValue: *v} }

// warmState is what Prepared keeps ready, read only once set.
type warmState struct {
	aead cipher.AEAD // safe for concurrent use
	// accessAD is the additional data of the subject's access records:
	// the same for every one.
	accessAD []byte
}

// Prepared returns a copy of k that keeps its AES-GCM state ready
// instead of setting one up for each seal or open: ~1.1 KB more memory
// held for as long as the copy is, and none allocated per operation. For
// keys held in a bounded cache and used on every request (decisions);
// the copy is the same key (what one seals the other opens).
func (k *SubjectKey) Prepared() *SubjectKey {
	c := *k
	if c.warm == nil {
		c.warm = &warmState{aead: newGCM(c.key[:]), accessAD: appendAccessAAD(nil, c.subject)}
	}
	return &c
}

// Salt returns the subject's commitment salt for the transparency log:
// HMAC-SHA-256 of the data key over "candor/v1/commitment-salt". It is
// derived, not stored, so that it is kept exactly where the subject's
// encrypted data is (every subject has one, with no migration), and
// erasing the data key erases it: the subject's commitments stay in the
// log, verifiable, and can no longer be linked to anything. Rotating a
// data key MUST carry the old salt over (sealed beside the new key), or
// the subject's past commitments can no longer be recomputed.
func (k *SubjectKey) Salt() *candor.Salt { return &k.salt }

func (k *SubjectKey) deriveSalt() {
	m := hmac.New(sha256.New, k.key[:])
	m.Write([]byte("candor/v1/commitment-salt"))
	m.Sum(k.salt[:0])
}

func (k *SubjectKey) aead() cipher.AEAD {
	if k.warm != nil {
		return k.warm.aead
	}
	return newGCM(k.key[:])
}

// NewSubjectKey makes a fresh data key for subject and returns it with its
// wrapped form, which the caller MUST keep (KeepKeys) before it commits
// anything sealed with the key.
func (v *Vault) NewSubjectKey(subject candor.SubjectID) (*SubjectKey, candor.WrappedKey) {
	k := &SubjectKey{KeyValue: KeyValue{subject: subject}}
	rand.Read(k.key[:])
	k.deriveSalt()
	w := v.wraps.Load()
	return k, candor.WrappedKey{Subject: subject, Wrapped: seal(w.wrap, nil, k.key[:], wrapAAD(subject)), Generation: w.gen}
}

// WrapKey returns k wrapped by the master key (for the keyring).
func (v *Vault) WrapKey(k *SubjectKey) []byte {
	return seal(v.wraps.Load().wrap, nil, k.key[:], wrapAAD(k.subject))
}

// KeepKeys stores wrapped keys in the keyring, durably, all or none: a
// writer calls it before the commit that adds their subjects, so that no
// committed subject is ever without its key. A key wrapped (by
// NewSubjectKey) under a wrapping key that a rotation has since replaced
// is wrapped again under the current one before it is stored, so that
// no key escapes a rotation running meanwhile. A keyring that refuses
// the keys as wrapped with a retired generation (candor.ErrWrapRetired:
// this vault had not yet learnt of a rotation another node finished) is
// asked again, twice at most, after the vault's generations are reloaded
// (OnStaleWrap).
func (v *Vault) KeepKeys(ctx context.Context, keys []candor.WrappedKey) error {
	for attempt := 0; ; attempt++ {
		err := v.keepKeys(ctx, keys)
		if !errors.Is(err, candor.ErrWrapRetired) || attempt == 2 || v.stale.reload == nil {
			return err
		}
		if rerr := v.stale.refresh(ctx, time.Now()); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
}

func (v *Vault) keepKeys(ctx context.Context, keys []candor.WrappedKey) error {
	v.keys.RLock()
	defer v.keys.RUnlock()
	w, cloned := v.wraps.Load(), false
	for i, k := range keys {
		if k.Generation == w.gen {
			if _, err := open(w.wrap, k.Wrapped, wrapAAD(k.Subject)); err == nil {
				continue
			}
		}
		sk, err := v.openSubjectKey(k.Subject, k.Wrapped)
		for _, aead := range w.minted {
			if err == nil {
				break
			}
			if key, merr := open(aead, k.Wrapped, wrapAAD(k.Subject)); merr == nil && len(key) == KeySize {
				sk, err = &SubjectKey{KeyValue: KeyValue{subject: k.Subject}}, nil
				copy(sk.key[:], key)
			}
		}
		if err != nil {
			return fmt.Errorf("vault: keeping data keys: %w", err)
		}
		if !cloned { // the caller's slice is left as it was
			keys, cloned = slices.Clone(keys), true
		}
		keys[i].Wrapped, keys[i].Generation = seal(w.wrap, nil, sk.key[:], wrapAAD(k.Subject)), w.gen
	}
	if err := v.keyring.PutSubjectKeys(ctx, keys); err != nil {
		return fmt.Errorf("vault: keeping data keys: %w", err)
	}
	return nil
}

// UseWrapKeys replaces the keys data keys are wrapped with (by default
// derived from the master key): new data keys are wrapped with wrap, and a
// wrapped key opens under wrap or any of also (a rotation in progress).
// The master key's own wrapping key is then no longer accepted unless it
// is among them. Keys come from DeriveWrapKey. It may be called while the
// vault is in use (an online rotation): it waits for the keyring writes
// under way (KeepKeys, ShredKey, RewrapKeys) and every write after it
// returns uses the new keys.
func (v *Vault) UseWrapKeys(wrap []byte, also ...[]byte) {
	v.UseWrapKeysAt(0, wrap, also...)
}

// UseWrapKeysAt is UseWrapKeys for a keyring that keeps the wrapping
// key's generations (candor.WrapKeyring): gen is wrap's generation, which
// every key it wraps is stored with.
func (v *Vault) UseWrapKeysAt(gen uint32, wrap []byte, also ...[]byte) {
	w := &wrapKeys{wrap: newGCM(wrap), gen: gen}
	w.opens = []cipher.AEAD{w.wrap}
	for _, k := range also {
		w.opens = append(w.opens, newGCM(k))
	}
	v.keys.Lock()
	if old := v.wraps.Load(); old != nil {
		w.minted = append([]cipher.AEAD{old.wrap}, old.minted...)[:min(2, 1+len(old.minted))]
	}
	v.wraps.Store(w)
	v.keys.Unlock()
}

// RewrapKeys wraps again, under the current wrapping key, the data keys
// of at most limit subjects above after (in subject ID order) and stores
// them durably: one step of a rotation. It returns the last subject
// seen, how many keys it rewrapped, and whether it reached the end of
// the keyring. It holds off the keyring's other writes while it stores
// (a key shredded meanwhile is skipped, never brought back). Errors:
// those of the keyring, and one naming a key that opens under no
// accepted wrapping key.
func (v *Vault) RewrapKeys(ctx context.Context, after candor.SubjectID, limit int) (last candor.SubjectID, n int, end bool, err error) {
	var ids []candor.SubjectID
	end = true
	for w, err := range v.keyring.SubjectKeys(ctx, after) {
		if err != nil {
			return after, 0, false, err
		}
		if len(ids) == limit {
			end = false
			break
		}
		ids = append(ids, w.Subject)
	}
	if len(ids) == 0 {
		return after, 0, end, nil
	}
	v.keys.Lock()
	defer v.keys.Unlock()
	batch := make([]candor.WrappedKey, 0, len(ids))
	for _, id := range ids {
		wrapped, err := v.keyring.SubjectKey(ctx, id)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			continue // shredded meanwhile
		}
		if err != nil {
			return after, 0, false, err
		}
		k, err := v.openSubjectKey(id, wrapped) // no reload: it holds the keys' lock
		if err != nil {
			return after, 0, false, err
		}
		w := v.wraps.Load()
		batch = append(batch, candor.WrappedKey{Subject: id, Wrapped: seal(w.wrap, nil, k.key[:], wrapAAD(id)), Generation: w.gen})
	}
	if len(batch) > 0 {
		if err := v.keyring.PutSubjectKeys(ctx, batch); err != nil {
			return after, 0, false, fmt.Errorf("vault: storing rewrapped keys: %w", err)
		}
	}
	return ids[len(ids)-1], len(batch), end, nil
}

// DeriveWrapKey returns the wrapping key (key-encryption key) a 32-byte
// secret derives, as New derives the master key's own: the default until
// a rotation, then that of a wrapping key file (candor keys rotate).
func DeriveWrapKey(secret []byte) ([]byte, error) {
	if len(secret) != KeySize {
		return nil, fmt.Errorf("vault: a key must be %d bytes", KeySize)
	}
	return hkdf.Key(sha256.New, secret, nil, "candor/v1/wrap", KeySize)
}

// OpenSubjectKey unwraps a wrapped data key. It fails if the wrapped key was
// altered or belongs to another subject. A key that opens under none of
// the vault's wrapping keys opens again after the generations are
// reloaded (OnStaleWrap), if they changed: another node began a
// rotation this vault has not yet learnt of.
func (v *Vault) OpenSubjectKey(subject candor.SubjectID, wrapped []byte) (*SubjectKey, error) {
	failed := time.Now()
	k, err := v.openSubjectKey(subject, wrapped)
	if err == nil || v.stale.reload == nil {
		return k, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if v.stale.refresh(ctx, failed) != nil {
		return nil, err
	}
	return v.openSubjectKey(subject, wrapped)
}

func (v *Vault) openSubjectKey(subject candor.SubjectID, wrapped []byte) (*SubjectKey, error) {
	var key []byte
	err := errors.New("no wrapping key")
	for _, aead := range v.wraps.Load().opens {
		if key, err = open(aead, wrapped, wrapAAD(subject)); err == nil {
			break
		}
	}
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("vault: data key of subject %s does not open: wrong master key or altered record", subject)
	}
	k := &SubjectKey{KeyValue: KeyValue{subject: subject}}
	copy(k.key[:], key)
	k.deriveSalt()
	return k, nil
}

// SubjectKey reads a subject's wrapped key from the keyring and opens it.
// Errors: ENOTFOUND for a subject with no key (never stored, or erased).
func (v *Vault) SubjectKey(ctx context.Context, subject candor.SubjectID) (*SubjectKey, error) {
	wrapped, err := v.keyring.SubjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	return v.OpenSubjectKey(subject, wrapped)
}

// ShredKey deletes a subject's data key from the keyring, durably and from
// the keyring's files (candor.Keyring.DeleteSubjectKey): everything sealed
// with it, wherever copies live, can no longer be opened once the
// keyring's backups older than now are gone. Shredding a key not stored
// is no error.
func (v *Vault) ShredKey(ctx context.Context, subject candor.SubjectID) error {
	v.keys.RLock()
	defer v.keys.RUnlock()
	if err := v.keyring.DeleteSubjectKey(ctx, subject); err != nil {
		return fmt.Errorf("vault: shredding the data key of %s: %w", subject, err)
	}
	return nil
}

// Keyring returns the keyring the vault keeps wrapped keys in.
func (v *Vault) Keyring() candor.Keyring { return v.keyring }

// StoredKey checks that a subject is stored and opens its data key.
// Errors: ENOTFOUND for a subject not stored (or erased), or without a key.
func (v *Vault) StoredKey(ctx context.Context, st candor.EventStore, subject candor.SubjectID) (*SubjectKey, error) {
	if _, err := st.Subject(ctx, subject); err != nil {
		return nil, err
	}
	return v.SubjectKey(ctx, subject)
}

func wrapAAD(subject candor.SubjectID) []byte {
	return append([]byte("candor/v1/data-key/"), subject[:]...)
}

// seal appends nonce || ciphertext to dst.
func seal(aead cipher.AEAD, dst, plaintext, aad []byte) []byte {
	n, ns := len(dst), aead.NonceSize()
	dst = slices.Grow(dst, ns+len(plaintext)+aead.Overhead())[:n+ns] // one allocation at most
	rand.Read(dst[n:])
	return aead.Seal(dst, dst[n:], plaintext, aad)
}

func open(aead cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	return openInto(aead, nil, sealed, aad)
}

// openInto appends the plaintext of sealed to dst.
func openInto(aead cipher.AEAD, dst, sealed, aad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	if len(sealed) < ns+aead.Overhead() {
		return nil, errors.New("vault: sealed value too short")
	}
	return aead.Open(dst, sealed[:ns], sealed[ns:], aad)
}

// Subject returns the subject the key belongs to.
func (k *SubjectKey) Subject() candor.SubjectID { return k.subject }
