package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// Published is what an issuer publishes for verifiers, as fetched: its
// metadata (JSON) and its status list (a Status List Token).
type Published struct {
	Metadata   []byte
	StatusList []byte
}

// The files Save writes into a trust directory.
const (
	metadataFile   = "issuer.json"
	statusListFile = "status-list.jwt"
	maxPublished   = 256 << 10
)

// Fetch fetches what issuer publishes for verifiers. Errors: the
// transport's, a status other than 200, a body over 256 KiB.
func Fetch(ctx context.Context, client *http.Client, issuer string) (*Published, error) {
	issuer = strings.TrimSuffix(issuer, "/")
	get := func(path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+path, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s%s: %s", issuer, path, resp.Status)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxPublished+1))
		if err == nil && len(b) > maxPublished {
			err = fmt.Errorf("%s%s: more than %d bytes", issuer, path, maxPublished)
		}
		return b, err
	}
	m, err := get(MetadataPath)
	if err != nil {
		return nil, err
	}
	l, err := get(StatusListPath)
	if err != nil {
		return nil, err
	}
	return &Published{Metadata: m, StatusList: l}, nil
}

// Save writes p into dir (created if need be), for verifying offline.
func (p *Published) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return errors.Join(os.WriteFile(filepath.Join(dir, metadataFile), p.Metadata, 0o644),
		os.WriteFile(filepath.Join(dir, statusListFile), p.StatusList, 0o644))
}

// LoadPublished reads what Save wrote into dir.
func LoadPublished(dir string) (*Published, error) {
	m, err1 := os.ReadFile(filepath.Join(dir, metadataFile))
	l, err2 := os.ReadFile(filepath.Join(dir, statusListFile))
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return &Published{Metadata: m, StatusList: l}, nil
}

// Trust verifies p at instant now: the metadata must name issuer (if
// issuer is not empty) and carry a key, and the status list must be
// signed with it, for a URL of the issuer, and not expired. Errors:
// EINVALID naming the problem.
func (p *Published) Trust(issuer string, now time.Time) (*Trust, error) {
	var m Metadata
	if err := strictJSON(p.Metadata, &m); err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the issuer metadata is malformed: %v", err)
	}
	if issuer != "" && m.Issuer != strings.TrimSuffix(issuer, "/") {
		return nil, candor.Errorf(candor.EINVALID, "the metadata fetched from %s names another issuer, %q", issuer, m.Issuer)
	}
	t, err := NewTrust(&m)
	if err != nil {
		return nil, err
	}
	l, err := t.ParseStatusList(strings.TrimSpace(string(p.StatusList)), now)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(l.URI, t.Issuer+"/") {
		return nil, candor.Errorf(candor.EINVALID, "the status list is for %s, not a URL of issuer %s", l.URI, t.Issuer)
	}
	t.Lists[l.URI] = l
	return t, nil
}
