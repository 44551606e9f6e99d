package synth

import (
	"math/bits"
	"math/rand/v2"
)

// Randomness. Nothing in this package draws from a shared, sequential
// generator: every draw comes from a small stream named by (subject key,
// topic, n), where n is a month, a year, a loan generation or a link in a
// chain. A stream is a math/rand/v2 PCG seeded from a hash of those three, so
// any month of any subject can be generated on its own, in any order, on any
// goroutine, and comes out the same. Draws use only integer arithmetic and
// exact float comparisons, so the output is the same on every platform.

// mix is the splitmix64 finaliser: a bijection on uint64 that scatters bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

const golden = 0x9e3779b97f4a7c15

// Subject kinds and identifier schemes, as hash domains.
const (
	domPerson   uint64 = 0x7065_7273_6f6e_0001 // "person"
	domOrg      uint64 = 0x6f72_6761_6e69_0002 // "organi"
	domNational uint64 = 0x6e61_7469_6f6e_0003 // "nation"
	domTax      uint64 = 0x7461_786e_756d_0004 // "taxnum"
	domCompany  uint64 = 0x636f_6d70_616e_0005 // "compan"
)

// subjectKey is the root of all randomness of subject i of a kind. Distinct
// indexes give distinct keys (mix is a bijection).
func subjectKey(seed, dom uint64, i int) uint64 {
	return mix(mix(seed^dom) + uint64(i)*golden)
}

// topic names one independent aspect of a subject's life. Each has its own
// streams, so changing how one aspect is drawn never shifts another. Values
// are part of the output's definition: never renumber them.
type topic uint64

const (
	topicStatic     topic = 1  // n = 0: who the subject is
	topicStress     topic = 2  // n = month: start of a spell of financial stress
	topicRent       topic = 3  // n = month
	topicUtility    topic = 4  // n = month
	topicTax        topic = 5  // n = tax year
	topicCourt      topic = 6  // n = year
	topicPermit     topic = 7  // n = link in the chain of work permits
	topicDissolve   topic = 8  // n = year
	topicAccounts   topic = 9  // n = fiscal year
	topicInspect    topic = 10 // n = year
	topicWage       topic = 11 // n = year
	topicLicence    topic = 12 // n = link in the chain of business licences
	topicOutcome    topic = 13 // n = month: a default in the 12 months from it (Default12)
	topicLoanSlot   topic = 20 // +slot, n = 0: the slot's product and phase
	topicLoan       topic = 30 // +slot, n = generation: one loan
	topicInstalment topic = 40 // +slot, n = month
)

// rng is one stream.
type rng struct{ p rand.PCG }

func stream(key uint64, t topic, n int) rng {
	a := mix(key ^ uint64(t)*0xd6e8feb86659fd93)
	b := mix(a + uint64(n)*golden)
	var r rng
	r.p.Seed(a, b)
	return r
}

// intn returns a number in [0, n), n > 0 (Lemire's multiply-shift; the bias
// is below 2^-40 for the small n used here).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool {
	return float64(r.p.Uint64()>>11)*0x1p-53 < p
}

// pick returns an index into weights, with probability proportional to its weight.
func (r *rng) pick(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
