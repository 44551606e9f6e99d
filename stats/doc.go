// Package stats answers aggregate questions about the population with
// differential privacy, and is the only way counts leave Candor.
//
// Noise is the discrete Laplace mechanism, sampled exactly with integer
// arithmetic from crypto/rand as Canonne, Kamath and Steinke describe
// ("The Discrete Gaussian for Differential Privacy", NeurIPS 2020,
// algorithms 1–3); the discrete Gaussian sampler of the same paper is
// here too (Sampler.Gaussian). Google's differential-privacy Go library
// is not available to this build, so the samplers are written from the
// paper and tested for their mean, variance and tails at fixed seeds.
package stats
