package disputes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// noticeID returns a notice ID that sorts by time: the instant in
// nanoseconds, fixed width, then random bits.
func noticeID(at time.Time) string {
	return fmt.Sprintf("%019d", at.UnixNano()) + newID("")
}

func putNotice(ctx context.Context, st candor.RecordStore, n *candor.Notice) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return st.PutRecord(ctx, &candor.Record{Kind: candor.RecordNotice, ID: candor.NoticeRecordID(n.RelyingParty, n.ID), Data: data})
}

// Notices returns the notices to relying party rp, oldest first.
func Notices(ctx context.Context, st candor.RecordStore, rp string) ([]*candor.Notice, error) {
	prefix := candor.NoticeRecordID(rp, "")
	var out []*candor.Notice
	for r, err := range st.AllRecords(ctx, candor.RecordNotice) {
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(r.ID, prefix) {
			continue
		}
		n := new(candor.Notice)
		if err := json.Unmarshal(r.Data, n); err != nil {
			return nil, fmt.Errorf("disputes: notice %s: %w", r.ID, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// Notices returns the notices of relying party rp (see the function
// Notices).
func (s *Service) Notices(ctx context.Context, rp string) ([]*candor.Notice, error) {
	return Notices(ctx, s.store, rp)
}
