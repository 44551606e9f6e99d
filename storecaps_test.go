package candor_test

import (
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// unversioned is a store that lost Versioned: everything else a Store has.
type unversioned struct {
	candor.EventStore
	candor.Registry
	candor.RecordStore
	candor.Meta
	candor.AuditStore
}

func (unversioned) Size() int64  { return 0 }
func (unversioned) Close() error { return nil }

func TestCheckCapabilities(t *testing.T) {
	err := candor.CheckCapabilities(unversioned{})
	if candor.ErrorCode(err) != candor.EINTERNAL || !strings.Contains(err.Error(), "Versioned") {
		t.Errorf("CheckCapabilities of a store without versions: %v; want EINTERNAL naming Versioned", err)
	}
	err = candor.CheckCapabilities(struct{ candor.Meta }{})
	for _, name := range []string{"EventStore", "Registry", "RecordStore", "AuditStore", "Versioned", "Size and Close"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("CheckCapabilities of a bare Meta: %v; want it to name %s", err, name)
		}
	}
	if err != nil && strings.Contains(err.Error(), "Meta,") {
		t.Errorf("CheckCapabilities named Meta, which the store has: %v", err)
	}
}
