-- The matches an event is stored with are kept in its own row
-- (postgres/embedded.go): one row an event instead of one per match, the
-- most of what ingest wrote. Matches stored on their own (a version
-- activated after the event) stay in candor_matches, and so do those
-- stored with their events before this migration.
ALTER TABLE candor_events ADD COLUMN matches bytea;
