package fit_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor/scoring/fit"
)

// synthCSV writes rows of 10 characteristics (7 numeric, two of them with
// 5 % missing, and 3 categorical) whose bad outcome follows a logistic
// model, with a bad rate near 10 %.
func synthCSV(rows int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	var b bytes.Buffer
	b.WriteString("outcome,late_12m,late_24m,months_since_late,utilisation,accounts,enquiries_6m,tenure_months,product,housing,region_band\n")
	levels := []string{"a", "b", "c", "d", "e"}
	for range rows {
		late12 := float64(r.IntN(4))
		late24 := late12 + float64(r.IntN(3))
		since := math.NaN()
		if late24 > 0 {
			since = float64(r.IntN(24))
		}
		util := math.Round(r.Float64()*1000) / 10
		accounts := float64(r.IntN(12))
		enq := float64(r.IntN(6))
		tenure := math.NaN()
		if r.Float64() > 0.05 {
			tenure = float64(r.IntN(240))
		}
		prod, house, region := r.IntN(5), r.IntN(5), r.IntN(5)
		z := -3 + 0.5*late12 + 0.2*late24 + 0.015*util + 0.15*enq - 0.05*accounts + 0.2*float64(prod) - 0.1*float64(house)
		if !math.IsNaN(tenure) {
			z -= 0.004 * tenure
		}
		y := 0
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		cell := func(v float64) string {
			if math.IsNaN(v) {
				return ""
			}
			return fmt.Sprint(v)
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", y, cell(late12), cell(late24), cell(since), cell(util),
			cell(accounts), cell(enq), cell(tenure), levels[prod], levels[house], levels[region])
	}
	return b.Bytes()
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) func() uint64 {
	var peak uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak }
}

// BenchmarkFit1M fits a scorecard to 1,000,000 rows × 10 characteristics
// as candor fit does (read the CSV, split 70/30, bin, regress, score,
// validate) and, in the same run, the baseline: a plain logistic
// regression on the same rows' raw numeric columns (the regression any fit
// needs). It reports each phase in seconds, the ratio of the whole fit to
// the baseline, and the peak heap in use.
func BenchmarkFit1M(b *testing.B) {
	const rows = 1_000_000
	data := synthCSV(rows, 1)
	b.Logf("%d rows, %.1f MB of CSV", rows, float64(len(data))/1e6)
	var read, fitT, validate, base time.Duration
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := make(chan struct{})
		wait := peakHeap(stop)
		t0 := time.Now()
		d, err := fit.ReadCSV(bytes.NewReader(data), nil)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		train, test, _, _ := fit.Split(d, 0.7, 1)
		m, err := fit.Fit(train, fit.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		s, err := m.Scores(test)
		if err != nil {
			b.Fatal(err)
		}
		trainScores, err := m.Scores(train)
		if err != nil {
			b.Fatal(err)
		}
		rep := fit.NewReport(m, trainScores, train, s, test)
		t3 := time.Now()
		close(stop)
		peak = max(peak, wait())
		var x [][]float64
		for i := range train.Rows() {
			var row []float64
			for _, c := range train.Columns {
				if c.Numeric {
					v := c.Num[i]
					if math.IsNaN(v) {
						v = 0
					}
					row = append(row, v)
				}
			}
			x = append(x, row)
		}
		t4 := time.Now()
		if _, err := fit.Logistic(x, train.Outcome, 0); err != nil {
			b.Fatal(err)
		}
		t5 := time.Now()
		read, fitT, validate, base = read+t1.Sub(t0), fitT+t2.Sub(t1), validate+t3.Sub(t2), base+t5.Sub(t4)
		b.Logf("held-out AUC %.3f, %d characteristics", rep.AUC, len(m.Characteristics))
	}
	n := float64(b.N)
	b.ReportMetric(read.Seconds()/n, "read-s")
	b.ReportMetric(fitT.Seconds()/n, "fit-s")
	b.ReportMetric(validate.Seconds()/n, "validate-s")
	b.ReportMetric(base.Seconds()/n, "baseline-s")
	b.ReportMetric(fitT.Seconds()/base.Seconds(), "fit/baseline")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
