package synth

import "strconv"

// worker generates a shard of the population, a month at a time, into its
// own per-source buffers, and emits a buffer when it holds a batch.
type worker struct {
	g     *gen
	shard int // which shard of the population this worker generates

	bufs    [numSources][]byte
	counts  [numSources]int // events in bufs
	emitted [numSources]int
	byType  [numTypes]int
	batches int
	skipped int
	err     error
	p       person
	o       org
	cur     event
}

// event is the line being written.
type event struct {
	b     []byte
	src   sourceID
	t     typeID
	day   int
	first bool // no field written yet
}

// shard returns the part [lo, hi) of n subjects that worker k of w handles.
func shard(k, w, n int) (lo, hi int) {
	return k * n / w, (k + 1) * n / w
}

func (w *worker) runMonth(mc *monthCtx) {
	cfg := &w.g.cfg
	lo, hi := shard(w.shard, cfg.Workers, cfg.Persons)
	for i := lo; i < hi; i++ {
		if (i-lo)&255 == 0 && w.stopped() {
			return
		}
		w.person(i, mc)
	}
	lo, hi = shard(w.shard, cfg.Workers, cfg.Orgs)
	for j := lo; j < hi; j++ {
		if (j-lo)&255 == 0 && w.stopped() {
			return
		}
		w.org(j, mc)
	}
}

func (w *worker) stopped() bool {
	if w.err != nil || w.g.stop.Load() {
		return true
	}
	if w.g.ctx.Err() != nil {
		w.g.stop.Store(true)
		return true
	}
	return false
}

func (w *worker) flush(src sourceID) {
	if w.err != nil {
		return
	}
	if err := w.g.emit(sourceDefs[src].id, w.bufs[src], w.counts[src]); err != nil {
		w.err = &emitError{src: sourceDefs[src].id, err: err}
		w.g.stop.Store(true)
		return
	}
	w.batches++
	w.emitted[src] += w.counts[src]
	w.bufs[src] = w.bufs[src][:0]
	w.counts[src] = 0
}

type emitError struct {
	src string
	err error
}

func (e *emitError) Error() string { return "synth: emit " + e.src + ": " + e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

// The NDJSON writer. An event is written as
//
//	if w.begin(src, t, day) {     // false: the event is outside the run
//		w.b = append(w.b, <id>...)
//		w.subject(prefix, value)  // closes the ID, writes subject, type and time
//		w.int(...); w.money(...)  // fields
//		w.end()
//	}
//
// straight into the source's buffer. Every string synth writes is plain
// ASCII without quotes or backslashes, so nothing needs escaping.

// Subject prefixes: everything from the end of the ID to the start of the
// identifier's value. Every source names persons by national ID and
// organisations by registration number: an identifier resolves to one
// subject, and Candor does not yet link a person's several identifiers, so
// mixing schemes would split one person's facts over two profiles.
const (
	subjNational = `","subject":{"kind":"person","scheme":"national_id","value":"`
	subjCompany  = `","subject":{"kind":"organisation","scheme":"company_reg_no","value":"`
)

// begin starts an event of type t from src on day, or counts it skipped and
// returns false if it falls after Until or Now, or out of retention at Now.
func (w *worker) begin(src sourceID, t typeID, day int) bool {
	if day < w.g.minDay[t] || day > w.g.maxDay {
		w.skipped++
		return false
	}
	w.cur = event{b: append(w.bufs[src], `{"id":"`...), src: src, t: t, day: day, first: true}
	return true
}

func (w *worker) id(s string) { w.cur.b = append(w.cur.b, s...) }

func (w *worker) subject(prefix string, value []byte) {
	b := append(w.cur.b, prefix...)
	b = append(b, value...)
	b = append(b, `"},"type":"`...)
	b = append(b, typeDefs[w.cur.t].name...)
	b = append(b, `","occurred_at":"`...)
	b = appendDate(b, w.cur.day)
	w.cur.b = append(b, `T00:00:00Z","fields":{`...)
}

func (w *worker) key(name string) {
	if !w.cur.first {
		w.cur.b = append(w.cur.b, ',')
	}
	w.cur.first = false
	w.cur.b = append(w.cur.b, '"')
	w.cur.b = append(w.cur.b, name...)
	w.cur.b = append(w.cur.b, '"', ':')
}

func (w *worker) int(name string, v int) {
	w.key(name)
	w.cur.b = strconv.AppendInt(w.cur.b, int64(v), 10)
}

func (w *worker) str(name, v string) {
	w.key(name)
	w.cur.b = append(w.cur.b, '"')
	w.cur.b = append(w.cur.b, v...)
	w.cur.b = append(w.cur.b, '"')
}

// ref writes a reference: prefix, the year if y > 0, and the subject's index.
func (w *worker) ref(name, prefix string, y, idx int) {
	w.key(name)
	b := append(w.cur.b, '"')
	b = append(b, prefix...)
	if y > 0 {
		b = appendYear(b, y)
		b = append(b, '-')
	}
	b = appendIndex(b, idx)
	w.cur.b = append(b, '"')
}

func (w *worker) date(name string, day int) {
	w.key(name)
	w.cur.b = append(w.cur.b, '"')
	w.cur.b = appendDate(w.cur.b, day)
	w.cur.b = append(w.cur.b, '"')
}

// money writes an amount in cents and its currency.
func (w *worker) money(name string, cents int64) {
	w.key(name)
	b := append(w.cur.b, '"')
	b = strconv.AppendInt(b, cents/100, 10)
	c := cents % 100
	b = append(b, '.', byte('0'+c/10), byte('0'+c%10), '"')
	w.cur.b = append(b, `,"currency":"EUR"`...)
}

func (w *worker) end() {
	e := &w.cur
	w.bufs[e.src] = append(e.b, '}', '}', '\n')
	e.b = nil
	w.byType[e.t]++
	w.counts[e.src]++
	if w.counts[e.src] >= w.g.cfg.BatchSize {
		w.flush(e.src)
	}
}

// subjectID appends p0001234- or o0001234-.
func (w *worker) subjectID(kind byte, idx int) {
	w.cur.b = append(w.cur.b, kind)
	w.cur.b = appendIndex(w.cur.b, idx)
	w.cur.b = append(w.cur.b, '-')
}
