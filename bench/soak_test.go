package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/app"
)

// TestSoakShort runs the soak's three loads together against a node for a
// few seconds: every request of every load is answered right (an ingest
// batch accepted, a score read, a decision taken), a row is printed per
// sample, and the chart has a panel per load.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a population and loads the server")
	}
	ctx := context.Background()
	var out bytes.Buffer
	fx, err := newDecisionsFixture(ctx, app.StoreConfig{Data: filepath.Join(t.TempDir(), "data")}, 300, 30, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer fx.close()
	client := &http.Client{Timeout: 30 * time.Second}
	loads := soakTargets(fx, "http://"+fx.addr)
	for i := range loads {
		loads[i].rate = 20
	}
	samples, err := soak(ctx, client, loads, &soakArgs{duration: 3 * time.Second, sample: time.Second, conns: 2}, fx.srv.Memory, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(samples) < 3 {
		t.Fatalf("%d samples in 3 s at one a second:\n%s", len(samples), out.String())
	}
	rows := regexp.MustCompile(`(?m)^ +\d+s( +-?\d+\.\d){8} +\d+( \| \d+ +\d+\.\d\d +\d+\.\d\d +0){3}$`).FindAllString(out.String(), -1)
	if len(rows) != len(samples) {
		t.Errorf("%d rows of samples with no error, want %d:\n%s", len(rows), len(samples), out.String())
	}
	// Each row is followed by the caches' fill: the node's, read from it.
	caches := regexp.MustCompile(`(?m)^ +block cache \d+\.\d/128 MiB .* consents ([1-9]\d*), .* API keys [1-9]\d*, .* key filters [1-9]`).FindAllString(out.String(), -1)
	if len(caches) != len(samples) {
		t.Errorf("%d lines of caches, want %d:\n%s", len(caches), len(samples), out.String())
	}
	answered := 0
	for _, s := range samples {
		for _, n := range s.counts {
			answered += n
		}
	}
	// 180 are scheduled; a third is asked for, because under -race on a
	// shared machine the open loop falls behind without anything failing.
	if scheduled := 3 * 20 * len(loads); answered < scheduled/3 {
		t.Errorf("%d requests answered of %d scheduled (3 s at 20 req/s a load)", answered, scheduled)
	}
	svg := string(soakSVG(samples, loads))
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<polyline") != 2+len(loads) {
		t.Errorf("chart: %d lines, want RSS, heap and one a load:\n%.300s", strings.Count(svg, "<polyline"), svg)
	}
}
