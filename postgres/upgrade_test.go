package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestUpgradeKeys: a schema of version 5, whose subjects hold their
// wrapped keys, is refused by Open with a message that says to back up and
// upgrade; UpgradeKeys moves the keys into the keyring and the schema to
// the current version, and the subjects read as before.
func TestUpgradeKeys(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Database(t)
	s, err := postgres.Open(ctx, db, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []candor.SubjectRecord
	for range 30 {
		subjects = append(subjects, candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Organisation, Sealed: []byte("sealed")})
	}
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: subjects}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Back to what version 5 was: the keys in the subjects' rows.
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	wrapped := map[candor.SubjectID][]byte{}
	if _, err := conn.Exec(ctx, `ALTER TABLE candor_subjects ADD COLUMN wrapped_key bytea; DELETE FROM candor_schema_migrations WHERE version >= 6`); err != nil {
		t.Fatal(err)
	}
	for _, r := range subjects {
		w := make([]byte, 60)
		rand.Read(w)
		wrapped[r.ID] = w
		if _, err := conn.Exec(ctx, `UPDATE candor_subjects SET wrapped_key = $1 WHERE id = $2`, w, r.ID[:]); err != nil {
			t.Fatal(err)
		}
	}

	if s, err := postgres.Open(ctx, db, postgres.Options{}); err == nil || !strings.Contains(err.Error(), "back up the database") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a version-5 schema holding keys: %v; want a refusal that says to back up and upgrade", err)
	}
	kr := memstore.NewKeyring()
	n, err := postgres.UpgradeKeys(ctx, db, kr)
	if err != nil || n != len(subjects) {
		t.Fatalf("UpgradeKeys = %d, %v; want %d", n, err, len(subjects))
	}
	if n, err := postgres.UpgradeKeys(ctx, db, kr); err != nil || n != 0 {
		t.Fatalf("UpgradeKeys again = %d, %v; want nothing to do", n, err)
	}
	s, err = postgres.Open(ctx, db, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range subjects {
		got, err := kr.SubjectKey(ctx, r.ID)
		if err != nil || !bytes.Equal(got, wrapped[r.ID]) {
			t.Fatalf("keyring: subject %s: %x, %v", r.ID, got, err)
		}
		sub, err := s.Subject(ctx, r.ID)
		if err != nil || !bytes.Equal(sub.Sealed, r.Sealed) {
			t.Fatalf("subject %s after the upgrade: %+v, %v", r.ID, sub, err)
		}
	}
	var cols int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'candor_subjects' AND column_name = 'wrapped_key'`).Scan(&cols); err != nil || cols != 0 {
		t.Errorf("the subjects' table still has a wrapped_key column (%d, %v)", cols, err)
	}
}
