package identity_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
)

// facts100 returns 100 facts about the subject s names, with IDs from
// prefix.
func facts100(prefix string, s candor.Identifier) []string {
	out := make([]string, 0, 100)
	for i := range 100 {
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*3).Format("2006-01-02")
		id := fmt.Sprintf("%s-%d", prefix, i)
		if i%4 == 0 {
			out = append(out, late(id, s.Scheme.String(), s.Value, day))
		} else {
			out = append(out, paid(id, s.Scheme.String(), s.Value, day))
		}
	}
	return out
}

// BenchmarkMerge merges two profiles of 100 facts each (identity.Link on
// Pebble) and, as the baseline in the same run, re-ingests the alias's
// 100 facts under the survivor's identifier: what moving them would cost
// at the least. It also reports the cost of the design at read: scoring
// the merged profile against scoring one subject holding all 200 facts.
func BenchmarkMerge(b *testing.B) {
	var merge, reingest, readMerged, readOne time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		nidI := candor.Identifier{Scheme: candor.NationalID, Value: fmt.Sprintf("BM%07d", i)}
		snI := ident("ru_snils", snilsFor(i))
		w := benchWorld(b)
		w.post(b, bank, facts100(fmt.Sprint("n", i), nidI)...)
		w.post(b, bank, facts100(fmt.Sprint("s", i), snI)...)
		start := time.Now()
		if _, err := w.links.Link(ctx, identity.Request{Source: registry, Ref: "bench", First: nidI, Second: snI}); err != nil {
			b.Fatal(err)
		}
		merge += time.Since(start)
		start = time.Now()
		w.scoresOf(b, nidI)
		readMerged += time.Since(start)

		one := benchWorld(b)
		one.post(b, bank, facts100(fmt.Sprint("n", i), nidI)...)
		start = time.Now()
		one.post(b, bank, facts100(fmt.Sprint("s", i), nidI)...)
		reingest += time.Since(start)
		start = time.Now()
		one.scoresOf(b, nidI)
		readOne += time.Since(start)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(merge.Nanoseconds())/n, "merge-ns")
	b.ReportMetric(float64(reingest.Nanoseconds())/n, "reingest-ns")
	b.ReportMetric(float64(reingest)/float64(merge), "reingest/merge")
	b.ReportMetric(float64(readMerged.Nanoseconds())/n, "score-merged-ns")
	b.ReportMetric(float64(readOne.Nanoseconds())/n, "score-one-ns")
	b.ReportMetric(float64(readMerged)/float64(readOne), "merged/one")
}

// snilsFor returns a valid SNILS for i: nine digits above 001-001-998
// and their check number.
func snilsFor(i int) string {
	nine := fmt.Sprintf("1%08d", i)
	sum := 0
	for k := range 9 {
		sum += int(nine[k]-'0') * (9 - k)
	}
	return fmt.Sprintf("%s%02d", nine, sum%101%100)
}

func benchWorld(b *testing.B) *world {
	b.Helper()
	return newWorld(b, onPebble(b), false)
}

func (w *world) scoresOf(tb testing.TB, id candor.Identifier) {
	sub, _, err := w.profiles.Lookup(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.profiles.Scores(ctx, sub, "", 0, now); err != nil {
		tb.Fatal(err)
	}
}
