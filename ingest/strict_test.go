package ingest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
)

// Issue 11, part 2: a key given twice, at any level of any event shape, is
// refused, never read as its last (or first) value.
func TestDecodeRefusesDuplicateKeys(t *testing.T) {
	twice := func(body, old, new string) string {
		if !strings.Contains(body, old) {
			t.Fatalf("%q not in %s", old, body)
		}
		return strings.Replace(body, old, new, 1)
	}
	tests := []struct {
		name   string
		format ingest.Format
		body   string
		want   string // in the message
	}{
		{"event id", ingest.FormatJSON, twice(example, `"id":`, `"id":"other","id":`), `key "id" given twice`},
		{"event type", ingest.FormatJSON, twice(example, `"type":`, `"type":"credit.instalment_paid","type":`), `key "type" given twice`},
		{"event subject", ingest.FormatJSON, twice(example, `"subject":`, `"subject":{},"subject":`), `key "subject" given twice`},
		{"subject value", ingest.FormatJSON, twice(example, `"value":`, `"value":"CD7654321","value":`), `in subject: key "value" given twice`},
		{"field", ingest.FormatJSON, twice(example, `"days_late":45`, `"days_late":1,"days_late":45`), `in fields: key "days_late" given twice`},
		{"second event of an array", ingest.FormatJSON, "[" + example + "," + twice(example, `"amount":`, `"amount":"1","amount":`) + "]", `in [1].fields: key "amount" given twice`},
		{"cloudevent id", ingest.FormatCloudEvent, twice(cloudExample, `"id":`, `"id":"x","id":`), `key "id" given twice`},
		{"cloudevent type", ingest.FormatCloudEvent, twice(cloudExample, `"type":`, `"type":"credit.instalment_paid","type":`), `key "type" given twice`},
		{"cloudevent specversion", ingest.FormatCloudEvent, twice(cloudExample, `"specversion":`, `"specversion":"0.3","specversion":`), `key "specversion" given twice`},
		{"cloudevent data", ingest.FormatCloudEvent, twice(cloudExample, `"data":`, `"data":{},"data":`), `key "data" given twice`},
		{"cloudevent data.subject", ingest.FormatCloudEvent, twice(cloudExample, `"subject":`, `"subject":{"kind":"person","scheme":"national_id","value":"CD7654321"},"subject":`), `in data: key "subject" given twice`},
		{"cloudevent data.subject.value", ingest.FormatCloudEvent, twice(cloudExample, `"value":`, `"value":"CD7654321","value":`), `in data.subject: key "value" given twice`},
		{"cloudevent data.fields", ingest.FormatCloudEvent, twice(cloudExample, `"currency":`, `"currency":"USD","currency":`), `in data.fields: key "currency" given twice`},
		{"cloudevent extension", ingest.FormatCloudEvent, twice(cloudExample, `"comexampleext":`, `"comexampleext":"a","comexampleext":`), `key "comexampleext" given twice`},
		{"batch, second event", ingest.FormatCloudEventBatch, "[" + cloudExample + "," + twice(cloudExample, `"subject":`, `"subject":{},"subject":`) + "]", `in [1].data: key "subject" given twice`},
		{"escaped spelling of the same key", ingest.FormatJSON, twice(example, `"id":`, `"id":"x","\u0069d":`), `key "id" given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ingest.Decode([]byte(tt.body), tt.format, ingest.MaxEvents)
			if candor.ErrorCode(err) != candor.EMALFORMED || !strings.Contains(candor.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want EMALFORMED containing %q", err, tt.want)
			}
		})
	}
}

// Issue 11, part 1: nesting is bounded, however deep and wherever it is,
// and the error names where.
func TestDecodeBoundsNesting(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name   string
		format ingest.Format
		body   string
		want   string
	}{
		{"3 MB of [", ingest.FormatJSON, strings.Repeat("[", 3<<20), "nested deeper than 32 levels"},
		{"3 MB of [ in ndjson", ingest.FormatNDJSON, strings.Repeat("[", 3<<20), ""},
		{"deep field value", ingest.FormatJSON, strings.Replace(example, ":45", ":"+deep(40), 1), "in fields.days_late[0][0]"},
		{"deep unknown key", ingest.FormatJSON, strings.Replace(example, `"id":`, `"x":`+deep(100)+`,"id":`, 1), "in x"},
		{"deep objects", ingest.FormatCloudEvent, strings.Replace(cloudExample, `"ignored"`, strings.Repeat(`{"a":`, 100000), 1), "nested deeper than 32 levels"},
		{"33 levels", ingest.FormatJSON, "[" + strings.Replace(example, ":45", ":"+deep(30), 1) + "]", "nested deeper than 32 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems, err := ingest.Decode([]byte(tt.body), tt.format, ingest.MaxEvents)
			if tt.format == ingest.FormatNDJSON { // a bad line is a problem of its event
				if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Reason, "nested deeper than 32 levels") {
					t.Fatalf("got %v %v", err, problems)
				}
				return
			}
			if candor.ErrorCode(err) != candor.EMALFORMED || !strings.Contains(candor.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want EMALFORMED containing %q", err, tt.want)
			}
		})
	}
	// 32 levels are fine: an array of events, a field value 29 deep (the
	// catalogue refuses it, the decoder reads it).
	_, problems, err := ingest.Decode([]byte("["+strings.Replace(example, ":45", ":"+deep(29), 1)+"]"), ingest.FormatJSON, ingest.MaxEvents)
	if err != nil || len(problems) != 0 {
		t.Fatalf("32 levels: %v %v", err, problems)
	}
}

// Issue 11, parts 1 and 6: strings hold no control characters and no
// bidirectional overrides or isolates, written raw or escaped, in values or
// keys.
func TestDecodeRefusesControlCharacters(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"NUL in the id", `"bank7-000123"`, `"bank7\u0000"`, "U+0000 (NUL)"},
		{"ANSI escape in a field", `"EUR"`, `"\u001b[31mEUR"`, "U+001B (a terminal escape (ANSI) sequence)"},
		{"CSI in a field", `"EUR"`, "\"\u009b31mEUR\"", "U+009B"},
		{"escaped newline in the subject", `"AB1234567"`, `"AB\n1234567"`, "U+000A"},
		{"escaped tab in the type", `"credit.instalment_late"`, `"credit.\tinstalment_late"`, "U+0009"},
		{"DEL", `"EUR"`, "\"EU\x7fR\"", "U+007F"},
		{"C1 next line", `"EUR"`, "\"EU\u0085R\"", "U+0085"},
		{"right-to-left override", `"AB1234567"`, "\"AB\u202e7654321\"", "U+202E (a bidirectional override or isolate)"},
		{"escaped isolate", `"AB1234567"`, `"AB\u20661234567"`, "U+2066"},
		{"in a key", `"currency":`, `"curr\u202eency":`, "U+202E"},
		{"in a skipped value", `"id":`, `"x":["\u0000"],"id":`, "U+0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(example, tt.old, tt.new, 1)
			if body == example {
				t.Fatalf("%s not in the example", tt.old)
			}
			_, _, err := ingest.Decode([]byte(body), ingest.FormatJSON, ingest.MaxEvents)
			if candor.ErrorCode(err) != candor.EMALFORMED || !strings.Contains(candor.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want EMALFORMED containing %q", err, tt.want)
			}
		})
	}
	// Text that merely looks unusual is fine: accents, other scripts, U+FFFD.
	body := strings.Replace(example, `"bank7-000123"`, `"bänk-١٢٣-\ufffd-日本"`, 1)
	if _, problems, err := ingest.Decode([]byte(body), ingest.FormatJSON, ingest.MaxEvents); err != nil || len(problems) > 0 {
		t.Fatalf("got %v %v", err, problems)
	}
	// CSV cells likewise.
	csv := "id,subject_kind,subject_scheme,subject_value,type,occurred_at,currency\n" +
		"a,person,national_id,AB1234567,credit.instalment_late,2026-03-14T00:00:00Z,\x1b[2JEUR\n"
	_, problems, err := ingest.Decode([]byte(csv), ingest.FormatCSV, ingest.MaxEvents)
	if err != nil || len(problems) != 1 || problems[0].Field != "currency" || !strings.Contains(problems[0].Reason, "U+001B") {
		t.Fatalf("csv: got %v %v", err, problems)
	}
}

// Issue 11, part 1: reading a body takes memory proportional to its size,
// whatever its shape.
func TestDecodeMemoryIsBounded(t *testing.T) {
	const size = 2 << 20
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	tests := []struct {
		name   string
		format ingest.Format
		body   string
	}{
		{"nested 1,000,000 deep", ingest.FormatJSON, strings.Repeat("[", size)},
		{"nested objects", ingest.FormatJSON, fill(`{"a":`)},
		{"many unknown keys", ingest.FormatJSON, "{" + strings.TrimSuffix(fill(`"k":0,`), ",") + "}"},
		{"events of unknown keys", ingest.FormatNDJSON, fill("{" + keys(60) + "}\n")},
		{"many fields", ingest.FormatNDJSON, fill(`{"fields":{` + keys(60) + "}}\n")},
		{"tiny events", ingest.FormatNDJSON, fill("{}\n")},
		{"escaped strings", ingest.FormatJSON, `{"id":"` + fill(`\u00e9`) + `"}`},
		{"deep in a batch", ingest.FormatCloudEventBatch, "[" + strings.Repeat(strings.Replace(cloudExample, `"ignored"`, strings.Repeat("[", 31)+strings.Repeat("]", 31), 1)+",", size/600) + cloudExample + "]"},
		{"valid events", ingest.FormatNDJSON, fill(example + "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			var before, after, kept runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			inputs, problems, _ := ingest.Decode(body, tt.format, ingest.MaxEvents)
			runtime.ReadMemStats(&after)
			runtime.GC()
			runtime.ReadMemStats(&kept)
			runtime.KeepAlive(inputs)
			runtime.KeepAlive(problems)
			// Each event input costs a few hundred bytes however small its
			// JSON; beyond that, a small multiple of the body is kept (a
			// field of 6 bytes, "k":0, is kept in about 50: its RawField
			// and its name, 16 bytes under the race detector), and a
			// larger one allocated in all (slices that grow leave their
			// smaller copies behind).
			allocated := after.TotalAlloc - before.TotalAlloc
			retained := max(int64(kept.HeapAlloc)-int64(before.HeapAlloc), 0)
			if limit := 8*len(body) + ingest.MaxEvents*512; retained > int64(limit) {
				t.Errorf("decoding %d bytes kept %d, more than %d", len(body), retained, limit)
			}
			if limit := 24*uint64(len(body)) + ingest.MaxEvents*1024; allocated > limit {
				t.Errorf("decoding %d bytes allocated %d, more than %d", len(body), allocated, limit)
			}
			t.Logf("%d bytes: %d kept (%.1f×), %d allocated (%.1f×)", len(body), retained, float64(retained)/float64(len(body)), allocated, float64(allocated)/float64(len(body)))
		})
	}
}

// keys returns n members "k0":0,"k1":0,...
func keys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	return b.String()
}

// A line the reader refuses is one problem, naming where and why; what was
// read of it before is not validated as if it were an event.
func TestUnreadableLineIsOneProblem(t *testing.T) {
	e := mustEnv(t)
	bad := strings.Replace(example, `"AB1234567"`, `"AB\u202e7654321"`, 1)
	good := strings.Replace(example, "bank7-000123", "bank7-000124", 1)
	inputs, problems, err := ingest.Decode([]byte(good+"\n"+bad+"\n"+good), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.p.Ingest(context.Background(), e.src, inputs, problems)
	ps := candor.ErrorDetails(err)
	if candor.ErrorCode(err) != candor.EINVALID || len(ps) != 1 || ps[0].Index != 1 || ps[0].Field != "subject.value" ||
		!strings.Contains(ps[0].Reason, "line 2: malformed JSON at column 80: string holds U+202E") {
		t.Fatalf("got %v %+v, want one problem for line 2", err, ps)
	}
}
