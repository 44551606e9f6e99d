-- Subjects' wrapped data keys live in the keyring, apart from the data
-- (postgres/keyring.go): a backup of this schema holds none. UpgradeKeys
-- copies them into the keyring before this migration drops them; Open
-- refuses a schema that still holds keys.
ALTER TABLE candor_subjects DROP COLUMN wrapped_key;
