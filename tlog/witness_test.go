package tlog_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// witness is a minimal in-process C2SP tlog-witness for one log: it checks
// the log's signature and the consistency proof from the last size it
// cosigned, and answers with a cosignature/v1.
type witness struct {
	logKey note.Verifier
	signer note.Signer
	vkey   string // cosignature/v1 verifier key

	down atomic.Bool // answer 503 to everything

	mu       sync.Mutex
	size     uint64
	root     []byte
	cosigned int
}

func newWitness(tb testing.TB, logVerifierKey string) *witness {
	tb.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "witness.test.example/w1")
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		tb.Fatal(err)
	}
	if vkey, err = f_note.VKeyToCosignatureV1(vkey); err != nil {
		tb.Fatal(err)
	}
	lv, err := note.NewVerifier(logVerifierKey)
	if err != nil {
		tb.Fatal(err)
	}
	return &witness{logKey: lv, signer: signer, vkey: vkey}
}

func (w *witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if w.down.Load() {
		http.Error(rw, "down", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/add-checkpoint" {
		http.NotFound(rw, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		http.Error(rw, "no checkpoint", http.StatusBadRequest)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Scan()
	oldStr, ok := strings.CutPrefix(sc.Text(), "old ")
	old, err := strconv.ParseUint(oldStr, 10, 64)
	if !ok || err != nil {
		http.Error(rw, "bad old line", http.StatusBadRequest)
		return
	}
	var hashes [][]byte
	for sc.Scan() {
		h, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil {
			http.Error(rw, "bad proof line", http.StatusBadRequest)
			return
		}
		hashes = append(hashes, h)
	}
	n, err := note.Open(cp, note.VerifierList(w.logKey))
	if err != nil {
		http.Error(rw, "no trusted signature", http.StatusForbidden)
		return
	}
	lines := strings.Split(n.Text, "\n")
	if lines[0] != w.logKey.Name() {
		http.NotFound(rw, r)
		return
	}
	size, _ := strconv.ParseUint(lines[1], 10, 64)
	root, _ := base64.StdEncoding.DecodeString(lines[2])
	if old > size {
		http.Error(rw, "old size beyond checkpoint", http.StatusBadRequest)
		return
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if old != w.size {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", w.size)
		return
	}
	if old == size && w.root != nil && !bytes.Equal(root, w.root) {
		http.Error(rw, "fork", http.StatusConflict)
		return
	}
	if old > 0 && old < size {
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old, size, hashes, w.root, root); err != nil {
			http.Error(rw, "inconsistent", http.StatusUnprocessableEntity)
			return
		}
	}
	w.size, w.root = size, root
	w.cosigned++
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	rw.Write(signed[len(n.Text)+1:]) // the signature lines after the blank line
}

func TestWitnessCosigns(t *testing.T) {
	base := t.TempDir()
	opts := fastOptions()
	opts.KeyFile = filepath.Join(base, "log.key")
	// The witness needs the log's key before the log starts: make it first.
	l0 := mustOpen(t, filepath.Join(base, "log"), opts)
	vkey := l0.VerifierKey()
	if err := l0.Close(); err != nil {
		t.Fatal(err)
	}

	w := newWitness(t, vkey)
	srv := httptest.NewServer(w)
	defer srv.Close()
	opts.WitnessPolicy = fmt.Appendf(nil, "# the test's witness\nwitness w1 %s %s\nquorum w1\n", w.vkey, srv.URL)
	l := mustOpen(t, filepath.Join(base, "log"), opts)
	wv, err := f_note.NewVerifierForCosignatureV1(w.vkey)
	if err != nil {
		t.Fatal(err)
	}
	lv, _ := note.NewVerifier(vkey)

	ctx := context.Background()
	var last uint64
	for round := range 2 { // the second round makes the witness check consistency
		cs := commitments(fmt.Sprint("witnessed", round), 5)
		idx := mustAppend(t, l, tlog.Bundle{Kind: candor.AuditWrite, Seq: uint64(round), Commitments: cs})
		cp := mustWaitCheckpoint(t, l, idx[0]+1)
		n, err := note.Open(cp.raw, note.VerifierList(lv, wv))
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Sigs) != 2 {
			t.Fatalf("checkpoint of size %d has %d verified signatures, want the log's and the witness's:\n%s", cp.size, len(n.Sigs), cp.raw)
		}
		// The proof carries the cosigned checkpoint.
		p, err := l.Proof(ctx, idx[0], cs[4])
		if err != nil {
			t.Fatal(err)
		}
		pp := mustParseProof(t, p)
		if _, err := note.Open(pp.checkpoint, note.VerifierList(wv)); err != nil {
			t.Errorf("proof's checkpoint lacks the witness's cosignature: %v", err)
		}
		if _, err := tlog.VerifyProof(p, vkey, cs[4]); err != nil {
			t.Errorf("VerifyProof of a cosigned proof: %v", err)
		}
		last = cp.size
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.size < last || w.cosigned < 2 {
		t.Errorf("witness at size %d after %d cosignatures; log at %d", w.size, w.cosigned, last)
	}
}

func TestWitnessPolicyRejected(t *testing.T) {
	opts := fastOptions()
	opts.WitnessPolicy = []byte("witness w1 not-a-key http://localhost\nquorum w1\n")
	if _, err := tlog.Open(filepath.Join(t.TempDir(), "log"), opts); err == nil {
		t.Error("Open with a bad witness policy succeeded")
	}
}

// Without its quorum the log publishes no checkpoint (unless configured to
// fail open), and catches up once the witness answers again.
func TestWitnessDownHoldsCheckpoints(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		t.Run(fmt.Sprint("fail open ", failOpen), func(t *testing.T) {
			base := t.TempDir()
			opts := fastOptions()
			opts.KeyFile = filepath.Join(base, "log.key")
			l0 := mustOpen(t, filepath.Join(base, "log"), opts)
			vkey := l0.VerifierKey()
			l0.Close()

			w := newWitness(t, vkey)
			w.down.Store(true)
			srv := httptest.NewServer(w)
			defer srv.Close()
			opts.WitnessPolicy = fmt.Appendf(nil, "witness w1 %s %s\nquorum w1\n", w.vkey, srv.URL)
			opts.WitnessTimeout = 100 * time.Millisecond
			opts.WitnessFailOpen = failOpen
			l := mustOpen(t, filepath.Join(base, "log"), opts)
			mustAppend(t, l, tlog.Bundle{Kind: candor.AuditWrite, Commitments: commitments("down", 1)})

			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := l.WaitCheckpoint(ctx, 1)
			if failOpen != (err == nil) {
				t.Fatalf("with the witness down, WaitCheckpoint: %v", err)
			}
			w.down.Store(false)
			// An unchanged tree is not re-signed for minutes: grow it.
			mustAppend(t, l, tlog.Bundle{Kind: candor.AuditWrite, Commitments: commitments("up", 1)})
			cp := mustWaitCheckpoint(t, l, 2)
			wv, _ := f_note.NewVerifierForCosignatureV1(w.vkey)
			if _, err := note.Open(cp.raw, note.VerifierList(wv)); err != nil {
				t.Errorf("checkpoint after the witness came back is not cosigned: %v", err)
			}
		})
	}
}
