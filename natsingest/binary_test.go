package natsingest_test

import (
	"context"
	"testing"

	"github.com/candor-project/candor/natsingest"
	"github.com/nats-io/nats.go"
)

// TestBinaryCloudEvent: a CloudEvent in binary mode (ce- headers, the data
// as the body) is taken as over HTTP, and one whose source names another
// source goes to the dead-letter stream with the problem.
func TestBinaryCloudEvent(t *testing.T) {
	f := start(t)
	send := func(id, source string) {
		m := nats.NewMsg(f.names.subjects + ".bank1")
		m.Data = []byte(`{"subject":{"kind":"person","scheme":"national_id","value":"NA0000009"},"fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`)
		m.Header.Set(natsingest.AuthHeader, "Bearer "+f.token)
		m.Header.Set("Content-Type", "application/json")
		for k, v := range map[string]string{"ce-specversion": "1.0", "ce-id": id, "ce-source": source,
			"ce-type": "credit.instalment_paid", "ce-time": "2026-10-01T00:00:00Z"} {
			m.Header.Set(k, v)
		}
		if _, err := f.js.PublishMsg(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	send("bin1", "urn:candor:source:bank1")
	send("bin2", "urn:candor:source:court1")
	f.settled(t)
	if n := f.stored(t, "NA0000009"); n != 1 {
		t.Errorf("NA0000009 has %d events, want 1 (bin1)", n)
	}
	dl := f.deadLetters(t)
	if len(dl) != 1 || len(dl[0].Details) != 1 || dl[0].Details[0].Field != "source" {
		t.Errorf("dead letters: %+v, want bin2's, its problem the source", dl)
	}
}
