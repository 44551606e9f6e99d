package strictjson_test

import (
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/strictjson"
)

type decisionRequestB struct {
	Consent string         `json:"consent"`
	Purpose candor.Purpose `json:"purpose"`
	Benefit string         `json:"benefit"`
}

// BenchmarkUnmarshalDecisionRequest reads the body of POST /v1/decisions.
func BenchmarkUnmarshalDecisionRequest(b *testing.B) {
	body := []byte(`{"consent":"ABCD-EFGH-JKLM","purpose":"rental","benefit":"deposit_waived"}`)
	b.ReportAllocs()
	for b.Loop() {
		var r decisionRequestB
		if err := strictjson.Unmarshal(body, &r); err != nil {
			b.Fatal(err)
		}
	}
}
