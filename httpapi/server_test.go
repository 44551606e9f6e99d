package httpapi

import (
	"reflect"
	"testing"

	"github.com/candor-project/candor"

	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/tlog"
)

// TestMirroredConstants: the API's own copies of the log's URL prefix and
// of the bound of a source's post are the packages' that own them.
func TestMirroredConstants(t *testing.T) {
	if logPrefix != tlog.Prefix {
		t.Errorf("logPrefix %q, want tlog.Prefix %q", logPrefix, tlog.Prefix)
	}
	if maxPostBytes != ingest.MaxBodyBytes {
		t.Errorf("maxPostBytes %d, want ingest.MaxBodyBytes %d", maxPostBytes, ingest.MaxBodyBytes)
	}
}

// TestAPIHoldsNoStore: neither the API's configuration nor its server
// holds a store, or anything a store is: delivery calls services.
func TestAPIHoldsNoStore(t *testing.T) {
	stores := []reflect.Type{reflect.TypeFor[candor.Store](), reflect.TypeFor[candor.EventStore](),
		reflect.TypeFor[candor.RecordStore](), reflect.TypeFor[candor.Registry]()}
	for _, typ := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[Server]()} {
		for f := range typ.Fields() {
			for _, st := range stores {
				if f.Type == st {
					t.Errorf("%s.%s is a %s", typ.Name(), f.Name, st)
				}
			}
		}
	}
}
