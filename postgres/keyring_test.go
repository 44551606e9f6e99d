package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/candor-project/candor/storetest"
	"github.com/jackc/pgx/v5"
)

// TestKeyring runs the keyring's conformance suite, a schema per keyring.
func TestKeyring(t *testing.T) {
	db := pgtest.Database(t)
	storetest.RunKeyring(t, func(t *testing.T, dir string) candor.Keyring {
		h := sha256.Sum256([]byte(dir))
		k, err := postgres.OpenKeyring(context.Background(), db, "k_"+hex.EncodeToString(h[:8]))
		if err != nil {
			t.Fatal(err)
		}
		return k
	})
}

// TestKeyringDeleteLeavesNoBytes reads the keyring table's file (as the
// server's superuser may) after a deletion: the wrapped key is not in it.
func TestKeyringDeleteLeavesNoBytes(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Database(t)
	k, err := postgres.OpenKeyring(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	keys := make([]candor.WrappedKey, 50)
	for i := range keys {
		keys[i] = candor.WrappedKey{Subject: candor.NewSubjectID(), Wrapped: make([]byte, 60)}
		rand.Read(keys[i].Wrapped)
	}
	if err := k.PutSubjectKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tableFile := func() []byte {
		if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
			t.Fatal(err)
		}
		var b []byte
		err := conn.QueryRow(ctx, `SELECT pg_read_binary_file(pg_relation_filepath('candor_keyring.subject_keys'))`).Scan(&b)
		if err != nil {
			t.Skipf("cannot read the table's file (not a superuser?): %v", err)
		}
		return b
	}
	if !bytes.Contains(tableFile(), keys[7].Wrapped) {
		t.Fatal("the table's file does not hold a stored key: the scan cannot see keys")
	}
	if err := k.DeleteSubjectKey(ctx, keys[7].Subject); err != nil {
		t.Fatal(err)
	}
	file := tableFile()
	if bytes.Contains(file, keys[7].Wrapped) {
		t.Error("the deleted key is still in the keyring table's file")
	}
	if !bytes.Contains(file, keys[8].Wrapped) {
		t.Error("a key not deleted is gone from the table's file")
	}
}
