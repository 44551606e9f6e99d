package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/candor-project/candor/postgres"
	"github.com/jackc/pgx/v5"
)

// benchSchema creates a fresh schema candor_bench_<random> in the database
// at dbURL and returns a URL whose connections use it, and a function that
// drops it.
func benchSchema(ctx context.Context, dbURL string) (schemaURL string, drop func(), err error) {
	var b [6]byte
	rand.Read(b[:])
	name := "candor_bench_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("bench: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", nil, fmt.Errorf("bench: %w", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if conn, err := pgx.Connect(ctx, dbURL); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE")
			conn.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

// benchSchemaStores opens n stores, as n nodes would, on one fresh schema.
func benchSchemaStores(ctx context.Context, dbURL string, n int) ([]*postgres.Store, func(), error) {
	su, drop, err := benchSchema(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	stores := make([]*postgres.Store, n)
	for i := range stores {
		if stores[i], err = postgres.Open(ctx, su, postgres.Options{Logger: slog.New(slog.DiscardHandler)}); err != nil {
			for _, st := range stores[:i] {
				st.Close()
			}
			drop()
			return nil, nil, err
		}
	}
	return stores, drop, nil
}

// benchCopyBaseline is the naive way to store as many facts in the same
// schema: n event rows with sealed bytes each and their dedupe rows, random
// keys, one subject per 20 events (as in the synthetic population), written
// with COPY into the store's own indexed tables, a transaction of batch
// events at a time, one after the other.
func benchCopyBaseline(ctx context.Context, dbURL string, n, batch, sealed int) (time.Duration, error) {
	su, drop, err := benchSchema(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer drop()
	st, err := postgres.Open(ctx, su, postgres.Options{Logger: slog.New(slog.DiscardHandler)}) // creates the schema's tables
	if err != nil {
		return 0, err
	}
	st.Close()
	conn, err := pgx.Connect(ctx, su)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	subjects := make([][]byte, n/20+1)
	for i := range subjects {
		subjects[i] = randBytes(16)
	}
	payload := randBytes(sealed)
	start := time.Now()
	for done := 0; done < n; {
		m := min(batch, n-done)
		evs := make([][]any, m)
		dds := make([][]any, m)
		for i := range m {
			id := int64(done + i + 1)
			sub, dk, digest := subjects[(done+i)%len(subjects)], randBytes(16), randBytes(32)
			at := time.Now().UnixNano() - id*int64(time.Second)
			evs[i] = []any{sub, at, id, int16(1), dk, digest, payload}
			dds[i] = []any{dk, digest, sub, id}
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"candor_dedupe"}, []string{"key", "digest", "subject", "event"}, pgx.CopyFromRows(dds)); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"candor_events"}, []string{"subject", "occurred", "id", "state", "dedupe", "digest", "sealed"}, pgx.CopyFromRows(evs))
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("bench baseline: %w", err)
		}
		done += m
	}
	return time.Since(start), nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
