-- The match generation (candor.MatchFence): commits of events check it
-- under the counters row's lock, which AdvanceMatchGeneration takes too.
ALTER TABLE candor_counters ADD COLUMN match_gen bigint NOT NULL DEFAULT 0;
