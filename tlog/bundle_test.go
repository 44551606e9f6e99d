package tlog_test

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
)

func mustMarshal(tb testing.TB, b tlog.Bundle) []byte {
	tb.Helper()
	data, err := b.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestBundleEncoding(t *testing.T) {
	cs := commitments("b", 3)
	b := tlog.Bundle{Kind: candor.AuditWrite, Seq: 0x0102030405060708, Part: 0x0a0b0c0d, Commitments: cs}
	data := mustMarshal(t, b)
	// The documented layout, byte by byte.
	want := []byte{1, byte(candor.AuditWrite), 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 3}
	for _, c := range cs {
		want = append(want, c[:]...)
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("encoding\n%x\nwant\n%x", data, want)
	}
	var got tlog.Bundle
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if got.Kind != b.Kind || got.Seq != b.Seq || got.Part != b.Part || len(got.Commitments) != 3 || got.Commitments[2] != cs[2] {
		t.Errorf("round trip: %+v", got)
	}
	data[16] ^= 1 // the decoder copies
	if got.Commitments[0] != cs[0] {
		t.Error("decoded bundle aliases its input")
	}

	for name, b := range map[string]tlog.Bundle{
		"no commitments": {Kind: candor.AuditWrite},
		"too many":       {Kind: candor.AuditWrite, Commitments: make([]candor.Commitment, tlog.MaxCommitments+1)},
		"no kind":        {Commitments: cs},
		"unknown kind":   {Kind: 3, Commitments: cs},
	} {
		if _, err := b.MarshalBinary(); err == nil {
			t.Errorf("%s: marshalled", name)
		}
	}
	full := mustMarshal(t, tlog.Bundle{Kind: candor.AuditAccess, Commitments: make([]candor.Commitment, tlog.MaxCommitments)})
	if len(full) > 1<<16-1 {
		t.Errorf("a full bundle is %d bytes, over the tlog-tiles entry limit", len(full))
	}

	good := mustMarshal(t, b)
	for name, data := range map[string][]byte{
		"empty":         nil,
		"short header":  good[:15],
		"truncated":     good[:len(good)-1],
		"trailing byte": append(bytes.Clone(good), 0),
		"version 2":     append([]byte{2}, good[1:]...),
		"kind 0":        append([]byte{1, 0}, good[2:]...),
		"count 0":       append(bytes.Clone(good[:14]), 0, 0),
	} {
		var b tlog.Bundle
		if err := b.UnmarshalBinary(data); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestSplit(t *testing.T) {
	if bs := tlog.Split(candor.AuditWrite, 1, nil); bs != nil {
		t.Errorf("Split(nil) = %v", bs)
	}
	cs := commitments("s", 2*tlog.MaxCommitments)
	bs := tlog.Split(candor.AuditAccess, 5, cs)
	if len(bs) != 2 || bs[1].Part != 1 || bs[1].Seq != 5 || bs[1].Commitments[0] != cs[tlog.MaxCommitments] {
		t.Fatalf("Split into %d", len(bs))
	}
	// Appending to a part must not write into the next.
	bs[0].Commitments = append(bs[0].Commitments, candor.Commitment{})
	if bs[1].Commitments[0] != cs[tlog.MaxCommitments] {
		t.Error("parts share capacity")
	}
}

// The decoder reads entries from disk and from other logs' tiles: it must
// accept exactly the encoder's output and nothing else, without panicking.
func FuzzBundle(f *testing.F) {
	f.Add(mustMarshal(f, tlog.Bundle{Kind: candor.AuditWrite, Seq: 1, Commitments: commitments("f", 2)}))
	f.Add(mustMarshal(f, tlog.Bundle{Kind: candor.AuditAccess, Seq: 1 << 60, Part: 3, Commitments: commitments("f", 1)}))
	f.Add([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var b tlog.Bundle
		if err := b.UnmarshalBinary(data); err != nil {
			return
		}
		if n := len(b.Commitments); n < 1 || n > tlog.MaxCommitments || !b.Kind.Valid() {
			t.Fatalf("decoded an invalid bundle: kind %d, %d commitments", b.Kind, n)
		}
		if int(binary.BigEndian.Uint16(data[14:])) != len(b.Commitments) {
			t.Fatal("count disagrees")
		}
		again, err := b.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

// Request paths come from anyone: the handler must not panic, and may only
// answer 200 for the checkpoint or a canonical tile or bundle path.
func FuzzHandlerPath(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "log")
	l := mustOpen(f, dir, fastOptions())
	mustAppend(f, l, tlog.Bundle{Kind: candor.AuditWrite, Commitments: commitments("f", 1)})
	mustWaitCheckpoint(f, l, 1)
	h := l.Handler()
	for _, s := range []string{"/log/checkpoint", "/log/tile/0/000.p/1", "/log/tile/entries/000.p/1", "/log/tile/0/x001/002.p/3", "/log/../log.key", "/log/tile/0/.p/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		w := get(h, "GET", path)
		if w.Code != http.StatusOK {
			return
		}
		switch path {
		case "/log/checkpoint", "/log/tile/0/000.p/1", "/log/tile/entries/000.p/1":
		default:
			if strings.Contains(path, "..") || !strings.HasPrefix(path, "/log/tile/") {
				t.Fatalf("served %q", path)
			}
		}
	})
}
