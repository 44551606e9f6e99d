package ingest

// cache2 is a bounded two-generation cache: lookups promote entries from the
// old generation, and when the current one fills up the old one is dropped.
// It keeps what is used recently at a cost of one map operation per access.
type cache2[K comparable, V any] struct {
	cur, old *arenaMap[K, V]
	max      int
}

func newCache2[K comparable, V any](max int) *cache2[K, V] {
	return &cache2[K, V]{cur: &arenaMap[K, V]{}, old: &arenaMap[K, V]{}, max: max}
}

func (c *cache2[K, V]) get(k K) (V, bool) {
	if v, ok := c.cur.get(k); ok {
		return v, true
	}
	v, ok := c.old.get(k)
	if ok {
		c.put(k, v)
	}
	return v, ok
}

func (c *cache2[K, V]) put(k K, v V) {
	if c.cur.len() >= c.max {
		c.old, c.cur = c.cur, &arenaMap[K, V]{}
	}
	c.cur.put(k, v)
}

func (c *cache2[K, V]) delete(k K) {
	c.cur.delete(k)
	c.old.delete(k)
}

// len is the number of entries in both generations.
func (c *cache2[K, V]) len() int { return c.cur.len() + c.old.len() }

// arenaChunk is how many values an arenaMap allocates at a time.
const arenaChunk = 4096

// arenaMap is a map whose values live in chunks of arenaChunk, the map
// holding only each key's place. A Go map's slots run from 7/16 to 7/8
// full as it grows, so a map of large values wastes up to half of their
// bytes; here only the key and a uint32 are slack, and the values are
// packed (a chunk at most is unused). For the subject cache, with
// 81-byte values: 135 to 166 bytes an entry (BenchmarkSubjectCacheBytes),
// where 128-byte slots would take 146 to 290.
type arenaMap[K comparable, V any] struct {
	index  map[K]uint32
	chunks [][]V
	n      int // values appended, deleted ones included
}

func (m *arenaMap[K, V]) get(k K) (V, bool) {
	i, ok := m.index[k]
	if !ok {
		var zero V
		return zero, false
	}
	return m.chunks[i/arenaChunk][i%arenaChunk], true
}

func (m *arenaMap[K, V]) put(k K, v V) {
	if i, ok := m.index[k]; ok {
		m.chunks[i/arenaChunk][i%arenaChunk] = v
		return
	}
	if m.index == nil {
		m.index = make(map[K]uint32)
	}
	if m.n%arenaChunk == 0 {
		m.chunks = append(m.chunks, make([]V, arenaChunk))
	}
	m.chunks[m.n/arenaChunk][m.n%arenaChunk] = v
	m.index[k] = uint32(m.n)
	m.n++
}

// delete forgets k; its value's place stays taken until the generation
// is dropped (deletions are rare: erasures clear the whole cache).
func (m *arenaMap[K, V]) delete(k K) {
	if i, ok := m.index[k]; ok {
		var zero V
		m.chunks[i/arenaChunk][i%arenaChunk] = zero // drop what it points to
		delete(m.index, k)
	}
}

func (m *arenaMap[K, V]) len() int { return len(m.index) }
