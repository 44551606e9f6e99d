package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/progress"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/synth"
)

// DemoKeys registers the demo sources and makes fresh keys for them and for
// a demo operator, revoking the keys an earlier demo run printed.
func DemoKeys(ctx context.Context, inst *Installation) (map[string]string, string, error) {
	reg := inst.Registrar()
	demo := map[string]bool{"demo-operator": true, "demo_landlord": true, "demo-reviewer": true}
	for _, s := range synth.Sources() {
		s := s
		if err := reg.PutSource(ctx, &s); err != nil {
			return nil, "", fmt.Errorf("demo source %s: %w", s.ID, err)
		}
		demo[s.ID] = true
	}
	if err := revokeEarlierKeys(ctx, reg, func(k *candor.APIKey) bool { return demo[k.Principal] }); err != nil {
		return nil, "", err
	}
	if err := reg.PutRelyingParty(ctx, &candor.RelyingParty{ID: "demo_landlord", Name: "Demo Lettings",
		Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		return nil, "", err
	}
	tokens := map[string]string{}
	issue := func(name string, role candor.Role) (err error) {
		tokens[name], _, err = reg.IssueKey(ctx, role, name)
		return err
	}
	for _, s := range synth.Sources() {
		if err := issue(s.ID, candor.RoleSource); err != nil {
			return nil, "", err
		}
	}
	for name, role := range map[string]candor.Role{"demo_landlord": candor.RoleRelyingParty, "demo-reviewer": candor.RoleReviewer, "demo-operator": candor.RoleOperator} {
		if err := issue(name, role); err != nil {
			return nil, "", err
		}
	}
	operator := tokens["demo-operator"]
	delete(tokens, "demo-operator")
	return tokens, operator, nil
}

// revokeEarlierKeys revokes the live keys earlier demo runs printed, those
// of which earlier says so; never a policy administrator's, which only an
// administrative act revokes.
func revokeEarlierKeys(ctx context.Context, reg *registrar.Service, earlier func(*candor.APIKey) bool) error {
	keys, err := reg.Keys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !k.Revoked() && k.Role != candor.RolePolicyAdmin && earlier(k) {
			if _, _, err := reg.RevokeKey(ctx, k.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// DemoPersonKey makes a fresh subject key for a demo person, revoking the ones
// earlier demo runs printed.
func DemoPersonKey(ctx context.Context, inst *Installation, id candor.SubjectID) (string, error) {
	reg := inst.Registrar()
	err := revokeEarlierKeys(ctx, reg, func(k *candor.APIKey) bool { return k.Role == candor.RoleSubject && k.Principal == id.String() })
	if err != nil {
		return "", err
	}
	token, _, err := reg.IssueKey(ctx, candor.RoleSubject, id.String())
	return token, err
}

// demoPosters is how many requests the demo keeps in flight.
const demoPosters = 6

// LoadDemo posts the synthetic population to the running server through
// POST /v1/events, as real sources would, unless this data dir already holds
// exactly this population.
func LoadDemo(ctx context.Context, srv *Node, cfg synth.Config, tokens map[string]string, stdout, stderr io.Writer) error {
	marker := fmt.Sprintf("seed=%d persons=%d orgs=%d until=%s", cfg.Seed, cfg.Persons, cfg.Orgs, cfg.Until.Format("2006-01"))
	if got, err := srv.inst.Store.GetMeta(ctx, "demo/population"); err == nil {
		if string(got) == marker {
			fmt.Fprintf(stdout, "The demo population (%s) is already loaded in this data dir; nothing to post.\n", marker)
			return nil
		}
		// Event IDs do not depend on the seed: another seed would post the
		// same IDs with other content, which ingestion refuses.
		var seed uint64
		if _, err := fmt.Sscanf(string(got), "seed=%d", &seed); err == nil && seed != cfg.Seed {
			return fmt.Errorf("this data dir holds the demo population of seed %d; use another --data for seed %d", seed, cfg.Seed)
		}
	}
	fmt.Fprintf(stdout, "Generating %d persons and %d organisations (seed %d, three years to %s) and posting them to http://%s/v1/events ...\n",
		cfg.Persons, cfg.Orgs, cfg.Seed, cfg.Until.Format("2006-01"), srv.addr)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 2 * time.Minute}
	url := "http://" + srv.addr + "/v1/events"
	var accepted, duplicates atomic.Int64
	bar := progress.New(stderr, "loading", 0)
	start := time.Now()
	// Generation hands batches to a few posters, so that several requests
	// are in flight and the server can commit them together, as it would
	// with many independent sources.
	type post struct {
		source string
		body   []byte
		events int
	}
	posts := make(chan post, demoPosters)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var postErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range demoPosters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range posts {
				res, err := postEvents(gctx, client, url, tokens[p.source], p.body)
				if err != nil {
					once.Do(func() { postErr = fmt.Errorf("posting a batch from %s: %w", p.source, err); cancel() })
					continue
				}
				accepted.Add(int64(res.Accepted))
				duplicates.Add(int64(res.Duplicates))
				bar.Add(0, int64(p.events))
			}
		}()
	}
	_, err := synth.Generate(gctx, cfg, srv.inst.Catalogue, func(sourceID string, body []byte, events int) error {
		select {
		case posts <- post{sourceID, bytes.Clone(body), events}: // synth reuses body
			return nil
		case <-gctx.Done():
			return gctx.Err()
		}
	})
	close(posts)
	wg.Wait()
	if postErr != nil {
		err = postErr
	}
	bar.Finish()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	n := accepted.Load() + duplicates.Load()
	fmt.Fprintf(stdout, "Posted %d events in %s (%.0f events/s): %d stored, %d duplicates of earlier runs.\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), accepted.Load(), duplicates.Load())
	return srv.inst.Store.PutMeta(ctx, "demo/population", []byte(marker))
}

func postEvents(ctx context.Context, client *http.Client, url, token string, body []byte) (candor.IngestResult, error) {
	var res candor.IngestResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return res, err
	}
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("%s: %s", resp.Status, truncateBody(data))
	}
	return res, json.Unmarshal(data, &res)
}

func truncateBody(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}
