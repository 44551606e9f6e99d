package storetest

import (
	"bytes"
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func sameSource(a, b *candor.Source) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Kind == b.Kind &&
		slices.Equal(a.AllowedTypes, b.AllowedTypes) && a.CreatedAt.Equal(b.CreatedAt)
}

func sameKey(a, b *candor.APIKey) bool {
	return a.ID == b.ID && a.Role == b.Role && a.Principal == b.Principal && a.Hash == b.Hash &&
		a.CreatedAt.Equal(b.CreatedAt) && a.RevokedAt.Equal(b.RevokedAt) && a.Revoked() == b.Revoked()
}

func testSources(t *testing.T, h *harness) {
	if got, err := h.s.Sources(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Sources of an empty store = %d sources, %v; want none", len(got), err)
	}
	srcs := []*candor.Source{
		{ID: "tax", Name: "Tax office", Kind: candor.SourceTaxAuthority, AllowedTypes: []string{"tax_return_filed", "tax_arrears"}, CreatedAt: base},
		{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"loan_repaid"}, CreatedAt: base.Add(time.Hour)},
		{ID: "court_a", Name: "District court A", Kind: candor.SourceCourt, CreatedAt: base.In(time.FixedZone("CET", 3600))},
		{ID: "bank10", Name: "Bank Ten", Kind: candor.SourceBank, AllowedTypes: []string{}},
	}
	for _, s := range srcs {
		if err := h.s.PutSource(ctx, s); err != nil {
			t.Fatalf("PutSource(%s): %v", s.ID, err)
		}
	}
	for _, want := range srcs {
		got, err := h.s.Source(ctx, want.ID)
		if err != nil {
			t.Fatalf("Source(%s): %v", want.ID, err)
		}
		if !sameSource(got, want) {
			t.Errorf("Source(%s) = %+v, want %+v", want.ID, got, want)
		}
	}
	_, err := h.s.Source(ctx, "nobody")
	wantCode(t, err, candor.ENOTFOUND, "Source of an unknown ID")
	_, err = h.s.Source(ctx, "bank")
	wantCode(t, err, candor.ENOTFOUND, "Source of a prefix of a known ID")

	replaced := &candor.Source{ID: "bank7", Name: "Bank Seven plc", Kind: candor.SourceBank, AllowedTypes: []string{"loan_repaid", "loan_default"}, CreatedAt: base}
	if err := h.s.PutSource(ctx, replaced); err != nil {
		t.Fatalf("PutSource(replace): %v", err)
	}
	got, err := h.s.Sources(ctx)
	if err != nil {
		t.Fatalf("Sources: %v", err)
	}
	want := []*candor.Source{srcs[3], replaced, srcs[2], srcs[0]} // by ID: bank10 < bank7 < court_a < tax
	if !slices.EqualFunc(got, want, sameSource) {
		t.Errorf("Sources = %v, want (by ID) %v", sourceIDs(got), sourceIDs(want))
		for i := range min(len(got), len(want)) {
			if !sameSource(got[i], want[i]) {
				t.Errorf("Sources[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
	}
}

func sourceIDs(ss []*candor.Source) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func testKeys(t *testing.T, h *harness) {
	if got, err := h.s.Keys(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Keys of an empty store = %d keys, %v; want none", len(got), err)
	}
	var keys []*candor.APIKey
	for _, p := range []string{"tax", "bank7", "alice"} {
		role := candor.RoleSource
		if p == "alice" {
			role = candor.RoleOperator
		}
		_, k := candor.NewAPIKey(role, p, base)
		keys = append(keys, k)
		if err := h.s.PutKey(ctx, k); err != nil {
			t.Fatalf("PutKey: %v", err)
		}
	}
	for _, want := range keys {
		got, err := h.s.Key(ctx, want.ID)
		if err != nil {
			t.Fatalf("Key(%s): %v", want.ID, err)
		}
		if !sameKey(got, want) {
			t.Errorf("Key(%s) = %+v, want %+v", want.ID, got, want)
		}
	}
	_, err := h.s.Key(ctx, "nokey")
	wantCode(t, err, candor.ENOTFOUND, "Key of an unknown ID")

	// Revoking is replacing.
	revoked := *keys[1]
	revoked.RevokedAt = base.Add(24 * time.Hour)
	if err := h.s.PutKey(ctx, &revoked); err != nil {
		t.Fatalf("PutKey(revoke): %v", err)
	}
	got, err := h.s.Key(ctx, revoked.ID)
	if err != nil || !got.Revoked() || !sameKey(got, &revoked) {
		t.Errorf("Key after revoking = %+v, %v; want %+v", got, err, revoked)
	}
	want := []*candor.APIKey{keys[0], &revoked, keys[2]}
	slices.SortFunc(want, func(a, b *candor.APIKey) int { return cmp.Compare(a.ID, b.ID) })
	all, err := h.s.Keys(ctx)
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	if !slices.EqualFunc(all, want, sameKey) {
		t.Errorf("Keys = %v, want (by ID) %v", keyIDs(all), keyIDs(want))
	}
}

func keyIDs(ks []*candor.APIKey) []string {
	var ids []string
	for _, k := range ks {
		ids = append(ids, k.ID)
	}
	return ids
}

func testMeta(t *testing.T, h *harness) {
	_, err := h.s.GetMeta(ctx, "demo_loaded")
	wantCode(t, err, candor.ENOTFOUND, "GetMeta of an unknown name")
	tests := []struct {
		name  string
		value []byte
	}{
		{"demo_loaded", []byte("2026-03-14")},
		{"empty", []byte{}},
		{"binary", []byte{0, 1, 0xff, 0}},
		{"demo", []byte("a prefix of another name")},
	}
	for _, tt := range tests {
		if err := h.s.PutMeta(ctx, tt.name, tt.value); err != nil {
			t.Fatalf("PutMeta(%s): %v", tt.name, err)
		}
	}
	if err := h.s.PutMeta(ctx, "demo_loaded", []byte("2026-03-15")); err != nil {
		t.Fatalf("PutMeta(overwrite): %v", err)
	}
	tests[0].value = []byte("2026-03-15")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.s.GetMeta(ctx, tt.name)
			if err != nil || !bytes.Equal(got, tt.value) {
				t.Errorf("GetMeta = %q, %v; want %q", got, err, tt.value)
			}
		})
	}
}
