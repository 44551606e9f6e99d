-- The matches an event is stored with are sealed together, one seal for
-- all of them (candor.MatchRecord.Shared): the matches column holds their
-- group, marked as internal/matchlist describes, rather than a list of
-- matches sealed each on its own. Columns written before hold such lists
-- and are read as they are; nothing is rewritten. The migration changes no
-- table: it moves the schema version, so that an older build, which would
-- misread a group, refuses the schema.
COMMENT ON COLUMN candor_events.matches IS 'the matches stored with the event: internal/matchlist (a list, or since schema 7 a marked group)';
