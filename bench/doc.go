// Package bench holds Candor's end-to-end benchmarks, which candor bench
// runs: ingest (the pipeline against a raw Pebble or COPY baseline, with
// the transparency log on and off), rescore (the population rescored
// against a raw scan) and decisions (POST /v1/decisions against a trivial
// JSON handler on the same server). Each runs its baseline in the same
// run and prints the ratios (BENCHMARKS.md). bench/score, a command of
// its own, compares the scoring engine with OPA.
package bench
