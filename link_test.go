package candor_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func TestLinkEncoding(t *testing.T) {
	l := &candor.Link{ID: "lnk-1", Op: candor.OpLinked, Survivor: candor.NewSubjectID(), Alias: candor.NewSubjectID(),
		Source: "civil1", Ref: "civ-2026-001", At: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	enc, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back candor.Link
	if err := back.UnmarshalBinary(enc); err != nil || back != *l {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []candor.Link{{Op: candor.OpLinked}, {ID: "x"}, {ID: strings.Repeat("x", 65), Op: candor.OpLinked}} {
		if _, err := bad.MarshalBinary(); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// The steps that stand: the last of each link, linked before unlinked
	// at one instant.
	u := *l
	u.Op = candor.OpUnlinked
	again := *l
	again.ID, again.At = "lnk-2", l.At.Add(time.Hour)
	if got := candor.CurrentLinks([]*candor.Link{&u, l}); len(got) != 0 {
		t.Errorf("linked and unlinked at one instant: %v stand", got)
	}
	if got := candor.CurrentLinks([]*candor.Link{&again, &u, l}); len(got) != 1 || got[0].ID != "lnk-2" {
		t.Errorf("relinked: %v stand", got)
	}
}

// A type of a link posted as an event is refused with where to post it.
func TestValidateLinkAsEvent(t *testing.T) {
	in := candor.EventInput{ID: "x", Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: "AB1234567"},
		Type: "identity.linked", OccurredAt: "2026-01-01T00:00:00Z"}
	_, problems := testCatalogue(t).Validate(&in, 0, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), nil)
	if len(problems) == 0 || !strings.Contains(problems[len(problems)-1].Reason, "POST /v1/identity/links") {
		t.Errorf("problems %v", problems)
	}
}

// FuzzLinkUnmarshal: no stored bytes panic the decoder; what it accepts
// encodes back to the same bytes.
func FuzzLinkUnmarshal(f *testing.F) {
	l := &candor.Link{ID: "lnk-1", Op: candor.OpUnlinked, Source: "s", Ref: "r", At: time.Unix(1, 0)}
	enc, _ := l.MarshalBinary()
	f.Add(enc)
	f.Add([]byte{5, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var l candor.Link
		if l.UnmarshalBinary(b) != nil {
			return
		}
		again, err := l.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x, %v", b, l, again, err)
		}
	})
}
