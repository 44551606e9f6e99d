package credentials

import (
	"context"
	"slices"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// members returns the members of key's subject's group, the subject
// alone without Config.Groups.
func (s *Service) members(ctx context.Context, key *vault.SubjectKey) ([]candor.SubjectID, error) {
	if s.cfg.Groups == nil {
		return []candor.SubjectID{key.Subject()}, nil
	}
	return s.cfg.Groups.Members(ctx, key.Subject())
}

// memberKey returns the key of member m of key's subject's group.
func (s *Service) memberKey(ctx context.Context, key *vault.SubjectKey, m candor.SubjectID) (*vault.SubjectKey, error) {
	if m == key.Subject() {
		return key, nil
	}
	return s.cfg.Vault.StoredKey(ctx, s.cfg.Store, m)
}

// groupEvents returns the facts of key's subject's group as the
// subject's own (Subject set to it), in time order.
func (s *Service) groupEvents(ctx context.Context, key *vault.SubjectKey) ([]*candor.Event, error) {
	members, err := s.members(ctx, key)
	if err != nil {
		return nil, err
	}
	return s.cfg.Vault.ReadGroupEvents(ctx, s.cfg.Store, key, members)
}

// groupIdentifiers returns the identifiers of key's subject's group: the
// subject's own (opened) first.
func (s *Service) groupIdentifiers(ctx context.Context, key *vault.SubjectKey, opened *candor.Subject) ([]candor.Identifier, error) {
	members, err := s.members(ctx, key)
	if err != nil {
		return nil, err
	}
	ids := slices.Clone(opened.Identifiers)
	for _, m := range members {
		if m == key.Subject() {
			continue
		}
		k, err := s.memberKey(ctx, key, m)
		if err != nil {
			return nil, err
		}
		rec, err := s.cfg.Store.Subject(ctx, m)
		if err != nil {
			return nil, err
		}
		sub, err := k.OpenSubject(rec)
		if err != nil {
			return nil, err
		}
		ids = append(ids, sub.Identifiers...)
	}
	return ids, nil
}
