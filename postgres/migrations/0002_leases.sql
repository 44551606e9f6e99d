-- Leases of singleton jobs (candor.Leaser), timed by the database's clock
-- so that the nodes' clocks do not matter. A released lease keeps its row
-- (expired), so its token keeps growing.
CREATE TABLE candor_leases (
	name    text COLLATE "C" PRIMARY KEY,
	holder  text NOT NULL,
	expires timestamptz NOT NULL,
	token   bigint NOT NULL
);
