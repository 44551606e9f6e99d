-- A subject's matches of one event are found through the primary key's
-- subject prefix (a subject has few), so the secondary index on
-- (subject, occurred, event) costs every match inserted more than it saves
-- the rare reads of one event's matches (disputes, deletions).
DROP INDEX candor_matches_event;
