package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor/app"
)

// BenchmarkDecisionHandler serves the trivial baseline and decisions
// in process, through the bench's handler (the API's middleware, the
// service, the store's group commit and sync) without sockets or a load
// generator: allocations and CPU per request of the server's side alone,
// steadier than bench decisions on a shared machine. Many goroutines
// (SetParallelism) keep group commits as full as 64 connections do.
//
//	go test ./bench -run XXX -bench DecisionHandler -benchtime 20000x
func BenchmarkDecisionHandler(b *testing.B) {
	ctx := context.Background()
	b.Setenv("TMPDIR", b.TempDir())
	fx, err := newDecisionsFixture(ctx, app.StoreConfig{Data: b.TempDir()}, 300, 200, io.Discard, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer fx.close()
	h := fx.bench.Handler
	for _, path := range []string{benchTrivialPath, "/v1/decisions"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32)
			var next atomic.Int64
			cpu := processCPU()
			c0, r0 := fx.srv.Access().Stats()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := fx.bodies[int(next.Add(1))%len(fx.bodies)]
					r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
					r.Header.Set("Authorization", "Bearer "+fx.token)
					r.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Errorf("%s: %d %s", path, w.Code, w.Body)
						return
					}
				}
			})
			if c1, r1 := fx.srv.Access().Stats(); c1 > c0 {
				b.ReportMetric(float64(r1-r0)/float64(c1-c0), "records/commit")
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/float64(time.Microsecond), "cpu-µs/op")
		})
	}
}
