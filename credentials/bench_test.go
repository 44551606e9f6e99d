package credentials_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/credentials"
)

// BenchmarkIssueVerify issues (and then verifies) a credential of three
// statements and a document number, with a status entry, and in the same
// run signs (verifies) the same signing input with the same key with bare
// ECDSA P-256 over SHA-256: the least any ES256 issuer (verifier) must
// do. It reports both rates (one over the median time of a step) and
// their ratio (targets ≥ 0.5).
//
//	go test ./credentials -run '^$' -bench IssueVerify -benchtime 2000x
func BenchmarkIssueVerify(b *testing.B) {
	k := mustKey(b)
	tr := mustTrust(b, k)
	u := credentials.Unsigned{Issuer: issuer, Type: credentials.TypeStatus, IssuedAt: now, Expires: now.Add(time.Hour), Status: statusRef(4242), Claims: claims}
	cred, err := k.Sign(u)
	if err != nil {
		b.Fatal(err)
	}
	jws := strings.Split(cred, "~")[0]
	input := []byte(jws[:strings.LastIndexByte(jws, '.')])
	sig, _ := base64.RawURLEncoding.DecodeString(jws[strings.LastIndexByte(jws, '.')+1:])
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	list, err := k.SignStatusList(issuer, u.Status.StatusList.URI, make([]credentials.Status, 5000), now)
	if err != nil {
		b.Fatal(err)
	}
	l, err := tr.ParseStatusList(list, now)
	if err != nil {
		b.Fatal(err)
	}
	tr.Lists[u.Status.StatusList.URI] = l
	// Each op runs one of each, interleaved, so that both see the same
	// load on a shared machine. Rates are one over each step's median
	// time: on a loaded machine a step is now and then preempted for far
	// longer than it takes, and the median ignores those.
	var took [4][]time.Duration
	timed := func(i int, f func()) {
		start := time.Now()
		f()
		took[i] = append(took[i], time.Since(start))
	}
	b.ResetTimer()
	for range b.N {
		timed(0, func() {
			if _, err := k.Sign(u); err != nil {
				b.Fatal(err)
			}
		})
		timed(1, func() {
			h := sha256.Sum256(input)
			if _, _, err := ecdsa.Sign(rand.Reader, k.Private(), h[:]); err != nil {
				b.Fatal(err)
			}
		})
		timed(2, func() {
			if _, err := tr.Verify(cred, now); err != nil {
				b.Fatal(err)
			}
		})
		timed(3, func() {
			h := sha256.Sum256(input)
			if !ecdsa.Verify(&k.Private().PublicKey, h[:], r, s) {
				b.Fatal("bare verify failed")
			}
		})
	}
	b.StopTimer()
	rate := func(i int) float64 {
		slices.Sort(took[i])
		return 1 / took[i][len(took[i])/2].Seconds()
	}
	issue, bareSign, verify, bareVerify := rate(0), rate(1), rate(2), rate(3)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(issue, "issue/s")
	b.ReportMetric(bareSign, "bare-sign/s")
	b.ReportMetric(issue/bareSign, "issue-ratio")
	b.ReportMetric(verify, "verify/s")
	b.ReportMetric(bareVerify, "bare-verify/s")
	b.ReportMetric(verify/bareVerify, "verify-ratio")
}

// TestQRSizes reports the QR code of 1, 3 and 5 statements with a
// document number and a status entry (the largest, downloaded form), and
// holds three statements to version 15 at level M.
//
//	go test ./credentials -run QRSizes -v
func TestQRSizes(t *testing.T) {
	k := mustKey(t)
	all := []credentials.Claim{
		{Name: "tax_obligations_current", Value: true},
		{Name: "no_standing_court_restriction", Value: true},
		{Name: "rental_grade_at_least", Value: "B"},
		{Name: "work_permit_valid", Value: "2027-06-30"},
		{Name: "business_compliance_grade", Value: "A"},
	}
	doc := credentials.Claim{Name: credentials.ClaimDocument, Value: credentials.Document{Type: "national_id", Number: "AB1234567"}}
	for _, n := range []int{1, 3, 5} {
		cs := append(append([]credentials.Claim{}, all[:n]...), doc)
		cred := mustSign(t, k, statusRef(1<<20-1), cs...)
		text, err := credentials.Compact(cred)
		if err != nil {
			t.Fatal(err)
		}
		qr, err := credentials.RenderQR(text, 256)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d statements + document: SD-JWT %d bytes, QR text %d characters, QR version %d (level M)", n, len(cred), len(text), qr.Version)
		if n == 3 && qr.Version > 15 {
			t.Errorf("three statements need QR version %d, over 15", qr.Version)
		}
	}
}
