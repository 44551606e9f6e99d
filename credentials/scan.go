package credentials

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photos from phones
	_ "image/png"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// Limits on a photo of a QR code.
const (
	MaxImageBytes  = candor.MaxQRImageBytes
	maxImagePixels = 40e6
)

// ScanQR returns the text of the QR code in a PNG or JPEG image, read
// with zbarimg (Debian's zbar-tools). Errors: EINVALID for an image over
// MaxImageBytes or 40 megapixels, not PNG or JPEG, or with no QR code in
// it; EUNAVAILABLE if zbarimg is not installed.
func ScanQR(ctx context.Context, img []byte) (string, error) {
	if len(img) > MaxImageBytes {
		return "", candor.Errorf(candor.EINVALID, "the image is larger than %d MiB", MaxImageBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil || format != "png" && format != "jpeg" {
		return "", candor.Errorf(candor.EINVALID, "the file is not a PNG or JPEG image")
	}
	if float64(cfg.Width)*float64(cfg.Height) > maxImagePixels {
		return "", candor.Errorf(candor.EINVALID, "the image is %d×%d pixels; take a smaller photo", cfg.Width, cfg.Height)
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		return "", candor.Errorf(candor.EUNAVAILABLE, "this verifier cannot read photos (zbarimg is not installed); paste the QR text instead")
	}
	f, err := os.CreateTemp("", "candor-qr-*."+format)
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(img)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f.Name())
	cmd.Stdout = &limited{w: &out, n: MaxQRText + 2}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 4 {
			return "", candor.Errorf(candor.EINVALID, "no QR code was found in the image")
		}
		return "", fmt.Errorf("credentials: zbarimg: %w", err)
	}
	return strings.TrimSpace(out.String()), nil
}

// limited writes at most n bytes to w and drops the rest.
type limited struct {
	w interface{ Write([]byte) (int, error) }
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if len(p) > l.n {
		l.w.Write(p[:l.n])
		l.n = 0
		return len(p), nil
	}
	l.n -= len(p)
	return l.w.Write(p)
}

// Verify verifies text, an SD-JWT or QR text, with this issuer's own
// published keys and its current status list, as any verifier would
// offline (the public verifier page). Errors: those of Decompact and
// Trust.Verify.
func (s *Service) Verify(ctx context.Context, text string) (*Result, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, QRPrefix) {
		var err error
		if text, err = Decompact(text); err != nil {
			return nil, err
		}
	}
	t, err := NewTrust(s.Metadata())
	if err != nil {
		return nil, err
	}
	list, err := s.StatusList(ctx)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	l, err := t.ParseStatusList(list, now)
	if err != nil {
		return nil, err
	}
	t.Lists[l.URI] = l
	return t.Verify(text, now)
}
