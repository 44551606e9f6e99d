package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress reports long work: a bar redrawn in place on a terminal, plain
// periodic lines otherwise.
type progress struct {
	w      io.Writer
	label  string
	total  int64 // units of work (bytes or events); 0 if unknown
	tty    bool
	start  time.Time
	mu     sync.Mutex
	done   int64
	events int64
	last   time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: w, label: label, total: total, tty: tty, start: now, last: now}
}

// add records work done and events handled, redrawing at most every 200 ms
// on a terminal and every 5 s otherwise.
func (p *progress) add(work, events int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += work
	p.events += events
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if time.Since(p.last) >= every {
		p.last = time.Now()
		p.draw(false)
	}
}

// finish draws the final state.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
}

func (p *progress) draw(final bool) {
	elapsed := time.Since(p.start)
	rate := float64(p.events) / max(elapsed.Seconds(), 1e-9)
	line := fmt.Sprintf("%s: %d events, %.0f events/s, %s", p.label, p.events, rate, elapsed.Round(time.Second))
	if p.total > 0 {
		frac := min(float64(p.done)/float64(p.total), 1)
		eta := "-"
		if frac > 0 && !final {
			eta = (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second).String()
		}
		const width = 30
		n := int(frac * width)
		bar := ""
		for i := 0; i < width; i++ {
			if i < n {
				bar += "#"
			} else {
				bar += "."
			}
		}
		line = fmt.Sprintf("%s [%s] %3.0f%% ETA %s", line, bar, frac*100, eta)
	}
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}
