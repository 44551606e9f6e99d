package httpapi_test

// The transparency log as served, checked with code that did not produce
// it: the commitment with crypto/sha256, the checkpoint with
// golang.org/x/mod/sumdb/note, inclusion and consistency with
// github.com/transparency-dev/merkle/proof, the tlog-proof and the bundle
// by their documented layouts.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"
)

func TestMain(m *testing.M) {
	klog.SetSlogLogger(slog.New(slog.DiscardHandler)) // Tessera's chatter
	os.Exit(m.Run())
}

// startAudit opens a transparency log for the harness and starts its
// appender and access log, as candor serve does.
func (h *harness) startAudit(t *testing.T, v *vault.Vault) (*audit.AccessLog, func()) {
	t.Helper()
	l, err := tlog.Open(filepath.Join(t.TempDir(), "log"), tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.log = l
	a := audit.NewAppender(h.store, l, nil, 10*time.Millisecond)
	a.Start()
	access := audit.NewAccessLog(h.store, v, func(int, error) { a.Kick() })
	h.access = access
	if h.keeper, err = audit.NewKeeper(context.Background(), h.store, l, nil); err != nil {
		t.Fatal(err)
	}
	h.keeper.Start(50 * time.Millisecond)
	return access, func() {
		access.Close()
		if err := a.Close(); err != nil {
			t.Error(err)
		}
		h.keeper.Close()
		l.Close()
	}
}

// openCheckpoint checks a checkpoint's signature with the verifier key
// alone and returns its size and root.
func openCheckpoint(t *testing.T, raw []byte, vkey string) (uint64, []byte) {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v\n%s", err, raw)
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		t.Fatal(err)
	}
	return size, root
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadsAreLoggedAndProven reads a subject's profile, events and
// scores, then lists the access records those reads left and checks the
// proof of one of them, and a consistency proof, independently.
func TestReadsAreLoggedAndProven(t *testing.T) {
	h := mustHarness(t)
	id := h.lateSubject(t)
	cp0 := h.checkpoint(t)

	var bodies []string
	for _, path := range []string{"/v1/subjects/" + id, "/v1/subjects/" + id + "/events", "/v1/subjects/" + id + "/scores"} {
		req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+h.operator)
		req.Header.Set("Candor-Purpose", "dispute")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		bodies = append(bodies, string(body))
	}
	list := h.do(t, "GET", "/v1/subjects/"+id+"/access", h.operator, "", nil)
	if list.status != 200 {
		t.Fatalf("access: %d %s", list.status, list.raw)
	}
	recs := list.body["access"].([]any)
	if len(recs) != 4 {
		t.Fatalf("%d access records, want 4 (lookup, profile, events, scores): %s", len(recs), list.raw)
	}
	// The lookup that found the subject is recorded, without the identifier.
	if lookup := recs[0].(map[string]any); lookup["action"] != "GET /v1/subjects:lookup?scheme=national_id" || lookup["n"] != 1.0 {
		t.Errorf("the identifier lookup is not the first access record: %v", lookup)
	}
	recs = recs[1:]
	for i, x := range recs {
		rec := x.(map[string]any)
		sum := sha256.Sum256([]byte(bodies[i]))
		if rec["purpose"] != "dispute" || rec["purpose_text"] != candor.ReadDispute.Words() || rec["role"] != "operator" || rec["response_sha256"] != hex.EncodeToString(sum[:]) {
			t.Errorf("access record %d: %v; want the purpose, the role and the hash of the response served", i, rec)
		}
	}
	second := recs[1].(map[string]any)
	n := strconv.FormatUint(uint64(second["n"].(float64)), 10)

	// The proof: wait for the appender and the next checkpoint.
	var pr response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if pr = h.do(t, "GET", "/v1/subjects/"+id+"/access/"+n+"/proof", h.operator, "", nil); pr.status == 200 {
			break
		}
	}
	if pr.status != 200 {
		t.Fatalf("proof: %d %s", pr.status, pr.raw)
	}
	vkey := pr.body["verifier_key"].(string)
	record, salt := b64(t, pr.body["record"].(string)), b64(t, pr.body["salt"].(string))
	c := sha256.Sum256(append(append([]byte("candor/v1/commitment/access\x00"), salt...), record...))
	if hex.EncodeToString(c[:]) != second["commitment"] || pr.body["commitment"] != second["commitment"] {
		t.Fatalf("commitment recomputed %x, listed %v", c, second["commitment"])
	}
	if !bytes.Contains(record, []byte("dispute")) || !bytes.Contains(record, []byte("/events")) {
		t.Errorf("the record does not say why and what: %q", record)
	}
	head, cpRaw, ok := strings.Cut(pr.body["proof"].(string), "\n\n")
	lines := strings.Split(head, "\n")
	if !ok || lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "extra ") || !strings.HasPrefix(lines[2], "index ") {
		t.Fatalf("not a tlog-proof: %q", pr.body["proof"])
	}
	entry := b64(t, strings.TrimPrefix(lines[1], "extra "))
	index, _ := strconv.ParseUint(strings.TrimPrefix(lines[2], "index "), 10, 64)
	var hashes [][]byte
	for _, l := range lines[3:] {
		hashes = append(hashes, b64(t, l))
	}
	size, root := openCheckpoint(t, []byte(cpRaw), vkey)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, rfc6962.DefaultHasher.HashLeaf(entry), hashes, root); err != nil {
		t.Fatalf("inclusion: %v", err)
	}
	cnt := int(binary.BigEndian.Uint16(entry[14:]))
	found := entry[1] == byte(candor.AuditAccess) && len(entry) == 16+32*cnt
	for i := 0; found && i < cnt; i++ {
		if bytes.Equal(entry[16+32*i:48+32*i], c[:]) {
			break
		}
		found = i < cnt-1
	}
	if !found {
		t.Fatal("the proven entry does not hold the commitment")
	}

	// Consistency from the checkpoint before the reads.
	size0, root0 := openCheckpoint(t, cp0, vkey)
	cons := h.do(t, "GET", "/v1/log/consistency?from="+strconv.FormatUint(size0, 10), "", "", nil)
	if cons.status != 200 {
		t.Fatalf("consistency: %d %s", cons.status, cons.raw)
	}
	size1, root1 := openCheckpoint(t, []byte(cons.body["checkpoint"].(string)), vkey)
	var ch [][]byte
	for _, x := range cons.body["proof"].([]any) {
		ch = append(ch, b64(t, x.(string)))
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size0, size1, ch, root0, root1); err != nil {
		t.Fatalf("consistency from %d to %d: %v", size0, size1, err)
	}
	// The tiles are served.
	if r := h.do(t, "GET", "/log/tile/entries/000.p/"+strconv.FormatUint(size1, 10), "", "", nil); size1 < 256 && r.status != 200 {
		t.Errorf("entry bundle: %d", r.status)
	}

	// ?to= answers with the checkpoint of that size, once kept, or says
	// there is none.
	var kept []byte
	for deadline := time.Now().Add(5 * time.Second); kept == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		kept, _ = h.keeper.CheckpointAt(context.Background(), size1)
	}
	to := h.do(t, "GET", fmt.Sprintf("/v1/log/consistency?from=%d&to=%d", size0, size1), "", "", nil)
	if to.status != 200 || to.body["checkpoint"] != string(kept) {
		t.Fatalf("consistency to %d: %d %s; want the kept checkpoint %q", size1, to.status, to.raw, kept)
	}
	if r := h.do(t, "GET", fmt.Sprintf("/v1/log/consistency?from=%d&to=%d", size1, size0), "", "", nil); r.status != 422 || !strings.Contains(r.raw, "a log only grows") {
		t.Errorf("consistency from a larger size to a smaller: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "GET", fmt.Sprintf("/v1/log/consistency?from=0&to=%d", size1+1000), "", "", nil); r.status != 404 || !strings.Contains(r.raw, "latest checkpoint has size") {
		t.Errorf("consistency to a size beyond the log: %d %s", r.status, r.raw)
	}
	for x := uint64(1); x < size1; x++ {
		if _, err := h.keeper.CheckpointAt(context.Background(), x); candor.ErrorCode(err) == candor.ENOTFOUND {
			if r := h.do(t, "GET", fmt.Sprintf("/v1/log/consistency?from=0&to=%d", x), "", "", nil); r.status != 404 || !strings.Contains(r.raw, "no checkpoint of size") {
				t.Errorf("consistency to a size never kept: %d %s", r.status, r.raw)
			}
			break
		}
	}
}

// TestReadyWhileLogAndStoreAgree: /readyz is 503 while Health reports
// that the transparency log and the store disagree.
func TestReadyWhileLogAndStoreAgree(t *testing.T) {
	var disagree error
	api := httpapi.New(httpapi.Config{Health: func() error { return disagree }, Registrar: &registrar.Service{}})
	api.SetReady(true)
	for _, tc := range []struct {
		err  error
		want int
	}{{nil, 200}, {errors.New("the log's checkpoint has 40 entries, fewer than the 280 of the one kept"), 503}, {nil, 200}} {
		disagree = tc.err
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != tc.want || tc.want == 503 && !strings.Contains(rec.Body.String(), "disagree") {
			t.Errorf("readyz with %v: %d %s", tc.err, rec.Code, rec.Body)
		}
	}
}

// checkpoint returns the served checkpoint once the log has one.
func (h *harness) checkpoint(t *testing.T) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := h.log.WaitCheckpoint(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := h.do(t, "GET", "/log/checkpoint", "", "", nil); r.status != 200 || !strings.HasPrefix(r.raw, tlog.DefaultOrigin) {
		t.Fatalf("/log/checkpoint: %d %q", r.status, r.raw)
	}
	return raw
}

// TestReadsFailClosed checks that a read whose access record cannot be
// stored is not served.
func TestReadsFailClosed(t *testing.T) {
	h := mustHarness(t)
	id := h.lateSubject(t)
	h.access.Close()
	for _, path := range []string{"/v1/subjects/" + id, "/v1/subjects/" + id + "/events", "/v1/subjects/" + id + "/scores"} {
		r := h.do(t, "GET", path, h.operator, "", nil)
		if r.status != http.StatusServiceUnavailable || strings.Contains(r.raw, "AB1234567") || strings.Contains(r.raw, "events") {
			t.Errorf("%s with the access log down: %d %s; want 503 and nothing served", path, r.status, r.raw)
		}
	}
}

// lateSubject posts a late payment of a new person and returns the
// person's subject ID.
func (h *harness) lateSubject(t *testing.T) string {
	t.Helper()
	when := time.Now().UTC().Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(event("s1", "AB1234567", when, `{"days_late":40,"amount":"30","currency":"EUR"}`))); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	return h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
}

// TestVerifierKeyIsPublished: the log's verifier key is served at the
// well-known path and in the OpenAPI document.
func TestVerifierKeyIsPublished(t *testing.T) {
	h := mustHarness(t)
	vkey := h.log.VerifierKey()
	if r := h.do(t, "GET", httpapi.VerifierKeyPath, "", "", nil); r.status != 200 || r.raw != vkey+"\n" {
		t.Errorf("%s: %d %q, want %q", httpapi.VerifierKeyPath, r.status, r.raw, vkey)
	}
	doc := h.do(t, "GET", "/v1/openapi.yaml", "", "", nil)
	var spec struct {
		Info map[string]any `yaml:"info"`
	}
	if err := yaml.Unmarshal([]byte(doc.raw), &spec); err != nil || spec.Info["x-log-verifier-key"] != vkey {
		t.Errorf("openapi.yaml info.x-log-verifier-key: %v %v, want %q", spec.Info["x-log-verifier-key"], err, vkey)
	}
}
