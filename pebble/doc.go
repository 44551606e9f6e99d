// Package pebble is Candor's embedded store: a candor.Store on Pebble v2
// (github.com/cockroachdb/pebble/v2), tuned for ingesting batches of events
// with synchronous commits and for point lookups (subjects, blind indexes,
// dedupe keys) that mostly miss.
//
// The key layout is described in keys.go and the record encoding in
// codec.go. The store records its format version and refuses to open a store
// of another version.
package pebble
