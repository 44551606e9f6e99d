package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/httpapi"
)

// TestApprovalServedWithoutRestart: with candor serve running and a
// source posting throughout, two policy administrators propose and
// approve a rental-deposit version 2 through the API; the server
// activates it (the match fence, then the matches of the events stored
// before) and serves it, in the API and the portal, with no restart and
// no request refused. Afterwards every subject's matches with version 2
// are exactly those of its events: none missed, none twice.
func TestApprovalServedWithoutRestart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	cfg := serveConfig(t, data)
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	adm := inst.Registrar()
	if err := adm.PutSource(ctx, &candor.Source{ID: "bank1", Name: "Bank", Kind: candor.SourceBank, AllowedTypes: []string{"credit.*"}}); err != nil {
		t.Fatal(err)
	}
	bank, _, err := adm.IssueKey(ctx, candor.RoleSource, "bank1")
	if err != nil {
		t.Fatal(err)
	}
	acts := admins.New(inst.Store, inst.Vault, nil)
	alice, _, _, err := acts.Mint(ctx, nil, "alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, _, _, err := acts.Mint(ctx, nil, "bob")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		t.Fatal(err)
	}
	base := "http://" + srv.Addr()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := srv.Wait(ctx); err != nil {
				t.Error(err)
			}
		}
	}
	defer stop()
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	const apiV2, portalV2 = `"id":"rental-deposit","title":"Rental deposit","purpose":"rental","subject_kind":"person","version":2`, "Scorecard rental-deposit · version 2,"
	if strings.Contains(get("/v1/scorecards"), apiV2) {
		t.Fatal("version 2 is served before it is proposed")
	}

	posted, done := postThroughout(t, base, bank)
	shipped, err := os.ReadFile(filepath.Join("..", "..", "scoring", "scorecards", "rental-deposit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	client := func(token string) *httpapi.PolicyClient {
		c, err := httpapi.NewPolicyClient(base, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for posted.Load() < 5 {
		time.Sleep(10 * time.Millisecond)
	}
	v2 := strings.Replace(string(shipped), "version: 1", "version: 2", 1)
	if _, err := client(alice).Propose(ctx, nil, "rental-deposit-2.yaml", []byte(v2)); err != nil {
		t.Fatal(err)
	}
	// Rental rests on consent: the rule version is audited first.
	sample, protected := readFixture(t, "rental-audit-sample.csv"), readFixture(t, "rental-audit-protected.csv")
	if _, err := client(alice).Audit(ctx, nil, "rental-deposit", 2, sample, protected); err != nil {
		t.Fatal(err)
	}
	if _, err := client(bob).Approve(ctx, nil, "rental-deposit", 2); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(get("/v1/scorecards"), apiV2); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("version 2 is not served 30 s after its approval")
		}
	}
	if !strings.Contains(get("/scorecards/rental-deposit"), portalV2) {
		t.Error("the portal does not show version 2 once the API serves it")
	}
	at := posted.Load()
	for posted.Load() < at+5 {
		time.Sleep(10 * time.Millisecond)
	}
	if refused := done(); refused > 0 {
		t.Errorf("%d of the source's posts were refused", refused)
	}
	stop()
	wantMaterialised(t, data)
}

// postThroughout posts batches of on-time instalments for a few hundred
// people as the source with token until the returned function is called;
// it returns how many posts were accepted so far and that function, which
// stops the posting and returns how many were refused.
func postThroughout(t *testing.T, base, token string) (*atomic.Int64, func() int64) {
	var posted, refused atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		day := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
		for n := 0; ; n++ {
			select {
			case <-quit:
				return
			default:
			}
			var b strings.Builder
			for i := range 20 {
				fmt.Fprintf(&b, `{"id":"p-%d-%d","subject":{"kind":"person","scheme":"national_id","value":"PT%07d"},"type":"credit.instalment_paid","occurred_at":"%sT00:00:00Z","fields":{"account":"A%d","amount":"%d.25","currency":"EUR"}}`+"\n",
					n, i, (n*7+i)%300, day, n, i+1)
			}
			req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(b.String()))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/x-ndjson")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				refused.Add(1)
				t.Errorf("post %d: %v", n, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				refused.Add(1)
				t.Errorf("post %d: %d %s", n, resp.StatusCode, body)
				return
			}
			posted.Add(1)
		}
	})
	return &posted, func() int64 {
		close(quit)
		wg.Wait()
		return refused.Load()
	}
}
