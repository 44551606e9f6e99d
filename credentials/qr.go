package credentials

import (
	"github.com/candor-project/candor"
	qrcode "github.com/skip2/go-qrcode"
)

// QR is a rendered QR code.
type QR struct {
	Text    string
	Version int // 1–40
	PNG     []byte
}

// RenderQR renders text as a QR code at error correction level M, size
// pixels wide. Errors: EINVALID for text no QR code can hold.
func RenderQR(text string, size int) (*QR, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the text does not fit in a QR code: %v", err)
	}
	png, err := q.PNG(size)
	if err != nil {
		return nil, err
	}
	return &QR{Text: text, Version: q.VersionNumber, PNG: png}, nil
}
