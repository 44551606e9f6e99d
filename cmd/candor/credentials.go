package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/candor-project/candor/app"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/candor-project/candor/credentials"
)

const verifyUsage = `Usage: candor verify [--issuer URL] [--trust DIR] [CREDENTIAL | FILE | QR-IMAGE | -]

Verifies a Candor credential offline, with only the issuer's published keys
and status list, and says in plain words what it discloses and what it does
not. The credential is an SD-JWT, QR text (CV1:…), a file holding either,
a PNG or JPEG of its QR code (read with zbarimg, from Debian's zbar-tools),
or - for standard input.

--issuer URL fetches the issuer's metadata and status list (and with
--trust DIR saves them there); --trust DIR alone verifies with what was
saved, with no network. With --issuer and --trust and no credential, it
only fetches. It exits 1 if the credential is refused, naming why.
`

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage); fs.PrintDefaults() }
	issuer := fs.String("issuer", "", "the issuer's URL, to fetch its keys and status list from")
	trustDir := fs.String("trust", "", "a directory of an issuer's keys and status list, saved by an earlier --issuer run")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return errors.New("verify takes one credential")
	}
	var pub *credentials.Published
	var err error
	switch {
	case *issuer != "":
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		pub, err = credentials.Fetch(cctx, http.DefaultClient, *issuer)
		cancel()
		if err == nil && *trustDir != "" {
			err = pub.Save(*trustDir)
		}
	case *trustDir != "":
		pub, err = credentials.LoadPublished(*trustDir)
	default:
		return errors.New("give --issuer URL, or --trust DIR to verify offline")
	}
	if err != nil {
		return err
	}
	trust, err := pub.Trust(*issuer, time.Now())
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		if *issuer != "" && *trustDir != "" {
			fmt.Fprintf(stdout, "saved the keys and status list of %s in %s\n", trust.Issuer, *trustDir)
			return nil
		}
		return errors.New("give a credential to verify")
	}
	text, err := readCredential(fs.Arg(0))
	if err != nil {
		return err
	}
	if strings.HasPrefix(text, credentials.QRPrefix) {
		if text, err = credentials.Decompact(text); err != nil {
			return err
		}
	}
	r, err := trust.Verify(text, time.Now())
	if err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	e := credentials.Explain(r)
	fmt.Fprintf(stdout, "VALID %s from %s\n  %s\n  status: %s\n", e.Kind, e.Issuer, e.Valid, e.Status)
	if e.Document != "" {
		fmt.Fprintf(stdout, "  compare with the document in front of you: %s\n", e.Document)
	}
	fmt.Fprintln(stdout, "It says:")
	for _, s := range e.Says {
		fmt.Fprintln(stdout, "  -", s)
	}
	fmt.Fprintln(stdout, "You did not receive:")
	for _, s := range e.NotReceived {
		fmt.Fprintln(stdout, "  -", s)
	}
	return nil
}

// readCredential returns the credential text arg gives: the text itself,
// a file's contents, standard input ("-"), or the text of the QR code in
// an image file.
func readCredential(arg string) (string, error) {
	var data []byte
	var err error
	switch {
	case arg == "-":
		data, err = io.ReadAll(io.LimitReader(os.Stdin, credentials.MaxQRText+credentials.MaxCredential))
	case strings.HasPrefix(arg, credentials.QRPrefix) || strings.Contains(arg, "~"):
		return strings.TrimSpace(arg), nil
	default:
		data, err = os.ReadFile(arg)
	}
	if err != nil {
		return "", err
	}
	if bytes.HasPrefix(data, []byte("\x89PNG")) || bytes.HasPrefix(data, []byte("\xff\xd8\xff")) {
		return credentials.ScanQR(context.Background(), data)
	}
	return strings.TrimSpace(string(data)), nil
}
