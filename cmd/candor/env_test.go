package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// TestParseFlagsFromEnvironment: a CANDOR_* variable sets the flag whose
// usage names it, through the flag's own parser; the command line wins;
// a bad value is an error naming the variable, never a silent default.
func TestParseFlagsFromEnvironment(t *testing.T) {
	newSet := func() (*flag.FlagSet, *time.Duration, *int, *bool) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		d := fs.Duration("every", time.Hour, "how often (env CANDOR_TEST_EVERY)")
		n := fs.Int("cache", 0, "how many (env CANDOR_TEST_CACHE; 0: the default)")
		b := fs.Bool("secure", false, "mark it (env CANDOR_TEST_SECURE=true)")
		return fs, d, n, b
	}
	t.Setenv("CANDOR_TEST_EVERY", "2h")
	t.Setenv("CANDOR_TEST_CACHE", "5000")
	t.Setenv("CANDOR_TEST_SECURE", "true")
	fs, d, n, b := newSet()
	if err := parseFlags(fs, []string{"--cache", "7"}); err != nil {
		t.Fatal(err)
	}
	if *d != 2*time.Hour || *n != 7 || !*b {
		t.Errorf("every %s, cache %d, secure %v: want 2h from the environment, 7 from the command line, true", *d, *n, *b)
	}

	for name, value := range map[string]string{"CANDOR_TEST_EVERY": "daily", "CANDOR_TEST_CACHE": "lots", "CANDOR_TEST_SECURE": "yes please"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			fs, _, _, _ := newSet()
			err := parseFlags(fs, nil)
			if err == nil || !strings.Contains(err.Error(), name+"=") || !strings.Contains(err.Error(), value) {
				t.Errorf("%s=%s: %v, want an error naming the variable and its value", name, value, err)
			}
		})
	}
}

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
