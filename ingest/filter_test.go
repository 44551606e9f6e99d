package ingest

import (
	"crypto/rand"
	"testing"
)

func randomKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = make([]byte, 16)
		rand.Read(keys[i])
	}
	return keys
}

func TestKeyFilter(t *testing.T) {
	var f keyFilter
	keys := randomKeys(3*firstStage - 1000) // fills the first stage and nearly all the second
	for _, k := range keys {
		f.add(k)
	}
	if f.certainlyAbsent(keys[0]) || f.certainlyAbsent(randomKeys(1)[0]) {
		t.Fatal("a filter that is not ready claimed a key absent")
	}
	f.ready.Store(true)
	if len(f.stages) != 2 {
		t.Fatalf("%d stages for %d keys, want 2 (1M + 2M capacity)", len(f.stages), len(keys))
	}
	for i, k := range keys {
		if f.certainlyAbsent(k) {
			t.Fatalf("false negative for key %d", i)
		}
	}
	probes := randomKeys(200_000)
	fp := 0
	for _, k := range probes {
		if !f.certainlyAbsent(k) {
			fp++
		}
	}
	// Two stages, both (nearly) full: about 1% each.
	if rate := float64(fp) / float64(len(probes)); rate > 0.025 {
		t.Fatalf("false-positive rate %.3f, want < 0.025", rate)
	} else {
		t.Logf("false-positive rate %.4f with %d stages, %d bytes", rate, len(f.stages), f.bytes())
	}
}
