package stats

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
)

// A Sampler draws exact samples of the discrete Laplace and discrete
// Gaussian distributions from a source of uniform random bytes, with
// integer arithmetic only (Canonne, Kamath and Steinke 2020, algorithms
// 1 to 3): no floating point touches a sample, so the noise has exactly
// the distribution the privacy proof assumes and leaks nothing through
// rounding. Not safe for concurrent use.
type Sampler struct {
	r   io.Reader
	buf [8]byte
}

// NewSampler returns a sampler reading randomness from r; nil is
// crypto/rand, what production uses. Tests pass a seeded reader.
func NewSampler(r io.Reader) *Sampler {
	if r == nil {
		r = rand.Reader
	}
	return &Sampler{r: r}
}

// uniform returns an integer uniform on [0, n), n > 0, by rejection.
func (s *Sampler) uniform(n uint64) (uint64, error) {
	low := -n % n // 2^64 mod n: [low, 2^64) holds a whole number of n's
	for {
		if _, err := io.ReadFull(s.r, s.buf[:]); err != nil {
			return 0, err
		}
		if x := binary.LittleEndian.Uint64(s.buf[:]); x >= low {
			return x % n, nil
		}
	}
}

// bernoulli returns true with probability num/den, 0 ≤ num ≤ den, den > 0.
func (s *Sampler) bernoulli(num, den uint64) (bool, error) {
	u, err := s.uniform(den)
	return u < num, err
}

// bernoulliExp returns true with probability exp(-num/den), den > 0
// (algorithm 1): for γ ≤ 1 the parity of the first K with Bern(γ/K) = 0;
// for γ > 1, one Bern(exp(-1)) per whole unit, then the remainder.
func (s *Sampler) bernoulliExp(num, den uint64) (bool, error) {
	for num > den {
		ok, err := s.bernoulliExp1(1, 1)
		if err != nil || !ok {
			return false, err
		}
		num -= den
	}
	return s.bernoulliExp1(num, den)
}

func (s *Sampler) bernoulliExp1(num, den uint64) (bool, error) {
	k := uint64(1)
	for {
		a, err := s.bernoulli(num, den*k)
		if err != nil {
			return false, err
		}
		if !a {
			return k%2 == 1, nil
		}
		k++
	}
}

// ErrScale is returned for a scale or variance that is not positive or
// too large to sample exactly.
var ErrScale = errors.New("stats: the noise scale must be a positive rational with numerator and denominator below 2^40")

const maxTerm = 1 << 40

// Laplace returns a sample of the discrete Laplace distribution with
// scale t/s, P(x) ∝ exp(-|x|·s/t) on the integers (algorithm 2). For
// ε-differential privacy of a count whose sensitivity is Δ, t/s = Δ/ε.
func (s *Sampler) Laplace(t, sc uint64) (int64, error) {
	if t == 0 || sc == 0 || t >= maxTerm || sc >= maxTerm {
		return 0, ErrScale
	}
	for {
		u, err := s.uniform(t)
		if err != nil {
			return 0, err
		}
		d, err := s.bernoulliExp(u, t)
		if err != nil {
			return 0, err
		}
		if !d {
			continue
		}
		v := uint64(0)
		for {
			a, err := s.bernoulliExp1(1, 1)
			if err != nil {
				return 0, err
			}
			if !a {
				break
			}
			v++
		}
		y := (u + t*v) / sc
		neg, err := s.bernoulli(1, 2)
		if err != nil {
			return 0, err
		}
		if neg && y == 0 {
			continue
		}
		if neg {
			return -int64(y), nil
		}
		return int64(y), nil
	}
}

// Gaussian returns a sample of the discrete Gaussian distribution with
// variance parameter σ² = num/den, P(x) ∝ exp(-x²/(2σ²)) on the integers
// (algorithm 3: a discrete Laplace sample of scale ⌊σ⌋+1, kept with
// probability exp(-(|y|-σ²/t)²/(2σ²)), in exact big-integer arithmetic).
func (s *Sampler) Gaussian(num, den uint64) (int64, error) {
	if num == 0 || den == 0 || num >= maxTerm || den >= maxTerm {
		return 0, ErrScale
	}
	// t = ⌊σ⌋ + 1 = ⌊√(num/den)⌋ + 1
	t := new(big.Int).Sqrt(new(big.Int).Div(new(big.Int).SetUint64(num), new(big.Int).SetUint64(den))).Uint64() + 1
	n, d, bt := new(big.Int).SetUint64(num), new(big.Int).SetUint64(den), new(big.Int).SetUint64(t)
	// γ = (|y|·d·t - n)² / (2·n·d·t²)
	gden := new(big.Int).Mul(n, d)
	gden.Mul(gden, bt).Mul(gden, bt).Lsh(gden, 1)
	dt := new(big.Int).Mul(d, bt)
	gnum := new(big.Int)
	for {
		y, err := s.Laplace(t, 1)
		if err != nil {
			return 0, err
		}
		ay := y
		if ay < 0 {
			ay = -ay
		}
		gnum.SetInt64(ay).Mul(gnum, dt).Sub(gnum, n)
		gnum.Mul(gnum, gnum)
		ok, err := s.bigBernoulliExp(gnum, gden)
		if err != nil {
			return 0, err
		}
		if ok {
			return y, nil
		}
	}
}

// bigBernoulliExp is bernoulliExp for big rationals.
func (s *Sampler) bigBernoulliExp(num, den *big.Int) (bool, error) {
	num = new(big.Int).Set(num)
	for num.Cmp(den) > 0 {
		ok, err := s.bernoulliExp1(1, 1)
		if err != nil || !ok {
			return false, err
		}
		num.Sub(num, den)
	}
	k := new(big.Int).SetInt64(1)
	dk := new(big.Int)
	for kk := uint64(1); ; kk++ {
		k.SetUint64(kk)
		dk.Mul(den, k)
		u, err := rand.Int(s.r, dk)
		if err != nil {
			return false, err
		}
		if u.Cmp(num) >= 0 {
			return kk%2 == 1, nil
		}
	}
}
