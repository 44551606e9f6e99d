package stats_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/candor-project/candor/stats"
)

// seeded returns a sampler over a ChaCha8 stream with a fixed seed, so
// that every run draws the same samples.
func seeded(seed byte) *stats.Sampler { return stats.NewSampler(seededReader(seed)) }

func seededReader(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// moments draws n samples and returns their mean, variance and the share
// with |x| ≥ k.
func moments(t *testing.T, n, k int, draw func() (int64, error)) (mean, variance, tail float64) {
	t.Helper()
	var sum, sq float64
	over := 0
	for range n {
		x, err := draw()
		if err != nil {
			t.Fatal(err)
		}
		f := float64(x)
		sum += f
		sq += f * f
		if x >= int64(k) || x <= -int64(k) {
			over++
		}
	}
	mean = sum / float64(n)
	return mean, sq/float64(n) - mean*mean, float64(over) / float64(n)
}

// exact returns the mean-zero variance and P(|X| ≥ k) of the distribution
// on the integers with weights w(|x|), summed until they vanish.
func exact(k int, w func(x float64) float64) (variance, tail float64) {
	var z, v, over float64
	for x := -100000; x <= 100000; x++ {
		p := w(math.Abs(float64(x)))
		z += p
		v += p * float64(x) * float64(x)
		if x >= k || x <= -k {
			over += p
		}
	}
	return v / z, over / z
}

// check compares sample moments with the exact ones: the mean within five
// standard errors of 0, the variance within 5 %, the tail within five
// standard errors of a proportion.
func check(t *testing.T, n int, mean, variance, tail, wantVar, wantTail float64) {
	t.Helper()
	if se := math.Sqrt(wantVar / float64(n)); math.Abs(mean) > 5*se {
		t.Errorf("mean %.4f, more than 5 standard errors (%.4f) from 0", mean, se)
	}
	if math.Abs(variance-wantVar)/wantVar > 0.05 {
		t.Errorf("variance %.3f, want %.3f within 5%%", variance, wantVar)
	}
	if se := math.Sqrt(wantTail * (1 - wantTail) / float64(n)); math.Abs(tail-wantTail) > 5*se {
		t.Errorf("tail %.5f, want %.5f within 5 standard errors (%.5f)", tail, wantTail, se)
	}
}

// TestLaplace: discrete Laplace samples of scales 10, 2.5 and 0.5 have
// mean 0 and the exact variance and tail of P(x) ∝ exp(-|x|/scale).
func TestLaplace(t *testing.T) {
	for i, c := range []struct {
		t, s uint64
		k    int
	}{{10, 1, 30}, {5, 2, 8}, {1, 2, 2}} {
		scale := float64(c.t) / float64(c.s)
		const n = 200000
		s := seeded(byte(i + 1))
		mean, variance, tail := moments(t, n, c.k, func() (int64, error) { return s.Laplace(c.t, c.s) })
		wantVar, wantTail := exact(c.k, func(x float64) float64 { return math.Exp(-x / scale) })
		// The closed form agrees with the sum: 2e^{-1/b}/(1-e^{-1/b})².
		if q := math.Exp(-1 / scale); math.Abs(wantVar-2*q/((1-q)*(1-q))) > 1e-6*wantVar {
			t.Fatalf("scale %g: summed variance %g, closed form %g", scale, wantVar, 2*q/((1-q)*(1-q)))
		}
		t.Logf("scale %g: mean %.4f variance %.3f (exact %.3f) P(|x|≥%d) %.5f (exact %.5f)", scale, mean, variance, wantVar, c.k, tail, wantTail)
		check(t, n, mean, variance, tail, wantVar, wantTail)
	}
}

// TestGaussian: discrete Gaussian samples of σ² = 9, 2.25 and 100 have
// mean 0 and the exact variance and tail of P(x) ∝ exp(-x²/2σ²).
func TestGaussian(t *testing.T) {
	for i, c := range []struct {
		num, den uint64
		k        int
	}{{9, 1, 6}, {9, 4, 3}, {100, 1, 25}} {
		sigma2 := float64(c.num) / float64(c.den)
		const n = 100000
		s := seeded(byte(i + 10))
		mean, variance, tail := moments(t, n, c.k, func() (int64, error) { return s.Gaussian(c.num, c.den) })
		wantVar, wantTail := exact(c.k, func(x float64) float64 { return math.Exp(-x * x / (2 * sigma2)) })
		t.Logf("σ² %g: mean %.4f variance %.3f (exact %.3f) P(|x|≥%d) %.5f (exact %.5f)", sigma2, mean, variance, wantVar, c.k, tail, wantTail)
		check(t, n, mean, variance, tail, wantVar, wantTail)
	}
}

// TestSamplerErrors: a scale of zero is refused, and a source of
// randomness that fails makes the sampler fail, never return a value.
func TestSamplerErrors(t *testing.T) {
	s := seeded(1)
	if _, err := s.Laplace(0, 1); !errors.Is(err, stats.ErrScale) {
		t.Errorf("scale 0: %v, want ErrScale", err)
	}
	if _, err := s.Gaussian(1, 0); !errors.Is(err, stats.ErrScale) {
		t.Errorf("σ² 1/0: %v, want ErrScale", err)
	}
	dry := stats.NewSampler(strings.NewReader("short"))
	if x, err := dry.Laplace(10, 1); err == nil {
		t.Errorf("a source that ran dry gave %d and no error", x)
	}
	if x, err := stats.NewSampler(strings.NewReader("")).Gaussian(9, 1); err == nil {
		t.Errorf("an empty source gave %d and no error", x)
	}
}
