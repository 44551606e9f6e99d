// Package storetest is the conformance suite every candor.Store must pass.
// A store's tests call RunWith with a function that opens the store:
//
//	func TestStore(t *testing.T) {
//		storetest.RunWith(t, func(t *testing.T, dir string) candor.Store {
//			s, err := pebble.Open(dir, pebble.Options{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite runs one subtest per capability, named after its interface
// (EventStore, Registry, Meta, RecordStore, AuditStore, Versioned, Store,
// then the optional KeyLister, PipelinedCommitter, LogResetter, Compacter,
// Leaser),
// each with one subtest per case: go test -run 'TestStore/Versioned/' runs
// one capability's cases. An optional capability the store lacks is
// skipped, saying so. docs/store-contract.md describes what each asks.
//
// The suite owns the stores it opens: it closes them, and checks that Close
// succeeds (an iterator left open is a failure).
package storetest
