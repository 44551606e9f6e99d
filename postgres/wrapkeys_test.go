package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// wrapped returns a key of subject id wrapped, as far as the keyring can
// tell, with generation gen (the bytes say which, for the test).
func wrapped(id candor.SubjectID, gen uint32, tag string) candor.WrappedKey {
	return candor.WrappedKey{Subject: id, Wrapped: []byte(tag + "@" + string(rune('0'+gen))), Generation: gen}
}

// TestWrapGenerationsFence: keys are stored under a current or next
// generation only; a rotation retires the old one only when no key is
// left under it, and from then on a key wrapped with it is refused;
// rewrapping never brings back a key deleted meanwhile nor overwrites
// one replaced meanwhile; the retired secret is gone.
func TestWrapGenerationsFence(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Database(t)
	k, err := postgres.OpenKeyring(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.InitWrapGenerations(ctx, []byte("sealed secret zero"), nil, 0); err != nil {
		t.Fatal(err)
	}
	a, b, c := candor.NewSubjectID(), candor.NewSubjectID(), candor.NewSubjectID()
	if err := k.PutSubjectKeys(ctx, []candor.WrappedKey{wrapped(a, 0, "a"), wrapped(b, 0, "b"), wrapped(c, 0, "c")}); err != nil {
		t.Fatal(err)
	}
	if err := k.PutSubjectKeys(ctx, []candor.WrappedKey{wrapped(candor.NewSubjectID(), 1, "x")}); !errors.Is(err, candor.ErrWrapRetired) {
		t.Fatalf("a key under an unknown generation: %v, want ErrWrapRetired", err)
	}
	rot, err := k.BeginWrapRotation(ctx, func(n uint32) []byte { return []byte("sealed secret one") }, 250)
	if err != nil || rot.From != 0 || rot.To != 1 || rot.Total != 3 || rot.KeysPerSecond != 250 {
		t.Fatalf("begin: %+v %v", rot, err)
	}
	again, err := k.BeginWrapRotation(ctx, func(uint32) []byte { t.Fatal("sealed a second next generation"); return nil }, 0)
	if err != nil || again.To != 1 || again.KeysPerSecond != 250 {
		t.Fatalf("begin again: %+v %v (want the one under way, its pace kept)", again, err)
	}
	if err := k.FailWrapRotation(ctx, 1, "disk full"); err != nil {
		t.Fatal(err)
	}
	if _, r, err := k.WrapGenerations(ctx); err != nil || r.Error != "disk full" {
		t.Fatalf("failed rotation: %+v %v", r, err)
	}
	if r, err := k.BeginWrapRotation(ctx, nil, 0); err != nil || r.Error != "" || r.To != 1 {
		t.Fatalf("asked again, the failed rotation goes on: %+v %v", r, err)
	}
	d := candor.NewSubjectID()
	if err := k.PutSubjectKeys(ctx, []candor.WrappedKey{wrapped(d, 0, "d")}); err != nil {
		t.Fatalf("a key under the current generation during the rotation: %v", err)
	}
	stale, err := k.StaleSubjectKeys(ctx, 0, candor.SubjectID{}, 10)
	if err != nil || len(stale) != 4 {
		t.Fatalf("stale keys: %d %v", len(stale), err)
	}
	if done, err := k.FinishWrapRotation(ctx, 1); err != nil || done {
		t.Fatalf("finished with keys left under the old generation: %v %v", done, err)
	}
	// Meanwhile a is erased and b replaced: neither is rewritten.
	if err := k.DeleteSubjectKey(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := k.PutSubjectKeys(ctx, []candor.WrappedKey{wrapped(b, 1, "b2")}); err != nil {
		t.Fatal(err)
	}
	re := make([]candor.WrappedKey, len(stale))
	for i, w := range stale {
		re[i] = wrapped(w.Subject, 1, string(w.Wrapped))
	}
	n, err := k.RewrapSubjectKeys(ctx, stale, re)
	if err != nil || n != 2 {
		t.Fatalf("rewrapped %d, %v; want c and d only", n, err)
	}
	if _, err := k.SubjectKey(ctx, a); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the erased key came back: %v", err)
	}
	if w, _ := k.SubjectKey(ctx, b); !bytes.Equal(w, wrapped(b, 1, "b2").Wrapped) {
		t.Errorf("the replaced key was overwritten: %q", w)
	}
	if done, err := k.FinishWrapRotation(ctx, 1); err != nil || !done {
		t.Fatalf("finish: %v %v", done, err)
	}
	if err := k.PutSubjectKeys(ctx, []candor.WrappedKey{wrapped(candor.NewSubjectID(), 0, "late")}); !errors.Is(err, candor.ErrWrapRetired) {
		t.Fatalf("a key under the retired generation: %v, want ErrWrapRetired", err)
	}
	gens, last, err := k.WrapGenerations(ctx)
	if err != nil || len(gens) != 1 || gens[0].Number != 1 || gens[0].State != candor.WrapCurrent || last.Done != 2 || last.FinishedAt.IsZero() {
		t.Fatalf("after: %+v %+v %v", gens, last, err)
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// A build that knows no generation stores none: refused.
	if _, err := conn.Exec(ctx, `INSERT INTO candor_keyring.subject_keys (subject, wrapped) VALUES ($1, 'x')`, a[:]); err == nil {
		t.Error("a key stored without its generation")
	}
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	var file []byte
	if err := conn.QueryRow(ctx, `SELECT pg_read_binary_file(pg_relation_filepath('candor_keyring.wrap_generations'))`).Scan(&file); err != nil {
		t.Skipf("cannot read the table's file (not a superuser?): %v", err)
	}
	if !bytes.Contains(file, []byte("sealed secret one")) {
		t.Fatal("the current generation's secret is not in the generations' table file: the scan cannot see secrets")
	}
	if bytes.Contains(file, []byte("sealed secret zero")) {
		// VACUUM FULL keeps a deleted row that a snapshot open anywhere
		// on the server may still see (other sessions' tests share it).
		var others int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			t.Fatal(err)
		}
		if others > 0 {
			t.Skipf("the retired secret is still in the table's file, but %d other sessions hold snapshots that keep deleted rows", others)
		}
		t.Error("the retired generation's secret is still in the generations' table file")
	}
}

// TestWrapRetireRacesWriters: writers keep storing keys under the old
// generation, each until it is refused (after a while slower, as nodes
// that have not yet reloaded the generations do), while a rotator
// rewraps what it finds and tries to retire the generation. Afterwards
// no key is left under it, and every key whose write succeeded is there,
// rewrapped.
func TestWrapRetireRacesWriters(t *testing.T) {
	ctx := t.Context()
	db := pgtest.Database(t)
	k, err := postgres.OpenKeyring(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.InitWrapGenerations(ctx, nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := k.BeginWrapRotation(ctx, func(uint32) []byte { return []byte("s") }, 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var stored []candor.SubjectID
	var slow atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				id := candor.NewSubjectID()
				err := k.PutSubjectKeys(ctx, []candor.WrappedKey{wrapped(id, 0, "w")})
				if errors.Is(err, candor.ErrWrapRetired) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				stored = append(stored, id)
				mu.Unlock()
				if slow.Load() {
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}
	for rounds := 0; ; rounds++ {
		stale, err := k.StaleSubjectKeys(ctx, 0, candor.SubjectID{}, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(stale) > 0 {
			re := make([]candor.WrappedKey, len(stale))
			for i, w := range stale {
				re[i] = wrapped(w.Subject, 1, "w")
			}
			if _, err := k.RewrapSubjectKeys(ctx, stale, re); err != nil {
				t.Fatal(err)
			}
		}
		if rounds < 20 { // let the writers race for a while
			continue
		}
		slow.Store(true)
		if done, err := k.FinishWrapRotation(ctx, 1); err != nil {
			t.Fatal(err)
		} else if done {
			break
		}
	}
	wg.Wait()
	if len(stored) < 20 {
		t.Fatalf("the writers stored %d keys: no race", len(stored))
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM candor_keyring.subject_keys WHERE generation = 0`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d keys left under the retired generation (%v)", left, err)
	}
	for _, id := range stored {
		w, err := k.SubjectKey(ctx, id)
		if err != nil || !bytes.Equal(w, wrapped(id, 1, "w").Wrapped) {
			t.Fatalf("key of %s: %q %v", id, w, err)
		}
	}
}
