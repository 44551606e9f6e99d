// Command score measures the scoring engine on the shipped consumer-credit
// scorecard against the same rules written by hand in Go and in Rego run by
// OPA (issue 3 §6):
//
//	go run ./bench/score [-duration 10s] [-persons 2000] [-check 300]
//
// It first checks that the three agree on points and grade, for the
// 30-event person it times and for synthetic persons at several instants,
// each also with some of its events disputed, corrected or removed; it
// exits with status 1 naming the first disagreement. Then it times the
// three interleaved, so that each sees the same machine, and prints ns per
// score, the ratios and whether the targets are met.
//
// OPA runs the Rego twice: as written (consumer_credit.rego and
// decay.rego), and with the exponential of half-life decay, which Rego
// lacks and decay.rego computes by its series, handed to Go.
//
// It is its own main package so that OPA is linked into this benchmark
// only, never into the candor binary.
package main
