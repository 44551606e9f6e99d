-- The wrapping key's generations and the rotation between them, kept
-- with the keyring (candor.WrapKeyring, postgres/wrapkeys.go), so that a
-- rotation begun on one node reaches every node. Run by OpenKeyring in
-- the keyring's schema (search_path), under its lock; every statement is
-- idempotent.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'subject_keys' AND column_name = 'generation') THEN
		-- Every key stored so far is wrapped with generation 0 (set up by
		-- the first node to start: InitWrapGenerations). Then no default:
		-- a build that does not know the generations cannot store a key.
		ALTER TABLE subject_keys ADD COLUMN generation integer NOT NULL DEFAULT 0 CHECK (generation >= 0);
		ALTER TABLE subject_keys ALTER COLUMN generation DROP DEFAULT;
		CREATE INDEX subject_keys_by_generation ON subject_keys (generation, subject);
	END IF;
END $$;

CREATE TABLE IF NOT EXISTS wrap_generations (
	generation integer PRIMARY KEY CHECK (generation >= 0),
	state text NOT NULL CHECK (state IN ('current', 'next', 'retired')),
	sealed bytea, -- NULL: derived from the master key itself, or retired
	created_at timestamptz NOT NULL DEFAULT now(),
	retired_at timestamptz,
	CHECK (state <> 'retired' OR sealed IS NULL));
-- One current, one next at most.
CREATE UNIQUE INDEX IF NOT EXISTS wrap_generations_live ON wrap_generations (state) WHERE state <> 'retired';

CREATE TABLE IF NOT EXISTS wrap_rotations (
	to_generation integer PRIMARY KEY,
	from_generation integer NOT NULL,
	keys_per_second integer NOT NULL DEFAULT 0 CHECK (keys_per_second >= 0),
	done bigint NOT NULL DEFAULT 0,
	total bigint NOT NULL DEFAULT 0,
	started_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	error text);
