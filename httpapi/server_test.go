package httpapi

import (
	"testing"

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
