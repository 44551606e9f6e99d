-- Candor store schema, version 1.
--
-- What belongs to one subject (its record, events, matches and access
-- records) lives in tables keyed by subject ID first and hash-partitioned
-- by it, so that one subject's reads are one index range in one partition,
-- and so that Citus can distribute the same tables by subject ID
-- (docs/scale-out.md). What must be unique across all subjects (blind
-- indexes, dedupe keys, records by ID) lives in global tables whose unique
-- constraints make two nodes that commit the same key store it once.
--
-- Times of events are Unix nanoseconds (bigint), as the store contract
-- keeps them; other times keep their full precision as seconds and
-- nanoseconds. Unsigned 64-bit keys (scorecard keys) are stored as their
-- two's-complement bigint.

CREATE TABLE candor_counters (
	one         boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_commit bigint NOT NULL
);
INSERT INTO candor_counters (last_commit) VALUES (0);

CREATE SEQUENCE candor_event_ids AS bigint MINVALUE 1;

CREATE TABLE candor_subjects (
	id          bytea NOT NULL,
	kind        smallint NOT NULL,
	created_s   bigint NOT NULL,
	created_ns  integer NOT NULL,
	wrapped_key bytea,
	sealed      bytea,
	PRIMARY KEY (id)
) PARTITION BY HASH (id);

CREATE TABLE candor_events (
	subject  bytea NOT NULL,
	occurred bigint NOT NULL,
	id       bigint NOT NULL,
	state    smallint NOT NULL,
	dedupe   bytea NOT NULL,
	digest   bytea NOT NULL,
	sealed   bytea,
	PRIMARY KEY (subject, occurred, id)
) PARTITION BY HASH (subject);

CREATE TABLE candor_matches (
	subject   bytea NOT NULL,
	scorecard bigint NOT NULL,
	occurred  bigint NOT NULL,
	event     bigint NOT NULL,
	state     smallint NOT NULL,
	alone     boolean NOT NULL,
	sealed    bytea,
	PRIMARY KEY (subject, scorecard, occurred, event)
) PARTITION BY HASH (subject);
CREATE INDEX candor_matches_event ON candor_matches (subject, occurred, event);

CREATE TABLE candor_access (
	subject bytea NOT NULL,
	n       bigint NOT NULL,
	commit  bigint NOT NULL,
	pos     integer NOT NULL,
	sealed  bytea,
	PRIMARY KEY (subject, n)
) PARTITION BY HASH (subject);

DO $$
BEGIN
	FOR i IN 0..15 LOOP
		EXECUTE format('CREATE TABLE candor_subjects_%s PARTITION OF candor_subjects FOR VALUES WITH (MODULUS 16, REMAINDER %s)', i, i);
		EXECUTE format('CREATE TABLE candor_events_%s PARTITION OF candor_events FOR VALUES WITH (MODULUS 16, REMAINDER %s)', i, i);
		EXECUTE format('CREATE TABLE candor_matches_%s PARTITION OF candor_matches FOR VALUES WITH (MODULUS 16, REMAINDER %s)', i, i);
		EXECUTE format('CREATE TABLE candor_access_%s PARTITION OF candor_access FOR VALUES WITH (MODULUS 16, REMAINDER %s)', i, i);
	END LOOP;
END $$;

CREATE TABLE candor_blind_index (
	bi      bytea PRIMARY KEY,
	subject bytea NOT NULL
);

CREATE TABLE candor_dedupe (
	key     bytea PRIMARY KEY,
	digest  bytea NOT NULL,
	subject bytea NOT NULL,
	event   bigint NOT NULL
);

CREATE TABLE candor_records (
	kind    smallint NOT NULL,
	id      bytea NOT NULL,
	subject bytea NOT NULL,
	data    bytea,
	PRIMARY KEY (kind, id)
);
CREATE INDEX candor_records_subject ON candor_records (kind, subject, id);

CREATE TABLE candor_sources (
	id  text COLLATE "C" PRIMARY KEY,
	doc jsonb NOT NULL
);

CREATE TABLE candor_api_keys (
	id  text COLLATE "C" PRIMARY KEY,
	doc jsonb NOT NULL
);

CREATE TABLE candor_meta (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE candor_audit (
	seq     bigint PRIMARY KEY,
	write   bytea NOT NULL,
	access  bytea NOT NULL,
	retired bytea NOT NULL
);

CREATE TABLE candor_audit_logged (
	seq     bigint PRIMARY KEY,
	indexes bigint[] NOT NULL
);

CREATE TABLE candor_audit_mark (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq  bigint NOT NULL,
	size bigint NOT NULL
);
