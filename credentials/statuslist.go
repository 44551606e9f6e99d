package credentials

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/candor-project/candor"
)

// Status is a credential's entry in a Token Status List (2 bits each).
type Status uint8

// The statuses of the IETF Token Status List registry that Candor uses.
const (
	StatusValid     Status = 0 // VALID
	StatusRevoked   Status = 1 // INVALID: revoked by its holder (or its holder erased)
	StatusSuspended Status = 2 // SUSPENDED: a statement in it is no longer true
)

func (s Status) String() string {
	switch s {
	case StatusValid:
		return "valid"
	case StatusRevoked:
		return "revoked"
	case StatusSuspended:
		return "suspended"
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// Status list dimensions: one list of ListSize entries for all holders,
// so that fetching it says nothing about whom a verifier checks.
const (
	ListSize       = 1 << 20
	listBits       = 2
	maxListBytes   = 1 << 20 // a decompressed list larger than this is refused
	ListValidity   = 24 * time.Hour
	ListTTL        = 5 * time.Minute
	maxStatusToken = 64 << 10
)

type statusListClaims struct {
	Exp        int64  `json:"exp"`
	Iat        int64  `json:"iat"`
	Iss        string `json:"iss"`
	StatusList struct {
		Bits int    `json:"bits"`
		Lst  string `json:"lst"`
	} `json:"status_list"`
	Sub string `json:"sub"`
	TTL int64  `json:"ttl"`
}

// SignStatusList signs statuses (one entry per index, ListSize or fewer)
// as a Status List Token (JWT, "statuslist+jwt") for the list at uri.
func (k *IssuerKey) SignStatusList(issuer, uri string, statuses []Status, now time.Time) (string, error) {
	raw := make([]byte, (ListSize*listBits+7)/8)
	for i, s := range statuses {
		raw[i*listBits/8] |= byte(s&3) << (i * listBits % 8)
	}
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	w.Write(raw)
	w.Close()
	var c statusListClaims
	c.Exp, c.Iat, c.Iss, c.Sub, c.TTL = now.Add(ListValidity).Unix(), now.Unix(), issuer, uri, int64(ListTTL/time.Second)
	c.StatusList.Bits, c.StatusList.Lst = listBits, base64.RawURLEncoding.EncodeToString(z.Bytes())
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return k.signJWS(typStatusList, body)
}

// StatusList is a verified Status List Token.
type StatusList struct {
	URI      string
	IssuedAt time.Time
	Expires  time.Time
	bits     int
	list     []byte
}

// Get returns the status at idx. Errors: EINVALID for an index outside
// the list.
func (l *StatusList) Get(idx int) (Status, error) {
	if idx < 0 || idx >= len(l.list)*8/l.bits {
		return 0, candor.Errorf(candor.EINVALID, "the credential's status index %d is outside the status list", idx)
	}
	bit := idx * l.bits
	return Status(l.list[bit/8]>>(bit%8)) & Status(1<<l.bits-1), nil
}

// ParseStatusList verifies a Status List Token with the issuer's
// published keys and decodes it. Errors (EINVALID, naming the problem): a
// malformed token, a bad signature ("status list signature"), a key the
// issuer does not publish, another issuer, an expired list, a list that
// decompresses to more than 1 MiB.
func (t *Trust) ParseStatusList(token string, now time.Time) (*StatusList, error) {
	if len(token) > maxStatusToken {
		return nil, candor.Errorf(candor.EINVALID, "the status list token is longer than %d bytes", maxStatusToken)
	}
	body, err := t.verifyJWS(token, typStatusList, "status list")
	if err != nil {
		return nil, err
	}
	var c statusListClaims
	if err := strictJSON(body, &c); err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the status list's claims are malformed: %v", err)
	}
	if c.Iss != t.Issuer {
		return nil, candor.Errorf(candor.EINVALID, "the status list is from issuer %q, not %q", c.Iss, t.Issuer)
	}
	exp := time.Unix(c.Exp, 0)
	if !now.Before(exp) {
		return nil, candor.Errorf(candor.EINVALID, "the status list expired at %s; fetch a new one", exp.UTC().Format(time.RFC3339))
	}
	switch c.StatusList.Bits {
	case 1, 2, 4, 8:
	default:
		return nil, candor.Errorf(candor.EINVALID, "the status list has %d bits per entry; only 1, 2, 4 or 8 are allowed", c.StatusList.Bits)
	}
	z, err := base64.RawURLEncoding.Strict().DecodeString(c.StatusList.Lst)
	if err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the status list's lst is not base64url")
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the status list's lst is not zlib data")
	}
	list, err := io.ReadAll(io.LimitReader(zr, maxListBytes+1))
	if err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the status list's lst does not decompress: %v", err)
	}
	if len(list) > maxListBytes {
		return nil, candor.Errorf(candor.EINVALID, "the status list decompresses to more than %d bytes", maxListBytes)
	}
	return &StatusList{URI: c.Sub, IssuedAt: time.Unix(c.Iat, 0).UTC(), Expires: exp.UTC(), bits: c.StatusList.Bits, list: list}, nil
}
