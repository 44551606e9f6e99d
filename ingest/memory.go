package ingest

// Memory is what a pipeline holds in memory that grows with use.
type Memory struct {
	// Subjects is the number of subjects cached with their opened data
	// keys (both generations), at most 2×SubjectsBound.
	Subjects, SubjectsBound int
	// Filters is the bytes of the Bloom filters of the store's dedupe
	// keys and blind indexes. They are not caches: they hold every key
	// stored, about 1.5 bytes a key, in stages that double, so they grow
	// with the store (a store of n events: at most 3 bytes × n).
	Filters int64
}

// Memory reports the pipeline's caches and filters. Safe for concurrent use.
func (p *Pipeline) Memory() Memory {
	p.subjects.mu.Lock()
	m := Memory{Subjects: p.subjects.c.len(), SubjectsBound: p.subjects.c.max}
	p.subjects.mu.Unlock()
	m.Filters = int64(p.dedupeFilter.bytes() + p.indexFilter.bytes())
	return m
}
