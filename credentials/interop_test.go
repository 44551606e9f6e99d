package credentials_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/credentials"
)

// TestSDJWTInterop has @sd-jwt/sd-jwt-vc, a third-party implementation,
// verify Candor's credentials, their status included. It needs Node and
// npm: set CANDOR_TEST_NODE (to anything) to run it; it runs npm ci in
// testdata/sdjwt-node if node_modules is missing there.
func TestSDJWTInterop(t *testing.T) {
	if os.Getenv("CANDOR_TEST_NODE") == "" {
		t.Skip("set CANDOR_TEST_NODE to verify credentials with @sd-jwt/sd-jwt-vc")
	}
	dir, _ := filepath.Abs("testdata/sdjwt-node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	k := mustKey(t)
	statuses := make([]credentials.Status, 10)
	statuses[3] = credentials.StatusRevoked
	statuses[4] = credentials.StatusSuspended
	var list string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/statuslist+jwt")
		w.Write([]byte(list))
	}))
	defer srv.Close()
	uri := srv.URL + "/v1/credentials/status-list"
	now := time.Now()
	var err error
	if list, err = k.SignStatusList(issuer, uri, statuses, now); err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(k.Metadata(issuer))
	metaFile := filepath.Join(t.TempDir(), "issuer.json")
	os.WriteFile(metaFile, meta, 0o644)

	sign := func(idx int) string {
		u := credentials.Unsigned{Issuer: issuer, Type: credentials.TypeStatus, IssuedAt: now, Expires: now.Add(time.Hour), Claims: claims}
		if idx >= 0 {
			u.Status = new(credentials.StatusRef)
			u.Status.StatusList.Idx, u.Status.StatusList.URI = idx, uri
		}
		s, err := k.Sign(u)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(-1)
	parts := strings.Split(good, "~")
	tests := []struct {
		name, cred string
		ok         bool
		refusal    string // in @sd-jwt's error message
	}{
		{"no status", good, true, ""},
		{"valid status", sign(1), true, ""},
		{"fewer disclosed", parts[0] + "~" + parts[2] + "~", true, ""},
		{"revoked", sign(3), false, "Status is not valid"},
		{"suspended", sign(4), false, "Status is not valid"},
		{"disclosure from another credential", parts[0] + "~" + strings.Split(sign(-1), "~")[1] + "~", false, "Unreferenced disclosure"},
		{"tampered signature", parts[0][:len(parts[0])-3] + "AAA~", false, "Invalid JWT Signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "cred")
			os.WriteFile(f, []byte(tc.cred), 0o644)
			cmd := exec.Command("node", filepath.Join(dir, "verify.mjs"), f, metaFile)
			cmd.Dir = dir
			out, err := cmd.Output()
			if !tc.ok {
				ee, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatalf("@sd-jwt accepted it (%v): %s", err, out)
				}
				if !strings.Contains(string(ee.Stderr), tc.refusal) {
					t.Errorf("@sd-jwt refused it for another reason: %s", ee.Stderr)
				}
				return
			}
			if err != nil {
				var stderr []byte
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = ee.Stderr
				}
				t.Fatalf("@sd-jwt refused it: %v: %s", err, stderr)
			}
			var got struct {
				Header  map[string]any
				Payload map[string]any
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Header["typ"] != "dc+sd-jwt" || got.Payload["vct"] != credentials.TypeStatus || got.Payload["iss"] != issuer {
				t.Errorf("header %v, payload %v", got.Header, got.Payload)
			}
			if tc.name != "fewer disclosed" && (got.Payload["tax_obligations_current"] != true || got.Payload["rental_grade_at_least"] != "B") {
				t.Errorf("claims as @sd-jwt read them: %v", got.Payload)
			}
		})
	}
}
