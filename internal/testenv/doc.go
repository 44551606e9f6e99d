// Package testenv is a store filled through the real write path, for the
// services' tests: a Pebble store in a temporary directory (New) or an
// in-memory one (NewInMemory), a vault, the shipped catalogue and
// scorecards, and an ingestion pipeline that stores events with their
// matches, every part on one clock the test moves; and Store, the empty
// store the delivery suites run on, Pebble, PostgreSQL or in memory.
package testenv
