package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServeRefusesABadVariable: candor serve with a malformed interval in
// its environment stops before it opens anything (it used to fall back to
// the default and say nothing).
func TestServeRefusesABadVariable(t *testing.T) {
	for name, value := range map[string]string{"CANDOR_PURGE_EVERY": "weekly", "CANDOR_SUBJECT_CACHE": "1e6", "CANDOR_DRAIN_DELAY": "5", "CANDOR_NATS_ACK_WAIT": "-"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"serve", "--data", t.TempDir()}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("serve with %s=%s: %v, want an error naming %s", name, value, err, name)
			}
		})
	}
}
