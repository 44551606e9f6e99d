package audit_test

import (
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
)

// BenchmarkAccessLogRecord records access records from many goroutines,
// each returning once its record is durable: the cost access logging adds
// to a read.
func BenchmarkAccessLogRecord(b *testing.B) {
	st := mustStore(b, b.TempDir())
	defer st.Close()
	v := testVault(b)
	id, key := mustSubject(b, st, v)
	al := audit.NewAccessLog(st, v, nil)
	defer al.Close()
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a := &candor.Access{Subject: id, At: time.Now(), Principal: "key_0123456789", Role: candor.RoleOperator,
				Purpose: "operator read", Action: "GET /v1/subjects/{id}/scores", Response: candor.Digest{1}}
			if err := al.RecordWith(ctx, key, a, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
