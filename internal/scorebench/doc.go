// Package scorebench holds what the scoring engine is measured and checked
// against: a hand-written Go version of the shipped consumer-credit
// scorecard, a person with about 30 events, and a synthetic population. It
// is imported by scoring's tests and benchmarks and by bench/score, never by
// cmd/candor.
package scorebench
