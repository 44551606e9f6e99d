package bench

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"time"
)

// soakMinute merges the samples taken in minute m (from 0) of the run:
// the mean RSS and each load's latencies.
func soakMinute(samples []soakSample, m int, loads int) (rss float64, lat [][]time.Duration, goroutines int) {
	lat = make([][]time.Duration, loads)
	n := 0
	for _, s := range samples {
		if int(s.at/time.Minute) != m && !(m < 0 && s.at > samples[len(samples)-1].at-time.Minute) {
			continue
		}
		n++
		rss += float64(s.rss)
		goroutines = max(goroutines, s.goroutines)
		for i := range lat {
			lat[i] = append(lat[i], s.latencies[i]...)
		}
	}
	for i := range lat {
		slices.Sort(lat[i])
	}
	return rss / float64(max(n, 1)), lat, goroutines
}

// soakVerdict compares the last minute with the second (the first is
// warm-up) and says whether RSS, each load's p99 and the goroutines held.
func soakVerdict(samples []soakSample, loads []soakLoad, a *soakArgs, w io.Writer) error {
	rss2, lat2, gor2 := soakMinute(samples, 1, len(loads))
	rssN, latN, gorN := soakMinute(samples, -1, len(loads))
	if rss2 == 0 || rssN == 0 {
		return fmt.Errorf("no samples in the second or the last minute: run longer or sample more often")
	}
	drift := rssN/rss2 - 1
	fmt.Fprintf(w, "RSS, mean of the second minute %.1f MiB, of the last %.1f MiB: %+.1f%% (target within %.0f%%: %s)\n",
		rss2/(1<<20), rssN/(1<<20), 100*drift, 100*soakDrift, met(drift <= soakDrift && drift >= -soakDrift))
	for i, l := range loads {
		p2, pN := nearestRank(lat2[i], 99), nearestRank(latN[i], 99)
		d := float64(pN)/float64(max(p2, 1)) - 1
		fmt.Fprintf(w, "%s p99, second minute %s, last minute %s: %+.1f%% (target within %.0f%%: %s)\n",
			l.name, ms(p2), ms(pN), 100*d, 100*soakDrift, met(d <= soakDrift))
	}
	fmt.Fprintf(w, "goroutines, most in the second minute %d, in the last %d (target at most %d more: %s)\n",
		gor2, gorN, soakGoroutines, met(gorN <= gor2+soakGoroutines))
	soakGrowth(samples, w)
	fmt.Fprintf(w, "load average after: %s\n", loadAverage())
	return nil
}

// soakGrowth says what of the memory grew from the start of the second
// minute to the end, and which parts are bounded.
func soakGrowth(samples []soakSample, w io.Writer) {
	i := slices.IndexFunc(samples, func(s soakSample) bool { return s.at >= time.Minute })
	if i < 0 || !samples[i].node.Embedded {
		return
	}
	a, z := samples[i], samples[len(samples)-1]
	blk := func(s soakSample) float64 { return mib(uint64(s.node.Store.BlockCache + s.node.Keyring.BlockCache)) }
	memt := func(s soakSample) float64 {
		st, kr := s.node.Store, s.node.Keyring
		return mib(uint64(st.MemTables + st.MemTablesZombie + kr.MemTables + kr.MemTablesZombie))
	}
	fmt.Fprintf(w, "from %s to the end: RSS %.1f → %.1f MiB; block caches %.1f → %.1f MiB and memtables %.1f → %.1f MiB (blocks bounded by %.0f MiB, --cache-size and the keyring's 8, less the memtables);\n",
		a.at.Round(time.Second), mib(a.rss), mib(z.rss), blk(a), blk(z), memt(a), memt(z), mib(uint64(z.node.Store.BlockCacheCap+z.node.Keyring.BlockCacheCap)))
	fmt.Fprintf(w, "  Go live heap %.1f → %.1f MiB, of which ingestion's key filters %.1f → %.1f MiB (they grow with the store); caches (bounded): subjects %d → %d, consents %d → %d, matches %d → %d\n",
		mib(a.mem.live), mib(z.mem.live), mib(uint64(a.node.Ingest.Filters)), mib(uint64(z.node.Ingest.Filters)),
		a.node.Ingest.Subjects, z.node.Ingest.Subjects, a.node.Decisions.Consents, z.node.Decisions.Consents, a.node.Decisions.Matches, z.node.Decisions.Matches)
}

// soakSVG draws the samples: RSS, the Go runtime's memory, the heap and
// Pebble's block caches and memtables in MiB, and each load's p99 in ms,
// over the run's minutes, one panel each.
func soakSVG(samples []soakSample, loads []soakLoad) []byte {
	const width, panel, pad = 720, 180, 40
	var b bytes.Buffer
	height := (len(loads) + 1) * (panel + pad)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	end := samples[len(samples)-1].at
	series := func(row int, title string, ys [][]float64, names []string) {
		top := row*(panel+pad) + pad
		hi := 0.0
		for _, y := range ys {
			hi = max(hi, slices.Max(y))
		}
		hi = max(hi, 1e-9) * 1.1
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s (max %.1f)</text>`+"\n", pad, top-8, title, hi/1.1)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", pad, top, width-2*pad, panel)
		colours := []string{"#1f77b4", "#ff7f0e", "#d62728", "#2ca02c"}
		for k, y := range ys {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="`, colours[k%len(colours)])
			for j, v := range y {
				x := pad + float64(width-2*pad)*float64(samples[j].at)/float64(max(end, 1))
				fmt.Fprintf(&b, "%.1f,%.1f ", x, float64(top+panel)-float64(panel)*v/hi)
			}
			fmt.Fprintf(&b, `"><title>%s</title></polyline>`+"\n", names[k])
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`+"\n", width-pad-160, top+16+14*k, colours[k%len(colours)], names[k])
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">0</text><text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", pad, top+panel+14, width-pad, top+panel+14, end.Round(time.Second))
	}
	rss, gomem, heap, pebble := make([]float64, len(samples)), make([]float64, len(samples)), make([]float64, len(samples)), make([]float64, len(samples))
	for j, s := range samples {
		st, kr := s.node.Store, s.node.Keyring
		rss[j], gomem[j], heap[j] = mib(s.rss), mib(s.mem.mapped), mib(s.heap)
		pebble[j] = mib(uint64(st.BlockCache + kr.BlockCache + st.MemTables + st.MemTablesZombie + kr.MemTables + kr.MemTablesZombie))
	}
	series(0, "memory, MiB", [][]float64{rss, gomem, heap, pebble}, []string{"RSS", "Go", "heap", "block caches+memtables"})
	for i, l := range loads {
		p99 := make([]float64, len(samples))
		for j, s := range samples {
			p99[j] = msf(s.p99[i])
		}
		series(i+1, l.name+" p99, ms", [][]float64{p99}, []string{l.name})
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
