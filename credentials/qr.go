package credentials

import (
	"fmt"
	"strings"

	"github.com/candor-project/candor"
	qrcode "github.com/skip2/go-qrcode"
)

// QR is a rendered QR code.
type QR struct {
	Text    string
	Version int // 1–40
	PNG     []byte
	modules [][]bool // true: dark, with the quiet zone
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
	return &QR{Text: text, Version: q.VersionNumber, PNG: png, modules: q.Bitmap()}, nil
}

// SVG returns the QR code as an SVG image, one path of dark modules,
// scaling to its container: for pages whose policy allows no data URLs.
func (q *QR) SVG() string {
	n := len(q.modules)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR code"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y, row := range q.modules {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
