package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/candor-project/candor/decisions"
)

// signingCost measures, in the decisions benchmark's run, what signing a
// decision answer costs (the Ed25519 detached JWS every answer carries),
// against the decisions' own CPU per request, measured in the same run.
func signingCost(ctx context.Context, client *http.Client, decide loadTarget, perRequest time.Duration, stdout io.Writer) error {
	var buf bytes.Buffer
	status, err := post(ctx, client, decide, decide.bodyOf(0), &buf)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("a decision for the signing measure: %d %v %s", status, err, buf.Bytes())
	}
	signer, err := decisions.GenerateSigner()
	if err != nil {
		return err
	}
	const n = 5000
	body := buf.Bytes()
	start, cpu := time.Now(), processCPU() // the server is idle now
	for range n {
		signer.SignDetached(body)
	}
	wall, each := time.Since(start)/n, (processCPU()-cpu)/n
	fmt.Fprintf(stdout, "signing an answer (Ed25519 detached JWS over %d bytes): %.1f µs of process CPU (%.1f µs wall), %.1f%% of a decision's process CPU per request (%.0f µs)\n",
		len(body), float64(each.Nanoseconds())/1e3, float64(wall.Nanoseconds())/1e3, 100*float64(each)/float64(perRequest), float64(perRequest.Nanoseconds())/1e3)
	return nil
}
