package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable that holds the URL of a PostgreSQL
// server tests may create databases on, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "CANDOR_TEST_POSTGRES"

// Database creates a fresh database, candor_test_<random>, and returns
// its URL; the database is dropped when the test ends. The test is
// skipped, with a message that says how to run it, unless EnvURL is set.
func Database(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skipf("no PostgreSQL server: set %s to a server URL to run this test", EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvURL, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "candor_test_" + hex.EncodeToString(b[:])
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Copy creates a database that is a copy of the one at dbURL (CREATE
// DATABASE ... TEMPLATE: what a restore of a backup of it gives) and
// returns its URL; it is dropped when the test ends. No connection to
// dbURL's database may be open meanwhile.
func Copy(tb testing.TB, dbURL string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	from := strings.TrimPrefix(u.Path, "/")
	to := Database(tb)
	v, err := url.Parse(to)
	if err != nil {
		tb.Fatal(err)
	}
	name := strings.TrimPrefix(v.Path, "/")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, os.Getenv(EnvURL))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		"DROP DATABASE " + pgx.Identifier{name}.Sanitize(),
		"CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{from}.Sanitize(),
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			tb.Fatalf("copy database %s: %v", from, err)
		}
	}
	return to
}

// DatabaseIfSet is Database when EnvURL is set, and "" (without
// skipping) when it is not: for tests that also run on another store.
func DatabaseIfSet(tb testing.TB) string {
	tb.Helper()
	if os.Getenv(EnvURL) == "" {
		return ""
	}
	return Database(tb)
}

// Schema creates schema name in the database at dbURL, if it is not there,
// and returns a URL whose connections use it (search_path).
func Schema(tb testing.TB, dbURL, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create schema %s: %v", name, err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
