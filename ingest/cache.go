package ingest

// cache2 is a bounded two-generation cache: lookups promote entries from the
// old generation, and when the current one fills up the old one is dropped.
// It keeps what is used recently at a cost of one map operation per access.
type cache2[K comparable, V any] struct {
	cur, old map[K]V
	max      int
}

func newCache2[K comparable, V any](max int) *cache2[K, V] {
	return &cache2[K, V]{cur: make(map[K]V), old: make(map[K]V), max: max}
}

func (c *cache2[K, V]) get(k K) (V, bool) {
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.old[k]
	if ok {
		c.put(k, v)
	}
	return v, ok
}

func (c *cache2[K, V]) put(k K, v V) {
	if len(c.cur) >= c.max {
		c.old, c.cur = c.cur, make(map[K]V, c.max)
	}
	c.cur[k] = v
}

func (c *cache2[K, V]) delete(k K) {
	delete(c.cur, k)
	delete(c.old, k)
}
