package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Bar reports long work: a bar redrawn in place on a terminal, plain
// periodic lines otherwise. Its methods are safe for concurrent use.
type Bar struct {
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

// New returns a bar labelled label that writes to w; total is the units of
// work (bytes or events) to do, 0 if unknown.
func New(w io.Writer, label string, total int64) *Bar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &Bar{w: w, label: label, total: total, tty: tty, start: now, last: now}
}

// Add records work done and events handled, redrawing at most every 200 ms
// on a terminal and every 5 s otherwise.
func (p *Bar) Add(work, events int64) {
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

// Finish draws the final state.
func (p *Bar) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
}

func (p *Bar) draw(final bool) {
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

// SetTotal sets the units of work to do, once they are known.
func (p *Bar) SetTotal(total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
}

// HumanBytes returns n bytes in B, KiB, MiB or GiB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
