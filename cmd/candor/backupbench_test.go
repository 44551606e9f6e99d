package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/postgres/pgtest"
)

// BenchmarkIngestDuringBackup loads a population (CANDOR_BENCH_PERSONS,
// default 5,000 persons with 10 facts each) through the API, then
// measures the ingest rate of 4 posting clients for 15 s without a backup
// (the baseline) and for 15 s while online backups run back to back, in
// the same run, and prints both and their ratio. With
// CANDOR_BENCH_STORE=postgres (and CANDOR_TEST_POSTGRES) the node runs on
// a database of its own, where a backup copies the log only:
//
//	go test ./cmd/candor -run XXX -bench IngestDuringBackup -benchtime 1x
func BenchmarkIngestDuringBackup(b *testing.B) {
	ctx := context.Background()
	persons, _ := strconv.Atoi(os.Getenv("CANDOR_BENCH_PERSONS"))
	if persons <= 0 {
		persons = 5000
	}
	dir := b.TempDir()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.ServerSettings)
	args := []string{"--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0", "--purge-every", "0"}
	if os.Getenv("CANDOR_BENCH_STORE") == "postgres" {
		args = append(args, "--store", pgtest.Database(b))
	}
	if err := fs.Parse(args); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		b.Fatal(err)
	}
	src := &candor.Source{ID: "bank1", Name: "Bank", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_paid"}}
	if err := inst.Registrar().PutSource(ctx, src); err != nil {
		b.Fatal(err)
	}
	token, _, err := inst.Registrar().IssueKey(ctx, candor.RoleSource, "bank1")
	if err != nil {
		b.Fatal(err)
	}
	node, err := app.Start(inst, cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		c, cancel := context.WithCancel(ctx)
		cancel()
		node.Wait(c)
	}()
	var seq atomic.Int64
	body := func(n int, subjects int) []byte {
		var buf bytes.Buffer
		for range n {
			i := seq.Add(1)
			fmt.Fprintf(&buf, `{"id":"bb-%d","subject":{"kind":"person","scheme":"national_id","value":"BB%07d"},"type":"credit.instalment_paid","occurred_at":"2026-03-01T00:00:00Z","fields":{"account":"A%d","amount":"10.00","currency":"EUR"}}`+"\n", i, i%int64(subjects), i%7)
		}
		return buf.Bytes()
	}
	postFor := func(d time.Duration) float64 {
		var events atomic.Int64
		var wg sync.WaitGroup
		end := time.Now().Add(d)
		for range 4 {
			wg.Go(func() {
				for time.Now().Before(end) {
					req, _ := http.NewRequest("POST", "http://"+node.Addr()+"/v1/events", bytes.NewReader(body(500, persons)))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/x-ndjson")
					resp, err := http.DefaultClient.Do(req)
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("post: %v %v", err, resp)
						return
					}
					resp.Body.Close()
					events.Add(500)
				}
			})
		}
		wg.Wait()
		return float64(events.Load()) / d.Seconds()
	}
	start := time.Now()
	for loaded := 0; loaded < persons*10; loaded += 1000 {
		req, _ := http.NewRequest("POST", "http://"+node.Addr()+"/v1/events", bytes.NewReader(body(1000, persons)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("load: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	b.Logf("loaded %d persons, %d events in %s; store %d MB", persons, persons*10, time.Since(start).Round(time.Second), inst.Store.Size()>>20)
	b.ResetTimer()
	const d = 15 * time.Second
	base := postFor(d)
	stop := make(chan struct{})
	var backups atomic.Int64
	var size, took atomic.Int64
	var bwg sync.WaitGroup
	bwg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			f, err := os.Create(filepath.Join(dir, fmt.Sprint("backup-", i, ".tar")))
			if err != nil {
				b.Error(err)
				return
			}
			t0 := time.Now()
			if err := node.Backup(ctx, f); err != nil {
				b.Error(err)
			}
			took.Add(int64(time.Since(t0)))
			fi, _ := f.Stat()
			f.Close()
			os.Remove(f.Name())
			size.Store(fi.Size())
			backups.Add(1)
		}
	})
	during := postFor(d)
	close(stop)
	bwg.Wait()
	b.Logf("ingest without backup: %.0f events/s; during back-to-back online backups (%d backups of %d MB in %s, %s each): %.0f events/s; ratio %.2f",
		base, backups.Load(), size.Load()>>20, d, (time.Duration(took.Load()) / time.Duration(max(backups.Load(), 1))).Round(time.Millisecond), during, during/base)
	b.ReportMetric(during/base, "ratio")
}
