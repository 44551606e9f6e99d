package decisions

// Memory counts the entries of the service's caches: consents with their
// subjects' records and keys, opt-outs and matches (each at most
// maxCachedSubjects), linked groups (at most maxGroupEntries) and
// relying parties.
type Memory struct {
	Consents, OptOuts, Matches, Groups, Parties int
	// Bound is the bound of each of Consents, OptOuts and Matches.
	Bound int
}

// Memory reports the caches' entries. Safe for concurrent use.
func (s *Service) Memory() Memory {
	m := Memory{Consents: s.consents.len(), OptOuts: s.optOuts.len(), Matches: s.matchSets.len(), Bound: maxCachedSubjects}
	s.groups.mu.Lock()
	m.Groups = len(s.groups.entries)
	s.groups.mu.Unlock()
	s.parties.Range(func(any, any) bool { m.Parties++; return true })
	return m
}

func (c *subjectCache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
