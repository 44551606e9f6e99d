package natsingest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/natsingest"
	"github.com/candor-project/candor/registrar"
)

// benchBatches are the benchmark's messages and request bodies: batches
// of 100 events about 5,000 persons, IDs unique to round.
func benchBatches(round, batches int) [][]byte {
	out := make([][]byte, batches)
	for i := range out {
		var b bytes.Buffer
		for j := range 100 {
			fmt.Fprintf(&b, `{"id":"r%d-%d-%d","subject":{"kind":"person","scheme":"national_id","value":"BN%07d"},"type":"credit.instalment_paid","occurred_at":"2026-10-01T00:00:00Z","fields":{"account":"A%d","amount":"%d.25","currency":"EUR"}}`+"\n",
				round, i, j, (i*100+j)%5000, i, j+1)
		}
		out[i] = b.Bytes()
	}
	return out
}

func benchEnv(b *testing.B) (*testenv.Env, *candor.Source, string) {
	env := testenv.New(b)
	src := &candor.Source{ID: "bank1", Name: "Bank One", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_paid"}}
	if err := env.Store.PutSource(context.Background(), src); err != nil {
		b.Fatal(err)
	}
	token, key := candor.NewAPIKey(candor.RoleSource, "bank1", time.Now())
	if err := env.Store.PutKey(context.Background(), key); err != nil {
		b.Fatal(err)
	}
	return env, src, token
}

// httpRound posts the batches to POST /v1/events with 16 clients on a
// fresh store and returns events/s.
func httpRound(b *testing.B, batches [][]byte) float64 {
	env, _, token := benchEnv(b)
	api := httpapi.New(httpapi.Config{Catalogue: env.Cat, Ingester: env.Pipeline, Registrar: registrar.New(env.Store, env.Cat, nil, nil)})
	srv := httptest.NewServer(api)
	defer srv.Close()
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan []byte)
	for range 16 {
		wg.Go(func() {
			for body := range next {
				req, _ := http.NewRequest("POST", srv.URL+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := srv.Client().Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Errorf("post: %v %v", resp, err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	for _, body := range batches {
		next <- body
	}
	close(next)
	wg.Wait()
	return float64(len(batches)*100) / time.Since(start).Seconds()
}

// natsRound publishes the batches to a fresh stream, consumed by 16
// workers into a fresh store, and returns events/s from the first publish
// to the last acknowledgement.
func natsRound(b *testing.B, url string, batches [][]byte) float64 {
	env, _, token := benchEnv(b)
	n := newNames()
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	c, err := natsingest.Start(ctx, natsingest.Config{URL: url, Stream: n.stream, Subjects: n.subjects, DeadLetter: n.dead, DeadLetterSubjects: n.deadSubjects,
		Registry: env.Store, Ingester: env.Pipeline})
	if err != nil {
		b.Fatal(err)
	}
	defer js.DeleteStream(ctx, n.dead)
	defer js.DeleteStream(ctx, n.stream)
	defer c.Close()
	s, err := js.Stream(ctx, n.stream)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, body := range batches {
		m := nats.NewMsg(n.subjects + ".bank1")
		m.Data = body
		m.Header.Set(natsingest.AuthHeader, "Bearer "+token)
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	for {
		info, err := s.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if info.State.Msgs == 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	return float64(len(batches)*100) / time.Since(start).Seconds()
}

// BenchmarkNATSvsHTTP ingests the same 20,000 events (200 batches of 100)
// over JetStream and, the baseline, over POST /v1/events, each on a fresh
// store, in alternating order for three rounds, and reports the medians
// and their ratio (NATS/HTTP).
//
//	CANDOR_TEST_NATS=nats://127.0.0.1:4222 go test ./natsingest/ -run '^$' -bench NATSvsHTTP -benchtime 1x
func BenchmarkNATSvsHTTP(b *testing.B) {
	url := natsURL(b)
	for b.Loop() {
		var h, n []float64
		for round := range 3 {
			batches := benchBatches(round, 200)
			if round%2 == 0 {
				h = append(h, httpRound(b, batches))
				n = append(n, natsRound(b, url, batches))
			} else {
				n = append(n, natsRound(b, url, batches))
				h = append(h, httpRound(b, batches))
			}
		}
		slices.Sort(h)
		slices.Sort(n)
		b.Logf("HTTP events/s %.0f, JetStream events/s %.0f (rounds)", h, n)
		b.ReportMetric(h[1], "http-events/s")
		b.ReportMetric(n[1], "nats-events/s")
		b.ReportMetric(n[1]/h[1], "ratio")
	}
}
