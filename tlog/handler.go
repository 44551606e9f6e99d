package tlog

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
)

// Prefix is the URL path under which Handler serves the log.
const Prefix = "/log/"

// Handler serves the log read-only at the C2SP tlog-tiles paths under
// Prefix (mount it there, e.g. mux.Handle(tlog.Prefix, l.Handler())):
//
//	/log/checkpoint                    text/plain; charset=utf-8, cached 1 s
//	/log/tile/<L>/<N>[.p/<W>]          application/octet-stream, immutable
//	/log/tile/entries/<N>[.p/<W>]      application/octet-stream, immutable
//
// Anything else is 404, including Tessera's private state and any path not
// in the exact canonical form the spec gives (so no "..", no doubled
// slashes, no leading zeroes beyond the three digits): files are looked up
// by parsed numbers, never by the request's path. Only GET and HEAD are
// allowed. Entry bundles are sent uncompressed: they hold random hashes.
func (l *Log) Handler() http.Handler {
	return http.HandlerFunc(l.serve)
}

func (l *Log) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "checkpoint" {
		raw, err := l.reader.ReadCheckpoint(r.Context())
		if err != nil {
			http.Error(w, "checkpoint unavailable", http.StatusServiceUnavailable)
			return
		}
		// Mutable: C2SP tlog-tiles says caches SHOULD NOT keep it beyond a
		// few seconds.
		serveBytes(w, r, raw, "text/plain; charset=utf-8", "public, max-age=1")
		return
	}
	file, ok := tilePath(rest)
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile(filepath.Join(l.dir, filepath.FromSlash(file)))
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "read error", http.StatusInternalServerError)
		return
	}
	// A tile or bundle, full or partial, never changes once written.
	serveBytes(w, r, data, "application/octet-stream", "public, max-age=31536000, immutable")
}

func serveBytes(w http.ResponseWriter, r *http.Request, data []byte, contentType, cacheControl string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", cacheControl)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// tilePath returns the file of a tile or entry bundle path relative to the
// prefix ("tile/0/x001/234.p/7", "tile/entries/005"), or false if p is not
// such a path in canonical form. The file is rebuilt from the parsed
// numbers and must equal p, so nothing but a tile or bundle can be named.
func tilePath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return "", false
	}
	var canonical string
	if idx, ok := strings.CutPrefix(rest, "entries/"); ok {
		n, w, err := layout.ParseTileIndexPartial(idx)
		if err != nil {
			return "", false
		}
		canonical = layout.EntriesPath(n, w)
	} else {
		level, idx, ok := strings.Cut(rest, "/")
		if !ok {
			return "", false
		}
		lv, n, w, err := layout.ParseTileLevelIndexPartial(level, idx)
		if err != nil {
			return "", false
		}
		canonical = layout.TilePath(lv, n, w)
	}
	if canonical != p {
		return "", false
	}
	return canonical, true
}
