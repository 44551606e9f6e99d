package fit

import (
	"errors"
	"fmt"
	"math"
)

// Logistic fits P(y=1) = σ(β0 + Σ βj·x[i][j]) by maximum likelihood with
// iteratively reweighted least squares (Newton's method), halving a step
// that does not raise the likelihood. ridge, when positive, adds
// ridge·Σβj² (not the intercept) to the penalty. It returns β with the
// intercept first, or an error when the Newton system is singular (columns
// that are constant or collinear) or the fit does not converge in 100
// iterations (as with perfectly separated classes).
func Logistic(x [][]float64, y []uint8, ridge float64) ([]float64, error) {
	if len(x) == 0 || len(x) != len(y) {
		return nil, errors.New("logistic: no rows, or rows and outcomes differ in number")
	}
	k := len(x[0]) + 1
	beta := make([]float64, k)
	ll := loglik(x, y, beta, ridge)
	h := make([]float64, k*k)
	g := make([]float64, k)
	row := make([]float64, k)
	for iter := 0; iter < 100; iter++ {
		clear(h)
		clear(g)
		for i, xi := range x {
			row[0] = 1
			copy(row[1:], xi)
			p := sigmoid(dot(row, beta))
			w := p * (1 - p)
			r := float64(y[i]) - p
			for a := range k {
				g[a] += row[a] * r
				wa := w * row[a]
				for b := 0; b <= a; b++ {
					h[a*k+b] += wa * row[b]
				}
			}
		}
		for a := 1; a < k; a++ {
			g[a] -= 2 * ridge * beta[a]
			h[a*k+a] += 2 * ridge
		}
		step, err := solveSPD(h, g, k)
		if err != nil && iter > 0 {
			// At β = 0 every weight is ¼, so a later singular system means
			// the weights collapsed: probabilities went to 0 and 1.
			return nil, errors.New("logistic: no convergence: the outcomes are perfectly separated")
		}
		if err != nil {
			return nil, fmt.Errorf("logistic: %w", err)
		}
		t := 1.0
		var next []float64
		var nll float64
		for half := 0; ; half++ {
			next = make([]float64, k)
			for a := range k {
				next[a] = beta[a] + t*step[a]
			}
			nll = loglik(x, y, next, ridge)
			if nll >= ll-1e-12*math.Abs(ll) || half == 30 {
				break
			}
			t /= 2
		}
		var move float64
		for a := range k {
			move = max(move, math.Abs(next[a]-beta[a]))
		}
		beta, ll = next, nll
		if move < 1e-9 {
			return beta, nil
		}
	}
	return nil, errors.New("logistic: no convergence in 100 iterations (are the outcomes perfectly separated?)")
}

// loglik is the penalised log-likelihood.
func loglik(x [][]float64, y []uint8, beta []float64, ridge float64) float64 {
	var s float64
	for i, xi := range x {
		z := beta[0]
		for j, v := range xi {
			z += beta[j+1] * v
		}
		// log σ(z) for y=1, log(1-σ(z)) for y=0, computed stably.
		if y[i] == 1 {
			s -= softplus(-z)
		} else {
			s -= softplus(z)
		}
	}
	for _, b := range beta[1:] {
		s -= ridge * b * b
	}
	return s
}

func softplus(z float64) float64 {
	if z > 30 {
		return z
	}
	return math.Log1p(math.Exp(z))
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solveSPD solves H·s = g for a symmetric positive definite H of which the
// lower triangle (row-major, k×k) is filled, by Cholesky decomposition.
func solveSPD(h, g []float64, k int) ([]float64, error) {
	l := make([]float64, k*k)
	var scale float64
	for a := range k {
		scale = max(scale, h[a*k+a])
	}
	for a := range k {
		for b := 0; b <= a; b++ {
			s := h[a*k+b]
			for c := range b {
				s -= l[a*k+c] * l[b*k+c]
			}
			if a == b {
				if s <= 1e-12*scale {
					return nil, &SingularError{Coefficient: a}
				}
				l[a*k+a] = math.Sqrt(s)
			} else {
				l[a*k+b] = s / l[b*k+b]
			}
		}
	}
	s := make([]float64, k)
	for a := range k {
		v := g[a]
		for c := range a {
			v -= l[a*k+c] * s[c]
		}
		s[a] = v / l[a*k+a]
	}
	for a := k - 1; a >= 0; a-- {
		v := s[a]
		for c := a + 1; c < k; c++ {
			v -= l[c*k+a] * s[c]
		}
		s[a] = v / l[a*k+a]
	}
	return s, nil
}

// SingularError is a Newton system that cannot be solved: coefficient
// Coefficient's column (0 the intercept, j the j-th column of x) is
// constant or a combination of the columns before it.
type SingularError struct{ Coefficient int }

func (e *SingularError) Error() string {
	return fmt.Sprintf("singular system at coefficient %d: a column is constant or a combination of others", e.Coefficient)
}
