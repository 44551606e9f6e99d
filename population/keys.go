package population

import (
	"bytes"
	"context"
	"encoding/binary"
	"iter"
	"time"

	"github.com/candor-project/candor"
)

// keyRefresh bounds how long a keyCursor reads from one keyring
// iteration before it starts another where it stopped: an open iteration
// may pin the files a key erasure waits to see deleted (the Pebble
// keyring waits 10 s), and a pass must not hold them that long.
const keyRefresh = 500 * time.Millisecond

// A keyCursor finds the wrapped keys of one part's subjects, asked for in
// increasing ID order, by walking the keyring's keys in ID order beside
// the store's subjects (candor.Keyring.SubjectKeys) instead of looking
// each one up: a lookup in the Pebble keyring (a Get) cost ~10 µs of CPU
// in a pass, about a fifth of the pass's CPU per subject, where a step of
// an ordered scan costs well under a microsecond. It is not safe for
// concurrent use.
type keyCursor struct {
	ctx     context.Context
	keyring candor.Keyring
	after   candor.SubjectID // where the next iteration starts (exclusive)
	next    func() (candor.WrappedKey, error, bool)
	stop    func()
	refresh time.Duration // keyRefresh, shorter in tests
	started time.Time
	asked   int
	cur     candor.WrappedKey // the key next returned last, if have
	have    bool
}

// newKeyCursor returns a cursor over the keys of part p: its first
// iteration starts just below the part's lowest ID.
func newKeyCursor(ctx context.Context, keyring candor.Keyring, p candor.Part) *keyCursor {
	c := &keyCursor{ctx: ctx, keyring: keyring, refresh: keyRefresh}
	if lo, _, _ := p.Bounds(); lo > 0 {
		// The highest ID below the part's: lo-1, then eight bytes 0xff.
		binary.BigEndian.PutUint64(c.after[:8], lo-1)
		for i := 8; i < len(c.after); i++ {
			c.after[i] = 0xff
		}
	}
	return c
}

// find returns the wrapped key of id, valid until the next call, or
// ENOTFOUND if the keyring holds none (as candor.Keyring.SubjectKey). Each
// id must be above the one before.
func (c *keyCursor) find(id candor.SubjectID) ([]byte, error) {
	if c.asked++; c.next != nil && c.asked%64 == 0 && time.Since(c.started) > c.refresh {
		c.close()
	}
	if c.next == nil {
		c.next, c.stop = iter.Pull2(c.keyring.SubjectKeys(c.ctx, c.after))
		c.started, c.have = time.Now(), false
	}
	for !c.have || bytes.Compare(c.cur.Subject[:], id[:]) < 0 {
		w, err, ok := c.next()
		if !ok {
			c.have = false
			break
		}
		if err != nil {
			return nil, err
		}
		c.cur, c.have = w, true
	}
	c.after = id
	if !c.have || c.cur.Subject != id {
		return nil, candor.Errorf(candor.ENOTFOUND, "no data key for subject %s", id)
	}
	return c.cur.Wrapped, nil
}

// close ends the cursor's iteration, if one is open.
func (c *keyCursor) close() {
	if c.stop != nil {
		c.stop()
	}
	c.next, c.stop, c.have = nil, nil, false
}
