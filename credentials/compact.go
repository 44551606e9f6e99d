package credentials

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/candor-project/candor"
)

// QRPrefix starts the text of every credential QR code.
const QRPrefix = "CV1:"

// MaxQRText bounds the QR text a verifier reads.
const MaxQRText = 4096

// maxCompact bounds what a QR text decompresses to.
const maxCompact = MaxCredential

// Compact encodes an SD-JWT that Candor issued as QR text: QRPrefix and
// the Base45 (RFC 9285) of a deflated binary form in which salts,
// digests and the signature are raw bytes and each disclosed claim's
// digest is left out (the verifier recomputes it). The QR code can then
// use the alphanumeric mode, as the EU Digital COVID Certificate did.
// Decompact rebuilds the SD-JWT byte for byte, so its signature is the
// issuer's. Errors: EINVALID for an SD-JWT that is not in the exact form
// Sign writes.
func Compact(sdjwt string) (string, error) {
	z, err := compact(sdjwt)
	if err != nil {
		return "", err
	}
	return QRPrefix + Base45(z), nil
}

// CompactURL encodes an SD-JWT as Compact does, in base64url instead of
// Base45, for a URL's query (a badge's link). DecompactURL reverses it.
func CompactURL(sdjwt string) (string, error) {
	z, err := compact(sdjwt)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(z), nil
}

// DecompactURL rebuilds the SD-JWT from what CompactURL wrote. Errors as
// for Decompact.
func DecompactURL(s string) (string, error) {
	if len(s) > MaxQRText {
		return "", candor.Errorf(candor.EINVALID, "the badge is %d characters long; the limit is %d", len(s), MaxQRText)
	}
	z, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return "", candor.Errorf(candor.EINVALID, "the badge is malformed: not base64url")
	}
	return inflate(z)
}

// compact is the deflated binary form of Compact.
func compact(sdjwt string) ([]byte, error) {
	parts := strings.Split(sdjwt, "~")
	jws := strings.Split(parts[0], ".")
	if len(parts) < 2 || parts[len(parts)-1] != "" || len(jws) != 3 {
		return nil, notCompact("not an SD-JWT without key binding")
	}
	header, err1 := base64.RawURLEncoding.Strict().DecodeString(jws[0])
	body, err2 := base64.RawURLEncoding.Strict().DecodeString(jws[1])
	sig, err3 := base64.RawURLEncoding.Strict().DecodeString(jws[2])
	if err := errors.Join(err1, err2, err3); err != nil || len(sig) != 64 {
		return nil, notCompact("a JWS part is not base64url, or the signature is not ES256")
	}
	var h struct {
		Alg, Kid, Typ string
	}
	if json.Unmarshal(header, &h) != nil || !bytes.Equal(header, jwsHeader(h.Kid, typCredential)) {
		return nil, notCompact("the header is not Candor's")
	}
	var p payload
	if err := strictJSON(body, &p); err != nil {
		return nil, notCompact("the claims are not Candor's")
	}
	if again, _ := json.Marshal(p); !bytes.Equal(again, body) {
		return nil, notCompact("the claims are not in Candor's form")
	}
	vct := map[string]byte{TypeStatus: 1, TypeBadge: 2}[p.Vct]
	if vct == 0 || p.SDAlg != "sha-256" || p.Iat < 0 || p.Exp < 0 {
		return nil, notCompact("the type, digest algorithm or times are not Candor's")
	}
	b := []byte{1}
	b = appendStr(b, h.Kid)
	b = appendStr(b, p.Iss)
	b = append(b, vct)
	b = binary.AppendUvarint(b, uint64(p.Iat))
	b = binary.AppendUvarint(b, uint64(p.Exp))
	if p.Status == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(p.Status.StatusList.Idx))
		b = appendStr(b, p.Status.StatusList.URI)
	}
	ds := parts[1 : len(parts)-1]
	b = binary.AppendUvarint(b, uint64(len(p.SD)))
	for _, dg := range p.SD {
		k := 0
		for i, d := range ds {
			if digest(d) == dg {
				k = i + 1
			}
		}
		b = binary.AppendUvarint(b, uint64(k))
		if k == 0 {
			raw, err := base64.RawURLEncoding.Strict().DecodeString(dg)
			if err != nil || len(raw) != 32 {
				return nil, notCompact("a digest is not SHA-256")
			}
			b = append(b, raw...)
		}
	}
	b = append(b, sig...)
	b = binary.AppendUvarint(b, uint64(len(ds)))
	for _, d := range ds {
		salt, name, _, err := decodeDisclosure(d)
		rawSalt, serr := base64.RawURLEncoding.Strict().DecodeString(salt)
		if err != nil || serr != nil || len(rawSalt) != saltSize {
			return nil, notCompact("a disclosure is not Candor's")
		}
		raw, _ := base64.RawURLEncoding.DecodeString(d)
		var arr []json.RawMessage
		json.Unmarshal(raw, &arr)
		if again, _ := encodeDisclosure(salt, name, arr[2]); again != d {
			return nil, notCompact("a disclosure is not in Candor's form")
		}
		b = append(b, rawSalt...)
		b = appendStr(b, name)
		b = appendStr(b, string(arr[2]))
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(b)
	w.Close()
	return z.Bytes(), nil
}

func notCompact(why string) error {
	return candor.Errorf(candor.EINVALID, "the credential cannot be put in a QR code: %s", why)
}

// jwsHeader is the protected header Sign writes (go-jose writes its keys
// in order).
func jwsHeader(kid, typ string) []byte {
	h, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{"ES256", kid, typ})
	return h
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Decompact rebuilds the SD-JWT from QR text that Compact wrote. It only
// decodes: the caller verifies what it returns. Errors (EINVALID, naming
// the problem): text over MaxQRText, without QRPrefix, not Base45, not
// deflate data, decompressing to more than MaxCredential bytes, or
// malformed.
func Decompact(text string) (string, error) {
	text = strings.TrimSpace(text)
	if len(text) > MaxQRText {
		return "", candor.Errorf(candor.EINVALID, "the QR text is %d characters long; the limit is %d", len(text), MaxQRText)
	}
	if !strings.HasPrefix(text, QRPrefix) {
		return "", candor.Errorf(candor.EINVALID, "the QR text does not start with %s: it is not a Candor credential", QRPrefix)
	}
	z, err := DecodeBase45(text[len(QRPrefix):])
	if err != nil {
		return "", candor.Errorf(candor.EINVALID, "the QR text is malformed: %v", err)
	}
	return inflate(z)
}

// inflate decompresses and decodes what compact wrote.
func inflate(z []byte) (string, error) {
	b, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), maxCompact+1))
	if err != nil {
		return "", candor.Errorf(candor.EINVALID, "the QR text is malformed: it does not decompress")
	}
	if len(b) > maxCompact {
		return "", candor.Errorf(candor.EINVALID, "the QR text decompresses to more than %d bytes", maxCompact)
	}
	s, err := decodeCompact(b)
	if err != nil {
		return "", candor.Errorf(candor.EINVALID, "the QR text is malformed: %v", err)
	}
	return s, nil
}

var errShort = errors.New("it ends early")

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint(limit uint64) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > limit {
		r.fail(errors.New("a number is out of range"))
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if len(r.b) < n {
		r.fail(errShort)
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) str() string { return string(r.bytes(int(r.uvarint(MaxCredential)))) }

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func decodeCompact(b []byte) (string, error) {
	r := &reader{b: b}
	if v := r.bytes(1); v[0] != 1 {
		return "", fmt.Errorf("unknown version %d", v[0])
	}
	kid, p := r.str(), payload{SDAlg: "sha-256"}
	p.Iss = r.str()
	switch r.bytes(1)[0] {
	case 1:
		p.Vct = TypeStatus
	case 2:
		p.Vct = TypeBadge
	default:
		r.fail(errors.New("unknown credential type"))
	}
	p.Iat, p.Exp = int64(r.uvarint(1<<40)), int64(r.uvarint(1<<40))
	switch r.bytes(1)[0] {
	case 0:
	case 1:
		p.Status = new(StatusRef)
		p.Status.StatusList.Idx = int(r.uvarint(1 << 31))
		p.Status.StatusList.URI = r.str()
	default:
		r.fail(errors.New("bad status flag"))
	}
	nsd := r.uvarint(MaxDisclosures * 4)
	refs := make([]uint64, nsd)
	p.SD = make([]string, nsd)
	for i := range refs {
		if refs[i] = r.uvarint(MaxDisclosures); refs[i] == 0 {
			p.SD[i] = base64.RawURLEncoding.EncodeToString(r.bytes(32))
		}
	}
	sig := r.bytes(64)
	nd := r.uvarint(MaxDisclosures)
	ds := make([]string, nd)
	for i := range ds {
		salt := base64.RawURLEncoding.EncodeToString(r.bytes(saltSize))
		name, value := r.str(), r.str()
		if r.err != nil {
			break
		}
		if !json.Valid([]byte(value)) {
			return "", errors.New("a claim's value is not JSON")
		}
		d, err := encodeDisclosure(salt, name, json.RawMessage(value))
		if err != nil {
			return "", err
		}
		ds[i] = d
	}
	if r.err != nil {
		return "", r.err
	}
	if len(r.b) != 0 {
		return "", errors.New("data after the credential")
	}
	for i, k := range refs {
		if k > 0 {
			if k > nd {
				return "", errors.New("a digest refers to a missing disclosure")
			}
			p.SD[i] = digest(ds[k-1])
		}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	enc := base64.RawURLEncoding
	out.WriteString(enc.EncodeToString(jwsHeader(kid, typCredential)) + "." + enc.EncodeToString(body) + "." + enc.EncodeToString(sig) + "~")
	for _, d := range ds {
		out.WriteString(d + "~")
	}
	return out.String(), nil
}

const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// Base45 encodes b as in RFC 9285.
func Base45(b []byte) string {
	out := make([]byte, 0, len(b)/2*3+2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45%45], base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45])
	}
	return string(out)
}

// DecodeBase45 decodes RFC 9285 Base45, refusing anything outside its
// alphabet and any chunk out of range.
func DecodeBase45(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, errors.New("its length is not a Base45 length")
	}
	val := func(c byte) int { return strings.IndexByte(base45Alphabet, c) }
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		n, m := 0, 1
		for j := i; j < min(i+3, len(s)); j++ {
			v := val(s[j])
			if v < 0 {
				return nil, fmt.Errorf("%q is not a Base45 character", s[j])
			}
			n += v * m
			m *= 45
		}
		if i+3 <= len(s) {
			if n > 0xffff {
				return nil, errors.New("a Base45 chunk is out of range")
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			if n > 0xff {
				return nil, errors.New("a Base45 chunk is out of range")
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}
