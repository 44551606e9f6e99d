package ui

import (
	"reflect"
	"testing"

	"github.com/candor-project/candor"
)

// TestPortalHoldsNoStore: neither the portal's configuration, nor its
// server, nor its sessions hold a store, or anything a store is: the
// portal calls services, and keeps its sessions through candor.Sessions.
func TestPortalHoldsNoStore(t *testing.T) {
	stores := []reflect.Type{reflect.TypeFor[candor.Store](), reflect.TypeFor[candor.EventStore](),
		reflect.TypeFor[candor.RecordStore](), reflect.TypeFor[candor.Registry](), reflect.TypeFor[candor.Versioned]()}
	for _, typ := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[Server](), reflect.TypeFor[sessions]()} {
		for f := range typ.Fields() {
			for _, st := range stores {
				if f.Type == st {
					t.Errorf("%s.%s is a %s", typ.Name(), f.Name, st)
				}
			}
		}
	}
}
